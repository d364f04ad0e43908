"""What HAProxy itself answers, run with the containers' layout (deploy/haproxy-global.cfg and
deploy/haproxy.cfg) in front of a stand-in replica: a tiny HTTP server that answers 200.

- HAProxy's own pages (503 with no replica, redirects) carry the app's security headers;
  a request it can't parse gets no page at all rather than one without them.
- HSTS and a Secure sticky cookie whenever the public side is HTTPS: HAProxy's own TLS,
  or TLS ended in front of it (X-Forwarded-Proto: https); plain HTTP is redirected.
- A failed TLS handshake is logged without the client's address.
- The compose health check answers 0 while a replica is up, and fails when none is.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.support import REPO_ROOT
from tests.support.cluster import STICKY_COOKIE, HAProxy
from tests.support.server import free_port

SECURITY_HEADERS = {
    "content-security-policy": "frame-ancestors 'self'",
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
HSTS = "strict-transport-security"
WAIT_S = 30.0


class _Replica(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("Set-Cookie", "_streamlit_xsrf=stand-in; Path=/")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def stand_in_replica() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replica)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def proxy(tmp_path: Path, replica: str, env: dict[str, str] | None = None, routed: bool = True) -> Iterator[HAProxy]:
    haproxy = HAProxy([replica], tmp_path / "haproxy.log", extra_env=env)
    haproxy.start(until_routed=routed and "SPARK_CHECK_TLS_CERT" not in (env or {}))
    try:
        yield haproxy
    finally:
        haproxy.stop()


def request(
    port: int, path: str = "/", headers: dict[str, str] | None = None, tls: bool = False
) -> tuple[int, dict[str, list[str]]]:
    """One GET, redirects not followed: the status and the headers (lower-case names)."""
    connection: http.client.HTTPConnection
    if tls:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=10, context=ssl._create_unverified_context()
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found
    finally:
        connection.close()


def assert_security_headers(headers: dict[str, list[str]]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == [value], (name, headers)


def sticky(headers: dict[str, list[str]]) -> str:
    [cookie] = [h for h in headers.get("set-cookie", []) if h.startswith(f"{STICKY_COOKIE}=")]
    return cookie


def raw_exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
        return received


def test_haproxys_own_pages_carry_the_security_headers(haproxy_binary: Path, tmp_path: Path) -> None:
    # No replica listens: HAProxy answers 503 itself.
    with proxy(tmp_path, f"127.0.0.1:{free_port()}", routed=False) as haproxy:
        status, headers = request(haproxy.port, "/?r=resume-token")
        assert status == 503
        assert_security_headers(headers)
        # Its redirect to HTTPS (TLS ended in front) too.
        status, headers = request(haproxy.port, "/", {"X-Forwarded-Proto": "http"})
        assert status == 301
        assert_security_headers(headers)
        # A request it can't parse is refused before any rule runs, where no header can be
        # added (HAProxy 2.6): the connection closes with no page rather than a bare one.
        for garbage in (
            b"GARBAGE \x01\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ):
            answer = raw_exchange(haproxy.port, garbage)
            assert answer == b"" or all(f"{n}: {v}".encode() in answer.lower() for n, v in SECURITY_HEADERS.items()), (
                answer
            )


def test_hsts_and_a_secure_cookie_whenever_the_public_side_is_https(
    haproxy_binary: Path, tmp_path: Path, tls_pem: Path
) -> None:
    with stand_in_replica() as replica:
        # TLS ended in front of HAProxy: the terminator's X-Forwarded-Proto decides.
        with proxy(tmp_path / "front", replica) as haproxy:
            status, headers = request(haproxy.port, "/", {"X-Forwarded-Proto": "https"})
            assert status == 200 and headers[HSTS] == ["max-age=31536000"]
            assert sticky(headers).endswith("; Secure") and "HttpOnly" in sticky(headers)
            assert_security_headers(headers)
            assert headers["set-cookie"][0] == "_streamlit_xsrf=stand-in; Path=/"  # the app's cookie untouched

            status, headers = request(
                haproxy.port, "/page?r=token", {"X-Forwarded-Proto": "http", "Host": "spark.test"}
            )
            assert status == 301 and headers["location"] == ["https://spark.test/page?r=token"]

            # Plain HTTP with nothing in front (a trial on one machine): neither.
            status, headers = request(haproxy.port, "/")
            assert status == 200 and HSTS not in headers
            assert "Secure" not in sticky(headers)

        # HAProxy's own TLS, and its plain-HTTP port that only redirects.
        redirect_port = free_port()
        env = {"SPARK_CHECK_TLS_CERT": str(tls_pem), "SPARK_CHECK_REDIRECT_BIND": f"127.0.0.1:{redirect_port}"}
        with proxy(tmp_path / "tls", replica, env) as haproxy:
            status, headers = wait_for(lambda: request(haproxy.port, "/", tls=True))
            assert status == 200 and headers[HSTS] == ["max-age=31536000"]
            assert sticky(headers).endswith("; Secure")
            assert_security_headers(headers)
            # X-Forwarded-Proto from a client changes nothing when HAProxy holds the TLS itself.
            status, headers = request(haproxy.port, "/", {"X-Forwarded-Proto": "http"}, tls=True)
            assert status == 200 and headers[HSTS] == ["max-age=31536000"]

            status, headers = request(redirect_port, "/page?r=token", {"Host": "spark.test"})
            assert status == 301 and headers["location"] == ["https://spark.test/page?r=token"]
            assert_security_headers(headers)
            assert "set-cookie" not in headers


def test_a_failed_tls_handshake_is_logged_without_the_client_address(
    haproxy_binary: Path, tmp_path: Path, tls_pem: Path
) -> None:
    with stand_in_replica() as replica:
        with proxy(tmp_path, replica, {"SPARK_CHECK_TLS_CERT": str(tls_pem)}) as haproxy:
            assert wait_for(lambda: request(haproxy.port, "/", tls=True))[0] == 200
            # Plain HTTP on the TLS port, and a client that offers only TLS 1.1 (below the minimum).
            assert raw_exchange(haproxy.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == b""
            old = ssl._create_unverified_context()
            old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
            with (
                contextlib.suppress(ssl.SSLError, OSError),
                socket.create_connection(("127.0.0.1", haproxy.port)) as raw,
            ):
                old.wrap_socket(raw).close()
            wait_until(lambda: haproxy.logs().count("SSL handshake failure") >= 2, "both failures are logged")
        log = haproxy.log_path.read_text(errors="replace")
    assert "127.0.0.1" not in log, log


def test_the_compose_health_check_answers_while_a_replica_is_up(haproxy_binary: Path, tmp_path: Path) -> None:
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]["haproxy"]
    bind = compose["environment"]["SPARK_CHECK_HEALTH_BIND"]
    command = compose["healthcheck"]["test"]
    assert command[:3] == ["CMD", "bash", "-c"] and bind.replace(":", "/") in command[3]
    port = free_port()
    check = [*command[1:3], command[3].replace(bind.replace(":", "/"), f"127.0.0.1/{port}")]

    def healthy() -> bool:
        return subprocess.run(check, capture_output=True, timeout=10).returncode == 0

    env = {"SPARK_CHECK_HEALTH_BIND": f"127.0.0.1:{port}"}
    with stand_in_replica() as replica, proxy(tmp_path, replica, env):
        wait_until(healthy, "the health check passes with a replica up")
        assert request(port, "/other")[0] == 404  # the health port answers nothing else
    # No replica listens: within two failed checks (2 s apart) HAProxy says so.
    with proxy(tmp_path / "down", f"127.0.0.1:{free_port()}", env, routed=False):
        wait_until(lambda: not healthy(), "the health check fails with no replica up")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}", pytrace=False)
        time.sleep(0.2)


def wait_for(
    call: Callable[[], tuple[int, dict[str, list[str]]]], timeout: float = WAIT_S
) -> tuple[int, dict[str, list[str]]]:
    """The first answer of ``call`` once HAProxy listens (the TLS bind may take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
