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
from settings import Settings
from storage import AnswersLocked, StorageError, Store
from storage.counselors import CounselorDesk
from storage.crypto import KeyConfigError
from storage.repository import CoupleRecord, JoinOutcome

Role = Literal["person", "couple", "counselor"]
Mode = Literal["one_device", "two_devices"]
#: The resume link of a person (alone, or one partner on their own device).
RESUME_PARAM = "r"
#: The resume link of a couple answering in turn on one device.
DEVICE_PARAM = "d"
#: A join code carried by a join link.
JOIN_PARAM = "join"
STATE_KEY = "spark_check"
#: Wrong join codes one browser session may try before it must ask for a new link.
MAX_JOIN_TRIES_PER_SESSION = 10


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
    """Run at the top of every rerun: resume from a link, keep the link in the URL."""
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
    device = st.query_params.get(DEVICE_PARAM)
    token = st.query_params.get(RESUME_PARAM)
    if device and device != state.device_token:
        _resume_device(state, device)
    elif token and not device and token != state.token:
        _resume_person(state, token)
    state = data()  # a resume starts a fresh session state
    _keep_link_in_url(state)
    return state


def _keep_link_in_url(state: SessionData) -> None:
    # Query parameters are cleared on page changes; put the link back.
    link = state.link()
    if link is None:
        return
    name, value = link
    if st.query_params.get(name) != value:
        st.query_params[name] = value
    other = RESUME_PARAM if name == DEVICE_PARAM else DEVICE_PARAM
    if other in st.query_params:
        del st.query_params[other]


def _unknown_link(param: str) -> None:
    if param in st.query_params:
        del st.query_params[param]
    data().notices.append(
        (
            "warning",
            "That resume link doesn't match any saved answers. They may have been deleted. You can start afresh below.",
        )
    )


def _reset_widgets() -> None:
    """Forget every widget value: nothing of one person stays for the next."""
    for key in list(st.session_state.keys()):
        if key != STATE_KEY:
            del st.session_state[key]


def _load_person(state: SessionData, person_id: str) -> None:
    state.person_id = person_id
    state.answers = store().answers_for(person_id)
    state.unsaved.clear()


def _resume_person(state: SessionData, token: str) -> None:
    try:
        record = store().person_by_token(token)
        if record is None:
            _unknown_link(RESUME_PARAM)
            return
        couple = store().couple(record.couple_id) if record.couple_id else None
        if couple is not None and couple.mode == "one_device":
            _unknown_link(RESUME_PARAM)  # partners on one device resume through the device link only
            return
        _reset_widgets()
        fresh = SessionData(token=token, progress=record.progress, resume_page=record.progress.get("page"))
        if couple is not None:
            fresh.role, fresh.couple_id, fresh.mode, fresh.slot = "couple", couple.id, "two_devices", record.slot
            me = couple.partner(record.slot or 0)
            fresh.finished = me is not None and me.finished
        _load_person(fresh, record.id)
    except StorageError:
        state.notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))
        return
    fresh.notices.append(("success", "Welcome back. Your answers are restored."))
    st.session_state[STATE_KEY] = fresh


def _resume_device(state: SessionData, device_token: str) -> None:
    try:
        couple = store().couple_by_device_token(device_token)
        if couple is None:
            _unknown_link(DEVICE_PARAM)
            return
        _reset_widgets()
        fresh = SessionData(role="couple", couple_id=couple.id, mode="one_device", device_token=device_token)
        _enter_slot(fresh, couple, couple.active_slot)
    except StorageError:
        state.notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))
        return
    fresh.resume_page = fresh.progress.get("page") or "couple_home"
    fresh.notices.append(("success", "Welcome back. Your answers are restored."))
    st.session_state[STATE_KEY] = fresh


def _enter_slot(state: SessionData, couple: CoupleRecord, slot: int) -> None:
    """One device: ``slot``'s turn. A partner who has finished brings no answers into the session."""
    partner = couple.partner(slot)
    if partner is None:
        raise StorageError("missing partner")
    record = store().person(partner.person_id)
    state.slot = slot
    state.progress = record.progress if record else {}
    state.finished = partner.finished
    if partner.finished:
        state.person_id = partner.person_id
        state.answers = {}
        state.unsaved.clear()
    else:
        _load_person(state, partner.person_id)


def _new_turn(state: SessionData, couple: CoupleRecord, slot: int) -> SessionData:
    """One device: a session state made afresh for ``slot`` — no widget value, no memo and
    no answer of anyone else (nor of a partner who has finished) stays."""
    fresh = SessionData(role="couple", couple_id=couple.id, mode="one_device", device_token=state.device_token)
    _enter_slot(fresh, couple, slot)  # may fail: then nothing has changed yet
    _reset_widgets()
    st.session_state[STATE_KEY] = fresh
    return fresh


def _hide_answers(state: SessionData) -> None:
    """One device, when the database can't say whose turn it is: keep nothing on screen."""
    _reset_widgets()
    state.answers = {}
    state.unsaved.clear()
    state.finished = True


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
    base_id = questionnaire_id.split(".", 1)[0]  # predictions share their questionnaire's version
    version = content().questionnaire(base_id).version
    try:
        person_id = ensure_person(state)
        store().save_answer(person_id, questionnaire_id, version, item_id, value)
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
        store().set_progress(state.person_id, state.progress)


def replace_answers(state: SessionData, answers: dict[str, dict[str, Any]]) -> None:
    """Replace every answer at once (an import): all written, or none."""
    versions = {qid: q.version for qid, q in content().questionnaires.items()}
    person_id = ensure_person(state)
    store().save_answers(person_id, answers, versions, replace=True)
    state.answers = {qid: dict(items) for qid, items in answers.items()}
    state.unsaved.clear()


def delete_everything(state: SessionData) -> None:
    """Delete the person (or, on one device, the whole couple) for good; forget the session."""
    if state.mode == "one_device" and state.couple_id:
        store().delete_couple(state.couple_id)
    elif state.person_id is not None:
        store().delete_person(state.person_id)
    _reset_widgets()
    st.session_state[STATE_KEY] = SessionData(notices=[("success", "Your answers have been deleted for good.")])
    for param in (RESUME_PARAM, DEVICE_PARAM):
        if param in st.query_params:
            del st.query_params[param]


FINISHED_READ_ONLY = "You've finished, so your answers are read-only now. To change them, reopen your answers first."


def show_notices(state: SessionData) -> None:
    for kind, message in state.notices:
        getattr(st, kind)(message)
    state.notices.clear()


# Couples ------------------------------------------------------------------


def start_one_device() -> SessionData:
    """Two partners, one device: partner 1 starts; the device link resumes the couple."""
    couple_id, device_token, _people = store().create_couple_one_device()
    couple = store().couple(couple_id)
    assert couple is not None
    fresh = _new_turn(SessionData(device_token=device_token), couple, 1)
    _keep_link_in_url(fresh)
    return fresh


def start_two_devices(state: SessionData) -> str:
    """Create a couple space with this person as partner 1; returns the join code."""
    couple_id, person_id, token, code = store().create_couple_two_devices(state.person_id)
    state.role, state.couple_id, state.mode, state.slot = "couple", couple_id, "two_devices", 1
    state.person_id = person_id
    if token is not None:
        state.token = token
    _keep_link_in_url(state)
    return code


def join(state: SessionData, code: str) -> JoinOutcome:
    """Join a partner's couple space with a code, bringing any answers already given."""
    if state.join_failures >= MAX_JOIN_TRIES_PER_SESSION:
        return JoinOutcome.LOCKED
    solo_id = state.person_id if state.couple_id is None else None
    result = store().join_couple(code, person_id=solo_id)
    if result.outcome is not JoinOutcome.JOINED:
        state.join_failures += 1
        return result.outcome
    state.role, state.couple_id, state.mode, state.slot = "couple", result.couple_id, "two_devices", 2
    state.person_id = result.person_id
    if result.token is not None:
        state.token = result.token
    if JOIN_PARAM in st.query_params:
        del st.query_params[JOIN_PARAM]
    _keep_link_in_url(state)
    return result.outcome


def desk() -> CounselorDesk:
    return CounselorDesk(store())


def log_in_counselor(counselor_id: str, name: str) -> None:
    """A counselor's session starts clean: nothing of anyone else's stays in it."""
    _reset_widgets()
    st.session_state[STATE_KEY] = SessionData(role="counselor", counselor_id=counselor_id, counselor_name=name)
    for param in (RESUME_PARAM, DEVICE_PARAM, JOIN_PARAM):
        if param in st.query_params:
            del st.query_params[param]


def log_out() -> None:
    _reset_widgets()
    st.session_state[STATE_KEY] = SessionData(notices=[("success", "You're logged out.")])
    st.query_params.clear()


def couple(state: SessionData) -> CoupleRecord | None:
    return store().couple(state.couple_id) if state.couple_id else None


def hand_over(state: SessionData) -> None:
    """One device: partner 2's turn. Partner 1's answers leave the session for good."""
    record = couple(state)
    if record is None or state.mode != "one_device":
        return
    store().set_active_slot(record.id, 2)
    _new_turn(state, record, 2)


def finish(state: SessionData, share_level: str) -> None:
    """This partner is done and has chosen what to share. On one device their answers
    leave the session at once: nothing of them can be seen from this screen any more."""
    if state.person_id is None:
        raise StorageError("no answers yet")
    store().finish(state.person_id, share_level)
    if state.mode != "one_device":
        state.finished = True
        set_progress(state, page="comparison")
        return
    try:
        record = couple(state)
        if record is None:
            raise StorageError("no couple")
        set_progress(state, page="comparison" if record.both_finished else "couple_home")
        _new_turn(state, record, record.active_slot)
    except StorageError:
        _hide_answers(state)


def reopen(state: SessionData) -> None:
    """A finished partner takes their answers back to change them (after confirming who they
    are, on one device). They finish again afterwards; the comparison notes the update."""
    record = couple(state)
    if record is None or state.person_id is None:
        return
    if state.mode == "one_device" and state.slot != record.active_slot:
        return  # only the partner whose turn it is: after the hand-over, partner 1's answers stay hidden
    store().reopen(state.person_id)
    record = couple(state)
    if state.mode == "one_device" and record is not None:
        _new_turn(state, record, record.active_slot)
    else:
        state.finished = False
        state.answers = store().answers_for(state.person_id)


def follow_couple(state: SessionData) -> SessionData:
    """At the start of each full run of a couple's page: the session follows what is stored.

    Another tab on this device may have finished, handed over or reopened meanwhile.
    On one device the session then starts afresh for the partner whose turn it is, so
    the answers of a partner who has finished (or handed over) never linger in it.
    """
    if state.role != "couple" or state.couple_id is None:
        return state
    try:
        record = couple(state)
    except StorageError:
        return state
    if record is None:
        return state
    me = record.partner(state.slot or 0)
    if state.mode == "one_device":
        stale = record.active_slot != state.slot or me is None or me.finished != state.finished
        if stale or (state.finished and state.answers):
            try:
                return _new_turn(state, record, record.active_slot)
            except StorageError:
                _hide_answers(state)
    elif me is not None:
        state.finished = me.finished
    return state
