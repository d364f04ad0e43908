"""50 couples answering at once, both partners writing, a counselor reading all the while.

Like the app: one process, one Store shared by every session (thread); each partner
saves answer by answer (``save_answer``), with tiny pauses as a person clicks; some
answers are changed again. A counselor thread reads the assessments and the consented
answers in a loop. On SQLite and on PostgreSQL: no answer is lost or wrong, nobody
gets an error (in particular no "database is locked"), and every value the counselor
saw was one the partner had given.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storage.counselors import CounselorDesk
from storage.repository import Store
from tests.db import postgres_schema

pytestmark = pytest.mark.faults

COUPLES = 50
ITEMS = 16
#: Each partner changes this many of their answers again later (an upsert racing the rest).
CHANGED = 4
SEED = 20261123
VERSIONS = {"worth_it": 1, "intimacy": 1}


@dataclass
class Partner:
    person_id: str
    couple_id: str
    slot: int
    plan: list[tuple[str, str, int]]
    given: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    final: dict[str, dict[str, int]] = field(default_factory=dict)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """One Store for the whole "app process", as ui/session.py keeps one per URL."""
    if request.param == "sqlite":
        store = Store.from_url(f"sqlite:///{tmp_path / 'spark_check.sqlite3'}")
        yield store
        store.engine.dispose()
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        store = Store.from_url(url)
        yield store
        store.engine.dispose()


def _plan(rng: random.Random) -> list[tuple[str, str, int]]:
    items = [("worth_it" if n < 6 else "intimacy", f"item_{n:02d}") for n in range(ITEMS)]
    steps = [(q, i, rng.randint(0, 4)) for q, i in items]
    steps += [(q, i, rng.randint(0, 4)) for q, i in rng.sample(items, CHANGED)]
    return steps


def _setup(store: Store, desk: CounselorDesk) -> tuple[str, str, list[Partner]]:
    rng = random.Random(SEED)
    counselor = desk.add_counselor("rivera", "a long enough password")
    client = desk.add_client(counselor, "Fifty couples")
    partners: list[Partner] = []
    for n in range(COUPLES):
        if n % 2:  # in the office (one device; here both partners write at once all the same)
            couple_id, _device = desk.start_in_office(counselor, client)
            record = store.couple(couple_id)
            assert record is not None
            ids = [(p.person_id, p.slot) for p in record.partners]
        else:  # homework: each partner on their own device
            couple_id, token, code = desk.start_homework(counselor, client)
            first = store.person_by_token(token)
            joined = store.join_couple(code)
            assert first is not None and joined.person_id is not None
            ids = [(first.id, 1), (joined.person_id, 2)]
        for person_id, slot in ids:
            store.give_counselor_consent(person_id)
            partners.append(Partner(person_id, couple_id, slot, _plan(rng)))
    return counselor, client, partners


def test_fifty_couples_answer_at_once_while_a_counselor_reads(shared_store: Store) -> None:
    store = shared_store
    desk = CounselorDesk(store)
    counselor, client, partners = _setup(store, desk)
    by_key = {(p.couple_id, p.slot): p for p in partners}
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()
    start = threading.Barrier(len(partners) + 1)
    reads = {"assessments": 0, "answers": 0, "values_seen": 0}
    lock = threading.Lock()

    def answer(partner: Partner, seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait(timeout=60)
            for questionnaire, item, value in partner.plan:
                with lock:  # recorded before the write: the counselor may see it at once
                    partner.given.setdefault((questionnaire, item), set()).add(value)
                store.save_answer(partner.person_id, questionnaire, VERSIONS[questionnaire], item, value)
                partner.final.setdefault(questionnaire, {})[item] = value
                time.sleep(rng.uniform(0, 0.004))
        except BaseException as exc:  # collected; the test reports them all
            errors.append(exc)

    def read() -> None:
        rng = random.Random(SEED)
        try:
            start.wait(timeout=60)
            while writing.is_set():
                assessments = desk.assessments(counselor, client)
                assert len(assessments) == COUPLES
                reads["assessments"] += 1
                for assessment in rng.sample(assessments, 3):
                    for slot, answers in desk.consented_answers(counselor, assessment.couple.id).items():
                        reads["answers"] += 1
                        partner = by_key[(assessment.couple.id, slot)]
                        for questionnaire, items in answers.items():
                            for item, value in items.items():
                                with lock:
                                    assert value in partner.given[(questionnaire, item)], "a value nobody gave"
                                reads["values_seen"] += 1
        except BaseException as exc:  # collected; the test reports them all
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(p, n)) for n, p in enumerate(partners)]
    reader = threading.Thread(target=read)
    began = time.monotonic()
    for thread in [*threads, reader]:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    writing.clear()
    reader.join(timeout=60)
    took = time.monotonic() - began

    assert not any(t.is_alive() for t in [*threads, reader]), "a thread hung"
    assert errors == [], f"{len(errors)} error(s), e.g. {errors[0]!r}"
    assert reads["assessments"] > 0 and reads["values_seen"] > 0
    for partner in partners:
        assert store.answers_for(partner.person_id) == partner.final, partner.person_id
        assert store.count_answers(partner.person_id) == ITEMS
    # Every answer, as the counselor sees it once everyone is done.
    for assessment in desk.assessments(counselor, client):
        seen = desk.consented_answers(counselor, assessment.couple.id)
        assert seen == {slot: by_key[(assessment.couple.id, slot)].final for slot in (1, 2)}
    print(
        f"{store.engine.dialect.name}: {len(partners)} partners x {len(partners[0].plan)} saves in {took:.1f} s; "
        f"counselor read {reads['assessments']} rosters, {reads['values_seen']} values"
    )
