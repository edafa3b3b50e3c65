"""The servers under test: Threadline itself, nginx (static bytes) and Isso 0.14 (gunicorn).

Each is a context manager that starts the server on an OS-chosen port of 127.0.0.1, waits
until it answers, and stops it (with its workers) on exit. Loaders post the workload
through each server's own HTTP API, parents before replies.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import (
    BENCH_DIR,
    HOST,
    Service,
    ensure_tool,
    free_port,
    log,
    request,
    wait_http,
)
from workload import WorkComment

ISSO_VERSION = "0.14.0"
ISSO_VENV = BENCH_DIR / ".isso-venv"
THREAD_KEY = "bench-thread"
SITE = "demo"
# The moderation engine off: every comment of the workload is published as posted, so all
# servers hold the same 1,000 comments (Isso and nginx have no scoring either). The writes
# benchmark also measures Threadline with it on (the default).
NO_AUTOMODERATION = {"automoderation": "off"}


# -- Threadline -------------------------------------------------------------------------------


class Threadline:
    """`threadline serve` with rate limits off, on a database URL of our choosing, whose site
    'demo' is created first with `threadline site add` (and given `site_settings` with
    `threadline site configure`).

    `access_log=False` runs it with THREADLINE_LOG_LEVEL=warning, which silences uvicorn's
    per-request access line (nginx and gunicorn here log no requests either)."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        workers: int = 1,
        env: dict[str, str] | None = None,
        name: str = "threadline",
        python: str | None = None,
        access_log: bool = False,
        site_settings: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.database_url = database_url
        base = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
        base.update(
            {
                "THREADLINE_RATE_LIMITS": "off",
                "THREADLINE_DATA_DIR": str(workdir),
                **({} if access_log else {"THREADLINE_LOG_LEVEL": "warning"}),
                **(env or {}),
            }
        )
        cli = [python or sys.executable, "-m", "threadline.cli.main", "--database", database_url]
        # `site add` (not `serve --demo`, which also seeds demo discussions); a second server
        # on the same database finds the site there already.
        added = subprocess.run(
            [*cli, "site", "add", SITE, "--name", "Benchmark"],
            env=base,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if added.returncode != 0 and "already exists" not in added.stdout + added.stderr:
            raise RuntimeError(f"threadline site add failed: {added.stdout}{added.stderr}")
        if site_settings:
            configure_site(database_url, site_settings, python)
        argv = [*cli, "serve", "--port", str(self.port), "--workers", str(workers)]
        self.workers = workers
        self.service = Service(name, argv, workdir / f"{name}-{self.port}.log", env=base)
        try:
            wait_http(self.service, self.port, "/healthz")
            if workers > 1:  # every worker has to be up before the load starts
                deadline = time.monotonic() + 60
                while len(self.server_pids()) < workers and time.monotonic() < deadline:
                    time.sleep(0.1)
        except BaseException:
            self.service.stop()
            raise

    def server_pids(self) -> list[int]:
        """The processes that serve requests (the workers; the one process with 1 worker)."""
        if self.workers == 1:
            return [self.service.pid]
        workers = []
        for pid in self.service.pids()[1:]:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                workers.append(pid)
        return workers

    def thread_path(self, key: str = THREAD_KEY, limit: int = 1000) -> str:
        return f"/api/v1/threads?site={SITE}&key={key}&limit={limit}"

    def post(
        self,
        comment: WorkComment,
        parent_id: int | None,
        conn: http.client.HTTPConnection | None = None,
        key: str = THREAD_KEY,
    ) -> int:
        status, _, body = request(
            self.port,
            "POST",
            "/api/v1/comments",
            comment_json(comment, parent_id, key),
            conn=conn,
        )
        if status != 201:
            raise RuntimeError(f"posting to Threadline failed: {status} {body[:300]!r}")
        return int(json.loads(body)["comment"]["id"])

    def __enter__(self) -> Threadline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.service.stop()


def configure_site(database_url: str, settings: dict[str, str], python: str | None = None) -> None:
    """`threadline site configure demo --set KEY=VALUE …` (servers read it on the next post)."""
    sets = [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    configured = subprocess.run(
        [
            python or sys.executable,
            "-m",
            "threadline.cli.main",
            "--database",
            database_url,
            "site",
            "configure",
            SITE,
            *sets,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if configured.returncode != 0:
        raise RuntimeError(
            f"threadline site configure {' '.join(sets)} failed: "
            f"{configured.stdout}{configured.stderr}"
        )


def comment_json(comment: WorkComment, parent_id: int | None, key: str) -> dict[str, Any]:
    author: dict[str, Any] = {"name": comment.author}
    if comment.website:
        author["website"] = comment.website
    data: dict[str, Any] = {
        "site": SITE,
        "thread": key,
        "body": comment.body,
        "author": author,
        "title": "Benchmark thread",
    }
    if parent_id is not None:
        data["parent_id"] = parent_id
    return data


# -- loading a thread through an API -----------------------------------------------------------

PostOne = Callable[[WorkComment, int | None, http.client.HTTPConnection], int]


def load_thread(
    port: int, comments: Sequence[WorkComment], post: PostOne, concurrency: int = 8
) -> dict[int, int]:
    """Posts every comment, a depth level at a time (parents exist before their replies).
    Returns workload index → the server's comment id."""
    ids: dict[int, int] = {}
    local = threading.local()

    def one(c: WorkComment) -> tuple[int, int]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(HOST, port, timeout=120)
        parent = ids[c.parent] if c.parent is not None else None
        return c.index, post(c, parent, conn)

    depths = sorted({c.depth for c in comments})
    with ThreadPoolExecutor(concurrency) as pool:
        for depth in depths:
            wave = [c for c in comments if c.depth == depth]
            for index, new_id in pool.map(one, wave):
                ids[index] = new_id
    return ids


# -- nginx ------------------------------------------------------------------------------------

NGINX_CONF = """
daemon off;
master_process on;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    client_body_temp_path {dir}/tmp-body;
    proxy_temp_path {dir}/tmp-proxy;
    fastcgi_temp_path {dir}/tmp-fastcgi;
    uwsgi_temp_path {dir}/tmp-uwsgi;
    scgi_temp_path {dir}/tmp-scgi;
    types {{ application/json json; }}
    default_type application/json;
    gzip_static on;
    server {{
        listen {host}:{port};
        root {dir}/www;
        location / {{ add_header Cache-Control no-cache; add_header Vary Accept-Encoding; }}
    }}
}}
"""


class Nginx:
    """nginx serving `body` (and its gzip twin through gzip_static) as /thread.json."""

    PATH = "/thread.json"

    def __init__(self, body: bytes, gzipped: bytes | None, workdir: Path, workers: int) -> None:
        binary = ensure_tool("nginx", "nginx")
        self.port = free_port()
        folder = workdir / "nginx"
        workdir.mkdir(parents=True, exist_ok=True)
        (folder / "www").mkdir(parents=True, exist_ok=True)
        for path in (workdir, folder, folder / "www"):  # nginx workers run as nobody
            path.chmod(0o755)
        (folder / "www" / "thread.json").write_bytes(body)
        (folder / "www" / "thread.json.gz").write_bytes(gzipped or gzip.compress(body, 5))
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(workers=workers, dir=folder, host=HOST, port=self.port))
        argv = [binary, "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")]
        self.service = Service("nginx", argv, folder / "stdout.log")
        try:
            wait_http(self.service, self.port, self.PATH)
        except BaseException:
            self.service.stop()
            raise

    def server_pids(self) -> list[int]:
        return self.service.pids()[1:] or [self.service.pid]

    def __enter__(self) -> Nginx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.service.stop()


# -- Isso -------------------------------------------------------------------------------------

ISSO_CONF = """
[general]
dbpath = {db}
host = http://{host}:{port}/
notify = stdout
max-age = 15m

[server]
listen = http://{host}:{port}/
public-endpoint = http://{host}:{port}

[moderation]
enabled = false

[guard]
enabled = false

[admin]
enabled = false
"""


def ensure_isso() -> Path:
    """Isso and gunicorn in their own virtualenv (bench/.isso-venv), created on first use."""
    gunicorn = ISSO_VENV / "bin" / "gunicorn"
    python = ISSO_VENV / "bin" / "python"
    if gunicorn.exists() and python.exists():
        check = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('isso'))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.stdout.strip() == ISSO_VERSION:
            return gunicorn
    log(f"creating {ISSO_VENV} with isso=={ISSO_VERSION} and gunicorn")
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(ISSO_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(ISSO_VENV / "bin" / "pip"), "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"],
        check=True,
        timeout=900,
    )
    return gunicorn


class Isso:
    """Isso 0.14 under gunicorn (sync workers, --preload, as its docs deploy it)."""

    def __init__(self, workdir: Path, workers: int, name: str = "isso") -> None:
        gunicorn = ensure_isso()
        self.port = free_port()
        folder = workdir / name
        folder.mkdir(parents=True, exist_ok=True)
        conf = folder / "isso.cfg"
        conf.write_text(ISSO_CONF.format(db=folder / "comments.db", host=HOST, port=self.port))
        env = {**os.environ, "ISSO_SETTINGS": str(conf)}
        argv = [
            str(gunicorn),
            "-b",
            f"{HOST}:{self.port}",
            "-w",
            str(workers),
            "--preload",
            "--timeout",
            "300",
            "isso.run",
        ]
        self.service = Service(name, argv, folder / "gunicorn.log", env=env)
        try:
            wait_http(self.service, self.port, "/config")
        except BaseException:
            self.service.stop()
            raise

    def server_pids(self) -> list[int]:
        return self.service.pids()[1:] or [self.service.pid]

    @staticmethod
    def uri(key: str = THREAD_KEY) -> str:
        return f"/{key}"

    def post(
        self,
        comment: WorkComment,
        parent_id: int | None,
        conn: http.client.HTTPConnection | None = None,
        key: str = THREAD_KEY,
    ) -> int:
        status, _, body = request(
            self.port,
            "POST",
            f"/new?uri=%2F{key}",
            isso_comment_json(comment, parent_id),
            conn=conn,
        )
        if status not in (201, 202):
            raise RuntimeError(f"posting to Isso failed: {status} {body[:300]!r}")
        return int(json.loads(body)["id"])

    def count(self, key: str = THREAD_KEY) -> int:
        """Comments Isso returns for the thread (top level plus their nested replies)."""
        status, _, body = request(self.port, "GET", f"/?uri=%2F{key}", timeout=300)
        if status != 200:
            raise RuntimeError(f"Isso read failed: {status}")
        data = json.loads(body)
        return sum(1 + len(c.get("replies", [])) for c in data["replies"])

    def __enter__(self) -> Isso:
        return self

    def __exit__(self, *exc: object) -> None:
        self.service.stop()


def isso_comment_json(comment: WorkComment, parent_id: int | None) -> dict[str, Any]:
    return {
        "text": comment.body,
        "author": comment.author,
        "website": comment.website,
        "parent": parent_id,
        "title": "Benchmark thread",
    }
