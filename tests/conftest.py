"""Shared fixtures: real SQLite files, a real PostgreSQL server, a real Redis server, the
real ASGI app.

PostgreSQL tests run in a fresh schema each. Locally PostgreSQL and Redis tests are skipped
when no server answers; in CI (CI=true) an unreachable server fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from starlette.testclient import TestClient

from threadline.app import build_context, create_app, open_store
from threadline.config import Settings
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site
from threadline.storage.base import Store

# The project's shared test data lives beside the checkout (../shared/data), in CI too.
SHARED_DATA = Path(
    os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgres"]


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_available()
    if problem:
        message = f"PostgreSQL at {PG_URL} is not reachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI requires it: .ci/run starts it)")
        pytest.skip(message)
    return PG_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3) as client:
            client.ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} is not reachable: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI requires it: .ci/run starts it)")
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def postgres_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database URL whose search_path is a brand-new schema, dropped afterwards."""
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def database_url_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'threadline.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return database_url_for(backend, tmp_path, request)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The engine scores in a thread here: a worker process per test app would cost seconds
    # (tests/service/test_batch_scoring.py and the served apps cover the worker processes).
    return Settings(
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        secret_key="test-secret",
        moderation_processes=0,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = open_store(settings)
    yield opened
    opened.close()


class Clock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(settings: Settings, store: Store, clock: Clock) -> ServiceContext:
    context = build_context(settings, store)
    context.clock = clock
    return context


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient for the real app (lifespan included) with settings overrides."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        import dataclasses

        app = create_app(dataclasses.replace(settings, **overrides))
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """The app with the 'demo' site (origin https://news.example) and rate limits off."""
    c = make_client(rate_limits=False)
    api_ctx = c.app.state.threadline.ctx  # type: ignore[attr-defined]
    add_site(api_ctx, "demo", "Demo News", ["https://news.example"])
    return c


def app_clock(client: TestClient) -> Clock:
    """Install a controllable clock into a running app's services."""
    clock = Clock()
    client.app.state.threadline.ctx.clock = clock  # type: ignore[attr-defined]
    return clock


def post(client: TestClient, body: str = "Hello", **fields: object) -> dict:  # type: ignore[type-arg]
    payload = {
        "site": "demo",
        "thread": "article-1",
        "body": body,
        "author": {"name": "Reader"},
    } | fields
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201, response.text
    data: dict = response.json()  # type: ignore[type-arg]
    return data
