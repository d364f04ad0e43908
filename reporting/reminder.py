"""A calendar file (iCalendar, RFC 5545) that reminds a couple or a person to take Spark Check again.

A few lines of text rather than a library: every line is ours and shorter than the
RFC's 75 octets, and nothing user-typed goes in (no name, no link, no answer: the file
may sit in a shared calendar), so there is nothing to escape or fold.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

#: The event's title: neutral, so a calendar others can see tells them nothing.
TITLE = "Take Spark Check again"


def retake_reminder(on: date, now: datetime | None = None) -> str:
    """An all-day event on ``on`` with an alert that morning at 9. Its UID depends on the
    date only: a second download for the same day updates the event, not doubles it."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Spark Check//Reminder//EN",
        "BEGIN:VEVENT",
        f"UID:spark-check-retake-{on:%Y%m%d}@spark-check.invalid",
        f"DTSTAMP:{now or datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{on:%Y%m%d}",
        f"DTEND;VALUE=DATE:{on + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{TITLE}",
        "DESCRIPTION:Open Spark Check with your link and see what has changed.",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{TITLE}",
        "TRIGGER:PT9H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
