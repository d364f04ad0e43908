"""``python -m benchmarks.sync_cost [--saves N] [--dir DIR]``: what SQLite's ``synchronous=FULL`` costs one save, against NORMAL.

Each setting gets a fresh database file (under ``--dir``, by default beside the app's SQLite file:
the disk the app writes to) and one person; then ``Store.save_answer`` one at a time, as answering
does, each timed. The settings take turns in rounds, so a busy moment hits both. FULL is the app's.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from benchmarks.common import median, percentile
from storage.database import configured_url
from storage.repository import Store

ITEMS = ("respect", "both_willing", "love_foundation", "same_future", "safe", "happy_again")


def open_store(path: Path, synchronous: str) -> Store:
    store = Store.from_url(f"sqlite:///{path}")

    @event.listens_for(store.engine, "connect")
    def _set(dbapi_connection: Any, _record: Any) -> None:  # after the app's own pragmas
        dbapi_connection.execute(f"PRAGMA synchronous = {synchronous}")

    store.engine.dispose()  # every new connection gets the setting
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == {"NORMAL": 1, "FULL": 2}[synchronous]
    return store


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sync_cost", description=(__doc__ or "").split("\n\n")[0]
    )
    default_dir = Path(make_url(configured_url()).database or ".").resolve().parent
    parser.add_argument("--saves", type=int, default=400, help="saves per setting (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=8, help="turns each setting takes (default: %(default)s)")
    parser.add_argument("--dir", type=Path, default=default_dir, help="where the files go (default: %(default)s)")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    rng, timings = random.Random(1), {name: list[float]() for name in ("NORMAL", "FULL")}
    with tempfile.TemporaryDirectory(prefix="sync-cost-", dir=args.dir) as tmp:
        stores = {name: open_store(Path(tmp) / f"{name}.sqlite3", name) for name in timings}
        people = {name: store.create_person()[0] for name, store in stores.items()}
        for round_ in range(args.rounds):
            for name in list(timings)[:: 1 if round_ % 2 else -1]:
                for _ in range(max(args.saves // args.rounds, 1)):
                    start = time.perf_counter()
                    stores[name].save_answer(people[name], "worth_it", 1, rng.choice(ITEMS), rng.randrange(3))
                    timings[name].append(time.perf_counter() - start)
        for store in stores.values():
            store.engine.dispose()
    print(f"save_answer on SQLite, {len(timings['FULL'])} saves per setting, files under {args.dir}")
    print("| synchronous | median | p90 | mean |\n|---|---|---|---|")
    for name, values in timings.items():
        cells = (median(values), percentile(values, 90), sum(values) / len(values))
        print(f"| {name} | " + " | ".join(f"{v * 1000:.2f} ms" for v in cells) + " |")
    print(f"FULL costs {(median(timings['FULL']) - median(timings['NORMAL'])) * 1000:.2f} ms more per save (median).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
