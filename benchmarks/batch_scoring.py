"""Part 4: ``python -m scoring score`` on many responses, vectorised vs a plain per-response loop.

The input is seeded random responses (half to each questionnaire, each item
answered with probability 0.9, an ``id`` each), written once as a JSON list
and once as a CSV. For each format the vectorised road (what ``score`` takes
for 200 responses or more: the file read by scoring.reader, a JSON list
grouped by scoring.batch.split_json_responses, a CSV by
scoring.batch.parse_csv, both scored and rendered by scoring.batch) and the plain loop (validate, score and
``json.dump`` response by response: what ``score`` did before) are timed
stage by stage in this process, and ``python -m scoring score FILE > OUT`` is
timed end to end as a subprocess (interpreter start-up, imports and content
loading included). Both roads' outputs are compared byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT, Goal, Options, Section, Table, stamp, times
from questions.loader import Content, default_content
from scoring import batch, cli, reader

KEY = "batch"
TITLE = "4. Batch scoring: `python -m scoring score`"
GOAL_RATE = 100_000  # responses per second
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


@dataclass
class Road:
    stages: dict[str, float] = field(default_factory=dict)
    digest: str = ""
    output_bytes: int = 0

    @property
    def total(self) -> float:
        return sum(self.stages.values())


def _timed(road: Road, stage: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    road.stages[stage] = road.stages.get(stage, 0.0) + time.perf_counter() - start
    return value


def _digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def vectorised(path: Path, content: Content, out_path: Path) -> Road:
    road = Road()
    raw = _timed(road, "read", lambda: path.read_bytes())
    if path.suffix == ".csv":
        parsed = _timed(
            road, "parse + encode", lambda: batch.parse_csv(reader.read_csv(raw, cli.MAX_INPUT_BYTES), content)
        )
    else:
        responses = _timed(road, "parse", lambda: reader.read_json(raw, cli.MAX_INPUT_BYTES))
        groups = _timed(road, "encode", lambda: batch.split_json_responses(responses, content))
        parsed = None if groups is None else (groups, len(responses))
    assert parsed is not None, f"the benchmark's {path.suffix} file must take the fast road"
    groups, count = parsed
    scores = _timed(road, "score", lambda: [batch.score_codes(g.plan, g.codes) for g in groups])

    def output() -> None:
        with out_path.open("w", encoding="utf-8") as out:
            cli._write_utf8(out, batch.iter_rendered(groups, scores, count))
            out.write("\n")

    _timed(road, "output (render + write)", output)
    road.digest, road.output_bytes = _digest(out_path)
    return road


def per_response(path: Path, content: Content, out_path: Path) -> Road:
    road = Road()
    # "read": the file through scoring.reader (JSON parsed, a CSV split in cells); "parse": CSV rows made responses.
    found = _timed(road, "read", lambda: cli.read_input(str(path)))
    found = _timed(road, "parse", lambda: cli.with_csv_responses(found, content))
    results = _timed(
        road, "validate + score", lambda: cli.score_responses(found.responses, content, found.where, found.lines)
    )

    def output() -> None:
        with out_path.open("w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, ensure_ascii=False)
            out.write("\n")

    _timed(road, "output (json.dump)", output)
    road.digest, road.output_bytes = _digest(out_path)
    return road


def end_to_end(path: Path, out_path: Path) -> float:
    """Wall time of ``python -m scoring score PATH > OUT`` (best of 3: start-up noise only adds)."""
    best = float("inf")
    for _ in range(3):
        with out_path.open("wb") as out:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "scoring", "score", str(path)],
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.PIPE,
                check=True,
            )
            best = min(best, time.perf_counter() - start)
    return best


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

    stage_table = Table(
        ["input", "road", "stage", "seconds", "responses/s"],
        caption=f"**{count:,} responses**, timed in one process (content already loaded):",
    )
    summary = Table(
        ["input", "input size", "output size", "vectorised", "per-response loop", "ratio", "same output"],
        caption="In one process, read to written (sum of the stages):",
    )
    e2e = Table(
        ["input", "`python -m scoring score` wall time", "responses/s"],
        caption="End to end, as a person runs it (a fresh interpreter; best of 3; output to a file):",
    )
    goals: list[Goal] = []
    for label, path in paths.items():
        options.log(f"batch: {label}, vectorised")
        fast = vectorised(path, content, workdir / f"fast-{label}.json")
        options.log(f"batch: {label}, per-response loop")
        slow = per_response(path, content, workdir / f"slow-{label}.json")
        for road_name, road in (("vectorised", fast), ("per-response loop", slow)):
            for stage, seconds in road.stages.items():
                stage_table.add(label, road_name, stage, f"{seconds:.3f}", rate(count, seconds))
        summary.add(
            label,
            f"{path.stat().st_size / 1e6:.1f} MB",
            f"{fast.output_bytes / 1e6:.1f} MB",
            f"{fast.total:.2f} s ({rate(count, fast.total)})",
            f"{slow.total:.2f} s ({rate(count, slow.total)})",
            times(slow.total / fast.total),
            "yes" if fast.digest == slow.digest else "**NO**",
        )
        options.log(f"batch: {label}, end to end")
        wall = end_to_end(path, workdir / f"e2e-{label}.json")
        e2e.add(label, f"{wall:.2f} s", rate(count, wall))
        score_rate = count / fast.stages["score"]
        goals.append(
            Goal(
                f"{label}: end to end, {count:,} responses",
                f"≥ {GOAL_RATE:,} responses/s",
                rate(count, wall),
                count / wall >= GOAL_RATE,
            )
        )
        goals.append(
            Goal(
                f"{label}: the vectorised scoring stage",
                f"≥ {GOAL_RATE:,} responses/s",
                f"{score_rate:,.0f}/s",
                score_rate >= GOAL_RATE,
            )
        )
        goals.append(
            Goal(
                f"{label}: same output as the per-response loop",
                "byte for byte",
                "identical" if fast.digest == slow.digest else "different",
                fast.digest == slow.digest,
            )
        )
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[summary, e2e, stage_table],
        goals=goals,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
