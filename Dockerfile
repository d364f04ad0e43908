# Spark Check in containers: see deploy/README.md, and compose.yaml for the whole set-up
# (PostgreSQL, two replicas, HAProxy).
#
#   docker build -t spark-check .                      # the app (the default, last stage)
#   docker build --target haproxy -t spark-check-haproxy .
#
# The app stage runs `streamlit run app.py` with the settings the tests' servers use
# (benchmarks/server.py: server_flags), listening on 0.0.0.0:8501 inside the container;
# .streamlit/config.toml comes with the code (XSRF protection on). tests/deploy checks
# that this file, compose.yaml and deploy/haproxy.cfg agree.

# --- HAProxy: Debian's package, with deploy/haproxy.cfg (the file the e2e test runs) ---
FROM debian:bookworm-slim AS haproxy
RUN apt-get update \
    && apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/haproxy.cfg /etc/haproxy/haproxy.cfg
USER haproxy
EXPOSE 8080
# -W: master-worker (a reload is `kill -USR2 1`); -db: stay in the foreground.
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]

# --- The app: one replica ---
FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
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
