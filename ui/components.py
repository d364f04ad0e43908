"""Pieces every view uses the same way: links into the app, the guard around a service
call, next-step cards, and download buttons."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from questions.loader import source_titles
from reporting.reminder import retake_reminder as reminder
from scoring.results import NextStep
from services import AccountError, LoginEnded, NotActing, StorageError
from ui import session
from ui.text import plain

#: Said instead of a page when the database can't be reached.
PAGE_UNAVAILABLE = "This page can't be shown just now: the app can't reach its database. Please try again in a moment."


def app_link(query: str) -> str:
    """A link to the app's root (its ``server.baseUrlPath`` included) with ``query``,
    e.g. a resume, device or join link; the page it opens on follows from the link."""
    parts = urlsplit(st.context.url or "")
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{base_path}/" if base_path else "/"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


@dataclass
class Outcome:
    """Whether the guarded call went through."""

    ok: bool = True


@contextmanager
def guarded(failure: str) -> Iterator[Outcome]:
    """Run a service call: if who acts is no longer live (``NotActing``), the page runs again and says why; if
    the database can't do it (``StorageError``), show
    ``failure`` — one kind line — instead of a traceback; if the input can't be
    accepted (``AccountError``), say why. Either way nothing changed, and the rest
    of the ``with`` block is skipped.

    ``with guarded("The note wasn't saved. Please try again."): counselor.add_note(...)``
    """
    outcome = Outcome()
    try:
        yield outcome
    except LoginEnded:
        raise  # the counselor's login ended: their page or fragment says so
    except NotActing as exc:  # a person's or partner's stale tab or replaced link: the page says why
        outcome.ok = False
        session.ended(session.data(), exc)
        st.rerun()
    except AccountError as problem:
        outcome.ok = False
        st.error(str(problem))
    except StorageError:
        outcome.ok = False
        st.error(failure)


def plan_steps(steps: Sequence[NextStep], names: Mapping[int, str] | None = None, folded: bool = False) -> None:
    """Numbered next-step cards: title, text, effort, minutes and sources; with ``names``
    (a couple's plan), whose need a step serves first, where the comparison says so.
    ``folded``: each card a title that opens to the rest (a summary that stays short)."""
    for number, step in enumerate(steps, start=1):
        with st.expander(f"{number}. {step.title}") if folded else st.container(border=True):
            if not folded:
                st.markdown(f"**{number}. {step.title}**")
            st.markdown(step.text)
            minutes = f", about {step.minutes} min" if step.minutes else ""
            whose = (
                f" · First of all for {plain(names[step.whose])}"
                if names and step.whose is not None and step.whose in names
                else ""
            )
            st.caption(f"{step.effort.capitalize()} effort{minutes}{whose} · Source: {source_titles(step.sources)}")


#: What a download is: HTML for reports, JSON for result files, CSV for exports, a calendar reminder.
MIME_TYPES = {"html": "text/html", "json": "application/json", "csv": "text/csv", "ics": "text/calendar"}


def download(label: str, data: Callable[[], str], file_name: str, key: str, where: Any = st) -> None:
    """A download button whose file is built only when it is clicked (``data``), with no
    rerun of the page; ``where`` is a column or container to put it in."""
    where.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=MIME_TYPES[file_name.rsplit(".", 1)[-1]],
        on_click="ignore",
        key=key,
    )


def retake_reminder(when: date, key: str) -> None:
    """When to take Spark Check again, and that date as a calendar file: a neutral title and
    nothing personal in it (reporting/reminder.py)."""
    st.info(
        f"No rush. In a few weeks — around {when.day} {when:%B %Y} — take Spark Check again "
        "to see what has changed. Your link brings you back here.",
        icon=":material/event:",
    )
    download("Add a reminder to my calendar (.ics)", lambda: reminder(when), "spark-check-reminder.ics", key=key)
