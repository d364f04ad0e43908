"""deploy/, Dockerfile and compose.yaml: one HAProxy configuration, run the same way everywhere.

The end-to-end test (tests/e2e/test_replicas_e2e.py) runs deploy/haproxy.cfg through
``tests.support.cluster``; compose.yaml builds it into its HAProxy image; the replicas of
the image and of the systemd unit run with the flags of the tests' servers. These
tests keep the files from drifting apart, and have HAProxy itself check the file with
each environment it is given (the test's, compose's, and with a TLS certificate).
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import skip_or_fail
from tests.support.cluster import (
    BIND_ENV,
    HAPROXY_CONFIG,
    REPLICA_NAMES,
    haproxy_environment,
    haproxy_path,
    replica_env,
)
from tests.support.server import server_flags

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
UNIT = ROOT / "deploy" / "spark-check@.service"
#: Flags that differ by where a replica runs (a container listens on 0.0.0.0:8501).
WHERE = ("server.address", "server.port")


def config_text() -> str:
    return HAPROXY_CONFIG.read_text(encoding="utf-8")


def config_without_comments() -> str:
    return "\n".join(line for line in config_text().splitlines() if not line.lstrip().startswith("#"))


def variables() -> set[str]:
    """Every environment variable deploy/haproxy.cfg reads."""
    text = config_without_comments()
    return set(re.findall(r"\$\{([A-Z0-9_]+)", text)) | set(re.findall(r"defined\(([A-Z0-9_]+)\)", text))


def optional_variables() -> set[str]:
    return set(re.findall(r"^\.if defined\(([A-Z0-9_]+)\)", config_without_comments(), re.MULTILINE))


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def flags_as_options(flags: list[str]) -> dict[str, str]:
    """``--server.port 8501`` pairs as {"server.port": "8501"}."""
    assert len(flags) % 2 == 0, flags
    return {flags[i].removeprefix("--"): flags[i + 1] for i in range(0, len(flags), 2)}


def test_there_is_one_haproxy_configuration() -> None:
    found = [
        path.relative_to(ROOT)
        for path in ROOT.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and ".venv" not in path.parts
        and path.suffix in (".cfg", ".conf")
        and re.search(r"^\s*backend\s", path.read_text(errors="replace"), re.MULTILINE)
    ]
    assert found == [Path("deploy/haproxy.cfg")]
    assert "COPY deploy/haproxy.cfg /etc/haproxy/haproxy.cfg" in DOCKERFILE.read_text(encoding="utf-8")


def test_the_config_has_the_production_settings() -> None:
    text = config_text()
    for line in (
        """http-response set-header Content-Security-Policy "frame-ancestors 'self'\"""",
        "http-response set-header X-Frame-Options SAMEORIGIN",
        "timeout tunnel 1h",
        "option redispatch",
        "http-check send meth GET uri /_stcore/health",
        "cookie sc_replica insert indirect nocache httponly secure",  # under TLS
        "cookie sc_replica insert indirect nocache httponly",
    ):
        assert line in text, line
    # The log names paths only (%HPO), never a query string with a resume link, nor a client address.
    log_format = re.search(r'^\s*log-format "([^"]*)"', text, re.MULTILINE)
    assert log_format is not None
    assert "%HPO" in log_format.group(1)
    for field in ("%HU", "%HQ", "%r", "%{+Q}r", "%ci", "%cp", "%HP "):
        assert field not in log_format.group(1) + " ", field
    assert "option httplog" not in text and "option forwardfor" not in text


def test_compose_and_the_test_launcher_give_every_setting_the_config_needs() -> None:
    needed = variables() - optional_variables()
    assert needed == {BIND_ENV, replica_env("a")}
    assert variables() == {BIND_ENV, "SPARK_CHECK_TLS_CERT", "SPARK_CHECK_RESOLVER"} | {
        replica_env(name) for name in REPLICA_NAMES
    }
    launched = haproxy_environment("127.0.0.1:1", ["127.0.0.1:2", "127.0.0.1:3"], base={})
    assert set(launched) == {BIND_ENV, replica_env("a"), replica_env("b")}

    services = compose()["services"]
    proxy = services["haproxy"]
    assert proxy["build"] == {"context": ".", "target": "haproxy"}
    environment = proxy["environment"]
    assert set(environment) <= variables() and needed <= set(environment)
    port = flags_as_options(dockerfile_streamlit_flags())["server.port"]
    for name in ("a", "b"):
        host, _, replica_port = environment[replica_env(name)].partition(":")
        assert replica_port == port
        assert services[host]["build"]["target"] == "app"
        assert services[host]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert services[host]["environment"]["DATABASE_URL"].endswith("@db:5432/spark_check")
    assert proxy["ports"] == [f"{environment[BIND_ENV].lstrip(':')}:{environment[BIND_ENV].lstrip(':')}"]


def dockerfile_streamlit_flags() -> list[str]:
    """The app stage's STREAMLIT_* settings, as ``streamlit run`` flags."""
    text = DOCKERFILE.read_text(encoding="utf-8").split("AS app", 1)[1]
    flags: list[str] = []
    for name, value in re.findall(r"\bSTREAMLIT_([A-Z_]+)=(\S+)", text):
        section, _, option = name.partition("_")
        words = option.lower().split("_")
        flags += [f"--{section.lower()}.{words[0]}{''.join(w.title() for w in words[1:])}", value]
    return flags


def test_the_image_and_the_systemd_unit_run_replicas_as_the_tests_do() -> None:
    expected = {k: v for k, v in flags_as_options(server_flags(8501)).items() if k not in WHERE}
    image = flags_as_options(dockerfile_streamlit_flags())
    assert {k: v for k, v in image.items() if k not in WHERE} == expected
    assert image["server.address"] == "0.0.0.0" and image["server.port"] == "8501"
    assert 'CMD ["python", "-m", "streamlit", "run", "app.py"]' in DOCKERFILE.read_text(encoding="utf-8")

    exec_start = re.search(r"^ExecStart=(.*)$", UNIT.read_text(encoding="utf-8"), re.MULTILINE)
    assert exec_start is not None
    command = shlex.split(exec_start.group(1))
    assert command[1:5] == ["-m", "streamlit", "run", "app.py"]
    unit = flags_as_options(command[5:])
    assert {k: v for k, v in unit.items() if k not in WHERE} == expected
    assert unit["server.address"] == "127.0.0.1" and unit["server.port"] == "%i"


def test_the_image_holds_no_secrets_or_local_data() -> None:
    ignored = set(DOCKERIGNORE.read_text(encoding="utf-8").split())
    assert {".git", ".venv", "data", "*.sqlite3", ".streamlit/secrets.toml", ".env"} <= ignored
    assert ".streamlit" not in ignored  # config.toml (XSRF protection on) goes with the code


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = haproxy_path()
    if binary is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    return subprocess.run(
        [str(binary), "-c", "-f", str(HAPROXY_CONFIG)], env=env, capture_output=True, text=True, timeout=60
    )


def test_haproxy_accepts_the_config_as_the_test_runs_it() -> None:
    done = _check(haproxy_environment("127.0.0.1:18080", ["127.0.0.1:18501", "127.0.0.1:18502"], base={}))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_haproxy_accepts_the_config_as_compose_runs_it() -> None:
    env = {k: str(v) for k, v in compose()["services"]["haproxy"]["environment"].items()}
    done = _check(env)
    # The replicas' names resolve only inside compose's network: HAProxy says so and goes on.
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_accepts_the_config_with_a_tls_certificate(tmp_path: Path) -> None:
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
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "spark-check.pem"
    pem.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    env = haproxy_environment("127.0.0.1:18443", ["127.0.0.1:18501"], base={})
    env["SPARK_CHECK_TLS_CERT"] = str(pem)
    done = _check(env)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("missing", [BIND_ENV, replica_env("a")])
def test_haproxy_refuses_to_start_without_a_required_setting(missing: str) -> None:
    env = haproxy_environment("127.0.0.1:18080", ["127.0.0.1:18501"], base={})
    del env[missing]
    assert _check(env).returncode != 0
