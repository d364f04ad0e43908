# Spark Check in containers: see deploy/README.md and docs/OPERATIONS.md, and compose.yaml
# for the whole set-up (PostgreSQL, two replicas, HAProxy, the daily purge and backup).
#
#   docker build -t spark-check .                      # the app (the default, last stage)
#   docker build --target haproxy -t spark-check-haproxy .
#
# Base images are pinned by tag and by the digest docker-library/repo-info recorded for
# that tag (the multi-platform index): a rebuild gets the same bytes. To move to a newer
# build, take the new tag's digest from `docker buildx imagetools inspect IMAGE:TAG`.
#
# The app stage runs `streamlit run app.py` with the settings the tests' servers use
# (tests/support/server.py: server_flags), listening on 0.0.0.0:8501 inside the container;
# .streamlit/config.toml comes with the code (XSRF protection on). tests/deploy checks
# that this file, compose.yaml and deploy/haproxy*.cfg agree.

# --- HAProxy: Debian's package, with deploy/haproxy-global.cfg and deploy/haproxy.cfg ---
FROM debian:bookworm-20260918-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251 AS haproxy
# socat: the stats socket from `docker compose exec haproxy` (drain, ready, show stat).
# A fixed uid/gid (990) for the haproxy user, so that the TLS certificate compose mounts
# can be made readable by it alone (docs/OPERATIONS.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends haproxy socat \
    && rm -rf /var/lib/apt/lists/* \
    && groupmod --gid 990 haproxy && usermod --uid 990 --gid 990 haproxy \
    && install -d -o haproxy -g haproxy -m 700 /run/haproxy
COPY deploy/haproxy-global.cfg /etc/haproxy/haproxy-global.cfg
COPY deploy/haproxy.cfg /etc/haproxy/spark-check.cfg
COPY deploy/spark-check-drain /usr/local/bin/spark-check-drain
USER haproxy
# Unprivileged ports: compose publishes 443 -> 8443 and 80 -> 8080.
EXPOSE 8443 8080
# -W: master-worker (a reload is `kill -USR2 1`); -db: stay in the foreground.
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy-global.cfg", "-f", "/etc/haproxy/spark-check.cfg"]

# --- The app: one replica (and, with another command, the daily purge and backup) ---
FROM python:3.11.15-slim-bookworm@sha256:d29f48a31a8b408ed19272ca1e7b10ebae13b240a27e862d3d4217c528e2e0c3 AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# pg_dump and pg_restore of PostgreSQL 15, the server's major version (python manage.py backup).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
RUN useradd --system --uid 10001 --home-dir /app spark \
    && mkdir -p /app/data \
    && chown spark /app/data
USER spark
ENV STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"]
CMD ["python", "-m", "streamlit", "run", "app.py"]
