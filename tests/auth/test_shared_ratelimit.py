"""Token buckets in a real Redis: the same answers as the per-process limiter, shared by
every limiter on the server, keys that reveal nothing, and the per-process limiter taking
over while Redis is down."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.auth.test_ratelimit import FakeClock
from threadline.auth.ratelimit import Check, Limiter, RateLimiter
from threadline.auth.shared_ratelimit import SharedRateLimiter, limiter_client
from threadline.domain.errors import RateLimited


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as c:
        yield c


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    """A key space of the test's own, removed afterwards."""
    mine = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    yield mine
    for key in client.scan_iter(match=mine + "*"):
        client.delete(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def shared(client: redis.Redis, prefix: str, clock: FakeClock) -> SharedRateLimiter:
    return SharedRateLimiter(client, fallback=RateLimiter(clock), clock=clock, prefix=prefix)


def outcome(limiter: Limiter, key: str, per_minute: int, window_s: float = 60.0) -> int:
    """0 when allowed, else the Retry-After announced."""
    try:
        limiter.allow(key, per_minute, "comments", window_s)
    except RateLimited as refused:
        assert "comments" in refused.message
        return refused.retry_after
    return 0


def test_burst_refill_and_retry_after(client: redis.Redis, prefix: str, clock: FakeClock) -> None:
    limiter = shared(client, prefix, clock)
    assert [outcome(limiter, "ip", 5) for _ in range(6)] == [0, 0, 0, 0, 0, 12]
    clock.now += 5
    assert outcome(limiter, "ip", 5) == 7
    clock.now += 7
    assert outcome(limiter, "ip", 5) == 0
    assert outcome(limiter, "ip", 5) == 12
    clock.now += 3600  # refill stops at the bucket size
    assert [outcome(limiter, "ip", 3) for _ in range(4)] == [0, 0, 0, 20]


def test_answers_match_the_per_process_limiter(
    client: redis.Redis, prefix: str, clock: FakeClock
) -> None:
    """Any sequence of requests and pauses gets the same answers from both kinds."""
    local = RateLimiter(clock)
    limiter = shared(client, prefix, clock)
    rng = random.Random(20261201)
    for _ in range(400):
        clock.now += rng.choice([0.0, 0.0, 0.5, 3.0, 11.9, 12.0, 40.0])
        key, per_minute, window = rng.choice(
            [("ip-a", 5, 60.0), ("ip-b", 2, 60.0), ("mail", 10, 3600.0)]
        )
        assert outcome(limiter, key, per_minute, window) == outcome(local, key, per_minute, window)


def test_every_limiter_on_the_server_spends_from_one_bucket(
    client: redis.Redis, prefix: str, clock: FakeClock
) -> None:
    """Two processes (or instances) together get the limit once, not once each."""
    first, second = shared(client, prefix, clock), shared(client, prefix, clock)
    answers = [outcome(limiter, "ip", 4) == 0 for limiter in (first, second) * 3]
    assert answers == [True, True, True, True, False, False]


def test_buckets_name_no_address_and_expire(
    client: redis.Redis, prefix: str, clock: FakeClock
) -> None:
    limiter = shared(client, prefix, clock)
    limiter.allow("post-ip:1:203.0.113.9", 5, "comments")
    limiter.allow("reply-mail:1:ann@example.org", 10, "mails", window_s=3600)
    keys = [k.decode() for k in client.scan_iter(match=prefix + "*")]
    assert len(keys) == 2
    assert not any("203.0.113.9" in k or "example.org" in k for k in keys)
    ttls = sorted(client.ttl(k) for k in keys)
    assert 0 < ttls[0] <= 61 and 61 < ttls[1] <= 3601


def test_off_means_no_limit_and_nothing_stored(
    client: redis.Redis, prefix: str, clock: FakeClock
) -> None:
    limiter = SharedRateLimiter(
        client, fallback=RateLimiter(clock), clock=clock, enabled=False, prefix=prefix
    )
    assert all(outcome(limiter, "ip", 1) == 0 for _ in range(5))
    assert list(client.scan_iter(match=prefix + "*")) == []


def test_the_per_process_limiter_takes_over_while_redis_is_down(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    down = limiter_client("redis://127.0.0.1:9/0")
    limiter = SharedRateLimiter(down, fallback=RateLimiter(clock), clock=clock)
    assert [outcome(limiter, "ip", 2) for _ in range(3)] == [0, 0, 30]
    assert caplog.text.count("limiting per process meanwhile") == 1  # said once, not per call


def test_after_an_outage_the_shared_buckets_are_used_again(
    redis_url: str, prefix: str, clock: FakeClock
) -> None:
    """Redis stops answering (CLIENT PAUSE: commands wait): requests are limited per
    process; once it answers and the pause after a failure has passed, the shared buckets
    count again."""
    client = limiter_client(redis_url, timeout_s=0.2)
    local = RateLimiter(clock)
    limiter = SharedRateLimiter(
        client, fallback=local, clock=clock, prefix=prefix, pause_after_failure_s=0.3
    )
    other = shared(client, prefix, clock)  # another process on the same Redis
    with redis.Redis.from_url(redis_url) as admin:
        admin.execute_command("CLIENT", "PAUSE", 600, "WRITE")
        try:
            assert outcome(limiter, "ip", 1) == 0  # Redis timed out: the local bucket
            assert outcome(local, "ip", 1) == 60  # ... was spent
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
    time.sleep(0.35)
    assert outcome(other, "ip", 1) == 0  # the shared bucket was untouched
    assert outcome(limiter, "ip-2", 1) == 0
    assert outcome(other, "ip-2", 1) == 60  # spent through Redis again, seen by the other


def test_after_a_failure_redis_is_not_asked_until_the_pause_is_over(
    redis_url: str, prefix: str, clock: FakeClock
) -> None:
    """Requests during an outage do not each wait for Redis's timeout: after one failure the
    per-process buckets answer for `pause_after_failure_s`, even if Redis is back sooner."""
    client = limiter_client(redis_url, timeout_s=0.2)
    local = RateLimiter(clock)
    limiter = SharedRateLimiter(
        client, fallback=local, clock=clock, prefix=prefix, pause_after_failure_s=60.0
    )
    other = shared(client, prefix, clock)
    with redis.Redis.from_url(redis_url) as admin:
        admin.execute_command("CLIENT", "PAUSE", 600, "WRITE")
        try:
            assert outcome(limiter, "ip", 1) == 0  # timed out: spent locally
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
    assert outcome(limiter, "ip-2", 1) == 0  # Redis answers again, but is not asked yet
    assert outcome(local, "ip-2", 1) == 60  # the local bucket was spent
    assert outcome(other, "ip-2", 1) == 0  # and the shared one untouched
    assert len(list(client.scan_iter(match=prefix + "*"))) == 1  # the other's "ip-2" only


def test_allow_all_spends_each_bucket_in_order_and_stops_at_the_first_empty_one(
    client: redis.Redis, prefix: str, clock: FakeClock
) -> None:
    """One round trip for a request's buckets (per address, per author), with the same
    answers as spending them one by one on the per-process limiter."""
    limiter = shared(client, prefix, clock)
    local = RateLimiter(clock)
    checks = [Check("ip", 3, "comments from your network"), Check("author", 2, "comments from you")]

    def answers(lim: Limiter) -> list[str]:
        said = []
        for _ in range(5):
            try:
                lim.allow_all(checks)
                said.append("ok")
            except RateLimited as refused:
                said.append(f"{refused.message} {refused.retry_after}")
        return said

    expected = answers(local)
    assert answers(limiter) == expected
    network = "Too many comments from your network in a short time; please wait 20 seconds"
    you = "Too many comments from you in a short time; please wait 30 seconds"
    assert [said.split(" and try")[0] for said in expected] == ["ok", "ok", you, network, network]
    clock.now += 30  # the author's bucket gains 1 token, the address's 1.5
    assert answers(limiter)[:2] == answers(local)[:2] == ["ok", expected[3].replace("20", "10")]
