"""The "take it again" calendar file, read back by a calendar library (icalendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar

from reporting.reminder import TITLE, retake_reminder

ON = date(2027, 1, 4)
NOW = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)


def test_it_is_one_all_day_event_on_the_day_with_a_morning_alert() -> None:
    text = retake_reminder(ON, now=NOW)
    calendar = icalendar.Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == ON and event.decoded("DTEND") == ON + timedelta(days=1)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == TITLE == "Take Spark Check again"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=9)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]


def test_it_follows_the_rfc_line_rules_and_holds_nothing_personal() -> None:
    text = retake_reminder(ON, now=NOW)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    # Only the date and neutral words: no link, no name, no score (nothing user-typed goes in).
    assert "http" not in text and "?r=" not in text and "Partner" not in text


def test_a_second_download_for_the_same_day_updates_the_event() -> None:
    first = icalendar.Calendar.from_ical(retake_reminder(ON, now=NOW))
    again = icalendar.Calendar.from_ical(retake_reminder(ON, now=NOW + timedelta(days=3)))
    later = icalendar.Calendar.from_ical(retake_reminder(ON + timedelta(days=1), now=NOW))
    uid = [str(c.walk("VEVENT")[0]["UID"]) for c in (first, again, later)]
    assert uid[0] == uid[1] != uid[2]
