"""deploy/, Dockerfile and compose.yaml: one HAProxy configuration, run the same way everywhere.

HAProxy's frontends and backend are one file, deploy/haproxy.cfg, loaded after a global
section: Debian's own /etc/haproxy/haproxy.cfg on a Debian host (deploy/haproxy.default
adds ours to Debian's unit), deploy/haproxy-global.cfg in the containers and the tests
(``tests.support.cluster``). HAProxy itself checks each layout with the settings it is
given (``haproxy -c``). The replicas of the image and of the systemd unit run with the
flags of the tests' servers; compose gives no secret in an environment, runs the
PostgreSQL major version CI tests, and pins its images. Docker is not run here: compose
and the Dockerfile are read, not built.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

import settings
from tests.support.cluster import (
    BIND_ENV,
    HAPROXY_CONFIG,
    HAPROXY_GLOBAL,
    REPLICA_NAMES,
    STATS_SOCKET_ENV,
    compose_layout,
    haproxy_environment,
    replica_env,
)
from tests.support.server import server_flags

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
UNIT = DEPLOY / "spark-check@.service"
DEBIAN_DEFAULTS = DEPLOY / "haproxy.default"
#: Debian's own HAProxy configuration (the haproxy package's), which a Debian host keeps.
DEBIAN_HAPROXY = Path("/etc/haproxy/haproxy.cfg")
#: Flags that differ by where a replica runs (a container listens on 0.0.0.0:8501).
WHERE = ("server.address", "server.port")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def without_comments(path: Path) -> str:
    return "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )


def variables(*paths: Path) -> set[str]:
    """Every environment variable these HAProxy files read."""
    text = "\n".join(without_comments(p) for p in paths)
    return set(re.findall(r"\$\{([A-Z0-9_]+)", text)) | set(re.findall(r"defined\(([A-Z0-9_]+)\)", text))


def optional_variables(*paths: Path) -> set[str]:
    text = "\n".join(without_comments(p) for p in paths)
    return set(re.findall(r"^\s*\.(?:el)?if defined\(([A-Z0-9_]+)\)", text, re.MULTILINE))


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def debian_defaults() -> dict[str, str]:
    """deploy/haproxy.default as systemd reads an EnvironmentFile."""
    pairs = (line.split("=", 1) for line in without_comments(DEBIAN_DEFAULTS).splitlines() if "=" in line)
    return {name.strip(): value.strip().strip('"') for name, value in pairs}


def global_settings(path: Path, prefix: str) -> list[str]:
    return [
        " ".join(line.split())
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(prefix)
    ]


def flags_as_options(flags: list[str]) -> dict[str, str]:
    """``--server.port 8501`` pairs as {"server.port": "8501"}."""
    assert len(flags) % 2 == 0, flags
    return {flags[i].removeprefix("--"): flags[i + 1] for i in range(0, len(flags), 2)}


def test_there_is_one_haproxy_configuration_and_every_layout_loads_it() -> None:
    found = [
        path.relative_to(ROOT)
        for path in ROOT.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and ".venv" not in path.parts
        and path.suffix in (".cfg", ".conf")
        and re.search(r"^\s*(backend|frontend|defaults)\s", path.read_text(errors="replace"), re.MULTILINE)
    ]
    assert found == [Path("deploy/haproxy.cfg")]
    assert not re.search(r"^global", without_comments(HAPROXY_CONFIG), re.MULTILINE)  # it follows a global section
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert "COPY deploy/haproxy-global.cfg /etc/haproxy/haproxy-global.cfg" in dockerfile
    assert "COPY deploy/haproxy.cfg /etc/haproxy/spark-check.cfg" in dockerfile
    assert '"-f", "/etc/haproxy/haproxy-global.cfg", "-f", "/etc/haproxy/spark-check.cfg"]' in dockerfile
    # Debian: its own file first, ours after it, Debian's master socket kept.
    assert debian_defaults()["EXTRAOPTS"] == "-S /run/haproxy-master.sock -f /etc/haproxy/spark-check.cfg"


def test_the_config_has_the_production_settings() -> None:
    text = HAPROXY_CONFIG.read_text(encoding="utf-8")
    for line in (
        # On every response, HAProxy's own pages included (http-after-response, not http-response).
        """http-after-response set-header Content-Security-Policy "frame-ancestors 'self'\"""",
        "http-after-response set-header X-Frame-Options SAMEORIGIN",
        "http-after-response set-header X-Content-Type-Options nosniff",
        "http-after-response set-header Referrer-Policy no-referrer",
        'http-after-response set-header Strict-Transport-Security "max-age=31536000" if { var(txn.https) -m bool }',
        "http-request redirect scheme https code 301 unless { ssl_fc }",
        "http-request redirect scheme https code 301 if { req.hdr(x-forwarded-proto) -m str -i http }",
        "cookie sc_replica insert indirect nocache httponly",
        "timeout tunnel 1h",
        "option redispatch",
        "http-check send meth GET uri /_stcore/health",
        "errorfile 400 /dev/null",
    ):
        assert line in text, line
    assert "http-response set-header" not in text
    # The log names paths only (%HPO), never a query string with a resume link, nor a client address;
    # nor does the log of connections that fail before a request (a failed TLS handshake).
    log_format = re.search(r'^\s*log-format "([^"]*)"', text, re.MULTILINE)
    error_format = re.search(r'^\s*error-log-format "([^"]*)"', text, re.MULTILINE)
    assert log_format is not None and error_format is not None
    assert "%HPO" in log_format.group(1)
    for field in ("%HU", "%HQ", "%r", "%{+Q}r", "%ci", "%cp", "%HP ", "%fi", "%[src", "%[req"):
        assert field not in log_format.group(1) + " ", field
        assert field not in error_format.group(1) + " ", field
    assert "option httplog" not in text and "option forwardfor" not in text
    # The containers' global: a stats socket (draining) and Debian's TLS minimums.
    assert f'stats socket "${{{STATS_SOCKET_ENV}}}" mode 600 level admin' in HAPROXY_GLOBAL.read_text(encoding="utf-8")


def test_the_containers_global_section_has_debians_tls_settings() -> None:
    if not DEBIAN_HAPROXY.is_file():
        pytest.skip(f"{DEBIAN_HAPROXY} is not here (the haproxy package installs it)")
    for prefix in ("ssl-default-bind-ciphers", "ssl-default-bind-ciphersuites", "ssl-default-bind-options"):
        assert global_settings(HAPROXY_GLOBAL, prefix) == global_settings(DEBIAN_HAPROXY, prefix), prefix
    assert "ssl-min-ver TLSv1.2" in global_settings(HAPROXY_GLOBAL, "ssl-default-bind-options")[0]
    # What a Debian host keeps by loading Debian's file first.
    debian = without_comments(DEBIAN_HAPROXY)
    for setting in ("user haproxy", "group haproxy", "chroot /var/lib/haproxy", "stats socket /run/haproxy/admin.sock"):
        assert setting in " ".join(debian.split()), setting


def test_compose_debian_and_the_test_launcher_give_every_setting_the_config_needs() -> None:
    files = (HAPROXY_GLOBAL, HAPROXY_CONFIG)
    needed = variables(*files) - optional_variables(*files)
    assert needed == {BIND_ENV, replica_env("a"), STATS_SOCKET_ENV}
    assert variables(*files) == {
        BIND_ENV,
        STATS_SOCKET_ENV,
        "SPARK_CHECK_TLS_CERT",
        "SPARK_CHECK_REDIRECT_BIND",
        "SPARK_CHECK_HEALTH_BIND",
        "SPARK_CHECK_RESOLVER",
    } | {replica_env(name) for name in REPLICA_NAMES}
    launched = haproxy_environment("127.0.0.1:1", ["127.0.0.1:2", "127.0.0.1:3"], base={}, stats_socket="/s")
    assert set(launched) == {BIND_ENV, replica_env("a"), replica_env("b"), STATS_SOCKET_ENV}
    # Debian's global section has its own stats socket: the Debian settings need the rest.
    assert set(debian_defaults()) - {"EXTRAOPTS"} <= variables(HAPROXY_CONFIG)
    assert needed - {STATS_SOCKET_ENV} <= set(debian_defaults())

    services = compose()["services"]
    proxy = services["haproxy"]
    assert proxy["build"] == {"context": ".", "target": "haproxy"}
    environment = proxy["environment"]
    assert set(environment) <= variables(*files) and needed <= set(environment)
    port = flags_as_options(dockerfile_streamlit_flags())["server.port"]
    for name in ("a", "b"):
        host, _, replica_port = environment[replica_env(name)].partition(":")
        assert replica_port == port
        assert services[host]["build"]["target"] == "app"
    # Unprivileged ports inside the container (its user can't bind 443), the usual ones outside.
    published = {int(p.split(":")[1]): int(p.split(":")[0]) for p in proxy["ports"]}
    assert published == {
        int(environment[BIND_ENV].lstrip(":")): 443,
        int(environment["SPARK_CHECK_REDIRECT_BIND"].lstrip(":")): 80,
    }
    assert (
        environment["SPARK_CHECK_TLS_CERT"] == "/run/secrets/tls_certificate" and "tls_certificate" in proxy["secrets"]
    )


def test_compose_keeps_secrets_in_files_and_pins_its_images() -> None:
    document = compose()
    services = document["services"]
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            assert not re.search(r"PASSWORD$|KEYS|DATABASE_URL", key), f"{name}: {key} in the environment"
            assert "://" not in str(value), f"{name}: a URL in the environment ({key})"
    db = services["db"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert db["secrets"] == ["postgres_password"]
    for app in ("app-a", "app-b", "scheduled"):
        # settings.py reads the app's secrets file: .streamlit/secrets.toml in the working directory.
        assert services[app]["secrets"] == [{"source": "app_settings", "target": "/app/.streamlit/secrets.toml"}]
    assert set(document["secrets"]) == {"postgres_password", "app_settings", "tls_certificate"}
    assert all(
        set(secret) == {"file"} and secret["file"].startswith("./secrets/") for secret in document["secrets"].values()
    )
    # Pinned: an exact version and a digest, in compose and in the Dockerfile.
    pinned = re.compile(r"^[a-z0-9/]+:\d[\w.-]*@sha256:[0-9a-f]{64}$")
    assert pinned.match(db["image"]), db["image"]
    bases = re.findall(r"^FROM (\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(bases) == 2 and all(re.match(r"^[a-z0-9/]+:[\w.-]*\d[\w.-]*@sha256:[0-9a-f]{64}$", b) for b in bases), (
        bases
    )


def test_the_apps_secrets_file_in_compose_gives_the_database_and_the_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file docs/OPERATIONS.md writes to secrets/spark-check.toml, mounted at
    /app/.streamlit/secrets.toml (the image's working directory is /app): settings.py
    finds the database and the keys in it, for the app and for `python manage.py`."""
    key = Fernet.generate_key().decode()
    url = "postgresql+psycopg://spark_check:s3cret@db:5432/spark_check"
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'SPARK_CHECK_ENCRYPTION_KEYS = "{key}"\n\n[connections.spark_check]\nurl = "{url}"\n', encoding="utf-8"
    )
    for name in ("DATABASE_URL", "SPARK_CHECK_SQLITE_PATH", "SPARK_CHECK_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert settings.for_cli() == settings.Settings(url, (key,))
    assert "WORKDIR /app" in DOCKERFILE.read_text(encoding="utf-8").split("AS app", 1)[1]
    assert Path("/app") / settings.DEFAULT_SECRETS == Path("/app/.streamlit/secrets.toml")
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    assert 'SPARK_CHECK_ENCRYPTION_KEYS = "$KEY"\n\n[connections.spark_check]\nurl = "postgresql+psycopg://' in guide


def test_compose_schedules_the_purge_and_the_backup() -> None:
    scheduled = compose()["services"]["scheduled"]
    script = scheduled["command"][-1]
    assert "python manage.py purge" in script
    assert "python manage.py backup /backups --keep 14" in script and "sleep 86400" in script
    assert scheduled["volumes"] == ["./backups:/backups"]
    assert scheduled["healthcheck"] == {"disable": True}
    for timer in ("backup", "purge"):
        service = (DEPLOY / f"spark-check-{timer}.service").read_text(encoding="utf-8")
        assert f"manage.py {timer}" in service and "ProtectSystem=strict" in service
        assert "OnCalendar=" in (DEPLOY / f"spark-check-{timer}.timer").read_text(encoding="utf-8")


@pytest.mark.postgres
def test_compose_runs_the_postgresql_major_version_ci_tests(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            server = str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()
    image = compose()["services"]["db"]["image"]
    assert image.split(":")[1].split(".")[0] == server.split(".")[0], (image, server)
    assert "postgresql-client-" + server.split(".")[0] in DOCKERFILE.read_text(encoding="utf-8")


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

    unit_text = UNIT.read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.*)$", unit_text, re.MULTILINE)
    assert exec_start is not None
    command = shlex.split(exec_start.group(1))
    assert command[0] == "/opt/spark-check/current/.venv/bin/python"
    assert command[1:5] == ["-m", "streamlit", "run", "app.py"]
    unit = flags_as_options(command[5:])
    assert {k: v for k, v in unit.items() if k not in WHERE} == expected
    assert unit["server.address"] == "127.0.0.1" and unit["server.port"] == "%i"
    assert "ProtectSystem=strict" in unit_text and "ProtectSystem=full" not in unit_text


def test_the_image_holds_no_secrets_or_local_data() -> None:
    ignored = set(DOCKERIGNORE.read_text(encoding="utf-8").split())
    assert {".git", ".venv", "data", "*.sqlite3", ".streamlit/secrets.toml", ".env", "secrets", "backups"} <= ignored
    assert ".streamlit" not in ignored  # config.toml (XSRF protection on) goes with the code
    assert {"/secrets/", "/backups/"} <= set((ROOT / ".gitignore").read_text(encoding="utf-8").split())


def haproxy_check(binary: Path, files: list[Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(binary), "-c"] + [arg for path in files for arg in ("-f", str(path))]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_haproxy_accepts_the_compose_layout_as_the_tests_run_it(haproxy_binary: Path) -> None:
    env = haproxy_environment("127.0.0.1:18080", ["127.0.0.1:18501", "127.0.0.1:18502"], base={}, stats_socket="/s")
    done = subprocess.run([*compose_layout(haproxy_binary), "-c"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_haproxy_accepts_the_compose_layout_as_compose_runs_it(haproxy_binary: Path, tls_pem: Path) -> None:
    env = {k: str(v) for k, v in compose()["services"]["haproxy"]["environment"].items()}
    env["SPARK_CHECK_TLS_CERT"] = str(tls_pem)  # the secret compose mounts at /run/secrets/tls_certificate
    done = haproxy_check(haproxy_binary, [HAPROXY_GLOBAL, HAPROXY_CONFIG], env)
    # The replicas' names resolve only inside compose's network: HAProxy says so and goes on.
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_accepts_the_debian_layout(haproxy_binary: Path, tls_pem: Path) -> None:
    if not DEBIAN_HAPROXY.is_file():
        pytest.skip(f"{DEBIAN_HAPROXY} is not here (the haproxy package installs it)")
    env = debian_defaults()
    env["SPARK_CHECK_TLS_CERT"] = str(tls_pem)  # /etc/haproxy/spark-check.pem on the host
    extra = shlex.split(env.pop("EXTRAOPTS"))
    assert extra[-2:] == ["-f", "/etc/haproxy/spark-check.cfg"]
    done = haproxy_check(haproxy_binary, [DEBIAN_HAPROXY, HAPROXY_CONFIG], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout + done.stderr


@pytest.mark.parametrize("missing", [BIND_ENV, replica_env("a"), STATS_SOCKET_ENV])
def test_haproxy_refuses_to_start_without_a_required_setting(haproxy_binary: Path, missing: str) -> None:
    env = haproxy_environment("127.0.0.1:18080", ["127.0.0.1:18501"], base={}, stats_socket="/s")
    del env[missing]
    assert haproxy_check(haproxy_binary, [HAPROXY_GLOBAL, HAPROXY_CONFIG], env).returncode != 0
