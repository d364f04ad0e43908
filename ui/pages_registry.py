"""The app's pages, per role, and moving between them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal, NoReturn

import streamlit as st

from ui import browser, counselor_login_view, counselor_session, link_carrier, quick_exit, session

PAGES_DIR = "ui/pages"


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its script in ui/pages and how the navigation shows it."""

    name: str
    title: str
    icon: str
    default: bool = False

    @property
    def script(self) -> str:
        return f"{PAGES_DIR}/{self.name}.py"

    @property
    def url_path(self) -> str:
        """The page's URL path; the default page lives at the app's root."""
        return "" if self.default else self.name.replace("_", "-")


SPECS: dict[str, PageSpec] = {
    spec.name: spec
    for spec in (
        PageSpec("welcome", "Welcome", ":material/favorite:", default=True),
        PageSpec("couple_home", "Our check-up", ":material/favorite:", default=True),
        PageSpec("worth_it", "Is it worth it?", ":material/balance:"),
        PageSpec("intimacy", "Is our intimacy fading?", ":material/local_fire_department:"),
        PageSpec("predictions", "How I see my partner", ":material/visibility:"),
        PageSpec("share", "Finish & share", ":material/how_to_reg:"),
        PageSpec("results", "My results", ":material/insights:"),
        PageSpec("comparison", "Our comparison", ":material/compare_arrows:"),
        PageSpec("my_data", "My data & downloads", ":material/lock:"),
        PageSpec("counselor_login", "Counselor login", ":material/badge:"),
        PageSpec("roster", "My couples", ":material/groups:", default=True),
        PageSpec("client", "Couple", ":material/diversity_1:"),
        PageSpec("presentation", "Presentation view", ":material/co_present:"),
        PageSpec("export", "Export", ":material/download:"),
        PageSpec("counselors", "Counselors", ":material/manage_accounts:"),
    )
}

# st.Page resolves its script on disk (realpath, stat) each time it is made,
# which was a third of the app's own cost of a rerun. The page objects hold no
# one's data (a script path, a title, an icon), so each is made once per
# process and every run gets its own shallow copy: st.navigation marks the
# copy it picks, never the shared template.
_TEMPLATES: dict[tuple[str, bool], st.Page] = {}


def new_page(name: str, hidden: bool = False) -> st.Page:
    """A fresh st.Page for the page called ``name`` (see SPECS); ``hidden``: reachable by
    its URL but not listed in the navigation."""
    template = _TEMPLATES.get((name, hidden))
    if template is None:
        spec = SPECS[name]
        if spec.default:
            template = st.Page(spec.script, title=spec.title, icon=spec.icon, default=True)
        else:
            template = st.Page(
                spec.script,
                title=spec.title,
                icon=spec.icon,
                url_path=spec.url_path,
                visibility="hidden" if hidden else "visible",
            )
        if not hasattr(template, "_url_path"):
            return template  # made outside a script run (bare Python): nothing to keep
        _TEMPLATES[(name, hidden)] = template
    return copy.copy(template)


SOLO_PAGES = ("welcome", "worth_it", "intimacy", "results", "my_data", "counselor_login")
#: Counselor pages are in the navigation only after login (before it, their URLs show the login: ``for_role``).
COUNSELOR_PAGES = ("roster", "client", "presentation", "export")
#: Only an admin counselor's navigation has these.
ADMIN_PAGES = ("counselors",)
TWO_DEVICE_PAGES = ("couple_home", "worth_it", "intimacy", "predictions", "share", "results", "comparison", "my_data")
#: On one device there is no private results page: the screen is shared.
ONE_DEVICE_PAGES = ("couple_home", "worth_it", "intimacy", "predictions", "share", "comparison", "my_data")


def page_names(state: session.SessionData) -> tuple[str, ...]:
    if state.role == "counselor":
        return COUNSELOR_PAGES + ADMIN_PAGES if state.counselor_admin else COUNSELOR_PAGES
    if state.role == "couple":
        return ONE_DEVICE_PAGES if state.mode == "one_device" else TWO_DEVICE_PAGES
    return SOLO_PAGES


def nav_position(state: session.SessionData) -> Literal["sidebar", "hidden"]:
    """Presenting on a shared screen: no navigation (the counselor's pages, the roster)."""
    return "hidden" if state.role == "counselor" and state.presenting else "sidebar"


def for_role(state: session.SessionData) -> list[st.Page]:
    pages = [new_page(name) for name in page_names(state)]
    if state.role == "person":
        # A counselor page's URL opened logged out (a refresh after the login ended, a
        # bookmark): the page exists, hidden, and shows the login, then itself (no "Page
        # not found" over the welcome page). Each checks the login (require_counselor).
        gated = (*COUNSELOR_PAGES, *ADMIN_PAGES)
        pages += [new_page(name, hidden=True) for name in gated if not SPECS[name].default]
    elif state.role == "counselor" and not state.counselor_admin:
        # The same for an admin page's URL opened by a non-admin: it says it is for admins.
        pages += [new_page(name, hidden=True) for name in ADMIN_PAGES]
    return pages


def switch_to(name: str) -> NoReturn:
    st.switch_page(new_page(name))


#: How often (seconds) the reconnect guard below reruns (it draws nothing; any interval
#: would do). A number, not "10min": Streamlit parses a string with pandas at every run.
RECONNECT_GUARD_EVERY = 600
#: The questionnaire pages: their questions' fragment has the guard's timer.
QUESTIONNAIRE_PATHS = ("worth-it", "intimacy")


@st.fragment(run_every=RECONNECT_GUARD_EVERY)
def reconnect_guard() -> None:
    """Draws nothing: its timer alone matters. When its websocket comes back, Streamlit's
    frontend asks for a full run only if the last run was a fragment's or a timer is set.
    After a replica dies (deploy/README.md), the websocket comes back to a new, empty
    session on another replica; without that run, the answers given next would rerun
    fragments the new session does not have, and be dropped unsaved. With it, the new
    session resumes first, from the link the tab keeps (ui/link_carrier.py). The
    questionnaire pages' own fragment has the timer instead: one fragment less a run
    (a finished partner's part on a shared screen, which has none, draws this guard)."""


def run(state: session.SessionData, page: st.Page) -> None:
    """The page, after what every page needs first (``before_page``), as one action."""
    with session.one_action(state):
        before_page(state, page)
        page.run()


def before_page(state: session.SessionData, page: st.Page) -> None:
    """A resume link opens the app's root: go back to where the person was. Then
    show any one-off notices at the top of whichever page runs.

    A couple's session first follows what is stored (``session.follow``): after a
    partner finishes or hands over, no page — whether reached by the navigation, a
    button, the browser's Back button or another tab — shows that partner's answers.
    """
    state = session.save_pending(session.follow(state))  # the answers just chosen, under the run's check
    # A link just opened stays on its page until the tab's script took it out of the address.
    arrived = link_carrier.just_arrived()
    target = None if arrived else state.resume_page
    state.resume_page = state.resume_page if arrived else None
    if target in page_names(state) and page.url_path == "" and target not in ("welcome", "couple_home"):
        switch_to(target)
    if state.role != "counselor":
        quick_exit.render()  # on every page a person or partner sees, waiting screens included
    else:
        browser.page_style()  # a person's pages have it with the quick exit
    for kind, message in state.notices:  # one-off messages, at the top of whichever page runs
        getattr(st, kind)(message)
    state.notices.clear()
    counselor_session.keep_in_browser(state)
    link_carrier.carry(state.link())
    if state.role == "counselor" and not state.presenting:
        counselor_login_view.render_logout_button()
    elif state.role == "couple" and not arrived and page.url_path not in ("", "my-data") and needs_consent(state):
        # A counselor's assessment: each partner agrees to share with the counselor first.
        switch_to("couple_home")
    if page.url_path not in QUESTIONNAIRE_PATHS:  # their questions' fragment has the timer
        reconnect_guard()  # an empty block: Streamlit draws nothing for it


def needs_consent(state: session.SessionData) -> bool:
    if state.consent_settled:
        return False
    if state.partner is None:
        return False
    record = state.partner.couple()
    me = record.partner(state.slot or 0)
    if record.client_id is None or (me is not None and me.counselor_consent):
        state.consent_settled = True
        return False
    return me is not None
