"""A TCP relay on a fixed local port that forwards to whichever server is current.

The kill/restart test switches servers; through the relay the browser keeps one
origin (so it keeps its cached frontend bundle), like users behind a load balancer
when an app instance dies and another takes over. Bytes are passed through untouched
(HTTP and websockets alike); connections to a killed server simply close.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._target: int | None = None
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, name="relay-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def point_to(self, port: int) -> None:
        """New connections go to ``port``; existing ones stay where they are."""
        with self._lock:
            self._target = port

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), name="relay-conn", daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        with self._lock:
            target = self._target
        try:
            if target is None:
                raise OSError("no server to relay to")
            upstream = socket.create_connection(("127.0.0.1", target), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        with self._lock:
            self._open.update((client, upstream))
        threading.Thread(target=self._pump, args=(upstream, client), name="relay-down", daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
