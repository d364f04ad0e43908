"""``python -m benchmarks.probe PROBE_DIR SCRIPT [streamlit options]``: ``streamlit run`` with a memory probe.

The load benchmark starts the server under test through this launcher (the
app and the bare baseline alike), so it can ask the server's own process how
much memory it holds, without a debug endpoint in the app. A daemon thread
watches PROBE_DIR for a file named ``request-N``; for each it runs a full
garbage collection and answers in ``answer-N.json`` with:

* ``rss_kib`` and ``hwm_kib``: VmRSS and VmHWM of the process (/proc/self/status);
* ``blocks``: ``sys.getallocatedblocks()``, the memory blocks the Python
  allocator holds: the Python heap, counted in blocks (objects, mostly);
* ``malloc_kib``: bytes in use in glibc's malloc heap (``mallinfo2``: arenas
  plus mmapped chunks), where big objects, NumPy/Arrow buffers and
  SQLite's caches live; absent where glibc isn't;
* ``gc_objects``: objects the garbage collector tracks.

The thread sleeps between looks (50 ms) and takes no lock of the app's, so
it costs next to nothing while no request is pending; the collection it runs
on request happens only between load phases, never during a timed one.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.05


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc_in_use_kib() -> int | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return int((info.uordblks + info.hblkhd) // 1024)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def measure() -> dict[str, Any]:
    gc.collect()
    return {
        "rss_kib": _status_kib("VmRSS"),
        "hwm_kib": _status_kib("VmHWM"),
        "blocks": sys.getallocatedblocks(),
        "malloc_kib": _malloc_in_use_kib(),
        "gc_objects": len(gc.get_objects()),
        "time": time.time(),
    }


def _watch(directory: Path) -> None:
    while True:
        for request in sorted(directory.glob("request-*")):
            answer = measure()
            name = request.name.replace("request-", "answer-") + ".json"
            partial = directory / (name + ".part")
            partial.write_text(json.dumps(answer), encoding="utf-8")
            partial.replace(directory / name)
            request.unlink(missing_ok=True)
        time.sleep(POLL_SECONDS)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit("usage: python -m benchmarks.probe PROBE_DIR SCRIPT [streamlit options]")
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pid").write_text(str(os.getpid()), encoding="utf-8")
    threading.Thread(target=_watch, args=(directory,), name="benchmark-memory-probe", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()
