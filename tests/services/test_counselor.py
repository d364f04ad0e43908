"""services/counselor.py: the CSV export reads everything in a fixed number of queries,
however many assessments, and says what the per-assessment reads said."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from questions import default_content
from services import counselor
from services.admin import Admin
from storage import Store
from storage.accounts import ADMIN_ONLY, NotAllowed
from storage.counselors import CounselorDesk
from storage.sessions import open_session
from tests.ui.test_counselor_trend import top_answers

CONTENT = default_content()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[CounselorDesk]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'export.sqlite3'}")
    yield CounselorDesk(store)
    store.engine.dispose()


def as_counselor(desk: CounselorDesk, counselor_id: str) -> counselor.Counselor:
    """The counselor, logged in (a session of theirs opened)."""
    return counselor.Counselor(desk.store, open_session(desk.store, counselor_id))


def as_admin(desk: CounselorDesk, counselor_id: str) -> Admin:
    return Admin(desk.store, open_session(desk.store, counselor_id))


def add_assessments(desk: CounselorDesk, owner: str, label: str, count: int) -> None:
    client_id = desk.add_client(owner, label)
    versions = {qid: q.version for qid, q in CONTENT.questionnaires.items()}
    for _ in range(count):
        couple_id, _token = desk.start_in_office(owner, client_id)
        record = desk.store.couple(couple_id)
        assert record is not None
        for partner in record.partners:
            desk.store.give_counselor_consent(partner.person_id)
            desk.store.save_answers(partner.person_id, top_answers(), versions)
            desk.store.finish(partner.person_id, "scores")


def statements(desk: CounselorDesk, owner: str) -> tuple[int, str]:
    seen: list[Any] = []

    def count(*_args: Any) -> None:
        seen.append(1)

    me = as_counselor(desk, owner)
    event.listen(desk.store.engine, "before_cursor_execute", count)
    try:
        text = me.scores_csv(CONTENT)
    finally:
        event.remove(desk.store.engine, "before_cursor_execute", count)
    return len(seen), text


def per_assessment_csv(desk: CounselorDesk, owner: str) -> str:
    """The export as it was once built: one read of the answers per assessment."""
    rows = []
    numbers: dict[str, int] = {}
    for client, record in desk.roster_assessments(owner):
        numbers[client.id] = numbers.get(client.id, 0) + 1
        if record.couple.both_finished:
            answers = desk.consented_answers(owner, record.couple.id)
            shown = counselor.comparison(CONTENT, record, answers, "counselor_private")
            rows += [
                [
                    client.label,
                    numbers[client.id],
                    f"{record.created_at:%Y-%m-%d %H:%M}",
                    counselor.NAMES[slot],
                    s.title,
                    s.scores[slot],
                ]
                for s in shown.scales
                for slot in (1, 2)
                if s.scores.get(slot) is not None
            ]
    from reporting.csv_export import to_csv

    return to_csv(counselor.CSV_HEADER, rows)


def test_the_csv_export_costs_the_same_queries_for_one_assessment_or_many(desk: CounselorDesk) -> None:
    owner = desk.add_counselor("ana", "a long enough password")
    add_assessments(desk, owner, "First", 1)
    few, _ = statements(desk, owner)
    add_assessments(desk, owner, "Second", 4)
    add_assessments(desk, owner, "Third", 3)
    many, many_text = statements(desk, owner)
    # The login's check (BEGIN, one lookup, its touch), then a BEGIN and a few selects: never one per assessment.
    assert many == few <= 9
    assert many_text == per_assessment_csv(desk, owner)
    assert len(many_text.splitlines()) == 1 + 8 * 2 * len(CONTENT.questionnaire("intimacy").scales)


def test_the_csv_tells_a_couples_assessments_apart_by_number_and_time(desk: CounselorDesk) -> None:
    import csv
    import io

    owner = desk.add_counselor("ana", "a long enough password")
    add_assessments(desk, owner, "Couple 0317", 2)
    header, *rows = list(csv.reader(io.StringIO(as_counselor(desk, owner).scores_csv(CONTENT), newline="")))
    assert header[:3] == ["Couple", "Assessment", "Assessment date"]
    scales = len(CONTENT.questionnaire("intimacy").scales)
    assert [row[1] for row in rows] == ["1"] * 2 * scales + ["2"] * 2 * scales
    assert all(len(row[2]) == len("2026-11-26 17:30") for row in rows)


def test_managing_counselors_is_refused_to_a_non_admin(desk: CounselorDesk) -> None:
    """Issue 13, item 13: the service refuses a non-admin whatever the page shows."""
    admin_id = desk.add_counselor("ana", "a long enough password")  # the first: an admin
    other_id = desk.add_counselor("ben", "a long enough password")
    admin, other = as_admin(desk, admin_id), as_admin(desk, other_id)
    for call in (
        other.accounts,
        lambda: other.add_counselor("cleo", "a long enough password", "Cleo", is_admin=True),
        lambda: other.set_disabled(admin_id, True),
    ):
        with pytest.raises(NotAllowed, match=ADMIN_ONLY):
            call()
    assert [a.username for a in admin.accounts()] == ["ana", "ben"]
    assert not any(a.disabled for a in admin.accounts())
    admin.add_counselor("cleo", "a long enough password", "Cleo")
    admin.set_disabled(other_id, True)
    assert [(a.username, a.disabled) for a in admin.accounts()] == [
        ("ana", False),
        ("ben", True),
        ("cleo", False),
    ]
