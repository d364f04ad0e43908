"""Helpers shared by the tests and the benchmarks: servers, Chromium, HAProxy, the websocket client.

The benchmarks may import from here; tests never import from ``benchmarks``
(``tests/test_code_rules.py`` checks it).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
