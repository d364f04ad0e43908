"""services/counselor.py: every call re-checks who is acting (#18); the CSV export reads everything in a fixed number of queries,
however many assessments, and says what the per-assessment reads said."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update

from questions import default_content
from services import LoginEnded, counselor
from services.admin import Admin
from services.counselor import CouplePage
from storage import Store
from storage.accounts import ADMIN_ONLY, NotAllowed
from storage.counselors import CounselorDesk
from storage.models import Counselor, CounselorSession, utcnow
from storage.sessions import IDLE_TIMEOUT, open_session
from tests.db import rows
from tests.ui.counselor_app import top_answers

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


def end_login(desk: CounselorDesk, how: str, admin_id: str, me: counselor.Counselor) -> None:
    if how == "logged out in another tab":  # the same login (the browser's cookie), ended there
        counselor.Counselor(desk.store, me.token).log_out()
    elif how == "disabled":
        desk.set_disabled(admin_id, me.check().id, True)
    else:  # idle past the timeout
        with desk.store.transaction() as db:
            db.execute(update(CounselorSession).values(last_seen_at=utcnow() - IDLE_TIMEOUT - timedelta(minutes=1)))


@pytest.mark.parametrize("how", ["logged out in another tab", "disabled", "idle"])
def test_every_call_rechecks_the_login_and_an_ended_one_reads_and_changes_nothing(
    desk: CounselorDesk, how: str
) -> None:
    """#18 finding 1: the check of who is acting happens at each call, not at the page's
    run: a page (or its timer) kept open after the login ended shows nothing new and
    changes nothing, the new-link button included."""
    admin_id = desk.add_counselor("ana", "a long enough password")
    me = as_counselor(desk, desk.add_counselor("ben", "a long enough password"))
    client_id = me.add_client("Couple 0317")
    couple_id, _token, _code = me.start_homework(client_id)
    page = CouplePage(me, CONTENT, client_id, passive=True)  # the open page, and its timer
    end_login(desk, how, admin_id, me)
    before = {table: rows(desk.store.engine, table) for table in ("clients", "couples", "people", "session_notes")}
    calls: list[Callable[[], object]] = [
        page.reload,
        lambda: CouplePage(me, CONTENT, client_id, passive=True),
        lambda: me.reissue_resume_link(couple_id, 1),
        lambda: me.reissue_join_link(couple_id),
        lambda: me.roster_page("", 1),
        lambda: me.client(client_id),
        lambda: me.add_client("Another couple"),
        lambda: me.start_in_office(client_id),
        lambda: me.add_note(client_id, "a note"),
        lambda: me.notes(client_id),
        lambda: me.shared_comparison(CONTENT, client_id, couple_id),
        lambda: me.scores_csv(CONTENT),
        lambda: me.change_password("a long enough password", "a new long password", "a new long password"),
        lambda: me.delete_client(client_id),
    ]
    for call in calls:
        with pytest.raises(LoginEnded):
            call()
    assert {table: rows(desk.store.engine, table) for table in before} == before


def test_a_timers_check_does_not_keep_an_idle_login_alive(desk: CounselorDesk) -> None:
    """The 10-second timer checks passively: an open page left alone still ends at the
    idle timeout; a real use restarts its clock."""
    me = as_counselor(desk, desk.add_counselor("ana", "a long enough password"))
    client_id = me.add_client("Couple 0317")
    almost = utcnow() - IDLE_TIMEOUT + timedelta(minutes=1)
    with desk.store.transaction() as db:
        db.execute(update(CounselorSession).values(last_seen_at=almost))
    CouplePage(me, CONTENT, client_id, passive=True)
    (row,) = rows(desk.store.engine, "counselor_sessions")
    assert row["last_seen_at"] == almost
    CouplePage(me, CONTENT, client_id)
    (row,) = rows(desk.store.engine, "counselor_sessions")
    assert row["last_seen_at"] > almost


def test_an_admin_is_rechecked_at_every_call(desk: CounselorDesk) -> None:
    ana = desk.add_counselor("ana", "a long enough password")
    ben_id = desk.add_counselor("ben", "a long enough password", is_admin=True, added_by=ana)
    ben = as_admin(desk, ben_id)
    assert len(ben.accounts()) == 2
    with desk.store.transaction() as db:  # no longer an admin, the page still open
        db.execute(update(Counselor).where(Counselor.id == ben_id).values(is_admin=False))
    with pytest.raises(NotAllowed):
        ben.set_disabled(ana, True)
    desk.set_disabled(ana, ben_id, True)
    with pytest.raises(LoginEnded):
        ben.accounts()
    assert not any(a.disabled for a in desk.counselor_accounts(ana) if a.username == "ana")
