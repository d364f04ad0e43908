"""How every test and benchmark runs ``streamlit run``: the flags, and a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess


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


def stop_process_group(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM a server's process group, then SIGKILL it if it hasn't gone within ``timeout``."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
