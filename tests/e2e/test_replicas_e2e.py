"""Two replicas on one PostgreSQL behind HAProxy, run with deploy/haproxy.cfg, in real Chromium.

- Two replicas started at once on an empty database both serve (the schema is
  made by whichever first session gets the migration lock; the other waits).
- A person half-way through the intimacy questionnaire loses their replica to
  SIGKILL: the page reconnects through HAProxy to the other one, and every answer
  is there, in the page (the reconnect keeps the URL) and through the resume link.
- Two partners pinned to different replicas compare; the waiting view on one
  replica updates when the other partner finishes on the other.
- A counselor on replica A sees a couple finish on replica B. A failover costs a
  counselor nothing: the other replica restores their login from the session
  cookie (docs/SECURITY.md, "Counselor sessions") and everything is there.

Each run gets a fresh database on the CI PostgreSQL (SPARK_CHECK_TEST_POSTGRES_URL),
everything listens on 127.0.0.1 only, and every wait is on a condition with a
generous limit. Missing HAProxy, Chromium or PostgreSQL fail the test under CI=true.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import inspect

from questions import default_content
from questions.schema import Questionnaire
from storage import Store
from storage.counselors import CounselorDesk
from storage.database import APP_TABLES, current_revision, head_revision
from tests.conftest import skip_or_fail
from tests.e2e.counselor_flows import (
    SHARE_ITEMS,
    add_couple,
    consent,
    log_in,
    open_couple_from_roster,
    start_in_office,
    take_turn,
)
from tests.e2e.flows import choose, click, join_code_on, radio_for, take_part
from tests.e2e.helpers import held_link, open_app, wait_for_app_idle
from tests.support.cluster import STICKY_COOKIE, HAProxy, haproxy_path, postgres_database
from tests.support.replicas import Cluster, make_replicas, running_cluster, start_together
from tests.support.stclient import Session

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(900)]

REPLICAS = ("a", "b")
#: Waits for things that take a failover or a replica's start (milliseconds).
SLOW_MS = 90_000
#: Every other Playwright wait and assertion (milliseconds).
WAIT_MS = 30_000
PASSWORD = "a long enough password"
LABEL = "Rivers"


@pytest.fixture(scope="module")
def haproxy_binary() -> Path:
    path = haproxy_path()
    if path is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    return path


@pytest.fixture(scope="module")
def generous_expect() -> Iterator[None]:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    try:
        yield
    finally:
        expect.set_options(timeout=None)


@pytest.fixture(scope="module")
def cluster(
    haproxy_binary: Path, postgres_url: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("replicas")
    with (
        postgres_database(postgres_url, "spark_replicas_e2e") as database_url,
        running_cluster(directory, database_url) as running,
    ):
        yield running


@pytest.fixture
def up(cluster: Cluster, generous_expect: None) -> Cluster:
    """The cluster with both replicas running and routed to."""
    cluster.ensure_all_up()
    return cluster


def pinned_context(browser: Browser, cluster: Cluster, replica: str | None = None) -> BrowserContext:
    """A fresh browser profile; with ``replica``, it holds the sticky cookie that names it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    if replica is not None:
        context.add_cookies([{"name": STICKY_COOKIE, "value": replica, "url": cluster.url}])
    return context


def replica_of(context: BrowserContext, cluster: Cluster) -> str:
    """The replica HAProxy pinned this browser to: its sticky cookie."""
    values = [c["value"] for c in context.cookies(cluster.url) if c["name"] == STICKY_COOKIE]
    assert len(values) == 1, f"expected one {STICKY_COOKIE} cookie, got {values}"
    return values[0]


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = SLOW_MS / 1000) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting until {what}", pytrace=False)
        time.sleep(0.25)


def other(replica: str) -> str:
    return next(name for name in REPLICAS if name != replica)


def saved_answers(cluster: Cluster, token: str) -> dict[str, dict[str, int]]:
    """What the database holds for the person with this resume token."""
    store = cluster.store()
    try:
        person = store.person_by_token(token)
        assert person is not None
        return store.answers_for(person.id)
    finally:
        store.engine.dispose()


def varied_answers(questionnaire: Questionnaire) -> dict[str, int]:
    """A different option from one question to the next (never an unsafe one), so a mix-up would show."""
    answers: dict[str, int] = {}
    for index, item in enumerate(questionnaire.items):
        options = [o for o in questionnaire.response_set_of(item).options if o.value not in item.unsafe_values]
        answers[item.id] = options[index % len(options)].value
    return answers


def label_of(questionnaire: Questionnaire, item_id: str, value: int) -> str:
    rset = questionnaire.response_set_of(questionnaire.item(item_id))
    return next(o.label for o in rset.options if o.value == value)


def expect_checked(page: Page, questionnaire: Questionnaire, answers: dict[str, int], item_ids: list[str]) -> None:
    from playwright.sync_api import expect

    for item_id in item_ids:
        group = radio_for(page, questionnaire.item(item_id).text)
        label = label_of(questionnaire, item_id, answers[item_id])
        expect(group.get_by_role("radio", name=label, exact=True)).to_be_checked()


def answer(
    page: Page, questionnaire: Questionnaire, answers: dict[str, int], item_ids: list[str], section_title: str
) -> dict[str, int]:
    """Answer these questions of the section on screen (by item: several sections ask the same
    "How much does this matter" question, each under its own id)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=section_title)).to_be_visible()
    for item_id in item_ids:
        choose(page, questionnaire.item(item_id).text, label_of(questionnaire, item_id, answers[item_id]))
    return {item_id: answers[item_id] for item_id in item_ids}


def radio_items(questionnaire: Questionnaire, section_index: int) -> list[str]:
    section = questionnaire.sections[section_index]
    return [i.id for i in section.items if not questionnaire.response_set_of(i).multi]


async def _first_sessions(url: str, replicas: tuple[str, ...]) -> list[tuple[str, str]]:
    """One session per replica, opening the app at the same moment; (replica served by, page title)."""
    sessions = [Session(url, cookies={STICKY_COOKIE: name}) for name in replicas]
    await asyncio.gather(*(s.connect() for s in sessions))
    try:
        await asyncio.gather(*(s.load() for s in sessions))
        return [(s.cookies[STICKY_COOKIE], s.page.title) for s in sessions]
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


def test_two_replicas_starting_together_on_an_empty_database_both_serve(
    haproxy_binary: Path, postgres_url: str, tmp_path: Path
) -> None:
    with postgres_database(postgres_url, "spark_replicas_start") as database_url:
        replicas = make_replicas(tmp_path, database_url)
        try:
            start_together(list(replicas.values()))
            store = Store.from_url(database_url, create=False)
            try:
                # Healthy, and nothing made yet: the schema comes with each replica's first session.
                assert not set(inspect(store.engine).get_table_names()) & APP_TABLES
                proxy = HAProxy([f"127.0.0.1:{r.port}" for r in replicas.values()], tmp_path / "haproxy.log")
                with proxy:
                    for name in REPLICAS:
                        proxy.wait_until_routed(name)
                    # Both first sessions at once, one on each replica: both migrate, under the lock.
                    # (In a thread of its own: Playwright's sync API may hold this one's event loop.)
                    with ThreadPoolExecutor(1) as pool:
                        served = pool.submit(
                            lambda: asyncio.run(asyncio.wait_for(_first_sessions(proxy.url, REPLICAS), SLOW_MS / 1000))
                        ).result()
                    assert served == [(name, "Spark Check") for name in REPLICAS]
                with store.engine.connect() as connection:
                    assert current_revision(connection) == head_revision()
                assert set(inspect(store.engine).get_table_names()) >= APP_TABLES
            finally:
                store.engine.dispose()
            for server in replicas.values():
                assert server.is_running() and server.is_healthy()
                assert "Traceback" not in server.logs(), server.logs()
        finally:
            for server in replicas.values():
                server.stop()


def test_the_proxy_sends_the_production_headers_and_routes_by_the_sticky_cookie(up: Cluster) -> None:
    status, headers = up.proxy.get("/")
    assert status == 200
    assert headers["content-security-policy"] == ["frame-ancestors 'self'"]
    assert headers["x-frame-options"] == ["SAMEORIGIN"]
    assert headers["referrer-policy"] == ["no-referrer"]
    sticky = [h for h in headers.get("set-cookie", []) if h.startswith(f"{STICKY_COOKIE}=")]
    assert len(sticky) == 1 and "HttpOnly" in sticky[0], sticky
    for name in REPLICAS:
        assert up.proxy.served_by({STICKY_COOKIE: name}) == name
    # A cookie naming no replica is replaced by one that does.
    assert up.proxy.served_by({STICKY_COOKIE: "nobody"}) in REPLICAS


def test_a_replica_killed_mid_questionnaire_costs_one_reconnect_and_no_answer(up: Cluster, browser: Browser) -> None:
    from playwright.sync_api import expect

    intimacy = default_content().questionnaire("intimacy")
    answers = varied_answers(intimacy)
    half = len(intimacy.sections) // 2
    context = pinned_context(browser, up)
    try:
        page = context.new_page()
        open_app(page, up.url)
        click(page, "Start “Is our intimacy fading?”")
        chosen: dict[str, int] = {}
        for index in range(half):
            chosen.update(answer(page, intimacy, answers, radio_items(intimacy, index), intimacy.sections[index].title))
            click(page, "Next →")
        # Three answers on the page the person is looking at when their replica dies.
        on_screen = radio_items(intimacy, half)[:3]
        chosen.update(answer(page, intimacy, answers, on_screen, intimacy.sections[half].title))
        assert len(chosen) >= len(intimacy.items) // 2
        address = page.url
        token = held_link(page).removeprefix("r=")  # the tab's, never the address bar's
        resume_url = f"{up.url}/intimacy?r={token}"

        victim = replica_of(context, up)
        survivor = other(victim)
        up.replicas[victim].kill()

        # One reconnect, through HAProxy, to the other replica, on the same URL.
        wait_until(lambda: replica_of(context, up) == survivor, f"the page reconnects to replica {survivor!r}")
        wait_for_app_idle(page, timeout_ms=SLOW_MS)
        expect(page.get_by_text("Welcome back. Your answers are restored.")).to_be_visible(timeout=SLOW_MS)
        assert page.url == address
        assert not up.replicas[victim].is_running()
        progress = f"Part {half + 1} of {len(intimacy.sections)}"
        expect(page.get_by_text(progress)).to_be_visible()
        expect_checked(page, intimacy, answers, on_screen)
        # The resume link, in another browser (no cookies): the same answers.
        elsewhere = pinned_context(browser, up)
        try:
            resumed = elsewhere.new_page()
            open_app(resumed, resume_url, timeout_ms=SLOW_MS)
            expect(resumed.get_by_text("Welcome back. Your answers are restored.")).to_be_visible()
            expect(resumed.get_by_text(progress)).to_be_visible()
            expect_checked(resumed, intimacy, answers, on_screen)
            assert replica_of(elsewhere, up) == survivor
        finally:
            elsewhere.close()

        # Every earlier section, walking back through it in the reconnected page.
        for index in reversed(range(half)):
            click(page, "← Back")
            expect(page.get_by_role("heading", name=intimacy.sections[index].title)).to_be_visible()
            expect_checked(page, intimacy, answers, radio_items(intimacy, index))

        assert saved_answers(up, token)["intimacy"] == chosen

        # A second failover, right after a page change (a full run, no fragment since): the
        # answer given next, on the new replica, is saved too (the app's reconnect guard).
        up.replicas[victim].start()
        up.proxy.wait_until_routed(victim)
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Is it worth it?").click()
        wait_for_app_idle(page)
        worth_it = default_content().questionnaire("worth_it")
        expect(page.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
        up.replicas[survivor].kill()
        wait_until(lambda: replica_of(context, up) == victim, f"the page reconnects to replica {victim!r}")
        wait_for_app_idle(page, timeout_ms=SLOW_MS)
        # The new session resumes once the tab handed its link over (a reload).
        expect(page.get_by_text("Welcome back. Your answers are restored.")).to_be_visible(timeout=SLOW_MS)
        wait_for_app_idle(page, timeout_ms=SLOW_MS)
        first = worth_it.items[0]
        choose(page, first.text, worth_it.response_set_of(first).options[0].label)
        wait_until(lambda: first.id in saved_answers(up, token).get("worth_it", {}), "the answer is saved")

        assert saved_answers(up, token)["intimacy"] == chosen
        # The proxy's log names paths only: no resume link in it.
        assert token not in up.proxy.log_path.read_text(errors="replace")
    finally:
        context.close()


def test_partners_on_two_replicas_compare_and_the_waiting_view_updates_across_them(
    up: Cluster, browser: Browser
) -> None:
    from playwright.sync_api import expect

    first_context, second_context = pinned_context(browser, up, "a"), pinned_context(browser, up, "b")
    try:
        first, second = first_context.new_page(), second_context.new_page()
        open_app(first, up.url)
        first.get_by_role("tab", name="On two devices").click()
        click(first, "Make a couple space")
        expect(first.get_by_role("heading", name="Our check-up", level=1)).to_be_visible()
        code = join_code_on(first)
        open_app(second, f"{up.url}/?join={code}")
        click(second, "Join my partner")
        expect(second.get_by_text("You've joined your partner's couple space.")).to_be_visible()

        # Partner 1 finishes first, on replica a, and waits.
        take_part(first, {}, SHARE_ITEMS)
        expect(first.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()
        expect(first.get_by_text("Waiting for your partner to finish")).to_be_visible()

        # Partner 2 finishes on replica b.
        take_part(second, {}, SHARE_ITEMS)
        expect(second.get_by_role("heading", name="Topic by topic")).to_be_visible()

        # Partner 1's waiting view, on replica a, updates by itself.
        expect(first.get_by_role("heading", name="Topic by topic")).to_be_visible(timeout=SLOW_MS)
        assert (replica_of(first_context, up), replica_of(second_context, up)) == ("a", "b")
    finally:
        first_context.close()
        second_context.close()


def test_a_counselor_on_one_replica_sees_a_couple_finish_on_the_other(up: Cluster, browser: Browser) -> None:
    from playwright.sync_api import expect

    store = up.store()
    try:
        CounselorDesk(store).add_counselor("ana", PASSWORD, "Ana")
    finally:
        store.engine.dispose()
    counselor_context, couple_context = pinned_context(browser, up, "a"), pinned_context(browser, up, "b")
    try:
        counselor = counselor_context.new_page()
        log_in(counselor, up.url, "ana", PASSWORD)
        add_couple(counselor, LABEL)
        link = start_in_office(counselor)
        assert link.startswith(up.url), link  # the link names the proxy, not a replica

        # The couple, on replica b.
        couple = couple_context.new_page()
        open_app(couple, link)
        consent(couple, 1)
        take_turn(couple, {}, SHARE_ITEMS)
        click(couple, "I'm Partner 2 — start my turn")
        consent(couple, 2)
        take_turn(couple, {}, SHARE_ITEMS, predictions=False)
        expect(couple.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()

        # The counselor, still on replica a, in the same session.
        finished = "2 of 2 partners finished · 2 of 2 agreed to share with you"
        open_couple_from_roster(counselor, LABEL)
        expect(counselor.get_by_text(finished)).to_be_visible()
        assert (replica_of(counselor_context, up), replica_of(couple_context, up)) == ("a", "b")

        # A failover costs a counselor nothing: the login comes back from the session cookie.
        up.replicas["a"].kill()
        wait_until(lambda: replica_of(counselor_context, up) == "b", "the counselor's page reconnects to replica 'b'")
        wait_for_app_idle(counselor, timeout_ms=SLOW_MS)
        expect(counselor.get_by_text("Counselor: Ana")).to_be_visible(timeout=SLOW_MS)
        open_couple_from_roster(counselor, LABEL)
        expect(counselor.get_by_text(finished)).to_be_visible()
    finally:
        counselor_context.close()
        couple_context.close()
