"""``python -m benchmarks.profile [PAGE ...] [--runs N]``: where one rerun's time goes, against the same page drawn plainly.

Each page of ``pages.PAGES`` and its plain twin are reached as ``rerun`` does it and rerun in turn:
with nothing changed and (a questionnaire) choosing another option of its first question that is no
safety one, which its ``on_change`` saves before the script runs. Printed (markdown): the script's time
to each message it sent from the one before (the first includes the callbacks), median per message;
the SQL statements sent; and cProfile's heaviest functions of the app's own code, on runs of their own
(cProfile slows what it watches: read them as shares, not times).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
from collections import Counter
from itertools import zip_longest
from pathlib import Path
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from benchmarks import pages
from benchmarks.common import REPO_ROOT, median
from benchmarks.rerun import page_and_plain
from questions.loader import default_content

OWN = tuple(str(REPO_ROOT / name) for name in ("ui", "services", "storage", "questions", "scoring", "settings.py"))


def describe(msg: ForwardMsg) -> str:
    """What a message draws: an element's type and its key or first words, a block's type."""
    if msg.WhichOneof("type") != "delta":
        return str(msg.WhichOneof("type"))
    if msg.delta.WhichOneof("type") == "add_block":
        return f"[{msg.delta.add_block.WhichOneof('type')}]"
    kind = str(msg.delta.new_element.WhichOneof("type"))
    proto = getattr(msg.delta.new_element, kind)
    words = " ".join(str(getattr(proto, "body", getattr(proto, "label", ""))).split()[:4])
    return f"{kind} {pages._key(getattr(proto, 'id', '')) or words}"[:50].replace("|", "/")


def steps(runs: pages.Runs) -> list[tuple[str, float]]:
    """The last script run: each message sent and the seconds since the one before, then the rest."""
    times = [0.0, *(at for _, at in runs.sent[-1]), runs.durations[-1]]
    names = [*(describe(msg) for msg, _ in runs.sent[-1]), "(after the last message)"]
    return [(name, end - start) for name, start, end in zip(names, times[:-1], times[1:], strict=True)]


def choose_another(app: AppTest) -> bool:
    """Choose the next option of the page's first question that is no safety one (the app's radios hold
    response values, the plain ones labels); False when there is none."""
    for radio in app.radio:
        kind, qid, item_id = [*(radio.key or "").split(":"), "", ""][:3]
        questionnaire = default_content().questionnaire(qid) if kind == "answer" else None
        if questionnaire and not questionnaire.item(item_id).safety:
            label = radio.options[((radio.index if radio.index is not None else -1) + 1) % len(radio.options)]
            options = questionnaire.response_set_of(questionnaire.item(item_id)).options
            radio.set_value(label if radio.format_func is str else next(o.value for o in options if o.label == label))
            return True
    return False


def profile(label: str, count: int, directory: Path) -> None:
    with page_and_plain(label, directory) as (app, plain, runs):
        print(f"\n## {label}")
        for change in (False, True) if choose_another(app) else (False,):
            found: dict[AppTest, list[Any]] = {app: [], plain: []}  # per run: steps, duration, SQL statements
            for index in range(3 + count):  # 3 warm-up runs (the first answer makes the person's record)
                for target, sink in found.items():
                    runs.clear()
                    _ = change and choose_another(target)
                    pages.check(target.run())
                    if index >= 3:
                        sink.append((steps(runs), sum(runs.durations), [sql for run in runs.sql for sql in run]))
            runs.profiler = cprofile = cProfile.Profile()
            for _ in range(count):
                _ = change and choose_another(app)
                pages.check(app.run())
            runs.profiler = None
            report("choosing another answer" if change else "nothing changed", found[app], found[plain], cprofile)


def medians(found: list[Any]) -> list[tuple[str, float]]:
    """Per message of the last run: the median of its time over the runs that sent the same messages."""
    names = [name for name, _ in found[-1][0]]
    same = [run[0] for run in found if len(run[0]) == len(names)]
    return [(name, median([run[index][1] for run in same])) for index, name in enumerate(names)]


def report(how: str, app: list[Any], plain: list[Any], cprofile: cProfile.Profile) -> None:
    count, (mine, theirs) = len(app), (median([run[1] for run in found]) * 1000 for found in (app, plain))
    print(f"\n### A rerun, {how}: app {mine:.1f} ms, plain {theirs:.1f} ms (script run, median of {count})\n")
    print("| # | app: what it sent | ms before it | plain: what it sent | ms before it |\n|---|---|---|---|---|")
    for index, (a, b) in enumerate(zip_longest(medians(app), medians(plain), fillvalue=("", float("nan"))), 1):
        print(f"| {index} | {a[0]} | {a[1] * 1000:.2f} | {b[0]} | {b[1] * 1000:.2f} |".replace("nan", ""))
    statements = Counter(" ".join(sql.split())[:110] for run in app for sql in run[2])
    print(
        f"\nSQL statements the app sent per rerun: {median([len(run[2]) for run in app]):.0f} (the plain page: none)\n"
    )
    print("".join(f"- {n / count:.1f}× `{statement}`\n" for statement, n in statements.most_common(10)))
    own = [item for item in pstats.Stats(cprofile).stats.items() if item[0][0].startswith(OWN)]  # type: ignore[attr-defined]
    print("| the app's own function (cProfile) | calls per rerun | cumulative ms per rerun |\n|---|---|---|")
    for (file, line, name), (_, calls, _, total, _) in sorted(own, key=lambda item: -item[1][3])[:15]:
        print(
            f"| `{Path(file).relative_to(REPO_ROOT)}:{line} {name}` | {calls / count:.1f} | {total * 1000 / count:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("pages", nargs="*", metavar="PAGE", help=f"any of {', '.join(pages.PAGES)} (default: all)")
    parser.add_argument("--runs", type=int, default=30, help="reruns of each kind (default 30)")
    args = parser.parse_args()
    if unknown := set(args.pages) - set(pages.PAGES):
        parser.error(f"unknown page(s): {', '.join(sorted(unknown))}")
    for label in args.pages or pages.PAGES:
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
            profile(label, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
