"""How fast ``python -m scoring score`` scores a file, end to end, as a person runs it.

Seeded responses (either questionnaire, each item answered with probability 0.9) as a JSON list
and as a CSV; ``python -m scoring score FILE --format FORMAT > OUT`` in a fresh interpreter (start-up,
content validation, reading, scoring, writing), best of 3, per input and output format. CPU time
(user + system) shows the command's own work on a shared machine. Both inputs must give the same output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT, SEED, Goal, Options, Section, Table
from questions.loader import default_content
from scoring.cli import FORMATS

GOAL_RATE = 30_000  # responses per second, end to end


def write_inputs(count: int, directory: Path) -> dict[str, Path]:
    """``count`` seeded responses as a JSON list and as a CSV."""
    rng, content = random.Random(SEED), default_content()
    responses: list[dict[str, Any]] = []
    for index in range(count):
        questionnaire = rng.choice(list(content.questionnaires.values()))
        answers = {}
        for item in (item for item in questionnaire.items if rng.random() < 0.9):
            rset = questionnaire.response_set_of(item)
            answers[item.id] = (
                sorted(rng.sample(rset.values, rng.randint(1, 3))) if rset.multi else rng.choice(rset.values)
            )
        responses.append({"id": f"r{index:06d}", "questionnaire": questionnaire.id, "answers": answers})
    (directory / "responses.json").write_text(json.dumps(responses), encoding="utf-8")
    items = [item.id for questionnaire in content.questionnaires.values() for item in questionnaire.items]
    with (directory / "responses.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["id", "questionnaire", *items])
        for r in responses:
            cells = [r["answers"].get(item, "") for item in items]
            writer.writerow(
                [r["id"], r["questionnaire"], *(";".join(map(str, c)) if isinstance(c, list) else c for c in cells)]
            )
    return {"JSON": directory / "responses.json", "CSV": directory / "responses.csv"}


def end_to_end(path: Path, fmt: str, out_path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m scoring score PATH --format FMT > OUT`` (best of 3 each)."""
    wall = cpu = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with out_path.open("wb") as out:
            start = time.perf_counter()
            command = [sys.executable, "-m", "scoring", "score", str(path), "--format", fmt]
            subprocess.run(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.PIPE, check=True)
            wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def run(options: Options) -> Section:
    count = 1_000 if options.quick else options.responses
    columns = [
        "input",
        "input size",
        "`--format`",
        "output size",
        "wall time",
        "responses/s",
        "CPU time (user + system)",
    ]
    table = Table(columns, f"**{count:,} responses**, end to end (a fresh interpreter; best of 3; output to a file):")
    goals: list[Goal] = []
    digests: dict[str, set[str]] = {fmt: set() for fmt in FORMATS}
    with tempfile.TemporaryDirectory(prefix="bench-batch-", dir=options.workdir) as tmp:
        for label, path in write_inputs(count, Path(tmp)).items():
            for fmt in FORMATS:
                options.log(f"batch: {label} → {fmt}")
                wall, cpu = end_to_end(path, fmt, Path(tmp) / f"out.{fmt}")
                output = (Path(tmp) / f"out.{fmt}").read_bytes()
                digests[fmt].add(hashlib.sha256(output).hexdigest())
                size, rate = f"{path.stat().st_size / 1e6:.1f} MB", f"{count / wall:,.0f}/s"
                table.add(label, size, fmt, f"{len(output) / 1e6:.1f} MB", f"{wall:.2f} s", rate, f"{cpu:.2f} s")
                if fmt == "json":  # the default
                    target = f"≥ {GOAL_RATE:,} responses/s"
                    goals.append(
                        Goal(f"{label}: end to end, {count:,} responses", target, rate, count / wall >= GOAL_RATE)
                    )
    same = all(len(found) == 1 for found in digests.values())
    goals.append(
        Goal("JSON and CSV input: the same output", "byte for byte", "identical" if same else "different", same)
    )
    return Section(__doc__ or "", [table], goals)
