"""How every test and benchmark runs ``streamlit run``: the flags, and a free loopback port."""

from __future__ import annotations

import socket


def server_flags(port: int) -> list[str]:
    """Headless, on loopback, no usage stats, and no file watcher (nothing edits the app
    while it runs; watcher threads only cost CPU)."""
    return [
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
