"""``python -m benchmarks.probe OUT SCRIPT [streamlit options]``: ``streamlit run`` with a memory probe.

On SIGUSR1 the server collects its garbage and writes to OUT its RSS (VmRSS, KiB) and its Python
heap (``sys.getallocatedblocks()``: live blocks, the Python heap and nothing else; RSS hardly ever
shrinks). The benchmark asks between its timed phases, never during one.
"""

import gc
import json
import signal
import sys
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])

    def answer(*_: object) -> None:
        gc.collect()
        status = Path("/proc/self/status").read_text().splitlines()
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        out.with_suffix(".part").write_text(json.dumps({"rss_kib": rss, "blocks": sys.getallocatedblocks()}))
        out.with_suffix(".part").replace(out)

    signal.signal(signal.SIGUSR1, answer)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()
