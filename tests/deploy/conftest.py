"""Fixtures of the deploy tests.

haproxy_binary
    Debian's HAProxy (skipped locally when missing; a failure under CI=true).
tls_pem
    A self-signed certificate and its key in one PEM file, as HAProxy's ``crt`` wants it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.support.cluster import haproxy_path


@pytest.fixture
def haproxy_binary() -> Path:
    path = haproxy_path()
    if path is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    return path


@pytest.fixture
def tls_pem(tmp_path: Path) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "spark-check.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "spark-check.pem"
    pem.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return pem
