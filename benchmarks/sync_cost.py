"""What ``synchronous=FULL`` costs one save on SQLite, against NORMAL.

    python -m benchmarks.sync_cost                  # 400 saves per setting
    python -m benchmarks.sync_cost --saves 2000 --dir /srv/spark_check

Each setting gets a fresh database file (in a temporary directory under ``--dir``,
by default beside the app's configured SQLite file: the disk the app writes to),
one person, and then ``Store.save_answer`` calls one at a time, as answering does
(one per click), each timed. The settings take turns in rounds, so a busy moment on
the machine hits both. FULL is what the app uses (storage/database.py); NORMAL is
set on the other store's connections after the app's own pragmas.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from benchmarks.common import median, percentile, repeat_timed
from storage.database import configured_url
from storage.repository import Store

SETTINGS = ("NORMAL", "FULL")
ITEMS = ("respect", "both_willing", "love_foundation", "same_future", "safe", "happy_again")


def open_store(path: Path, synchronous: str) -> Store:
    store = Store.from_url(f"sqlite:///{path}")

    @event.listens_for(store.engine, "connect")
    def _set(dbapi_connection: Any, _record: Any) -> None:  # runs after the app's own pragmas
        dbapi_connection.execute(f"PRAGMA synchronous = {synchronous}")

    store.engine.dispose()  # the schema's connections go; every new one gets the setting
    with store.engine.connect() as connection:
        level = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    assert level == {"NORMAL": 1, "FULL": 2}[synchronous], level
    return store


def measure(directory: Path, saves: int, rounds: int, seed: int = 1) -> dict[str, list[float]]:
    """Seconds per save_answer, per setting."""
    rng = random.Random(seed)
    stores = {name: open_store(directory / f"{name.lower()}.sqlite3", name) for name in SETTINGS}
    people = {name: store.create_person()[0] for name, store in stores.items()}
    timings: dict[str, list[float]] = {name: [] for name in SETTINGS}
    try:
        for round_ in range(rounds):
            order = SETTINGS if round_ % 2 == 0 else SETTINGS[::-1]
            for name in order:
                store, person = stores[name], people[name]

                def save(store: Store = store, person: str = person) -> None:
                    store.save_answer(person, "worth_it", 1, rng.choice(ITEMS), rng.randrange(3))

                timings[name] += repeat_timed(save, max(saves // rounds, 1))
    finally:
        for store in stores.values():
            store.engine.dispose()
    return timings


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_cost", description=__doc__.split("\n\n")[0])
    default_dir = Path(make_url(configured_url()).database or ".").resolve().parent
    parser.add_argument("--saves", type=int, default=400, help="saves per setting (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=8, help="turns each setting takes (default: %(default)s)")
    parser.add_argument("--dir", type=Path, default=default_dir, help="where to make the files (default: %(default)s)")
    args = parser.parse_args(argv)

    args.dir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="sync-cost-", dir=args.dir))
    try:
        timings = measure(directory, args.saves, args.rounds)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"save_answer on SQLite, {len(timings['FULL'])} saves per setting, files under {args.dir}")
    print("| synchronous | median | p90 | mean |")
    print("|---|---|---|---|")
    for name, values in timings.items():
        print(f"| {name} | {ms(median(values))} | {ms(percentile(values, 90))} | {ms(sum(values) / len(values))} |")
    extra = median(timings["FULL"]) - median(timings["NORMAL"])
    print(f"FULL costs {ms(extra)} more per save (median).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
