"""Storage: SQLAlchemy tables and the repository the pages use."""

from storage.database import configured_url
from storage.errors import AnswersLocked, StorageError
from storage.identity import PersonRecord
from storage.repository import Store

__all__ = ["AnswersLocked", "PersonRecord", "StorageError", "Store", "configured_url"]
