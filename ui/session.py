"""Everything kept in ``st.session_state``, set up in one place: who acts in this browser
session (``actor``, opened by ``services`` from a link and checked again at every call) and
a mirror of the saved answers of the person answering now only. Never in ``st.cache_*``.
On one device the other partner's answers are never loaded, nor a finished partner's."""

from __future__ import annotations

import contextlib
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec

import streamlit as st

import settings as app_settings
from questions import Content, ContentError, default_content
from services import AnswersLocked, KeyConfigError, LinkEnded, NotActing, StorageError, Store, TurnPassed
from services import partner as partners
from services.partner import Partner
from services.person import Person
from settings import Settings
from ui import link_carrier, server_socket
from ui.text import plain

Role = Literal["person", "couple", "counselor"]
P = ParamSpec("P")
#: Links: a person's own (alone, or a partner on two devices), a one-device couple's, a join code.
RESUME_PARAM, DEVICE_PARAM, JOIN_PARAM = "r", "d", "join"
#: The assessment open in the presentation view (an opaque id; checked against the
#: logged-in counselor on every load), so a refresh of the shared screen keeps it.
PRESENT_PARAM = "present"
STATE_KEY = "spark_check"
#: The secrets as the session read them first (``store``): the operator's settings, no one's data.
SECRETS_KEY = "spark_check_secrets"
WELCOME_BACK = "Welcome back. Your answers are restored."
#: Said instead when a link opens for the first time (a counselor's link, started in the office).
FIRST_VISIT = "Welcome. Each answer is saved as you give it, and this link brings you back."
UNKNOWN_LINK = (
    "That resume link doesn't match any saved answers. They may have been deleted. "
    "You can start afresh from **Welcome**."
)
LINK_ENDED = (
    "This link was replaced or its answers were deleted, so this page can't show or save anything more. "
    "Nothing was changed. If you were given a new link, open that one; or start afresh from **Welcome**."
)
FINISHED_READ_ONLY = "You've finished, so your answers are read-only now. To change them, reopen your answers first."


@dataclass
class SessionData:
    """One browser session's state. Only saved answers are mirrored here."""

    role: Role = "person"
    #: Who acts in this session (None until a first answer or a couple is made).
    actor: Person | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)
    #: Messages to show once on the next run (e.g. after a resume or a delete).
    notices: list[tuple[str, str]] = field(default_factory=list)
    #: The page a resume link should land on, consumed by the navigation.
    resume_page: str | None = None
    #: Item keys whose last answer could not be saved.
    unsaved: set[str] = field(default_factory=set)
    #: Answers just chosen, (questionnaire, item) -> value: a widget's callback runs before the
    #: run it starts has checked who acts, so the answer waits for that check (``save_pending``).
    pending: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: ``progress`` changed in a callback (a page turn), to save the same way (``save_pending``).
    progress_pending: bool = False
    #: This partner has finished: read-only answers, and none in the session on one device.
    finished: bool = False
    join_failures: int = 0
    #: This partner needs no (more) consent for a counselor: it is not asked again.
    consent_settled: bool = False
    #: A logged-in counselor (role "counselor").
    counselor_id: str | None = None
    counselor_name: str | None = None
    #: The counselor may manage counselor accounts (checked again by every such call).
    counselor_admin: bool = False
    #: An admin made the account: the first password is changed before anything else.
    counselor_must_change: bool = False
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

    @property
    def partner(self) -> Partner | None:
        return self.actor if isinstance(self.actor, Partner) else None

    @property
    def person_id(self) -> str | None:
        return self.actor.id if self.actor else None

    @property
    def slot(self) -> int | None:
        return self.partner.slot if self.partner else None

    @property
    def mode(self) -> Literal["one_device", "two_devices"] | None:
        return None if self.partner is None else "one_device" if self.partner.one_device else "two_devices"

    def link(self) -> tuple[str, str] | None:
        """The query parameter that brings this session back."""
        if self.partner and self.partner.device:
            return DEVICE_PARAM, self.partner.device
        return (RESUME_PARAM, self.actor.token) if self.actor else None

    @property
    def widget_slot(self) -> str:
        """Part of every widget key: ``solo``, ``p1`` or ``p2``."""
        return f"p{self.slot}" if self.slot else "solo"


@functools.cache
def _store_for(settings: Settings) -> Store:
    # One engine per process and settings: a connection pool, not anyone's data.
    store = Store.from_url(settings.database_url, sealer=settings.sealer())
    with contextlib.suppress(StorageError):  # expired, never-finished responses go (docs/SECURITY.md)
        store.purge_unfinished()
    return store


def store() -> Store:
    """The app's store, for the settings of ``settings.for_app``: the environment, then the
    secrets this session read at its first call (with no secrets file, ``st.secrets`` would
    look for one again at every call: 0.25 ms a run)."""
    secrets = st.session_state.get(SECRETS_KEY)
    if secrets is None:
        secrets = st.session_state[SECRETS_KEY] = app_settings.app_secrets()
    return _store_for(app_settings.for_app(secrets))


def content() -> Content:
    return default_content()


def data() -> SessionData:
    found = st.session_state.get(STATE_KEY)  # not ``setdefault``: it would build one at every call
    if found is None:
        found = st.session_state[STATE_KEY] = SessionData()
    return found


def start() -> SessionData:
    """Run at the top of every rerun: resume from a link."""
    server_socket.once()
    try:
        content()
        store()
    except ContentError as exc:  # one clear line naming the file and field, not a traceback
        st.error(f"Spark Check can't start because a content file is invalid — {exc}")
        st.stop()
    except KeyConfigError as exc:
        st.error(f"Spark Check can't start: the encryption key setting is wrong — {exc}")
        st.stop()
    except StorageError:  # e.g. a read-only disk or an unreachable database server
        st.error("Spark Check can't reach its database just now, so nothing can be saved. Please try again later.")
        st.stop()
    # Once, from the address or the tab's cookie; never put back in the URL (ui/link_carrier.py).
    link = link_carrier.take()
    if link is not None and link[0] != JOIN_PARAM and link != data().link():
        resume(*link)
    return data()


def resume(param: str, token: str) -> None:
    """Open who acts from a link (``services.partner.open_link``), in a fresh session."""
    try:
        fresh = become(partners.open_link(store(), content(), token, param == DEVICE_PARAM))
        returning = bool(fresh.answers or fresh.progress) or fresh.finished
        fresh.notices.append(("success", WELCOME_BACK if returning else FIRST_VISIT))
        fresh.resume_page = fresh.progress.get("page") or ("couple_home" if fresh.role == "couple" else None)
    except LinkEnded:
        st.query_params.pop(param, None)
        data().notices.append(("warning", UNKNOWN_LINK))
    except StorageError:
        data().notices.append(("error", "Your saved answers can't be reached right now. Please try again shortly."))


def become(actor: Person, *notices: tuple[str, str]) -> SessionData:
    """A session made afresh for ``actor`` (resumed, started, handed over, finished on one
    device, reopened): no widget value, memo or answer of anyone else stays."""
    fresh = SessionData(role="couple" if isinstance(actor, Partner) else "person", actor=actor)
    snapshot = actor.snapshot()  # one check, then their reads
    fresh.progress, fresh.answers, fresh.finished = snapshot.progress, snapshot.answers, snapshot.finished
    fresh.notices.extend(notices)
    reset_widgets()
    st.session_state[STATE_KEY] = fresh
    return fresh


def act_as(state: SessionData, partner: Partner) -> None:
    """This person, with their answers, is now a partner in a couple (started or joined)."""
    state.actor, state.role = partner, "couple"
    st.query_params.pop(JOIN_PARAM, None)


def follow(state: SessionData) -> SessionData:
    """At each full run: the session follows what is stored. Another tab may have finished,
    handed over or reopened, or the link was replaced: the session starts afresh for whoever
    holds the turn (or ends), so a finished partner's answers never linger in it."""
    try:
        if state.actor is None:
            return state
        if state.partner is None:
            state.actor.check()
        elif (done := state.partner.finished()) != state.finished or (
            state.partner.one_device and done and state.answers
        ):
            return become(state.partner)
    except NotActing as exc:
        ended(state, exc)
    except StorageError:
        if state.partner and state.partner.one_device:  # whose turn is unknown: keep nothing on screen
            reset_widgets()
            state.answers, state.finished = {}, True
    return data()


def ended(state: SessionData, exc: NotActing) -> None:
    """Who this session acted for is no longer live (``services`` said so at a call; nothing
    was changed). The session follows its link to whoever it opens now (on one device, the
    partner whose turn it is), or is left empty. Either way the page says so, kindly."""
    turn = f"It's {plain(str(exc.args[0]))}'s turn now on this device. Nothing was saved from the page before."
    if (link := state.link()) is not None:
        with contextlib.suppress(NotActing, StorageError):
            opened = partners.open_link(store(), content(), link[1], link[0] == DEVICE_PARAM)
            become(opened, *([("info", turn)] if isinstance(exc, TurnPassed) else []))
            return
    forget(("warning", LINK_ENDED))


def one_action(state: SessionData) -> contextlib.AbstractContextManager[Any]:
    """A page's full run is one action: who acts is checked once, at ``follow``, and the
    page's other reads share that check (``services.person.Person.action``)."""
    return state.actor.action() if state.actor is not None else contextlib.nullcontext()


def fragment(run_every: float | None = None) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """``st.fragment``, each of whose runs is one action, as a page's run is (``pages_registry.run``):
    a fragment or timer reruns without the page's checks, so who acts is checked at its top,
    the answers just chosen are saved under that check (``save_pending``), and its other reads
    share it. If who acts is no longer live, a message waits, or the first answer just made
    the link (the page's link container must hold it), the whole page runs again."""

    def decorate(func: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            state = data()
            link = state.link()
            with one_action(state):
                if follow(state) is state:
                    save_pending(state)
                if data() is not state or state.notices or state.link() != link:
                    st.rerun()
                func(*args, **kwargs)

        return st.fragment(run, run_every=run_every)

    return decorate


def reset_widgets() -> None:
    """Forget every widget value: nothing of one person stays for the next."""
    for key in [
        k for k in st.session_state if k not in (STATE_KEY, SECRETS_KEY) and not str(k).startswith(link_carrier.PREFIX)
    ]:
        del st.session_state[key]


def order_seed(state: SessionData) -> str:
    """The seed of this person's item order, kept in their progress so a resume keeps it."""
    return str(state.progress.setdefault("order_seed", secrets.token_hex(8)))


def actor(state: SessionData) -> Person:
    """Who answers in this session, made (with their resume link) at the first answer."""
    if state.actor is None:
        order_seed(state)
        state.actor = Person.new(store(), content(), state.progress)
    return state.actor


def choose(state: SessionData, questionnaire_id: str, item_id: str, value: Any) -> None:
    """An answer widget's callback: the answer is saved as soon as the run the choice started
    has checked who acts, under that one check (``live`` in a fragment, ``pages_registry.before_page``
    in a page's full run), before anything on the page is drawn. A save as it is given, at
    one identity lookup an answer, not two (docs/PERFORMANCE.md)."""
    state.pending[(questionnaire_id, item_id)] = value


def turn_to(state: SessionData, **progress: Any) -> None:
    """A page-turn button's callback: where the person is now, saved like an answer, under the
    run's check (``save_pending``), not at a check of its own."""
    state.progress.update(progress)
    state.progress_pending = True


def save_pending(state: SessionData) -> SessionData:
    """Save the answers chosen since the last run, in order, then where the person is; returns
    the session as it is now (a new one if who acts had ended: the rest are not saved, for the
    session they were given in is gone)."""
    while state.pending and data() is state:
        questionnaire_id, item_id = key = next(iter(state.pending))
        _save_answer(state, questionnaire_id, item_id, state.pending.pop(key))
    if state.progress_pending and data() is state:
        state.progress_pending = False
        set_progress(state)
    return data()


def _save_answer(state: SessionData, questionnaire_id: str, item_id: str, value: Any) -> None:
    """Write one answer now; mirror it in the session only once it is saved."""
    key = f"{questionnaire_id}.{item_id}"
    try:
        actor(state).save_answer(questionnaire_id, item_id, value)
    except NotActing as exc:
        ended(state, exc)
        return
    except AnswersLocked:  # e.g. another tab of this partner finished meanwhile: nothing changes
        state.finished = True
        state.notices.append(("info", FINISHED_READ_ONLY))
        return
    except StorageError:
        state.unsaved.add(key)
        return
    state.unsaved.discard(key)
    state.answers.setdefault(questionnaire_id, {})[item_id] = value


def set_progress(state: SessionData, **progress: Any) -> None:
    state.progress.update(progress)
    try:
        if state.actor is not None:
            state.actor.set_progress(state.progress)
    except NotActing as exc:
        ended(state, exc)
    except StorageError:
        pass  # the page position is a convenience; answers are what must not be lost


def forget(notice: tuple[str, str]) -> None:
    """An empty session (after a delete, or a link that ended), no link in the address bar."""
    reset_widgets()
    st.session_state[STATE_KEY] = SessionData(notices=[notice])
    for param in (RESUME_PARAM, DEVICE_PARAM):
        st.query_params.pop(param, None)
