"""A per-session memo for work a rerun would otherwise repeat (scoring, figures).

It lives in ``st.session_state``, so it is one browser session's alone — never
``st.cache_*``, which every session shares. Each entry keeps only its latest
key, and a new identity in the session (a resume, a hand-over, a login) clears
the session state and with it the memo.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import streamlit as st

T = TypeVar("T")
MEMO_KEY = "_spark_check_memo"


def memo(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    entries: dict[str, tuple[Hashable, Any]] = st.session_state.setdefault(MEMO_KEY, {})
    hit = entries.get(name)
    if hit is not None and hit[0] == key:
        return cast(T, hit[1])  # stored below from compute() under this name
    value = compute()
    entries[name] = (key, value)
    return value


def answers_key(answers: dict[str, dict[str, Any]]) -> str:
    """A cheap, exact fingerprint of a person's answers."""
    return json.dumps(answers, sort_keys=True, separators=(",", ":"))
