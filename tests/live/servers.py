"""Real `threadline serve` processes for the live-update tests (see tests/live_server.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest

from tests.live_server import LiveServer, cli_environ, run_cli

EVENTS = "/api/v1/threads/events"


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A database URL whose search_path is a brand-new schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    defaults = {
        "THREADLINE_RATE_LIMITS": "off",
        "THREADLINE_DATA_DIR": str(data_dir),
        "THREADLINE_SECRET_KEY": "live-test-secret",
        "THREADLINE_LIVE_HEARTBEAT_S": "1",
    }
    return cli_environ(**(defaults | settings))


def add_demo_site(database_url: str, env: dict[str, str]) -> None:
    done = run_cli(["site", "add", "demo", "--name", "Demo News"], env, database_url)
    assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def running(database_url: str, env: dict[str, str], log_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(database_url, env, log_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.stop()


@contextmanager
def demo_server(
    request: pytest.FixtureRequest,
    tmp: Path,
    prepare: Callable[[str, dict[str, str]], None] | None = None,
) -> Iterator[LiveServer]:
    """A server on the backend `request.param` names ("sqlite" or "postgres": a fresh schema),
    with the 'demo' site and whatever `prepare(database_url, env)` adds before it starts."""
    env = server_env(tmp / "data")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp / 'threadline.db'}"
        else:
            url = stack.enter_context(fresh_schema(request.getfixturevalue("postgres_url")))
        add_demo_site(url, env)
        if prepare is not None:
            prepare(url, env)
        yield stack.enter_context(running(url, env, tmp / "server.log"))


def http() -> httpx2.Client:
    """A client that never goes through a proxy from the environment."""
    return httpx2.Client(trust_env=False, timeout=10.0)


def post_comment(
    client: httpx2.Client, server: LiveServer, key: str, body: str, **fields: Any
) -> dict[str, Any]:
    payload = {"site": "demo", "thread": key, "body": body, "author": {"name": "Reader"}}
    response = client.post(server.url("/api/v1/comments"), json=payload | fields)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def thread_json(client: httpx2.Client, server: LiveServer, key: str) -> dict[str, Any]:
    response = client.get(server.url("/api/v1/threads"), params={"site": "demo", "key": key})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data
