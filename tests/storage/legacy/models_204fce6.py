"""storage/models.py as it was at commit 204fce6, verbatim but for this line: a database
made by this version of the app (``Base.metadata.create_all``), before migrations existed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Person(Base):
    """Someone taking the questionnaires; no account, reached by a resume token."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: SHA-256 of the resume token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Where the person was (page and section), as JSON, so a resume lands there.
    progress: Mapped[str] = mapped_column(Text, default="{}")

    answers: Mapped[list[Answer]] = relationship(back_populates="person", cascade="all, delete-orphan")


class Answer(Base):
    """One answer, written the moment it is given."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("person_id", "questionnaire_id", "item_id", name="uq_answer_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64))
    #: The value as JSON text (an option value or a list of them).
    value: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(back_populates="answers")


Index("ix_people_updated_at", Person.updated_at)
