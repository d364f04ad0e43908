"""Nagle's algorithm is off on the connections a listening socket accepts (ui/server_socket.py)."""

from __future__ import annotations

import os
import socket

from ui import server_socket


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_accepted_after_it_have_nagle_off() -> None:
    # Made as Streamlit's server makes its own: protocol 0, so asyncio leaves Nagle on.
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as before:
            assert _nodelay(before) == 0
        assert server_socket.no_delay_on_listeners() >= 1
        with socket.create_connection(listener.getsockname()) as client, listener.accept()[0] as after:
            assert _nodelay(after) == 1
            client.sendall(b"still open")  # the listener and its connections are the server's own still
            assert after.recv(16) == b"still open"


def test_sockets_that_do_not_listen_are_left_as_they_are() -> None:
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as client, listener.accept()[0] as accepted:
            server_socket.no_delay_on_listeners()
            assert _nodelay(client) == 0 and _nodelay(accepted) == 0


def test_no_descriptor_list_is_no_error() -> None:
    assert server_socket.no_delay_on_listeners("/no/such/directory") == 0


def test_it_leaves_no_descriptor_open() -> None:
    """A duplicate left open of a pipe's writing end would keep the pipe from ever ending (a
    Playwright driver, a subprocess waiting for its input to close would wait for ever)."""
    read_end, write_end = os.pipe()
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        before = sorted(os.listdir(server_socket.FD_DIR))
        server_socket.no_delay_on_listeners()
        assert sorted(os.listdir(server_socket.FD_DIR)) == before
    os.close(write_end)
    os.set_blocking(read_end, False)  # a copy left open would make this read fail, not wait
    try:
        assert os.read(read_end, 1) == b""  # the end of the pipe: no copy of its writing end is open
    finally:
        os.close(read_end)
