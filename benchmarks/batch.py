"""Part 4: ``python -m scoring score`` end to end on many responses.

The input is seeded random responses (half to each questionnaire, each item
answered with probability 0.9, an ``id`` each), written once as a JSON list
and once as a CSV. ``python -m scoring score FILE --format FORMAT > OUT`` runs
as a subprocess, as a person runs it (a fresh interpreter: start-up, imports,
the content's validation, reading, scoring and writing), best of 3, for each
input and each output format; the wall time gives the rate, and the CPU time
(user + system) shows how much of it was the command's own work on a shared
machine. The two inputs must give the very same output.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT, Goal, Options, Section, Table, stamp
from questions.loader import Content, default_content
from scoring.cli import FORMATS

KEY = "batch"
TITLE = "4. Batch scoring: `python -m scoring score`"
GOAL_RATE = 30_000  # responses per second, end to end
QUICK_RESPONSES = 1_000


def make_responses(content: Content, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    questionnaires = list(content.questionnaires.values())
    responses: list[dict[str, Any]] = []
    for index in range(count):
        questionnaire = rng.choice(questionnaires)
        answers: dict[str, Any] = {}
        for item in questionnaire.items:
            if rng.random() < 0.9:
                rset = questionnaire.response_set_of(item)
                if rset.multi:
                    answers[item.id] = sorted(rng.sample(rset.values, rng.randint(1, 3)))
                else:
                    answers[item.id] = rng.choice(rset.values)
        responses.append({"id": f"r{index:06d}", "questionnaire": questionnaire.id, "answers": answers})
    return responses


def write_inputs(content: Content, responses: list[dict[str, Any]], directory: Path) -> dict[str, Path]:
    json_path = directory / "responses.json"
    json_path.write_text(json.dumps(responses), encoding="utf-8")
    columns = ["id", "questionnaire"] + [i.id for q in content.questionnaires.values() for i in q.items]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for response in responses:
        answers = response["answers"]
        writer.writerow(
            [response["id"], response["questionnaire"]]
            + [
                ";".join(map(str, answers[c])) if isinstance(answers.get(c), list) else str(answers.get(c, ""))
                for c in columns[2:]
            ]
        )
    csv_path = directory / "responses.csv"
    csv_path.write_text(buffer.getvalue(), encoding="utf-8")
    return {"JSON": json_path, "CSV": csv_path}


def end_to_end(path: Path, fmt: str, out_path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m scoring score PATH --format FMT > OUT`` (best of 3 each)."""
    wall = cpu = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with out_path.open("wb") as out:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "scoring", "score", str(path), "--format", fmt],
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.PIPE,
                check=True,
            )
            wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "–"


def run(options: Options) -> Section:
    began = time.perf_counter()
    started = stamp()
    count = QUICK_RESPONSES if options.quick else options.batch_responses
    content = default_content()
    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-", dir=options.workdir))
    options.log(f"batch: generating {count:,} responses")
    paths = write_inputs(content, make_responses(content, count, options.seed), workdir)
    table = Table(
        ["input", "input size", "`--format`", "output size", "wall time", "responses/s", "CPU time (user + system)"],
        caption=f"**{count:,} responses**, end to end (a fresh interpreter; best of 3; output to a file):",
    )
    goals: list[Goal] = []
    digests: dict[str, set[str]] = {fmt: set() for fmt in FORMATS}
    for label, path in paths.items():
        for fmt in FORMATS:
            options.log(f"batch: {label} → {fmt}")
            out_path = workdir / f"out-{label}.{fmt}"
            wall, cpu = end_to_end(path, fmt, out_path)
            output = out_path.read_bytes()
            digests[fmt].add(hashlib.sha256(output).hexdigest())
            table.add(
                label,
                f"{path.stat().st_size / 1e6:.1f} MB",
                fmt,
                f"{len(output) / 1e6:.1f} MB",
                f"{wall:.2f} s",
                rate(count, wall),
                f"{cpu:.2f} s",
            )
            if fmt == "json":  # the default
                name = f"{label}: end to end, {count:,} responses"
                goals.append(Goal(name, f"≥ {GOAL_RATE:,} responses/s", rate(count, wall), count / wall >= GOAL_RATE))
    same = all(len(found) == 1 for found in digests.values())
    goals.append(
        Goal("JSON and CSV input: the same output", "byte for byte", "identical" if same else "different", same)
    )
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[table],
        goals=goals,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
