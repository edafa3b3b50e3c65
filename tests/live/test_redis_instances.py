"""Two `threadline serve` processes on one SQLite file sharing a Redis server: a change made
through one reaches readers of the other at once, through Redis (the live recheck and the
page caches' revalidation are off, so nothing else could carry it), and the write rate
limits count across both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.live.servers import (
    EVENTS,
    add_demo_site,
    http,
    post_comment,
    running,
    server_env,
    thread_json,
)
from tests.live.sse import SSEClient
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow
DELIVERY = 10.0


@pytest.fixture
def pair(redis_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    # A database of the test's own; on the shared Redis its threads have fresh keys, and
    # the rate-limit buckets are cleared afterwards.
    url = f"sqlite:///{tmp_path / 'threadline.db'}"
    env = server_env(
        tmp_path / "data",
        THREADLINE_REDIS_URL=redis_url,
        THREADLINE_RATE_LIMITS="on",
        THREADLINE_CACHE_REVALIDATE_MS="3600000",
        THREADLINE_LIVE_RECHECK_S="0",
    )
    add_demo_site(url, env)
    with (
        running(url, env, tmp_path / "a.log") as a,
        running(url, env, tmp_path / "b.log") as b,
    ):
        yield a, b
    _forget_buckets(redis_url)


def _forget_buckets(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        for key in client.scan_iter(match="threadline:rate:*"):
            client.delete(key)


def test_a_comment_posted_to_one_process_reaches_a_reader_of_the_other_through_redis(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    key = f"story-{uuid.uuid4().hex[:8]}"
    with http() as client, SSEClient(b.base_url, EVENTS, {"site": "demo", "key": key}) as on_b:
        assert on_b.status == 200 and on_b.resume_point() == 0
        assert thread_json(client, b, key)["comments"] == []  # B caches the empty page

        posted = post_comment(client, a, key, "Posted to A")
        event = on_b.next_event(timeout=DELIVERY)
        assert (event.event, event.json()) == ("comment", posted["comment"])
        # The notice also dropped B's cached page.
        assert [c["id"] for c in thread_json(client, b, key)["comments"]] == [
            posted["comment"]["id"]
        ]


def test_write_rate_limits_count_across_processes(pair: tuple[LiveServer, LiveServer]) -> None:
    """Five comments a minute per network by default: not five per process."""
    a, b = pair
    key = f"limits-{uuid.uuid4().hex[:8]}"
    payload = {"site": "demo", "thread": key, "author": {"name": "Flooder"}}
    statuses = []
    with http() as client:
        for n in range(8):
            server = (a, b)[n % 2]
            response = client.post(
                server.url("/api/v1/comments"), json=payload | {"body": f"Comment {n} here"}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.headers["Retry-After"].isdigit()
                assert response.json()["error"]["code"] == "rate_limited"
    # The per-author limit (3 a minute) is the tighter one here.
    assert statuses == [201, 201, 201, 429, 429, 429, 429, 429]
