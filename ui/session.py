"""Everything kept in ``st.session_state``, set up in one place.

Per-user data lives only here (one browser session) and in the database;
never in ``st.cache_*``, which every session shares.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

from questions import Content, ContentError, default_content
from storage import StorageError, Store, configured_url

Role = Literal["person", "couple", "counselor"]
RESUME_PARAM = "r"
STATE_KEY = "spark_check"


@dataclass
class SessionData:
    """One browser session's state. Only saved answers are mirrored here."""

    role: Role = "person"
    person_id: str | None = None
    token: str | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)
    #: Messages to show once on the next run (e.g. after a resume or a delete).
    notices: list[tuple[str, str]] = field(default_factory=list)
    #: The page a resume link should land on, consumed by the navigation.
    resume_page: str | None = None
    #: Item keys whose last answer could not be saved.
    unsaved: set[str] = field(default_factory=set)


@functools.cache
def _store_for(url: str) -> Store:
    # One engine per process and URL: a connection pool, not anyone's data.
    return Store.from_url(url)


def store() -> Store:
    return _store_for(database_url())


def database_url() -> str:
    """``DATABASE_URL`` or ``SPARK_CHECK_SQLITE_PATH`` from the environment, else
    ``[connections.spark_check] url`` from Streamlit secrets, else the SQLite default."""
    url = configured_url()
    if url.startswith("sqlite") and not _env_configured():
        try:
            secret_url = st.secrets.get("connections", {}).get("spark_check", {}).get("url")
        except FileNotFoundError:
            secret_url = None
        except Exception:  # malformed secrets.toml: fall back to the default, loudly in logs
            secret_url = None
        if secret_url:
            return configured_url({"DATABASE_URL": str(secret_url)})
    return url


def _env_configured() -> bool:
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("SPARK_CHECK_SQLITE_PATH"))


def content() -> Content:
    return default_content()


def data() -> SessionData:
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = SessionData()
    state: SessionData = st.session_state[STATE_KEY]
    return state


def start() -> SessionData:
    """Run at the top of every rerun: resume from the link, keep the link in the URL."""
    try:
        content()
    except ContentError as exc:
        # One clear line naming the file and field, not a traceback in the page.
        st.error(f"Spark Check can't start because a content file is invalid — {exc}")
        st.stop()
    state = data()
    token = st.query_params.get(RESUME_PARAM)
    if token and token != state.token:
        _resume(state, token)
    if state.token and st.query_params.get(RESUME_PARAM) != state.token:
        # Query parameters are cleared on page changes; put the link back.
        st.query_params[RESUME_PARAM] = state.token
    return state


def _resume(state: SessionData, token: str) -> None:
    try:
        record = store().person_by_token(token)
        answers = store().answers_for(record.id) if record else {}
    except StorageError:
        state.notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))
        return
    if record is None:
        del st.query_params[RESUME_PARAM]
        state.notices.append(
            (
                "warning",
                "That resume link doesn't match any saved answers. They may have been deleted. "
                "You can start afresh below.",
            )
        )
        return
    state.person_id, state.token = record.id, token
    state.answers = answers
    state.progress = record.progress
    state.resume_page = record.progress.get("page")
    state.unsaved.clear()
    state.notices.append(("success", "Welcome back. Your answers are restored."))


def order_seed(state: SessionData) -> str:
    """The seed of this person's item order, kept in their progress so a resume keeps it."""
    seed = state.progress.get("order_seed")
    if not seed:
        seed = secrets.token_hex(8)
        state.progress["order_seed"] = seed
    return str(seed)


def ensure_person(state: SessionData) -> str:
    """The person's id, creating the record (and resume link) on the first answer."""
    if state.person_id is None:
        state.person_id, state.token = store().create_person()
        st.query_params[RESUME_PARAM] = state.token
        order_seed(state)
        store().set_progress(state.person_id, state.progress)
    return state.person_id


def save_answer(state: SessionData, questionnaire_id: str, item_id: str, value: Any) -> bool:
    """Write one answer now; mirror it in the session only once it is saved."""
    key = f"{questionnaire_id}.{item_id}"
    questionnaire = content().questionnaire(questionnaire_id)
    try:
        person_id = ensure_person(state)
        store().save_answer(person_id, questionnaire_id, questionnaire.version, item_id, value)
    except StorageError:
        state.unsaved.add(key)
        return False
    state.unsaved.discard(key)
    state.answers.setdefault(questionnaire_id, {})[item_id] = value
    return True


def set_progress(state: SessionData, **progress: Any) -> None:
    state.progress.update(progress)
    if state.person_id is None:
        return
    # The page position is a convenience; answers are what must not be lost.
    with contextlib.suppress(StorageError):
        store().set_progress(state.person_id, state.progress)


def replace_answers(state: SessionData, answers: dict[str, dict[str, Any]]) -> None:
    """Replace every answer at once (an import): all written, or none."""
    versions = {qid: q.version for qid, q in content().questionnaires.items()}
    person_id = ensure_person(state)
    store().save_answers(person_id, answers, versions, replace=True)
    state.answers = {qid: dict(items) for qid, items in answers.items()}
    state.unsaved.clear()


def delete_everything(state: SessionData) -> None:
    """Delete the person and every answer for good, then forget the session."""
    if state.person_id is not None:
        store().delete_person(state.person_id)
    fresh = SessionData(notices=[("success", "Your answers have been deleted for good.")])
    st.session_state[STATE_KEY] = fresh
    for key in list(st.session_state.keys()):
        if key != STATE_KEY:
            del st.session_state[key]
    if RESUME_PARAM in st.query_params:
        del st.query_params[RESUME_PARAM]


def show_notices(state: SessionData) -> None:
    for kind, message in state.notices:
        getattr(st, kind)(message)
    state.notices.clear()
