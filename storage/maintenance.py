"""Operator tasks that touch every row: re-sealing answers and notes under the newest key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, select, update
from sqlalchemy.exc import SQLAlchemyError

from storage.crypto import FernetSealer, KeyMissingError
from storage.errors import StorageError
from storage.models import Answer, SessionNote
from storage.repository import Store

#: Rows read and rewritten per transaction.
RESEAL_BATCH = 500

#: (table, its integer key, the sealed column, a column that must keep its value).
_SEALED_COLUMNS: tuple[tuple[Table, str, str, str | None], ...] = (
    (Answer.__table__, "id", "value", "updated_at"),
    (SessionNote.__table__, "id", "body", None),
)


@dataclass(frozen=True)
class ResealReport:
    answers: int
    notes: int


def reseal_all(store: Store, batch_size: int = RESEAL_BATCH) -> ResealReport:
    """Seal every answer value and note with the store's first key.

    Rows in clear (written before a key was configured) are sealed; rows sealed with
    an older key are re-sealed; rows already under the first key are left alone, so a
    second run changes nothing. Each batch is one transaction, and a row is only
    rewritten if it still holds what was read (a concurrent write wins). A row no
    configured key can open stops the run with :class:`KeyMissingError`; batches
    before it stay done, and running again after fixing the keys continues.
    """
    sealer = store.sealer
    if not isinstance(sealer, FernetSealer):
        raise StorageError("no encryption key is configured: nothing to seal with")
    changed: list[int] = []
    for table, key_name, value_name, keep_name in _SEALED_COLUMNS:
        key: Column[int] = table.c[key_name]
        value: Column[str] = table.c[value_name]
        count, last = 0, None
        while True:
            try:
                with store.engine.begin() as connection:
                    query = select(key, value).order_by(key).limit(batch_size)
                    if last is not None:
                        query = query.where(key > last)
                    rows = connection.execute(query).all()
                    if not rows:
                        break
                    for row_key, stored in rows:
                        if not sealer.needs_reseal(stored):
                            continue
                        try:
                            fresh = sealer.reseal(stored)
                        except KeyMissingError as exc:
                            raise KeyMissingError(
                                f"{table.name} row {row_key} can't be opened with any configured key"
                            ) from exc
                        values: dict[str, str | Column[Any]] = {value_name: fresh}
                        if keep_name is not None:
                            values[keep_name] = table.c[keep_name]  # SET col = col: onupdate must not touch it
                        result = connection.execute(
                            update(table).where(key == row_key, value == stored).values(**values)
                        )
                        count += result.rowcount
                    last = rows[-1][0]
            except SQLAlchemyError as exc:
                raise StorageError(f"re-sealing {table.name} failed: {exc.__class__.__name__}") from exc
        changed.append(count)
    return ResealReport(answers=changed[0], notes=changed[1])
