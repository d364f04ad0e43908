"""Part 5: the counselor dashboard at scale, on SQLite and on PostgreSQL.

One counselor has 2,000 couples on the roster, each with 12 finished
assessments: both partners consented, answered both questionnaires and the
predictions (seeded random answers that drift from one assessment to the
next, a few items skipped, now and then a safety answer), chose what to
share and finished; one note and one homework step per session. A second
counselor has a smaller roster of their own, so every query also has
someone else's rows to leave out. Assessments are in the office (one device)
or as homework (two devices, a join code), one every three to six weeks.

Everything is written through the app's own services and storage API
(``services.counselor`` and ``Store``: add the client, start the assessment
in the office, consent, ``save_answers`` once per partner, progress, finish,
hand over; a note and a homework step), in the order the sessions happened,
into a fresh SQLite file and a fresh PostgreSQL database whose schema the
app's migrations made. While seeding only, commits do not wait for the disk
(``synchronous=OFF`` / ``synchronous_commit=off``): the rows are the same.
Every assessment is in the office (one device); the timestamps are the
app's own (the write time). ``SPARK_CHECK_BENCH_POSTGRES_URL`` (or else
``SPARK_CHECK_TEST_POSTGRES_URL``) names the server; without one PostgreSQL
is reported as not measured. The roster, assessments and answers are read
back through ``CounselorDesk`` and must be what was generated, and the
second counselor must find none of the first one's couples. PostgreSQL gets
a ``VACUUM ANALYZE`` after the load, as autovacuum would give it.

Then the real app runs in AppTest with a logged-in counselor (the login
form, a real password check) and these pages are rerun with nothing
changed: the roster (its first page; then a search that matches about one
couple in forty), and the page of the roster's first couple, opened with its
*Open* button: its *Trend* tab (a chart of twelve points per topic, and the
table), then its *Assessments* tab (twelve cards, each with the private
safety panel). Only the open tab of that page runs. What
is timed is the script run as the server's script thread runs it, as in
part 1 (``ScriptRunner._run_script``, one ``ScriptCache`` for all runs);
``AppTest.run()``'s wall time is reported too. The goal is on the median;
SQL statements per rerun are counted at the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from benchmarks import apptest_flows
from benchmarks.common import Goal, Options, Section, Table, median, ms, percentile, stamp
from benchmarks.rerun import server_like_runs
from questions import Content, default_content
from scoring.compare import predictions_id
from services import counselor
from storage import Store
from storage.counselors import CounselorDesk
from storage.models import utcnow

KEY = "dashboard"
TITLE = "5. Counselor dashboard at scale"
GOAL_S = 0.150
RUNS, QUICK_RUNS = 30, 3
WARMUP, QUICK_WARMUP = 3, 1
POSTGRES_URL_ENVS = ("SPARK_CHECK_BENCH_POSTGRES_URL", "SPARK_CHECK_TEST_POSTGRES_URL")
PASSWORD = "a long enough benchmark password"
MAIN, OTHER = "dana.counselor", "eli.counselor"
#: What counselors call their couples (with a number): the search looks for one of them.
PSEUDONYMS = (
    "The Rivers", "Oak & Ivy", "The Millers", "Sun & Moon", "The Parks", "Salt & Pepper", "The Fishers",
    "North & South", "The Bakers", "Blue Door", "The Hills", "Fox & Hare", "The Greens", "Tea & Toast",
    "The Wards", "Maple Lane", "The Stones", "Kite & String", "The Woods", "Harbour", "The Fields",
    "Lark & Wren", "The Brooks", "Copper", "The Lanes", "Cedar & Pine", "The Marsh", "Orchard",
    "The Shaws", "Sparrow", "The Dales", "Ink & Quill", "The Fords", "Juniper", "The Wells", "Moss & Fern",
    "The Coles", "Willow", "The Hales", "Thistle",
)  # fmt: skip
SEARCH = "rivers"
NOTES = (
    "Talked about the weekly check-in; both want to keep it on Sundays.",
    "Chores came up again. Agreed to try the shared list for two weeks.",
    "Good session. More laughter than last time; they planned a day out.",
    "Partner 2 felt unheard about work stress. Practised the pause.",
    "Revisited the old argument about holidays; less heat this time.",
)


@dataclass(frozen=True)
class Size:
    couples: int
    assessments: int
    other_couples: int
    other_assessments: int


FULL = Size(couples=2000, assessments=12, other_couples=150, other_assessments=4)
QUICK = Size(couples=20, assessments=3, other_couples=3, other_assessments=2)


# --------------------------------------------------------------------------- what is generated


@dataclass
class PartnerSpec:
    slot: int
    person_id: str
    created_at: datetime
    consent_at: datetime
    answers_from: datetime
    finished_at: datetime
    share_level: str
    progress: str
    answers: dict[str, dict[str, Any]]


@dataclass
class AssessmentSpec:
    couple_id: str
    client_id: str
    mode: str
    created_at: datetime
    updated_at: datetime
    active_slot: int
    partners: tuple[PartnerSpec, PartnerSpec]
    note: str
    homework: str


@dataclass
class ClientPlan:
    """One couple on a roster: who they are and how they drift from one assessment to the next."""

    counselor_id: str
    key: str
    id: str
    label: str
    created_at: datetime
    starts: list[datetime]
    modes: list[str]
    #: levels[k][slot][scale id]: how well the topic is going for that partner at assessment k (0-1).
    levels: list[dict[int, dict[str, float]]]
    together_for: int
    children: int

    @property
    def updated_at(self) -> datetime:
        return self.starts[-1] if self.starts else self.created_at


def _uuid(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def plan_client(
    content: Content, seed: int, counselor_id: str, username: str, index: int, assessments: int, now: datetime
) -> ClientPlan:
    # Keyed by what is the same on every database (not the counselor's random id).
    key = f"{seed}:{username}:{index}"
    rng = random.Random(key)
    last = now - timedelta(days=rng.uniform(0.5, 60))
    starts = [last]
    for _ in range(assessments - 1):
        starts.append(starts[-1] - timedelta(days=rng.uniform(21, 42), minutes=rng.uniform(-90, 90)))
    starts.reverse()
    created = (starts[0] if starts else last) - timedelta(days=rng.uniform(0, 3), minutes=rng.uniform(5, 600))
    scales = [s.id for s in content.questionnaire("intimacy").scales]
    level = {slot: {s: rng.uniform(0.15, 0.95) for s in scales} for slot in (1, 2)}
    levels = []
    for _ in range(assessments):
        levels.append({slot: dict(by_scale) for slot, by_scale in level.items()})
        for by_scale in level.values():
            for scale in scales:
                by_scale[scale] = min(1.0, max(0.0, by_scale[scale] + rng.gauss(0.01, 0.09)))
    return ClientPlan(
        counselor_id=counselor_id,
        key=key,
        id=_uuid(rng),
        label=f"{PSEUDONYMS[index % len(PSEUDONYMS)]} {index // len(PSEUDONYMS) + 1}",
        created_at=created,
        starts=starts,
        modes=["one_device" if rng.random() < 0.6 else "two_devices" for _ in starts],
        levels=levels,
        together_for=rng.randint(1, 5),
        children=rng.randint(0, 3),
    )


def _clip(value: float, low: int, high: int) -> int:
    return min(high, max(low, round(value)))


def partner_answers(
    content: Content, rng: random.Random, plan: ClientPlan, number: int, slot: int
) -> tuple[dict[str, dict[str, Any]], bool]:
    """One partner's answers at assessment ``number``, and whether a safety answer is unsafe."""
    own = plan.levels[number][slot]
    other = plan.levels[number][3 - slot]
    mean = sum(own.values()) / len(own)
    unsafe = False
    answers: dict[str, dict[str, Any]] = {}
    for questionnaire in (content.questionnaire("worth_it"), content.questionnaire("intimacy")):
        given: dict[str, Any] = {}
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if not item.safety and rng.random() < 0.02:
                continue  # skipped
            value: int | list[int]
            if item.safety:
                value = (
                    rng.choice(item.unsafe_values)
                    if rng.random() < 0.01
                    else next(v for v in rset.values if v not in item.unsafe_values)
                )
                unsafe = unsafe or value in item.unsafe_values
            elif item.kind == "scored":
                level = own[item.scale or ""]
                target = 1 + 4 * (1 - level if item.reverse else level)
                value = _clip(rng.gauss(target, 0.8), rset.min_value, rset.max_value)
            elif item.kind == "importance":
                value = rng.choices(rset.values, weights=[1, 2, 4, 6, 5])[0]
            elif item.kind == "verdict":
                value = rng.choices(rset.values, weights=[mean, 0.35, 1 - mean])[0]  # yes, unsure, no
            elif item.kind == "checklist":
                value = rset.max_value if rng.random() < 0.45 * (1 - mean) else rset.min_value
            elif rset.multi:
                value = sorted(rng.sample(rset.values, rng.randint(1, 3)))
            elif item.id == "together_for":
                value = _clip(plan.together_for + number // 8, rset.min_value, rset.max_value)
            elif item.id == "children":
                value = plan.children
            else:
                value = rng.choice(rset.values)
            given[item.id] = value
        answers[questionnaire.id] = given
    intimacy = content.questionnaire("intimacy")
    if intimacy.prediction_response_set:
        rset = intimacy.response_sets[intimacy.prediction_response_set]
        answers[predictions_id(intimacy.id)] = {
            scale.id: _clip(rng.gauss(1 + 4 * other[scale.id], 0.9), rset.min_value, rset.max_value)
            for scale in intimacy.scales
            if rng.random() > 0.02
        }
    return answers, unsafe


def _progress(content: Content, rng: random.Random) -> str:
    """What the app leaves in a finished partner's progress (see ui.session.set_progress)."""
    sections = {
        q.id: len(q.sections) - 1 for q in (content.questionnaire("worth_it"), content.questionnaire("intimacy"))
    }
    progress = {
        "order_seed": rng.randbytes(8).hex(),
        "page": "comparison",
        "sections": {qid: index for qid, index in sections.items() if index > 0},
    }
    return json.dumps(progress, sort_keys=True)


def assessment_spec(content: Content, plan: ClientPlan, number: int) -> AssessmentSpec:
    """Assessment ``number`` of a couple, as deterministic as the plan (its own seeded generator)."""
    rng = random.Random(f"{plan.key}:{number}")
    start = plan.starts[number]
    mode = plan.modes[number]
    couple_id = _uuid(rng)
    partners = []
    if mode == "one_device":
        # In turn on one device: partner 1 consents, answers and finishes; then partner 2.
        clock = start + timedelta(seconds=rng.uniform(20, 90))
        created = [start + timedelta(milliseconds=2)] * 2
    else:
        # Partner 1 opens the link at home; partner 2 joins with the code within the day.
        clock = start + timedelta(hours=rng.uniform(0.5, 30))
        joined = start + timedelta(hours=rng.uniform(0.2, 20))
        created = [start + timedelta(milliseconds=3), joined]
    handover = start
    for slot in (1, 2):
        if mode == "two_devices":
            clock = max(created[slot - 1], start) + timedelta(hours=rng.uniform(0.1, 48))
        answers, unsafe = partner_answers(content, rng, plan, number, slot)
        consent = clock
        answers_from = consent + timedelta(seconds=rng.uniform(10, 60))
        finished = answers_from + timedelta(minutes=rng.uniform(8, 25))
        share = "nothing" if unsafe else rng.choices(["scores", "items", "nothing"], weights=[45, 45, 10])[0]
        partners.append(
            PartnerSpec(
                slot=slot,
                person_id=_uuid(rng),
                created_at=created[slot - 1],
                consent_at=consent,
                answers_from=answers_from,
                finished_at=finished,
                share_level=share,
                progress=_progress(content, rng),
                answers=answers,
            )
        )
        if slot == 1:
            handover = finished + timedelta(seconds=rng.uniform(5, 60))
            clock = handover + timedelta(seconds=rng.uniform(20, 90))
    suggestions = [s.id for s in content.suggestions]
    return AssessmentSpec(
        couple_id=couple_id,
        client_id=plan.id,
        mode=mode,
        created_at=start,
        updated_at=handover if mode == "one_device" else created[1],
        active_slot=2 if mode == "one_device" else 1,
        partners=(partners[0], partners[1]),
        note=rng.choice(NOTES),
        homework=rng.choice(suggestions),
    )


# --------------------------------------------------------------------------- written through the services


@contextmanager
def fast_commits(store: Store) -> Iterator[None]:
    """While seeding only: commits that do not wait for the disk (SQLite ``synchronous=OFF``,
    PostgreSQL ``synchronous_commit=off``). The rows are the same; only durability differs."""
    sqlite = store.engine.dialect.name == "sqlite"
    statement = "PRAGMA synchronous = OFF" if sqlite else "SET synchronous_commit = off"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    store.engine.dispose()
    event.listen(store.engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(store.engine, "connect", on_connect)
        store.engine.dispose()


def write_assessment(desk: CounselorDesk, content: Content, plan: ClientPlan, spec: AssessmentSpec, last: bool) -> int:
    """One finished assessment, written as the app writes it: the counselor starts it in the
    office, each partner consents, answers (one ``save_answers`` per partner), leaves their
    progress and finishes, the device is handed over; then a note and a homework step.
    Returns the answers written."""
    store = desk.store
    couple_id, _token = counselor.start_in_office(desk, plan.counselor_id, plan.id)
    record = store.couple(couple_id)
    assert record is not None
    versions = {qid: content.questionnaire(qid.split(".", 1)[0]).version for qid in spec.partners[0].answers}
    written = 0
    for partner, wanted in zip(record.partners, spec.partners, strict=True):
        store.give_counselor_consent(partner.person_id)
        store.save_answers(partner.person_id, wanted.answers, versions)
        written += sum(len(items) for items in wanted.answers.values())
        store.set_progress(partner.person_id, json.loads(wanted.progress))
        store.finish(partner.person_id, wanted.share_level)
        if partner.slot == 1:
            store.set_active_slot(couple_id, 2)
    counselor.add_note(desk, plan.counselor_id, plan.id, spec.note)
    counselor.assign_homework(desk, plan.counselor_id, plan.id, [spec.homework])
    if not last:
        for step in counselor.homework(desk, plan.counselor_id, plan.id):
            if step.done_at is None:
                counselor.set_homework_done(desk, plan.counselor_id, step.id, True)
    return written


def write_through_services(
    desk: CounselorDesk, content: Content, plans: list[ClientPlan], options: Options
) -> dict[str, int]:
    """Every plan's client and assessments, in the order they happened (so the app's own
    timestamps keep that order); returns what was written. Sets each plan's ``id``."""
    counts = {"clients": 0, "couples": 0, "people": 0, "answers": 0, "session_notes": 0, "homework": 0}
    for plan in sorted(plans, key=lambda p: p.created_at):
        plan.id = counselor.add_client(desk, plan.counselor_id, plan.label)
        counts["clients"] += 1
    events = sorted(
        (start, index, number) for index, plan in enumerate(plans) for number, start in enumerate(plan.starts)
    )
    began = time.perf_counter()
    for done, (_start, index, number) in enumerate(events, 1):
        plan = plans[index]
        spec = assessment_spec(content, plan, number)
        counts["answers"] += write_assessment(desk, content, plan, spec, last=number == len(plan.starts) - 1)
        counts["couples"] += 1
        counts["people"] += 2
        counts["session_notes"] += 1
        counts["homework"] += 1
        if done % 1000 == 0:
            options.log(f"dashboard: {done:,}/{len(events):,} assessments ({time.perf_counter() - began:.0f} s)")
    return counts


# --------------------------------------------------------------------------- checks


def verify(
    desk: CounselorDesk, content: Content, main_id: str, other_id: str, plans: list[ClientPlan], size: Size
) -> list[str]:
    """Read the seeded data back through the repository: it must be what was generated."""
    problems: list[str] = []
    first, total = desk.clients(main_id)
    if total != size.couples:
        problems.append(f"roster: {total} couples, expected {size.couples}")
    newest = max((p for p in plans if p.counselor_id == main_id), key=lambda p: p.updated_at)
    if first and first[0].id != newest.id:
        problems.append("roster: the most recently active couple is not first")
    if any(c.assessments != size.assessments for c in first):
        problems.append("roster: assessment counts are off")
    rng = random.Random(len(plans))
    for plan in rng.sample(plans, min(5, len(plans))):
        records = desk.assessments(main_id, plan.id)
        if len(records) != size.assessments:
            problems.append(f"{plan.label}: {len(records)} assessments")
            continue
        for number, record in enumerate(records):
            if not record.couple.both_finished or record.consented != {1, 2}:
                problems.append(f"{plan.label} #{number}: not finished and consented")
            spec = assessment_spec(content, plan, number)
            given = desk.consented_answers(main_id, record.couple.id)
            if given != {p.slot: p.answers for p in spec.partners}:
                problems.append(f"{plan.label} #{number}: answers read back differ")
        if desk.client(other_id, plan.id) is not None or desk.assessment(other_id, records[0].couple.id) is not None:
            problems.append("isolation: another counselor reaches this couple")
    mine = {p.id for p in plans if p.counselor_id == main_id}
    for term in ("", SEARCH, plans[0].label):
        found, _total = desk.clients(other_id, term, page_size=10_000)
        if any(c.id in mine for c in found):
            problems.append(f"isolation: another counselor's roster ({term!r}) lists this counselor's couples")
    return problems


# --------------------------------------------------------------------------- databases


@dataclass
class Database:
    name: str
    url: str
    size: str = ""
    seeded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@contextmanager
def sqlite_database(directory: Path) -> Iterator[Database]:
    path = directory / "dashboard.sqlite3"
    database = Database("SQLite", f"sqlite:///{path}")
    yield database


def postgres_url() -> str | None:
    for name in POSTGRES_URL_ENVS:
        url = os.environ.get(name, "").strip()
        if url:
            return url
    return None


@contextmanager
def postgres_database(base_url: str, tag: str) -> Iterator[Database]:
    """A fresh database on the server of ``base_url``, dropped again afterwards."""
    name = f"spark_bench_dashboard_{tag}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield Database("PostgreSQL", make_url(base_url).set(database=name).render_as_string(hide_password=False))
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def app_database(url: str) -> Iterator[None]:
    """Point the app (``ui.session``) at ``url`` for the duration."""
    saved = {name: os.environ.get(name) for name in ("SPARK_CHECK_SQLITE_PATH", "DATABASE_URL")}
    if url.startswith("sqlite:///"):
        os.environ["SPARK_CHECK_SQLITE_PATH"] = url.removeprefix("sqlite:///")
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = url
        os.environ.pop("SPARK_CHECK_SQLITE_PATH", None)
    try:
        yield
    finally:
        from ui import session

        with contextlib.suppress(Exception):  # best effort: the app's pool lets the database go
            session.store().engine.dispose()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def seed(database: Database, options: Options, size: Size) -> tuple[str, ClientPlan]:
    """Fill the database; returns the main counselor's id and the couple the roster shows first."""
    content = default_content()
    began = time.perf_counter()
    store = Store.from_url(database.url)  # the schema, by the app's own migrations
    try:
        desk = CounselorDesk(store)
        main_id = desk.add_counselor(MAIN, PASSWORD, "Dana (benchmark)")
        other_id = desk.add_counselor(OTHER, PASSWORD, "Eli (benchmark)")
        now = utcnow()
        plans = [
            plan_client(content, options.seed, main_id, MAIN, index, size.assessments, now)
            for index in range(size.couples)
        ]
        others = [
            plan_client(content, options.seed, other_id, OTHER, index, size.other_assessments, now)
            for index in range(size.other_couples)
        ]
        options.log(f"dashboard: {database.name}: writing {size.couples} couples x {size.assessments} assessments")
        with fast_commits(store):
            counts = write_through_services(desk, content, plans, options)
            for table, rows in write_through_services(desk, content, others, options).items():
                counts[table] += rows
        problems = verify(desk, content, main_id, other_id, plans + others, size)
        if problems:
            raise RuntimeError(f"{database.name}: the seeded data is not what the app writes: {problems[:8]}")
        if store.engine.dialect.name == "postgresql":
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
                database.size = _mib(
                    connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
                )
        else:
            store.compact()
            path = Path(make_url(database.url).database or "")
            database.size = _mib(path.stat().st_size)
        database.seeded = counts
        database.seconds = time.perf_counter() - began
        first = max(plans, key=lambda p: p.updated_at)
        options.log(f"dashboard: {database.name}: seeded in {database.seconds:.0f} s ({database.size})")
        return main_id, first
    finally:
        store.engine.dispose()


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MiB"


# --------------------------------------------------------------------------- the app


def _check(app: AppTest) -> AppTest:
    if app.exception:
        raise RuntimeError(f"the app raised: {[e.message for e in app.exception]}")
    return app


def log_in(username: str) -> AppTest:
    app = _check(apptest_flows.new_app().run())
    _check(app.button(key="welcome:counselor").click().run())
    app.text_input(key="login:username").input(username)
    app.text_input(key="login:password").input(PASSWORD)
    _check(next(b for b in app.button if b.label == "Log in").click().run())
    if apptest_flows.titles(app) != ["My couples"]:
        raise RuntimeError(f"the login did not reach the roster: {apptest_flows.titles(app)}")
    return app


class StatementCounter:
    """SQL statements sent by any engine while counting."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1

    @contextmanager
    def listening(self) -> Iterator[StatementCounter]:
        event.listen(Engine, "before_cursor_execute", self)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self)


@dataclass
class Timing:
    page: str
    script: list[float]
    wall: list[float]
    statements: float
    elements: int


def _elements(app: AppTest) -> int:
    count = 0

    def walk(node: object) -> None:
        nonlocal count
        for child in getattr(node, "children", {}).values():
            count += 1
            walk(child)

    walk(app.main)
    return count


def time_reruns(page: str, app: AppTest, durations: list[float], options: Options) -> Timing:
    for _ in range(QUICK_WARMUP if options.quick else WARMUP):
        _check(app.run())
    runs = QUICK_RUNS if options.quick else RUNS
    timing = Timing(page, [], [], 0.0, _elements(app))
    counter = StatementCounter()
    with counter.listening():
        for _ in range(runs):
            durations.clear()
            start = time.perf_counter()
            app.run()
            timing.wall.append(time.perf_counter() - start)
            timing.script.append(sum(durations))
    _check(app)
    timing.statements = counter.count / runs
    if _elements(app) != timing.elements:
        raise RuntimeError(f"{page}: the page changed while rerunning")
    return timing


def _caption_count(app: AppTest) -> int | None:
    for caption in app.caption:
        words = str(caption.value).split()
        if len(words) == 2 and words[1] in ("couple", "couples"):
            return int(words[0].replace(",", ""))
    return None


def page_names(size: Size) -> list[str]:
    """The pages measured, in order."""
    return [
        "roster: first page",
        f"roster: search {SEARCH!r}",
        f"a couple's page, Trend tab ({size.assessments} assessments)",
        f"a couple's page, Assessments tab ({size.assessments} assessments)",
    ]


def open_tab(app: AppTest, label: str) -> Any:
    """Open a tab of the couple's page, as a click on it does (only the open tab runs)."""
    from ui import client_view

    app.session_state[client_view.TAB_KEY] = label
    _check(app.run())
    return next(t for t in app.tabs if t.label == label)


def measure(database: Database, first: ClientPlan, size: Size, searched: int, options: Options) -> list[Timing]:
    roster, search, trend_page, assessments_page = page_names(size)
    timings = []

    with app_database(database.url), server_like_runs() as durations:
        app = log_in(MAIN)
        shown = len([b for b in app.button if b.label == "Open"])
        if _caption_count(app) != size.couples or shown != min(25, size.couples):
            raise RuntimeError("the roster does not show the seeded couples")
        options.log(f"dashboard: {database.name}: roster")
        timings.append(time_reruns(roster, app, durations, options))
        _check(app.text_input(key="roster:search").input(SEARCH).run())
        if _caption_count(app) != searched:
            raise RuntimeError(f"the search found {_caption_count(app)} couples, expected {searched}")
        options.log(f"dashboard: {database.name}: roster search")
        timings.append(time_reruns(search, app, durations, options))

        app = log_in(MAIN)
        opened = next(b for b in app.button if b.label == "Open")
        if opened.key != f"roster:open:{first.id}":
            raise RuntimeError("the roster's first couple is not the most recently active one")
        _check(opened.click().run())
        if apptest_flows.titles(app) != ["Couple"]:
            raise RuntimeError("the roster's Open button did not open the couple's page")
        trend = open_tab(app, "Trend")
        if len(trend.get("plotly_chart")) != 1:  # one faceted chart: topics x partners
            raise RuntimeError("the couple's page does not show the trend")
        options.log(f"dashboard: {database.name}: a couple's trend")
        timings.append(time_reruns(trend_page, app, durations, options))
        cards = open_tab(app, "Assessments")
        if sum(1 for m in cards.get("markdown") if str(m.value).startswith("**Assessment ")) != size.assessments:
            raise RuntimeError("the couple's page does not list every assessment")
        options.log(f"dashboard: {database.name}: a couple's assessments")
        timings.append(time_reruns(assessments_page, app, durations, options))
    return timings


# --------------------------------------------------------------------------- the section


def run(options: Options) -> Section:
    began = time.perf_counter()
    started = stamp()
    size = QUICK if options.quick else FULL
    searched = sum(1 for index in range(size.couples) if SEARCH in PSEUDONYMS[index % len(PSEUDONYMS)].lower())
    runs = QUICK_RUNS if options.quick else RUNS
    table = Table(
        [
            "database",
            "page",
            "elements",
            "script run: median (p90)",
            "AppTest.run() wall: median",
            "SQL statements per rerun",
        ],
        caption=f"One rerun with nothing changed, {runs} timed runs each:",
    )
    seeded = Table(["database", "rows written", "size on disk", "seeding took"], caption="The seeded databases:")
    goals: list[Goal] = []
    notes: list[str] = []
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    pg = postgres_url()
    backends.append(("PostgreSQL", pg))
    for name, url in backends:
        if name == "PostgreSQL" and url is None:
            for page in page_names(size):
                goals.append(Goal(f"{page} ({name})", f"≤ {GOAL_S * 1000:.0f} ms", "–", None))
            notes.append(f"PostgreSQL was not measured: no server was named ({' or '.join(POSTGRES_URL_ENVS)} unset).")
            continue
        with tempfile.TemporaryDirectory(prefix="bench-dashboard-", dir=options.workdir) as tmp:
            opened = (
                sqlite_database(Path(tmp))
                if url is None
                else postgres_database(url, "quick" if options.quick else "full")
            )
            with opened as database:
                main_id, first = seed(database, options, size)
                del main_id
                timings = measure(database, first, size, searched, options)
        seeded.add(
            name,
            ", ".join(f"{table}: {rows:,}" for table, rows in database.seeded.items()),
            database.size,
            f"{database.seconds:.0f} s",
        )
        for timing in timings:
            table.add(
                name,
                timing.page,
                timing.elements,
                f"{ms(median(timing.script))} ({ms(percentile(timing.script, 90))})",
                ms(median(timing.wall)),
                f"{timing.statements:.0f}",
            )
            value = median(timing.script)
            goals.append(Goal(f"{timing.page} ({name})", f"≤ {GOAL_S * 1000:.0f} ms", ms(value), value <= GOAL_S))
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[table, seeded],
        goals=goals,
        notes=notes,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
