"""Database tables (SQLAlchemy 2.x declarative)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    #: Every model here maps one plain table (SQLAlchemy types it as the wider ``FromClause``).
    __table__: ClassVar[Table]


class Couple(Base):
    """Two partners comparing results, on one device or two."""

    __tablename__ = "couples"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: "one_device" (answer in turn) or "two_devices" (join code).
    mode: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: One device: SHA-256 of the device's resume token; its turn (1 or 2).
    device_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    active_slot: Mapped[int] = mapped_column(Integer, default=1)
    #: Two devices: the join code's public part, and the hash of its secret part.
    join_prefix: Mapped[str | None] = mapped_column(String(8), unique=True, default=None)
    join_secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    join_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    join_failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Set when a counselor runs this assessment for a couple on their roster.
    client_id: Mapped[str | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), default=None)

    partners: Mapped[list[Person]] = relationship(back_populates="couple")


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
    couple_id: Mapped[str | None] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), default=None)
    #: 1 or 2 within the couple.
    slot: Mapped[int | None] = mapped_column(Integer, default=None)
    #: What the partner sees: "nothing", "scores" or "items"; None until chosen.
    share_level: Mapped[str | None] = mapped_column(String(8), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When a partner last reopened their finished answers (their comparison then says so).
    reopened_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When this partner agreed that the couple's counselor may see their results.
    counselor_consent_at: Mapped[datetime | None] = mapped_column(default=None)
    #: An optional first name or nickname a partner gives (shown to the couple and their counselor only).
    nickname: Mapped[str | None] = mapped_column(String(40), default=None)
    #: This partner's link was made by the couple's counselor, who may replace it (never
    #: for a partner who joined on their own).
    counselor_link: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    couple: Mapped[Couple | None] = relationship(back_populates="partners")

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


class Counselor(Base):
    """A counselor's account: Argon2id password hash, or an OpenID Connect identity."""

    __tablename__ = "counselors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    #: An admin counselor adds, disables and re-enables counselors in the app.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: A disabled counselor can't log in; their sessions were revoked when it was set.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Set for an account an admin made: the first password is changed at the first login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Client(Base):
    """A couple on a counselor's roster, under a label the counselor chooses."""

    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    counselor_id: Mapped[str] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(120))
    #: Lower-cased label, for search.
    label_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionNote(Base):
    """A counselor's private note about a session with a couple."""

    __tablename__ = "session_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The note text (sealed when encryption at rest is configured).
    body: Mapped[str] = mapped_column(Text)


class HomeworkStep(Base):
    """A next step the couple chose as homework, checked off at a later session."""

    __tablename__ = "homework"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class PlanStep(Base):
    """A step of the shared plan a couple chose to try, ticked off when done."""

    __tablename__ = "plan_steps"
    __table_args__ = (UniqueConstraint("couple_id", "suggestion_id", name="uq_plan_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    couple_id: Mapped[str] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[str] = mapped_column(String(64))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class CounselorSession(Base):
    """A counselor's login that survives a page refresh: only the SHA-256 of its random
    token is stored; it ends on log out (revoked), after IDLE_TIMEOUT without use, or at
    expires_at (storage/sessions.py, docs/SECURITY.md "Counselor sessions")."""

    __tablename__ = "counselor_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    counselor_id: Mapped[str] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class SafetyFlag(Base):
    """A safety concern a partner raised (an answer that needs care), kept when the answer
    changes: ``changed_at`` says when. Only the counselor's private panel reads these."""

    __tablename__ = "safety_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(default=None)


Index("ix_people_updated_at", Person.updated_at)
Index("ix_clients_counselor_label", Client.counselor_id, Client.label_key)
Index("ix_clients_counselor_updated", Client.counselor_id, Client.updated_at)
Index("ix_couples_client_created", Couple.client_id, Couple.created_at)
Index("ix_people_couple_slot", Person.couple_id, Person.slot, unique=True)
