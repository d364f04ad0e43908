"""The two screens the journeys are walked on (issue #20): a phone (390 x 844, touch, a
phone's user agent) and a laptop (1366 x 768). Pass one to ``browser.new_context(**...)``."""

from __future__ import annotations

from typing import Any

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Mobile Safari/537.36"
    ),
}
LAPTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
DEVICES = {"phone": PHONE, "laptop": LAPTOP}
