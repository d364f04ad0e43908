"""The counselor workspace: login, roster, a couple's page, presentation view, export.

Every lookup goes through :class:`storage.counselors.CounselorDesk` with the
logged-in counselor's id, so another counselor's couples are simply not found.
Labels and notes are the counselor's own words: they are shown as plain text.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from reporting.charts import FONT, PARTNER_COLOURS, comparison_alt_text, comparison_rows, paired_chart
from reporting.couple_report import couple_report
from reporting.csv_export import to_csv
from scoring import visibility
from scoring.compare import CATEGORY_TITLES, CoupleComparison
from scoring.trends import CHANGE_THRESHOLD, trends
from storage import StorageError
from storage.counselors import LOCK_TIME, AccountError, AssessmentRecord, ClientRecord, decoy_verification
from storage.repository import format_join_code
from ui import session
from ui.pages_registry import switch_to
from ui.text import plain

PAGE_SIZE = 25
#: A failed login waits this long before answering: slows guessing further.
FAILED_LOGIN_DELAY_S = 1.0
NAMES = {1: "Partner 1", 2: "Partner 2"}
#: The tabs of a couple's page, and the widget key that holds the open one.
TABS = ("Assessments", "Trend", "Notes & homework", "Manage")
TAB_KEY = "client:tab"
#: Session state: the trend last computed in this session, with what it was computed from.
TREND_MEMO_KEY = "client:trend_memo"


def _state(on_couple_page: bool = False) -> session.SessionData:
    state = session.data()
    if state.role != "counselor" or state.counselor_id is None:
        st.error("Please log in as a counselor.")
        st.stop()
    if not on_couple_page:
        state.fresh_links = {}  # one-time links vanish once the counselor leaves the couple's page
    return state


# Login --------------------------------------------------------------------
#
# The policy (docs/SECURITY.md, "Counselor login"): every refused attempt -- unknown
# username, wrong password, locked account, throttled session -- gets the same message
# after the same work (one Argon2 check) and the same wait. Each browser session may
# fail SESSION_MAX_FAILURES times in SESSION_THROTTLE_S; after that its attempts are
# refused unchecked and count against no account, so one browser alone can never lock
# an account (storage locks it after MAX_FAILED_LOGINS).

#: Every refused login answers no sooner than this after it was sent: slows guessing,
#: and unknown, wrong, locked and throttled take the same time.
FAILED_LOGIN_DELAY_S = 1.0
#: Failed logins one browser session may make in SESSION_THROTTLE_S before its attempts
#: are refused unchecked. Fewer than the account's MAX_FAILED_LOGINS.
SESSION_MAX_FAILURES = 3
SESSION_THROTTLE_S = LOCK_TIME.total_seconds()
#: Session state: the times (time.monotonic) of this session's failed logins.
LOGIN_FAILURES_KEY = "login:failures"
LOGIN_REFUSED = (
    "That username and password don't match an account, or there were too many tries. "
    "Please check them, or try again in 15 minutes."
)
OIDC_UNVERIFIED = (
    "Your organisation's account didn't confirm your e-mail address, so it can't be used to log in here. "
    "Please use your Spark Check password."
)
OIDC_NO_ACCOUNT = "Your sign-in worked, but no Spark Check counselor account matches your e-mail address."


def render_login() -> None:
    st.title("Counselor login")
    st.markdown(
        "For counselors who use Spark Check in sessions. Couples and individuals don't need an account. "
        "A counselor account is made by whoever runs this server: `python -m storage add-counselor NAME`."
    )
    if _oidc_configured():
        if _oidc_signed_in():
            _oidc_login()
        st.button("Sign in with your organisation's account", on_click=st.login, key="login:oidc")
        st.caption("Or use a Spark Check password:")
    with st.form("login"):
        username = st.text_input("Username", max_chars=120, autocomplete="username", key="login:username")
        password = st.text_input(
            "Password", type="password", max_chars=256, autocomplete="current-password", key="login:password"
        )
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        _password_login(username, password)


def _password_login(username: str, password: str) -> None:
    deadline = time.monotonic() + FAILED_LOGIN_DELAY_S
    failures = _recent_failures()
    try:
        if len(failures) >= SESSION_MAX_FAILURES:
            decoy_verification(password)  # throttled: refused unchecked, after the same work
            counselor = None
        else:
            counselor = session.desk().authenticate(username, password).counselor
    except StorageError:
        st.error("Logging in isn't possible just now. Please try again in a moment.")
        return
    if counselor is None:
        if len(failures) < SESSION_MAX_FAILURES:
            st.session_state[LOGIN_FAILURES_KEY] = [*failures, time.monotonic()]
        time.sleep(max(0.0, deadline - time.monotonic()))
        st.error(LOGIN_REFUSED)
        return
    session.log_in_counselor(counselor.id, counselor.display_name)
    st.rerun()


def _recent_failures() -> list[float]:
    """This session's failed logins in the last SESSION_THROTTLE_S."""
    since = time.monotonic() - SESSION_THROTTLE_S
    return [t for t in st.session_state.get(LOGIN_FAILURES_KEY, []) if t > since]


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _oidc_signed_in() -> bool:
    return bool(getattr(st.user, "is_logged_in", False))


def _oidc_login() -> None:
    """Map an OpenID Connect identity to a counselor account of the same e-mail address,
    if the provider says the address is verified (else anyone able to put an address on
    an account at the provider could become that counselor)."""
    if st.user.get("email_verified") is not True:
        st.error(OIDC_UNVERIFIED)
        return
    email = str(st.user.get("email") or "")
    counselor = session.desk().counselor_by_username(email) if email else None
    if counselor is None:
        st.error(OIDC_NO_ACCOUNT)
        return
    session.log_in_counselor(counselor.id, counselor.display_name)
    st.rerun()


def _log_out() -> None:
    """The Log out button's callback. An identity from the organisation's sign-in is
    signed out too (its cookie deleted, the provider told), or the login page would
    sign the next person straight back in as this counselor."""
    signed_in = _oidc_configured() and _oidc_signed_in()
    session.log_out()
    if signed_in:
        st.logout()  # run as a callback: no rerun follows that could drop its redirect


# Roster -------------------------------------------------------------------


def render_roster() -> None:
    state = _state()
    st.title("My couples")
    st.caption(f"Logged in as {plain(state.counselor_name or '')}. Only you can see this roster.")
    with st.form("add_client", clear_on_submit=True):
        label = st.text_input("Add a couple (a label or pseudonym — no real names needed)", max_chars=80)
        if st.form_submit_button("Add couple"):
            try:
                state.client_id = session.desk().add_client(state.counselor_id or "", label)
            except AccountError as problem:
                st.error(str(problem))
            except StorageError:
                st.error("The couple couldn't be added just now. Please try again.")
            else:
                switch_to("client")
    page_key = "roster:page"
    search = st.text_input("Search by label", max_chars=80, key="roster:search", on_change=_first_page)
    page = int(st.session_state.get(page_key, 1))
    desk = session.desk()
    clients, total = desk.clients(state.counselor_id or "", search, page - 1, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if total and page > pages:
        # The roster shrank (a search, a removal): show its last page instead of an empty one.
        page = pages
        st.session_state[page_key] = page
        clients, total = desk.clients(state.counselor_id or "", search, page - 1, PAGE_SIZE)
    if total == 0:
        st.info("No couples yet." if not search else "No couple matches that search.")
        return
    st.caption(f"{total} couple{'s' if total != 1 else ''}")
    for client in clients:
        _roster_row(state, client)
    if pages > 1:
        st.pagination(pages, default=min(page, pages), key=page_key)


def _first_page() -> None:
    st.session_state["roster:page"] = 1


def _roster_row(state: session.SessionData, client: ClientRecord) -> None:
    left, middle, right = st.columns([3, 2, 1], vertical_alignment="center")
    left.text(client.label)
    middle.caption(f"{client.assessments} assessment(s) · active {client.updated_at:%d %b %Y}")
    if right.button("Open", key=f"roster:open:{client.id}", help=f"Open {plain(client.label)}"):
        state.client_id = client.id
        switch_to("client")


# One couple ---------------------------------------------------------------


def _client(state: session.SessionData) -> ClientRecord | None:
    requested = st.query_params.get("client")
    if requested:
        state.client_id = requested
    if not state.client_id:
        return None
    return session.desk().client(state.counselor_id or "", state.client_id)


def render_client() -> None:
    state = _state(on_couple_page=True)
    client = _client(state)
    if state.fresh_links.get("client") != (client.id if client else None):
        state.fresh_links = {}  # another couple's one-time links are never shown here
    if client is None:
        st.title("Couple")
        st.info("No couple found. Choose one from **My couples**.")
        return
    st.query_params["client"] = client.id
    st.title("Couple")
    st.text(client.label)
    page = CouplePage(state, client.id)
    # Only the open tab runs (switching tabs reruns the page): a rerun of the trend
    # doesn't also draw every assessment card, note and step, and the other way round.
    tab_sessions, tab_trend, tab_notes, tab_manage = st.tabs(list(TABS), on_change="rerun", key=TAB_KEY)
    if tab_sessions.open:
        with tab_sessions:
            _assessments_tab(state, client, page)
    if tab_trend.open:
        with tab_trend:
            _trend_tab(page)
    if tab_notes.open:
        with tab_notes:
            _notes_tab(state, client, page)
    if tab_manage.open:
        with tab_manage:
            _manage_tab(state, client, page)


class CouplePage:
    """What one run of a couple's page reads, read once and shared by its tabs: the
    assessments (one query for their partners), the consented answers of all of them
    (one query), and each assessment's comparison, computed once.

    It lives for one run of the page only, in a local variable: it is one counselor's
    data, so it is never put in ``st.cache_*``, which every session shares.
    """

    def __init__(self, state: session.SessionData, client_id: str) -> None:
        self.counselor_id = state.counselor_id or ""
        self.client_id = client_id
        self.desk = session.desk()
        self.assessments = self.desk.assessments(self.counselor_id, client_id)
        self._answers: dict[str, dict[int, dict[str, dict[str, Any]]]] | None = None
        self._comparisons: dict[tuple[str, visibility.Viewer], CoupleComparison | None] = {}

    def reload(self) -> None:
        """After starting an assessment: read the list again."""
        self.assessments = self.desk.assessments(self.counselor_id, self.client_id)
        self._answers = None
        self._comparisons.clear()

    def answers(self, couple_id: str) -> dict[int, dict[str, dict[str, Any]]]:
        """The consented partners' answers to one assessment, by slot (as ``consented_answers``)."""
        if self._answers is None:
            self._answers = self.desk.consented_answers_by_assessment(self.counselor_id, self.client_id)
        return self._answers.get(couple_id, {})

    def comparison(
        self, record: AssessmentRecord, viewer: visibility.Viewer = "counselor_shared"
    ) -> CoupleComparison | None:
        """A finished assessment of this couple as ``viewer`` may see it: ``counselor_shared``
        for anything the couple may see (report, homework from the plan), ``counselor_private``
        for the counselor's own reading (the trend)."""
        key = (record.couple.id, viewer)
        if key not in self._comparisons:
            finished = record.couple.both_finished
            answers = self.answers(record.couple.id)
            self._comparisons[key] = _comparison(record, answers, viewer) if finished else None
        return self._comparisons[key]

    def latest_finished(self) -> AssessmentRecord | None:
        return next((a for a in reversed(self.assessments) if a.couple.both_finished), None)

    def trend_points(self) -> list[tuple[datetime, dict[int, dict[str, float | None]]]]:
        """Every finished assessment's scores, for the trend.

        Twelve comparisons from some 2,000 answers cost more than everything else on the
        tab, and a rerun (a click anywhere) changes none of them. So the last result is
        kept in this session's state (one counselor's data: never in ``st.cache_*``)
        with what it was computed from: the assessments (partners, consent, share
        levels, finished) and one aggregate query's count and latest change of the
        consenting partners' answers. Any change there, and it is computed afresh.
        """
        basis = (
            self.counselor_id,
            self.client_id,
            tuple((a.couple, a.created_at, a.consented) for a in self.assessments),
            self.desk.answers_stamp(self.counselor_id, self.client_id),
        )
        kept = st.session_state.get(TREND_MEMO_KEY)
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == basis:
            return list(kept[1])
        points = _scores_by_assessment(self)
        st.session_state[TREND_MEMO_KEY] = (basis, tuple(points))
        return points


def _assessments_tab(state: session.SessionData, client: ClientRecord, page: CouplePage) -> None:
    left, right = st.columns(2)
    if left.button("Start in the office (one device)", key="client:in_office"):
        couple_id, token = session.desk().start_in_office(state.counselor_id or "", client.id)
        state.fresh_links = {
            "in_office": _app_link(f"{session.DEVICE_PARAM}={token}"),
            "couple": couple_id,
            "client": client.id,
        }
        page.reload()
    if right.button("Send as homework (two devices)", key="client:homework"):
        couple_id, token, code = session.desk().start_homework(state.counselor_id or "", client.id)
        state.fresh_links = {
            "partner_1": _app_link(f"{session.RESUME_PARAM}={token}"),
            "partner_2": _app_link(f"{session.JOIN_PARAM}={format_join_code(code)}"),
            "couple": couple_id,
            "client": client.id,
        }
        page.reload()
    assessments = page.assessments
    if "in_office" in state.fresh_links:
        st.success("Hand the device to the couple: open the questionnaire in a new tab. Each partner answers in turn.")
        st.link_button("Open the questionnaire for the couple", state.fresh_links["in_office"], type="primary")
        st.caption("This link resumes the assessment on this device. It is shown only now.")
    elif "partner_1" in state.fresh_links:
        st.success("Send each partner their own link. They'll be asked to agree to share with you.")
        st.markdown("**Partner 1's link**")
        st.code(state.fresh_links["partner_1"], language=None)
        st.markdown("**Partner 2's join link** (works once, for 24 hours)")
        st.code(state.fresh_links["partner_2"], language=None)
        st.caption("These links are shown only now.")
    if not assessments:
        st.info("No assessments yet.")
        return
    for number, record in reversed(list(enumerate(assessments, start=1))):
        _assessment_card(state, number, record, page)


def _assessment_card(state: session.SessionData, number: int, record: AssessmentRecord, page: CouplePage) -> None:
    couple = record.couple
    done = sum(1 for p in couple.partners if p.finished)
    mode = "in the office" if couple.mode == "one_device" else "as homework"
    with st.container(border=True):
        st.markdown(f"**Assessment {number}** · {record.created_at:%d %b %Y} · {mode}")
        st.caption(f"{done} of 2 partners finished · {len(record.consented)} of 2 agreed to share with you")
        if couple.both_finished:
            if st.button("Presentation view", key=f"client:present:{couple.id}", type="primary"):
                state.assessment_id = couple.id
                switch_to("presentation")
            _private_panel(record, page.answers(couple.id))


def _private_panel(record: AssessmentRecord, answers: dict[int, dict[str, dict[str, Any]]]) -> None:
    """Safety flags and the support checklist: for the counselor only, never on the shared view.
    ``answers``: the consented partners' answers, by slot."""
    content = session.content()
    with st.expander("Private to you: safety and support answers"):
        panels = [
            panel
            for partner in _partners(record, answers)
            if (panel := visibility.private_panel(content, partner)) is not None
        ]
        if not panels:
            st.caption("Neither partner has agreed to share with you.")
        for panel in panels:
            name = NAMES[panel.slot]
            if panel.concerns:
                answered = "; ".join(f"“{c.question}” — {c.answer}" for c in panel.concerns)
                st.error(f"{name}: an answer says the relationship may not be safe. {answered}")
            else:
                st.markdown(f"{name}: no safety concern in the answers.")
            signs = "; ".join(panel.support_signs) or "none"
            st.caption(f"Signs it may be time for support ({len(panel.support_signs)}): {signs}")


def comparison_for_counselor(state: session.SessionData, couple_id: str) -> CoupleComparison | None:
    """The couple's comparison as the counselor may show it on a shared screen
    (scoring/visibility.py, viewer ``counselor_shared``)."""
    record = session.desk().assessment(state.counselor_id or "", couple_id)
    if record is None or not record.couple.both_finished:
        return None
    answers = session.desk().consented_answers(state.counselor_id or "", couple_id)
    return _comparison(record, answers, "counselor_shared")


def _partners(record: AssessmentRecord, answers: dict[int, dict[str, dict[str, Any]]]) -> list[visibility.Partner]:
    """An assessment's partners; ``answers`` holds the consented partners' answers, by slot."""
    return [
        visibility.Partner(
            slot=partner.slot,
            answers=answers.get(partner.slot, {}),
            share_level=partner.share_level,  # type: ignore[arg-type]
            counselor_consent=partner.slot in record.consented,
        )
        for partner in record.couple.partners
    ]


def _comparison(
    record: AssessmentRecord, answers: dict[int, dict[str, dict[str, Any]]], viewer: visibility.Viewer
) -> CoupleComparison:
    """A finished assessment's comparison as ``viewer`` may see it."""
    first, second = _partners(record, answers)
    return visibility.couple_comparison(session.content(), viewer, first, second)


def _scores_by_assessment(page: CouplePage) -> list[tuple[datetime, dict[int, dict[str, float | None]]]]:
    points = []
    for record in page.assessments:
        if not record.couple.both_finished:
            continue
        # The counselor's own reading: the scores each consenting partner shared.
        comparison = page.comparison(record, "counselor_private")
        if comparison is None:
            continue
        by_slot = {slot: {s.scale_id: s.scores.get(slot) for s in comparison.scales} for slot in (1, 2)}
        points.append((record.created_at, by_slot))
    return points


def _trend_tab(page: CouplePage) -> None:
    points = page.trend_points()
    if len(points) < 2:
        st.info("The trend appears after two finished assessments. Re-assess every few weeks.")
        st.caption("“See where you are in a few months.” (Source: 001_c9d6df4d0b5d511b.txt)")
        return
    questionnaire = session.content().questionnaire("intimacy")
    series = trends(points, [s.id for s in questionnaire.scales])
    st.caption(f"A change is marked ● only when it is {CHANGE_THRESHOLD:.0f} points or more since the last assessment.")
    rows: list[dict[str, Any]] = []
    for scale in questionnaire.scales:
        traces = []
        for slot, line in series[scale.id].items():
            traces.append(
                {
                    "type": "scatter",
                    "x": [p.when for p in line],
                    "y": [p.score for p in line],
                    "mode": "lines+markers",
                    "name": NAMES[slot],
                    "line": {"color": PARTNER_COLOURS[slot], "dash": "solid" if slot == 1 else "dash"},
                    "marker": {"size": [14 if p.marked else 7 for p in line], "symbol": "circle"},
                    "connectgaps": True,
                }
            )
            for point in line:
                rows.append(
                    {
                        "Topic": scale.title,
                        "Partner": NAMES[slot],
                        "Date": f"{point.when:%d %b %Y}",
                        "Score": round(point.score) if point.score is not None else None,
                        "Change": f"{point.change:+.0f}{' ●' if point.marked else ''}"
                        if point.change is not None
                        else "",
                    }
                )
        # Built in one go: Figure.add_trace and update_layout validate every property
        # again on each call, and cost several times as much for eleven charts.
        figure = go.Figure(
            data=traces,
            layout={
                "title": {"text": scale.title},
                "yaxis": {"range": [0, 100], "fixedrange": True},
                "height": 260,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
                "font": {"family": FONT},
                "legend": {"orientation": "h"},
            },
        )
        st.plotly_chart(
            figure, key=f"trend:{scale.id}", config={"displayModeBar": False}, alt=f"Trend of {scale.title}"
        )
    with st.expander("The trend as a table"):
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _notes_tab(state: session.SessionData, client: ClientRecord, page: CouplePage) -> None:
    desk = session.desk()
    counselor_id = state.counselor_id or ""
    with st.form("note", clear_on_submit=True):
        body = st.text_area("A private note about this session", max_chars=20_000, key="note:body")
        if st.form_submit_button("Save note"):
            try:
                desk.add_note(counselor_id, client.id, body)
            except AccountError as problem:
                st.error(str(problem))
            except StorageError:
                st.error("The note wasn't saved. Please try again.")
            else:
                st.success("Note saved.")
    for note in desk.notes(counselor_id, client.id):
        with st.container(border=True):
            st.caption(f"{note.created_at:%d %b %Y, %H:%M}")
            st.text(note.body)  # the counselor's own words, never interpreted as Markdown or HTML

    st.subheader("Homework")
    suggestions = {s.id: s for s in session.content().suggestions}
    homework = desk.homework(counselor_id, client.id)
    for step in homework:
        title = suggestions[step.suggestion_id].title if step.suggestion_id in suggestions else step.suggestion_id
        done = st.checkbox(title, value=step.done_at is not None, key=f"homework:{step.id}")
        if done != (step.done_at is not None):
            desk.set_homework_done(counselor_id, step.id, done)
    latest = page.latest_finished()
    comparison = page.comparison(latest) if latest else None
    plan = comparison.plan if comparison else ()
    if plan:
        chosen = st.multiselect(
            "Next steps the couple chose from their latest plan",
            options=[step.suggestion_id for step in plan],
            format_func=lambda sid: suggestions[sid].title if sid in suggestions else sid,
            key="homework:choose",
        )
        if st.button("Set as homework", key="homework:assign", disabled=not chosen):
            desk.assign_homework(counselor_id, client.id, list(chosen))
            st.rerun()
    elif not homework:
        st.caption("Homework can be set once an assessment is finished and has a shared plan.")


def _manage_tab(state: session.SessionData, client: ClientRecord, page: CouplePage) -> None:
    latest = page.latest_finished()
    comparison = page.comparison(latest) if latest else None
    if comparison is not None:
        content = session.content()
        label = client.label
        st.download_button(
            "Couple report (printable HTML)",
            data=lambda: couple_report(content, comparison, NAMES, prepared_for=label),
            file_name="spark-check-couple-report.html",
            mime="text/html",
            on_click="ignore",
            key="client:report",
        )
    st.markdown("**Remove this couple**: deletes every assessment, answer, note and homework step for good.")
    confirm = st.checkbox("Yes, remove this couple and all their data", key="client:delete_confirm")
    if st.button("Remove couple", disabled=not confirm, key="client:delete"):
        session.desk().delete_client(state.counselor_id or "", client.id)
        state.client_id = None
        switch_to("roster")


# Presentation view ----------------------------------------------------------


def render_presentation() -> None:
    state = _state()
    record = session.desk().assessment(state.counselor_id or "", state.assessment_id) if state.assessment_id else None
    if record is None or record.couple.client_id != state.client_id:
        state.assessment_id = None  # only ever the open couple's assessment on the shared screen
    comparison = comparison_for_counselor(state, state.assessment_id) if state.assessment_id else None
    if comparison is None:
        st.title("Presentation view")
        st.info("Open a finished assessment from a couple's page first.")
        return
    st.title("Where you stand, together")
    for slot, level in comparison.shared.items():
        if level == "nothing":
            st.info(f"{NAMES[slot]}'s results are not shown here.")
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    if scored:
        figure = paired_chart(scored, NAMES)
        figure.update_layout(font={"size": 20}, height=max(480, 80 * len(scored) + 140))
        st.plotly_chart(
            figure, key="present:paired", config={"displayModeBar": False}, alt=comparison_alt_text(scored, NAMES)
        )
        with st.expander("The same as a table"):
            st.dataframe(pd.DataFrame(comparison_rows(comparison.scales, NAMES)), hide_index=True)
        columns = st.columns(2)
        for index, key in enumerate(("shared_strength", "seen_differently", "shared_growth", "in_between")):
            titles = [s.title for s in comparison.scales if s.category == key]
            if titles:
                with columns[index % 2], st.container(border=True):
                    st.subheader(CATEGORY_TITLES[key])
                    st.markdown("\n".join(f"- {t}" for t in titles))
    if comparison.starters:
        st.subheader("Things to talk about")
        for starter in comparison.starters:
            st.markdown(f"### “{starter.text}”")
            st.caption(f"{starter.scale_title} — {starter.because} · Source: {', '.join(starter.sources)}")


# Export -------------------------------------------------------------------


def render_export() -> None:
    state = _state()
    st.title("Export")
    st.markdown(
        "A CSV of every score of your couples — only partners who agreed to share with you, and only what they "
        "chose to share. Cells that could run as spreadsheet formulas are neutralised."
    )
    counselor_id = state.counselor_id or ""
    st.download_button(
        "All scores (CSV)",
        data=lambda: scores_csv(state, counselor_id),
        file_name="spark-check-scores.csv",
        mime="text/csv",
        on_click="ignore",
        key="export:csv",
    )


def scores_csv(state: session.SessionData, counselor_id: str) -> str:
    rows: list[list[object]] = []
    desk = session.desk()
    for client, assessment in desk.roster_assessments(counselor_id):
        if not assessment.couple.both_finished:
            continue
        answers = desk.consented_answers(counselor_id, assessment.couple.id)
        comparison = _comparison(assessment, answers, "counselor_private")
        for scale in comparison.scales:
            for slot in (1, 2):
                score = scale.scores.get(slot)
                if score is not None:
                    rows.append([client.label, f"{assessment.created_at:%Y-%m-%d}", NAMES[slot], scale.title, score])
    return to_csv(["Couple", "Assessment date", "Partner", "Topic", "Score (0-100)"], rows)


def _app_link(query: str) -> str:
    base = st.context.url.split("?", 1)[0] if st.context.url else ""
    root = base.split("/", 3)
    return f"{'/'.join(root[:3])}/?{query}" if len(root) >= 3 else f"/?{query}"


def render_logout_button() -> None:
    state = session.data()
    with st.sidebar:
        st.caption(f"Counselor: {plain(state.counselor_name or '')}")
        st.button("Log out", key="counselor:logout", on_click=_log_out)
