"""One couple on a counselor's roster: its assessments, the trend, notes and homework,
and managing it (report, removal).

Every lookup goes through ``services.counselor.Counselor``, which re-checks the login
at each call (the 10-second timer's included) and finds only this counselor's couples. Notes are the counselor's own
words: they are shown as plain text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from questions.loader import source_titles
from reporting.couple_report import couple_report
from reporting.trend_chart import trend_alt_text, trend_chart, trend_rows
from scoring.trends import CHANGE_THRESHOLD, trends
from services import counselor
from services.counselor import HOMEWORK_LINK_LIFETIME, AssessmentRecord, ClientRecord, CouplePage
from ui import counselor_session, session
from ui.components import app_link, download, guarded
from ui.counselor_login_view import require_counselor
from ui.memo import memo
from ui.pages_registry import switch_to
from ui.text import plain

#: The tabs of a couple's page, and the widget key that holds the open one.
TABS = ("Assessments", "Trend", "Notes & homework", "Manage")
TAB_KEY = "client:tab"
#: Set when homework was just set: the next run confirms it.
HOMEWORK_SET_KEY = "homework:set"
UNAVAILABLE = "This couple's page can't be shown just now. Please try again in a moment."


def _client(state: session.SessionData) -> ClientRecord | None:
    requested = st.query_params.get("client")
    if requested:
        state.client_id = requested
    if not state.client_id:
        return None
    return counselor_session.me().client(state.client_id)


def render_client() -> None:
    state = require_counselor(on_couple_page=True)
    with counselor_session.acting(), guarded(UNAVAILABLE):
        _render_client(state)


def _render_client(state: session.SessionData) -> None:
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
    page = CouplePage(counselor_session.me(), session.content(), client.id)
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
            _notes_tab(client, page)
    if tab_manage.open:
        with tab_manage:
            _manage_tab(state, client, page)


def _assessments_tab(state: session.SessionData, client: ClientRecord, page: CouplePage) -> None:
    left, right = st.columns(2)
    if left.button("Start in the office (one device)", key="client:in_office"):
        with guarded("The assessment couldn't be started just now. Please try again."):
            couple_id, token = page.counselor.start_in_office(client.id)
            state.fresh_links = {
                "in_office": app_link(f"{session.DEVICE_PARAM}={token}"),
                "couple": couple_id,
                "client": client.id,
            }
            page.reload()
    if right.button("Send as homework (two devices)", key="client:homework"):
        with guarded("The assessment couldn't be started just now. Please try again."):
            couple_id, token, code = page.counselor.start_homework(client.id)
            state.fresh_links = {
                "partner_1": app_link(f"{session.RESUME_PARAM}={token}"),
                "partner_2": app_link(f"{session.JOIN_PARAM}={code}"),
                "couple": couple_id,
                "client": client.id,
            }
            page.reload()
    assessments = page.assessments
    shown_for = next((a for a in assessments if a.couple.id == state.fresh_links.get("couple")), None)
    if shown_for is not None and shown_for.couple.both_finished:
        state.fresh_links = {}  # the assessment is done: its links are of no more use
    if "in_office" in state.fresh_links:
        st.success("Hand the device to the couple: open the questionnaire in a new tab. Each partner answers in turn.")
        st.link_button("Open the questionnaire for the couple", state.fresh_links["in_office"], type="primary")
        st.caption("This link resumes the assessment on this device. It is shown only now.")
    elif "partner_1" in state.fresh_links or "partner_2" in state.fresh_links:
        st.success("Send each partner their own link. They'll be asked to agree to share with you.")
        if "partner_1" in state.fresh_links:
            st.markdown("**Partner 1's link**")
            st.code(state.fresh_links["partner_1"], language=None)
        if "partner_2" in state.fresh_links:
            st.markdown(f"**Partner 2's join link** (works once, for {HOMEWORK_LINK_LIFETIME.days} days)")
            st.code(state.fresh_links["partner_2"], language=None)
        if "partner_2_resume" in state.fresh_links:
            st.markdown("**Partner 2's link**")
            st.code(state.fresh_links["partner_2_resume"], language=None)
        st.caption("These links are shown only now. Any earlier link for the same partner no longer works.")
    if not assessments:
        st.info("No assessments yet.")
        return
    if all(record.couple.both_finished for record in assessments):
        _assessment_cards(state, page)
    else:
        _live_assessment_cards(state, page.counselor, client.id)


#: While an assessment is open, its card reads the database again this often.
LIVE_EVERY = "10s"


def _assessment_cards(state: session.SessionData, page: CouplePage) -> None:
    for number, record in reversed(list(enumerate(page.assessments, start=1))):
        _assessment_card(state, number, record, page)


@st.fragment(run_every=LIVE_EVERY)
def _live_assessment_cards(state: session.SessionData, me: counselor.Counselor, client_id: str) -> None:
    """The cards while an assessment is open: they update by themselves (partners
    finishing, agreeing to share) with no refresh of the page. Each run reads afresh and
    checks the login again, passively (a timer is not a use: an idle login still ends)."""
    with counselor_session.acting(), guarded(UNAVAILABLE):
        _assessment_cards(state, CouplePage(me, session.content(), client_id, passive=True))


def _assessment_card(state: session.SessionData, number: int, record: AssessmentRecord, page: CouplePage) -> None:
    couple = record.couple
    done = sum(1 for p in couple.partners if p.finished)
    mode = "in the office" if couple.mode == "one_device" else "as homework"
    with st.container(border=True):
        st.markdown(f"**Assessment {number}** · {record.created_at:%d %b %Y} · {mode}")
        names = counselor.names(record)
        given = [f"{default}: {names[slot]}" for slot, default in counselor.NAMES.items() if names[slot] != default]
        if given:  # the first names or nicknames partners gave, as plain text
            st.caption(plain(" · ".join(given)))
        st.caption(f"{done} of 2 partners finished · {len(record.consented)} of 2 agreed to share with you")
        if couple.mode == "two_devices" and not couple.both_finished:
            _reissue_buttons(state, record)
        if couple.both_finished:
            if st.button("Presentation view", key=f"client:present:{couple.id}", type="primary"):
                state.assessment_id, state.presenting = couple.id, True
                switch_to("presentation")
            _private_panel(page, record)


def _reissue_buttons(state: session.SessionData, record: AssessmentRecord) -> None:
    """Homework: a partner lost their link, or partner 2's join link ran out. A new one
    ends the old one; it is shown once, above the cards."""
    couple = record.couple
    joined = {p.slot: p for p in couple.partners}
    wanted: list[tuple[str, str]] = []
    for slot in (1, 2):
        partner = joined.get(slot)
        if partner is None:
            wanted.append(("partner_2", "New join link for Partner 2"))
        elif not partner.finished:
            wanted.append((f"partner_{slot}" if slot == 1 else "partner_2_resume", f"New link for Partner {slot}"))
    columns = st.columns(max(1, len(wanted)))
    for column, (kind, label) in zip(columns, wanted, strict=False):
        if column.button(label, key=f"client:reissue:{kind}:{couple.id}"):
            with counselor_session.acting(), guarded("A new link couldn't be made just now. Please try again."):
                if kind == "partner_2":
                    link = f"{session.JOIN_PARAM}={counselor_session.me().reissue_join_link(couple.id)}"
                else:
                    token = counselor_session.me().reissue_resume_link(couple.id, 1 if kind == "partner_1" else 2)
                    link = f"{session.RESUME_PARAM}={token}"
                state.fresh_links = {kind: app_link(link), "couple": couple.id, "client": couple.client_id or ""}
                st.rerun()


def _private_panel(page: CouplePage, record: AssessmentRecord) -> None:
    """Safety flags and the support checklist: for the counselor only, never on the shared view."""
    with st.expander("Private to you: safety and support answers"):
        panels = page.private_panels(record)
        if not panels:
            st.caption("Neither partner has agreed to share with you.")
        for panel in panels:
            name = plain(counselor.names(record)[panel.slot])
            if panel.concerns:
                answered = "; ".join(f"“{c.question}” — {c.answer}" for c in panel.concerns)
                st.error(f"{name}: an answer says the relationship may not be safe. {answered}")
            else:
                st.markdown(f"{name}: no safety concern in the answers.")
            for raised in panel.history:  # kept when an answer changes: it never erases a concern
                changed = f"; changed {raised.changed_at:%d %b %Y %H:%M} UTC" if raised.changed_at else "; stands"
                st.caption(
                    f"{name} raised a concern on “{raised.question}”: {raised.raised_at:%d %b %Y %H:%M} UTC{changed}"
                )
            signs = "; ".join(panel.support_signs) or "none"
            st.caption(f"Signs it may be time for support ({len(panel.support_signs)}): {signs}")


def _trend_tab(page: CouplePage) -> None:
    # Twelve comparisons from some 2,000 answers cost more than everything else on the tab,
    # and a rerun changes none of them: kept per session (ui/memo.py) with their basis.
    points = memo("trend", page.trend_basis(), page.trend_points)
    if len(points) < 2:
        st.info("The trend appears after two finished assessments. Re-assess every few weeks.")
        st.caption(f"“See where you are in a few months.” (Source: {source_titles(['001_c9d6df4d0b5d511b.txt'])})")
        return
    questionnaire = session.content().questionnaire("intimacy")
    titles = {scale.id: scale.title for scale in questionnaire.scales}
    series = trends(points, list(titles))
    names = counselor.names(page.assessments[-1] if page.assessments else None)  # as they call themselves now
    st.caption(f"A change is marked ● only when it is {CHANGE_THRESHOLD:.0f} points or more since the last assessment.")
    st.plotly_chart(
        trend_chart(series, titles, names),
        key="trend:chart",
        config={"displayModeBar": False},
        alt=trend_alt_text(series, titles, names),
    )
    with st.expander("The trend as a table"):
        st.dataframe(pd.DataFrame(trend_rows(series, titles, names)), hide_index=True)


def _notes_tab(client: ClientRecord, page: CouplePage) -> None:
    me = page.counselor
    with st.form("note", clear_on_submit=True):
        body = st.text_area("A private note about this session", max_chars=20_000, key="note:body")
        if st.form_submit_button("Save note"):
            with guarded("The note wasn't saved. Please try again."):
                me.add_note(client.id, body)
                st.success("Note saved.")
    for note in me.notes(client.id):
        with st.container(border=True):
            st.caption(f"{note.created_at:%d %b %Y, %H:%M}")
            st.text(note.body)  # the counselor's own words, never interpreted as Markdown or HTML

    st.subheader("Homework")
    if st.session_state.pop(HOMEWORK_SET_KEY, False):
        st.success("Homework set. The couple sees it with their comparison.", icon=":material/check:")
    suggestions = {s.id: s for s in session.content().suggestions}
    homework = me.homework(client.id)
    for step in homework:
        title = suggestions[step.suggestion_id].title if step.suggestion_id in suggestions else step.suggestion_id
        done = st.checkbox(title, value=step.done_at is not None, key=f"homework:{step.id}")
        if done != (step.done_at is not None):
            with guarded("The step couldn't be checked off just now. Please try again."):
                me.set_homework_done(step.id, done)
    latest = page.latest_finished()
    comparison = page.comparison(latest) if latest else None
    plan = comparison.plan if comparison else ()
    if plan:
        chosen = st.multiselect(
            "Steps from the couple's latest plan to set as homework",
            options=[step.suggestion_id for step in plan],
            format_func=lambda sid: suggestions[sid].title if sid in suggestions else sid,
            key="homework:choose",
        )
        if st.button("Set as homework", key="homework:assign", disabled=not chosen):
            with guarded("The homework wasn't set just now. Please try again."):
                me.assign_homework(client.id, list(chosen))
                st.session_state[HOMEWORK_SET_KEY] = True  # said once, after the rerun
                st.rerun()
    elif not homework:
        st.caption("Homework can be set once an assessment is finished and has a shared plan.")


def _manage_tab(state: session.SessionData, client: ClientRecord, page: CouplePage) -> None:
    latest = page.latest_finished()
    comparison = page.comparison(latest) if latest else None
    if comparison is not None:
        content, names = session.content(), counselor.names(latest)
        label = client.label
        download(
            "Couple report (printable HTML)",
            lambda: couple_report(content, comparison, names, prepared_for=label),
            "spark-check-couple-report.html",
            key="client:report",
        )
    st.markdown("**Remove this couple**: deletes every assessment, answer, note and homework step for good.")
    confirm = st.checkbox("Yes, remove this couple and all their data", key="client:delete_confirm")
    if st.button("Remove couple", disabled=not confirm, key="client:delete"):
        with guarded("The couple couldn't be removed just now, so nothing changed. Please try again."):
            page.counselor.delete_client(client.id)
            state.client_id = None
            switch_to("roster")
