"""``python -m scoring``: see scoring.cli."""

import os
import sys

from scoring.cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (``| head``): stop quietly, as Python's docs advise
    # (library/signal, "Note on SIGPIPE"), without a traceback at interpreter exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
raise SystemExit(status)
