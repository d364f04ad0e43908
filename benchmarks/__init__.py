"""Spark Check's benchmarks: how close the app runs to Streamlit's own floor.

Run them all with ``python -m benchmarks`` (``--help`` for choices); the
figures go to ``docs/PERFORMANCE.md``. Every comparison is a ratio taken in
the same run, on the same machine, against a baseline that does the same
Streamlit work without the app's logic.

The benchmarks are registered in :data:`benchmarks.registry.BENCHMARKS`: a
module with a ``run(options) -> Section`` function. Adding one (for example the
counselor dashboard at scale, part 5 of the performance issue) means writing
such a module and adding it there; the command line, the report and the smoke
test pick it up.

They are not timed unit tests: ``tests/benchmarks`` runs each at a tiny size
and checks only that it still works and reports what it should.
"""
