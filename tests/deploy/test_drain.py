"""A rolling restart, as docs/OPERATIONS.md tells it: drain one of two replicas behind HAProxy
with deploy/spark-check-drain (its stats socket), restart it, put it back.

A person answers the intimacy questionnaire on replica a (their sticky cookie names it).
While they answer, a is set to drain: they go on answering on a, a refresh keeps them there,
and every answer, before and after, is in PostgreSQL. Everyone new meanwhile lands on b,
so nobody new will have to reconnect when a restarts. When the person leaves, a has no
session left and the drain ends; a is restarted, set ready, and takes new people again.

The people are websocket clients of the app speaking the browser's protocol
(tests/support/stclient.py), through HAProxy, on a fresh database of the CI PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from questions import default_content
from tests.support import REPO_ROOT
from tests.support.cluster import STICKY_COOKIE, postgres_database
from tests.support.replicas import Cluster, running_cluster
from tests.support.stclient import Session

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

DRAIN = REPO_ROOT / "deploy" / "spark-check-drain"
NEWCOMERS = 4
WAIT_S = 120.0


def drain_command(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's script, on this HAProxy's stats socket."""
    env = dict(os.environ, SPARK_CHECK_STATS_SOCKET=str(cluster.proxy.stats_socket), SPARK_CHECK_DRAIN_POLL="1")
    return subprocess.run([str(DRAIN), *args], env=env, capture_output=True, text=True, timeout=WAIT_S)


def status(cluster: Cluster) -> dict[str, str]:
    """Each replica's line of `spark-check-drain status`, e.g. {"a": "DRAIN, 1 session(s)"}."""
    done = drain_command(cluster, "status")
    assert done.returncode == 0, done.stderr
    return dict(line.split(": ", 1) for line in done.stdout.splitlines())


async def answer_some(person: Session, chosen: dict[str, int], count: int) -> None:
    """Answer ``count`` more radios on the page, never with an unsafe value (that changes the flow)."""
    intimacy = default_content().questionnaire("intimacy")
    open_items = [w for w in person.page.widgets if w.kind == "radio" and (w.key or "").startswith("answer:intimacy:")]
    for widget in [w for w in open_items if (w.key or "").split(":")[2] not in chosen][:count]:
        item = intimacy.item((widget.key or "").split(":")[2])
        safe = [o for o in intimacy.response_set_of(item).options if o.value not in item.unsafe_values]
        option = safe[len(chosen) % len(safe)]
        await person.choose(widget.key or "", option.label)
        chosen[item.id] = option.value


def saved_answers(cluster: Cluster, token: str) -> dict[str, int]:
    store = cluster.store()
    try:
        person = store.person_by_token(token)
        assert person is not None
        return dict(store.answers_for(person.id).get("intimacy", {}))
    finally:
        store.engine.dispose()


async def rolling_restart(cluster: Cluster) -> None:
    person = Session(cluster.url, cookies={STICKY_COOKIE: "a"})
    await person.connect()
    await person.load()
    await person.click("start:intimacy")
    chosen: dict[str, int] = {}
    await answer_some(person, chosen, 2)
    token = parse_qs(person.link)["r"][0]
    assert person.cookies[STICKY_COOKIE] == "a"

    # Drain a while the person is on it: the script says who is still there and stops at its limit.
    done = await asyncio.to_thread(drain_command, cluster, "drain", "a", "0")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "session(s) still open" in done.stdout
    assert status(cluster)["a"].startswith("DRAIN")

    # The person goes on answering on a, page after page.
    await answer_some(person, chosen, 2)
    await person.click("next:intimacy:solo")
    await answer_some(person, chosen, 2)
    # A refresh (a new connection, the same cookie) still reaches a, and resumes.
    await person.close()
    person = Session(cluster.url, cookies=dict(person.cookies))
    person.query_string = f"r={token}"
    await person.connect()
    await person.load()
    assert person.cookies[STICKY_COOKIE] == "a"
    await answer_some(person, chosen, 1)

    # Everyone new goes to b.
    newcomers = [Session(cluster.url) for _ in range(NEWCOMERS)]
    for newcomer in newcomers:
        await newcomer.connect()
        await newcomer.load()
    assert [n.cookies[STICKY_COOKIE] for n in newcomers] == ["b"] * NEWCOMERS

    # Nothing lost: every answer, given before and during the drain, is in the database.
    assert await asyncio.to_thread(saved_answers, cluster, token) == chosen

    # The person leaves; the drain ends with nobody on a.
    await person.close()
    done = await asyncio.to_thread(drain_command, cluster, "drain", "a", str(int(WAIT_S)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no session left" in done.stdout

    # Restart a (an upgrade would switch the code first), put it back, and it takes new people.
    await asyncio.to_thread(cluster.replicas["a"].restart)
    done = await asyncio.to_thread(drain_command, cluster, "ready", "a")
    assert done.returncode == 0, done.stderr
    await asyncio.to_thread(cluster.proxy.wait_until_routed, "a", WAIT_S)
    latecomer = Session(cluster.url)
    await latecomer.connect()
    await latecomer.load()
    assert latecomer.cookies[STICKY_COOKIE] == "a"  # b holds the newcomers' sessions: a has fewer
    for session in [latecomer, *newcomers]:
        await session.close()
    assert await asyncio.to_thread(saved_answers, cluster, token) == chosen


def test_a_drained_replica_keeps_its_people_and_gets_nobody_new(
    haproxy_binary: Path, postgres_url: str, tmp_path: Path
) -> None:
    with (
        postgres_database(postgres_url, "spark_drain") as database_url,
        running_cluster(tmp_path, database_url) as cluster,
    ):
        for name in cluster.replicas:
            cluster.proxy.wait_until_routed(name)
        asyncio.run(asyncio.wait_for(rolling_restart(cluster), 2 * WAIT_S))
        for server in cluster.replicas.values():
            assert "Traceback" not in server.logs(), server.logs()
