"""The one exception storage raises (re-exported by ``storage.repository`` and ``storage``)."""

from __future__ import annotations


class StorageError(Exception):
    """The database could not do what was asked; nothing was half-written."""


class AnswersLocked(StorageError):
    """A partner who has finished tried to change an answer: it stays as it was until they reopen."""
