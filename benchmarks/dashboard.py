"""The counselor's roster and a couple's page with 2,000 couples × 12 assessments, on SQLite and PostgreSQL.

Seeded through the app's own services and storage API (add the client, start an assessment in the
office, each partner consents, saves their answers, finishes; a note and a homework step), with
answers that drift from one assessment to the next, into a fresh SQLite file and a fresh PostgreSQL
database (``SPARK_CHECK_BENCH_POSTGRES_URL``, else ``…_TEST_POSTGRES_URL``; without one, PostgreSQL is
reported as not measured). A second counselor's smaller roster gives every query rows to leave out.
While seeding only, commits don't wait for the disk; PostgreSQL gets ``VACUUM ANALYZE`` after. Then the
app runs in AppTest, logged in through the login form, and these pages rerun with nothing changed:
the roster (first page; a search matching one couple in forty) and the first couple's page (its
*Trend* tab, then *Assessments*: a card each). Timed as in ``rerun``; SQL statements counted at the engine.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from streamlit.testing.v1 import AppTest

from benchmarks import pages
from benchmarks.common import SEED, Goal, Options, Section, Table, environment, median, ms, percentile, postgres_url
from questions import Content, default_content
from scoring.compare import predictions_id
from storage import Store
from storage.counselors import CounselorDesk
from tests.support.cluster import postgres_database

GOAL_S = 0.150
PASSWORD = "a long enough benchmark password"
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
NOTES = ("Weekly check-in stays on Sundays.", "Chores again: the shared list for two weeks.", "More laughter.")


def partner_answers(content: Content, rng: random.Random, level: dict[str, float]) -> tuple[dict[str, Any], bool]:
    """One partner's answers, given how well each intimacy topic is going for them (0-1), and
    whether a safety answer is unsafe (then they share nothing, as the app has them)."""
    answers: dict[str, dict[str, Any]] = {}
    unsafe = False
    for questionnaire in content.questionnaires.values():
        given: dict[str, Any] = {}
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if item.safety:  # now and then an unsafe answer
                safe = [v for v in rset.values if v not in item.unsafe_values]
                given[item.id] = rng.choice(item.unsafe_values) if rng.random() < 0.01 else safe[0]
                unsafe = unsafe or given[item.id] in item.unsafe_values
            elif rng.random() < 0.02:
                continue  # skipped
            elif item.kind == "scored" and item.scale in level:
                target = 1 + 4 * (1 - level[item.scale] if item.reverse else level[item.scale])
                given[item.id] = min(rset.max_value, max(rset.min_value, round(rng.gauss(target, 0.8))))
            elif item.kind == "checklist":
                given[item.id] = rset.max_value if rng.random() < 0.2 else rset.min_value
            elif rset.multi:
                given[item.id] = sorted(rng.sample(rset.values, rng.randint(1, 3)))
            else:
                given[item.id] = rng.choice(rset.values)
        answers[questionnaire.id] = given
    intimacy = content.questionnaire("intimacy")
    answers[predictions_id(intimacy.id)] = {scale.id: rng.randint(1, 5) for scale in intimacy.scales}
    return answers, unsafe


def write_couple(
    desk: CounselorDesk, content: Content, counselor_id: str, label: str, assessments: int
) -> dict[int, Any]:
    """A client and their assessments, as the app writes them; returns the last one's answers by slot."""
    rng = random.Random(f"{SEED}:{label}:{assessments}")  # the same on every database
    store, client_id = desk.store, desk.add_client(counselor_id, label)
    scales = [scale.id for scale in content.questionnaire("intimacy").scales]
    levels = {slot: {scale: rng.uniform(0.15, 0.95) for scale in scales} for slot in (1, 2)}
    given: dict[int, Any] = {}
    for number in range(assessments):
        couple_id, _token = desk.start_in_office(counselor_id, client_id)
        record = store.couple(couple_id)
        assert record is not None
        for partner in record.partners:
            level = levels[partner.slot]
            level.update({s: min(1.0, max(0.0, v + rng.gauss(0.01, 0.09))) for s, v in level.items()})
            given[partner.slot], unsafe = partner_answers(content, rng, level)
            versions = {qid: content.questionnaire(qid.split(".", 1)[0]).version for qid in given[partner.slot]}
            store.give_counselor_consent(partner.person_id)
            store.save_answers(partner.person_id, given[partner.slot], versions)
            store.set_progress(partner.person_id, {"order_seed": rng.randbytes(8).hex(), "page": "comparison"})
            store.finish(
                partner.person_id, "nothing" if unsafe else rng.choice(["scores", "items", "items", "nothing"])
            )
            if partner.slot == 1:
                store.set_active_slot(couple_id, 2)
        desk.add_note(counselor_id, client_id, rng.choice(NOTES))
        desk.assign_homework(counselor_id, client_id, [rng.choice(content.suggestions).id])
        for step in desk.homework(counselor_id, client_id) if number < assessments - 1 else ():
            if step.done_at is None:
                desk.set_homework_done(counselor_id, step.id, True)
    return given


def seed(url: str, sizes: tuple[int, int, int, int], options: Options) -> str:
    """Fill the database (its schema by the app's own migrations); returns the rows written and its size."""
    couples, assessments, other_couples, other_assessments = sizes
    content, store = default_content(), Store.from_url(url)
    statement = "PRAGMA synchronous = OFF" if url.startswith("sqlite") else "SET synchronous_commit = off"

    def fast_commits(dbapi_connection: Any, _record: Any) -> None:  # while seeding only: the rows are the same
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    event.listen(store.engine, "connect", fast_commits)
    store.engine.dispose()
    try:
        desk = CounselorDesk(store)
        main, other = (desk.add_counselor(name, PASSWORD, name) for name in ("dana.counselor", "eli.counselor"))
        for index in range(other_couples):
            write_couple(desk, content, other, f"{PSEUDONYMS[index % 40]} {index // 40 + 1}", other_assessments)
        began, given = time.perf_counter(), {}
        for index in range(couples):  # the last written is the most recently active: the roster's first
            given = write_couple(desk, content, main, f"{PSEUDONYMS[index % 40]} {index // 40 + 1}", assessments)
            if (index + 1) % 100 == 0:
                options.log(f"dashboard: {index + 1:,}/{couples:,} couples ({time.perf_counter() - began:.0f} s)")
        roster, total = desk.clients(main)
        last = desk.assessments(main, roster[0].id)[-1].couple.id
        if total != couples or desk.consented_answers(main, last) != given:
            raise RuntimeError("the seeded data does not read back as written")
        theirs = {c.id for term in ("", SEARCH) for c in desk.clients(other, term, page_size=10_000)[0]}
        if theirs & {c.id for c in desk.clients(main, page_size=10_000)[0]}:
            raise RuntimeError("another counselor's roster lists this counselor's couples")
    finally:
        event.remove(store.engine, "connect", fast_commits)
        store.engine.dispose()
    if url.startswith("sqlite"):
        store.compact()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if url.startswith("sqlite"):
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
        else:
            connection.execute(text("VACUUM ANALYZE"))
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        counts = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("couples", "answers")}
    store.engine.dispose()
    return f"{', '.join(f'{t}: {n:,}' for t, n in counts.items())}; {size / 2**20:,.0f} MiB"


def log_in() -> AppTest:
    app = pages.new_app()
    pages.check(app.button(key="welcome:counselor").click().run())
    app.text_input(key="login:username").input("dana.counselor")
    app.text_input(key="login:password").input(PASSWORD)
    pages.check(next(b for b in app.button if b.label == "Log in").click().run())
    if pages.titles(app) != ["My couples"]:
        raise RuntimeError(f"the login did not reach the roster: {pages.titles(app)}")
    return app


def time_reruns(app: AppTest, runs: pages.Runs, options: Options) -> tuple[list[float], float, int]:
    """Script run times, SQL statements per rerun, and the elements drawn."""
    for _ in range(1 if options.quick else 3):
        pages.check(app.run())
    elements, found, statements = len(pages.signature(app)), [], 0
    for _ in range(3 if options.quick else 30):
        runs.clear()
        app.run()
        found.append(sum(runs.durations))
        statements += sum(map(len, runs.sql))
    if len(pages.signature(pages.check(app))) != elements:
        raise RuntimeError("the page changed while rerunning")
    return found, statements / len(found), elements


def measure(url: str, couples: int, assessments: int, options: Options) -> dict[str, tuple[list[float], float, int]]:
    names = ["roster: first page", f"roster: search {SEARCH!r}"]
    names += [f"a couple's page, {tab} tab ({assessments} assessments)" for tab in ("Trend", "Assessments")]
    found = {}
    from ui import client_view, session

    sqlite = url.removeprefix("sqlite:///") if url.startswith("sqlite") else None
    with environment(SPARK_CHECK_SQLITE_PATH=sqlite, DATABASE_URL=None if sqlite else url):
        with pages.server_like_runs() as runs:
            app = log_in()
            if f"{couples:,} couple" not in " ".join(str(c.value) for c in app.caption):
                raise RuntimeError("the roster does not show the seeded couples")
            found[names[0]] = time_reruns(app, runs, options)
            pages.check(app.text_input(key="roster:search").input(SEARCH).run())
            found[names[1]] = time_reruns(app, runs, options)
            app = log_in()
            pages.check(next(b for b in app.button if b.label == "Open").click().run())
            for name, tab in zip(names[2:], ("Trend", "Assessments"), strict=True):
                app.session_state[client_view.TAB_KEY] = tab  # as a click on the tab does: only it runs
                pages.check(app.run())
                cards = sum(str(m.value).startswith("**Assessment ") for m in app.markdown)
                if (len(app.get("plotly_chart")) != 1) if tab == "Trend" else cards != assessments:
                    raise RuntimeError(f"the couple's {tab} tab does not show their {assessments} assessments")
                found[name] = time_reruns(app, runs, options)
        with contextlib.suppress(Exception):  # the app's pool lets the database go
            session.store().engine.dispose()
    return found


def run(options: Options) -> Section:
    sizes = (20, 3, 3, 2) if options.quick else (2000, 12, 150, 4)
    columns = ["database", "page", "elements", "script run: median (p90)", "SQL statements per rerun"]
    table = Table(columns, f"One rerun with nothing changed, {3 if options.quick else 30} timed runs each:")
    seeded = Table(
        ["database", "rows", "seeding took"],
        f"Seeded: {sizes[0]:,} couples × {sizes[1]} (the other counselor: {sizes[2]} × {sizes[3]}):",
    )
    goals, notes = [], []
    pg = postgres_url()
    for name in ("SQLite", "PostgreSQL"):
        if name == "PostgreSQL" and pg is None:
            goals.append(Goal("every page (PostgreSQL)", f"≤ {GOAL_S * 1000:.0f} ms", "–", None))
            notes.append("PostgreSQL was not measured: no server was named (SPARK_CHECK_BENCH_POSTGRES_URL unset).")
            continue
        with (
            tempfile.TemporaryDirectory(prefix="bench-dashboard-", dir=options.workdir) as tmp,
            contextlib.nullcontext(f"sqlite:///{tmp}/db.sqlite3")
            if name == "SQLite"
            else postgres_database(pg or "", "spark_bench_dashboard") as url,
        ):
            options.log(f"dashboard: {name}: seeding {sizes[0]:,} couples × {sizes[1]} through the services")
            began = time.perf_counter()
            seeded.add(name, seed(url, sizes, options), f"{time.perf_counter() - began:.0f} s")
            found = measure(url, sizes[0], sizes[1], options)
        for page, (script, statements, elements) in found.items():
            value = median(script)
            table.add(name, page, elements, f"{ms(value)} ({ms(percentile(script, 90))})", f"{statements:.0f}")
            goals.append(Goal(f"{page} ({name})", f"≤ {GOAL_S * 1000:.0f} ms", ms(value), value <= GOAL_S))
    return Section(__doc__ or "", [table, seeded], goals, notes)
