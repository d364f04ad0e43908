"""Spark Check's benchmarks: ``python -m benchmarks --help``; the figures go to docs/PERFORMANCE.md."""
