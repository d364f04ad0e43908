"""Storage: SQLAlchemy tables and the repository the pages use."""

from storage.database import configured_url
from storage.repository import PersonRecord, Store, StorageError

__all__ = ["PersonRecord", "StorageError", "Store", "configured_url"]
