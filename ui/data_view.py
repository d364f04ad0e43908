"""My data: the resume link, downloads, importing a result file, deleting everything."""

from __future__ import annotations

import streamlit as st

from reporting.export import ImportProblem, export_result, import_result
from reporting.html_report import solo_report
from services import AnswersLocked, NotActing, StorageError
from ui import browser, session
from ui.components import app_link, download, guarded
from ui.text import plain


def render() -> None:
    state = session.data()
    st.title("My data & downloads")

    st.subheader("Come back later")
    link = state.link()
    if link is not None:
        who = "both of your answers on this device" if state.mode == "one_device" else "every answer"
        st.markdown(
            f"This private link brings back {who} and where you were. Keep it somewhere safe "
            "— anyone with it can see your answers. Copy it into a note or a password manager, "
            "or send it to yourself."
        )
        with st.container(key=browser.RESUME_LINK_KEY):
            st.code(app_link(f"{link[0]}={link[1]}"), language=None, wrap_lines=True)
        browser.copy_link_buttons()
    else:
        st.markdown("Your resume link appears here as soon as you answer your first question.")

    if state.mode == "one_device":
        st.markdown("Your comparison's report and file are on **Our comparison**, once you've both finished.")
    else:
        _downloads_and_import(state)

    st.subheader("Delete my answers")
    if state.mode == "one_device":
        st.markdown("This removes **both** partners' answers on this device from this server for good.")
    else:
        st.markdown("This removes your answers from this server for good. It can't be undone.")
    # Keyed by whose answers they are: after a deletion the box is a new one, unticked.
    whose = state.partner.couple_id if state.partner and state.partner.one_device else state.actor and state.actor.id
    confirm = st.checkbox("Yes, delete all my answers", key=f"delete:confirm:{whose or 'none'}")
    if st.button("Delete my answers", disabled=not confirm, key="delete:go"):
        with guarded("Your answers couldn't be deleted just now. Please try again in a moment."):
            if state.actor is not None:  # on one device, the whole couple: the device is shared
                state.actor.delete()
            session.forget(("success", "Your answers have been deleted for good."))
            st.rerun()


def _downloads_and_import(state: session.SessionData) -> None:
    content = session.content()
    st.subheader("Download")
    if any(state.answers.values()):
        # A snapshot, built only when a button is clicked (the report inlines Plotly).
        snapshot = {qid: dict(items) for qid, items in state.answers.items()}
        left, right = st.columns(2)
        download(
            "Report (printable HTML)",
            lambda: solo_report(content, snapshot),
            "spark-check-report.html",
            key="download:report",
            where=left,
        )
        download(
            "Result file (JSON)",
            lambda: export_result(content, snapshot),
            "spark-check-result.json",
            key="download:json",
            where=right,
        )
        st.caption("The report works offline and prints well. The result file can be imported here later.")
    else:
        st.markdown("Nothing to download yet.")

    st.subheader("Import a result file")
    with st.form("import", clear_on_submit=True):
        uploaded = st.file_uploader("A Spark Check result file (.json)", type=["json"], key="import:file")
        replace = st.form_submit_button("Import — this replaces the answers saved here")
    if replace:
        if uploaded is None:
            st.warning("Choose a result file first.")
        else:
            try:
                answers = import_result(content, uploaded.getvalue())
                session.actor(state).replace_answers(answers)
                state.answers, state.unsaved = {qid: dict(items) for qid, items in answers.items()}, set()
            except ImportProblem as problem:
                st.error(plain(str(problem)) + " Nothing was changed.")
            except AnswersLocked:
                st.error(session.FINISHED_READ_ONLY + " Nothing was changed.")
            except NotActing as exc:
                session.ended(state, exc)
                st.rerun()
            except StorageError:
                st.error("The answers couldn't be saved just now, so nothing was changed. Please try again.")
            else:
                count = sum(len(a) for a in answers.values())
                st.success(f"Imported {count} answers.")
