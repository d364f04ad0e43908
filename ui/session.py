"""Everything kept in ``st.session_state``, set up in one place.

Per-user data lives only here (one browser session) and in the database;
never in ``st.cache_*``, which every session shares. The session mirrors only
the answers of the person answering now: on one device, the other partner's
answers are never loaded into it, and nor are a partner's own once they have
finished (until they deliberately reopen them).
"""

from __future__ import annotations

import contextlib
import functools
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

import settings as app_settings
from questions import Content, ContentError, default_content
from services import answers as answers_service
from settings import Settings
from storage import AnswersLocked, StorageError, Store
from storage import sessions as counselor_sessions
from storage.counselors import CounselorDesk
from storage.couples import CoupleRecord
from storage.crypto import KeyConfigError
from ui import link_carrier

Role = Literal["person", "couple", "counselor"]
Mode = Literal["one_device", "two_devices"]
#: The resume link of a person (alone, or one partner on their own device).
RESUME_PARAM = "r"
#: The resume link of a couple answering in turn on one device.
DEVICE_PARAM = "d"
#: A join code carried by a join link.
JOIN_PARAM = "join"
#: The assessment open in the presentation view (an opaque id; checked against the
#: logged-in counselor on every load), so a refresh of the shared screen keeps it.
PRESENT_PARAM = "present"
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
    couple_id: str | None = None
    mode: Mode | None = None
    #: This session's partner slot (1 or 2) in a couple.
    slot: int | None = None
    #: This partner has finished: their answers are read-only, and on one device
    #: they are not in the session at all (``answers`` stays empty).
    finished: bool = False
    #: One device: the couple's device link token.
    device_token: str | None = None
    join_failures: int = 0
    #: Set once this partner needs no (more) consent for a counselor: the couple is not a
    #: counselor's, or they gave it. Neither changes back, so it is not asked again.
    consent_settled: bool = False
    #: A logged-in counselor (role "counselor").
    counselor_id: str | None = None
    counselor_name: str | None = None
    #: The counselor may manage counselor accounts (checked again by every such call).
    counselor_admin: bool = False
    #: The counselor's session token (storage/sessions.py), also kept in the browser
    #: so a page refresh restores the login (ui/counselor_session.py).
    counselor_token: str | None = None
    #: The presentation view is on a shared screen: no navigation, no counselor data.
    presenting: bool = False
    #: The browser's login token this session has already looked up (once is enough).
    checked_login_token: str | None = None
    #: The roster entry and assessment the counselor is looking at.
    client_id: str | None = None
    assessment_id: str | None = None
    #: Links shown once after starting an assessment (tokens are never stored): the
    #: links, the assessment ("couple") and the roster entry ("client") they were made
    #: for. Shown only on that couple's page, and gone once the counselor leaves it.
    fresh_links: dict[str, str] = field(default_factory=dict)

    def link(self) -> tuple[str, str] | None:
        """The query parameter that brings this session back."""
        if self.device_token:
            return DEVICE_PARAM, self.device_token
        if self.token:
            return RESUME_PARAM, self.token
        return None

    @property
    def widget_slot(self) -> str:
        """Part of every widget key: ``solo``, ``p1`` or ``p2``."""
        return f"p{self.slot}" if self.slot else "solo"


@functools.cache
def _store_for(settings: Settings) -> Store:
    # One engine per process and settings: a connection pool, not anyone's data.
    store = Store.from_url(settings.database_url, sealer=settings.sealer())
    # Expired, never-finished responses go after the documented period (docs/SECURITY.md).
    with contextlib.suppress(StorageError):
        store.purge_unfinished()
    return store


def store() -> Store:
    """The app's store, for the settings of ``settings.for_app`` (environment, then ``st.secrets``)."""
    return _store_for(app_settings.for_app())


def content() -> Content:
    return default_content()


def data() -> SessionData:
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = SessionData()
    state: SessionData = st.session_state[STATE_KEY]
    return state


def start() -> SessionData:
    """Run at the top of every rerun: resume from a link."""
    try:
        content()
    except ContentError as exc:
        # One clear line naming the file and field, not a traceback in the page.
        st.error(f"Spark Check can't start because a content file is invalid — {exc}")
        st.stop()
    try:
        store()
    except KeyConfigError as exc:
        st.error(f"Spark Check can't start: the encryption key setting is wrong — {exc}")
        st.stop()
    except StorageError:
        # e.g. a read-only disk or an unreachable database server: say so, plainly.
        st.error(
            "Spark Check can't reach its database just now, so nothing can be saved. "
            "Please try again in a little while."
        )
        st.stop()
    state = data()
    # Taken once from the address or the tab's cookie; never put back in the URL (ui/link_carrier.py).
    param, value = link_carrier.take() or ("", "")
    if param == DEVICE_PARAM and value != state.device_token:
        _resume_device(state, value)
    elif param == RESUME_PARAM and value != state.token:
        _resume_person(state, value)
    return data()  # a resume starts a fresh session state


#: Shown on whichever page the link opened, so it points to where a fresh start is.
UNKNOWN_LINK = (
    "That resume link doesn't match any saved answers. They may have been deleted. "
    "You can start afresh from **Welcome**."
)


def _unknown_link(param: str) -> None:
    if param in st.query_params:
        del st.query_params[param]
    data().notices.append(
        (
            "warning",
            UNKNOWN_LINK,
        )
    )


def reset_widgets() -> None:
    """Forget every widget value: nothing of one person stays for the next."""
    for key in list(st.session_state.keys()):
        if key != STATE_KEY and not str(key).startswith(link_carrier.PREFIX):
            del st.session_state[key]


def _resume_person(state: SessionData, token: str) -> None:
    try:
        # None also for a partner on one device: they resume through the device link only.
        resumed = answers_service.resume_person(store(), token)
        if resumed is None:
            _unknown_link(RESUME_PARAM)
            return
        reset_widgets()
        record, couple = resumed.person, resumed.couple
        fresh = SessionData(token=token, progress=record.progress, resume_page=record.progress.get("page"))
        if couple is not None:
            fresh.role, fresh.couple_id, fresh.mode, fresh.slot = "couple", couple.id, "two_devices", record.slot
            me = couple.partner(record.slot or 0)
            fresh.finished = me is not None and me.finished
        fresh.person_id, fresh.answers = record.id, resumed.answers
    except StorageError:
        state.notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))
        return
    fresh.notices.append(("success", "Welcome back. Your answers are restored."))
    st.session_state[STATE_KEY] = fresh


def _resume_device(state: SessionData, device_token: str) -> None:
    try:
        couple = answers_service.resume_device(store(), device_token)
        if couple is None:
            _unknown_link(DEVICE_PARAM)
            return
        reset_widgets()
        fresh = SessionData(role="couple", couple_id=couple.id, mode="one_device", device_token=device_token)
        enter_slot(fresh, couple, couple.active_slot)
    except StorageError:
        state.notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))
        return
    fresh.resume_page = fresh.progress.get("page") or "couple_home"
    fresh.notices.append(("success", "Welcome back. Your answers are restored."))
    st.session_state[STATE_KEY] = fresh


def enter_slot(state: SessionData, couple: CoupleRecord, slot: int) -> None:
    """One device: ``slot``'s turn. A partner who has finished brings no answers into the session."""
    turn = answers_service.turn(store(), couple, slot)
    state.slot, state.progress, state.finished = slot, turn.progress, turn.finished
    state.person_id, state.answers = turn.person_id, turn.answers
    state.unsaved.clear()


def new_turn(state: SessionData, couple: CoupleRecord, slot: int) -> SessionData:
    """One device: a session state made afresh for ``slot`` — no widget value, no memo and
    no answer of anyone else (nor of a partner who has finished) stays."""
    fresh = SessionData(role="couple", couple_id=couple.id, mode="one_device", device_token=state.device_token)
    enter_slot(fresh, couple, slot)  # may fail: then nothing has changed yet
    reset_widgets()
    st.session_state[STATE_KEY] = fresh
    return fresh


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
        order_seed(state)
        state.person_id, state.token = answers_service.new_person(store(), state.progress)
    return state.person_id


def save_answer(state: SessionData, questionnaire_id: str, item_id: str, value: Any) -> bool:
    """Write one answer now; mirror it in the session only once it is saved."""
    key = f"{questionnaire_id}.{item_id}"
    try:
        person_id = ensure_person(state)
        answers_service.save_answer(store(), content(), person_id, questionnaire_id, item_id, value)
    except AnswersLocked:
        # e.g. another tab of this partner finished meanwhile: nothing changes.
        state.finished = True
        state.notices.append(("info", FINISHED_READ_ONLY))
        return False
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
        answers_service.set_progress(store(), state.person_id, state.progress)


def replace_answers(state: SessionData, answers: dict[str, dict[str, Any]]) -> None:
    """Replace every answer at once (an import): all written, or none."""
    person_id = ensure_person(state)
    answers_service.replace_answers(store(), content(), person_id, answers)
    state.answers = {qid: dict(items) for qid, items in answers.items()}
    state.unsaved.clear()


def delete_everything(state: SessionData) -> None:
    """Delete the person (or, on one device, the whole couple) for good; forget the session."""
    answers_service.delete_everything(store(), state.person_id, state.couple_id, state.mode == "one_device")
    reset_widgets()
    st.session_state[STATE_KEY] = SessionData(notices=[("success", "Your answers have been deleted for good.")])
    for param in (RESUME_PARAM, DEVICE_PARAM):
        if param in st.query_params:
            del st.query_params[param]


FINISHED_READ_ONLY = "You've finished, so your answers are read-only now. To change them, reopen your answers first."


def show_notices(state: SessionData) -> None:
    for kind, message in state.notices:
        getattr(st, kind)(message)
    state.notices.clear()


def desk() -> CounselorDesk:
    return CounselorDesk(store())


def log_in_counselor(counselor_id: str, name: str, token: str | None = None, admin: bool = False) -> None:
    """A counselor's session starts clean: nothing of anyone else's stays in it. Without
    ``token`` (a fresh login) a new counselor session is opened in the database."""
    reset_widgets()
    if token is None:
        token = counselor_sessions.open_session(store(), counselor_id)
    st.session_state[STATE_KEY] = SessionData(
        role="counselor",
        counselor_id=counselor_id,
        counselor_name=name,
        counselor_admin=admin,
        counselor_token=token,
        checked_login_token=token,
    )
    for param in (RESUME_PARAM, DEVICE_PARAM, JOIN_PARAM):
        if param in st.query_params:
            del st.query_params[param]


def log_out(notice: str = "You're logged out.") -> None:
    """End the counselor's session: revoked in the database, so the token the browser
    keeps restores nothing."""
    token = data().counselor_token
    if token:
        with contextlib.suppress(StorageError):
            counselor_sessions.revoke_session(store(), token)
    reset_widgets()
    st.session_state[STATE_KEY] = SessionData(notices=[("success", notice)], checked_login_token=token)
    st.query_params.clear()
