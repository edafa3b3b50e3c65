"""Fixtures for the live-update tests: brokers of every backend, bounded async runs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest

from threadline.live.broker import Broker
from threadline.live.memory import MemoryBroker
from threadline.live.postgres import PostgresBroker
from threadline.live.redis_pubsub import RedisBroker

T = TypeVar("T")

TIMEOUT = 10.0  # the most any single wait in these tests may take


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run an async test body on a fresh event loop, bounded."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def eventually(
    check: Callable[[], bool], timeout: float = TIMEOUT, what: str = "condition"
) -> None:
    """Wait (on the event loop) until `check()` holds; fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


# A factory that makes the brokers of one shared backend: every broker made by it hears what
# any of them publishes (the memory backend is shared within the process by being one broker).
BrokerFactory = Callable[[], Awaitable[Broker]]


@pytest.fixture(params=["memory", "postgres", "redis"])
def broker_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def channel() -> str:
    """A channel of the test's own: the database is shared with other tests running at once."""
    return f"threadline_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_broker(
    broker_backend: str, channel: str, request: pytest.FixtureRequest
) -> Callable[[], Broker]:
    if broker_backend == "memory":
        shared = MemoryBroker()
        return lambda: shared
    if broker_backend == "redis":
        redis_url: str = request.getfixturevalue("redis_url")
        return lambda: RedisBroker(redis_url, channel=channel, client_name=channel)
    url: str = request.getfixturevalue("postgres_url")

    def make() -> Broker:
        return PostgresBroker(url, channel=channel, application_name=channel)

    return make
