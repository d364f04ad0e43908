"""Nagle's algorithm off on the server's connections, once per process.

Streamlit's server (1.67: uvicorn, on a socket it binds itself) makes its listening socket
with protocol 0, and asyncio turns Nagle's algorithm off only for sockets it sees as TCP
(``sock.proto == IPPROTO_TCP``). So it stays on for every browser's connection: a run's
later messages wait until the browser has acknowledged the first, and browsers delay that
acknowledgement (40 ms on Linux, up to 200 ms on Windows). A page change (``st.switch_page``
pauses 10 ms between its two runs) took 44 ms on loopback instead of 25 ms
(docs/PERFORMANCE.md, "Where a rerun's time goes"). The kernel copies TCP_NODELAY from a
listening socket to each connection it accepts, so setting it once on the process's
listening sockets covers every later connection (the one that started the process's first
run was accepted before it).
"""

from __future__ import annotations

import functools
import os
import socket
import stat

#: Where a process's open file descriptors are listed (Linux and macOS; elsewhere, nothing is done).
FD_DIR = "/dev/fd"


def no_delay_on_listeners(fd_dir: str = FD_DIR) -> int:
    """Set TCP_NODELAY on this process's listening TCP sockets; returns how many."""
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return 0
    done = 0
    for name in names:
        try:
            if not stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                continue  # never duplicated: a stray copy of a pipe's end would keep it open
            # A duplicate of the socket's descriptor, closed at once: the option is the
            # socket's, and the server's own descriptor stays as it is.
            with socket.socket(fileno=os.dup(int(name))) as sock:
                if (
                    sock.family in (socket.AF_INET, socket.AF_INET6)
                    and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                ):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    done += 1
        except (OSError, ValueError):  # closed meanwhile (the listing's own descriptor)
            continue
    return done


@functools.cache
def once() -> None:
    """:func:`no_delay_on_listeners`, at the process's first run (no one's data: a socket option)."""
    no_delay_on_listeners()
