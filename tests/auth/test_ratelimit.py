"""Token buckets with an injected clock: burst, refill, Retry-After, bounded memory."""

from __future__ import annotations

import pytest

from threadline.auth.ratelimit import ConcurrencyLimit, RateLimiter
from threadline.domain.errors import RateLimited


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def allowed(limiter: RateLimiter, key: str, per_minute: int) -> bool:
    try:
        limiter.allow(key, per_minute, "comments")
    except RateLimited:
        return False
    return True


def retry_after(limiter: RateLimiter, key: str, per_minute: int) -> int:
    with pytest.raises(RateLimited) as caught:
        limiter.allow(key, per_minute, "comments")
    return caught.value.retry_after


def test_a_full_bucket_allows_a_burst_of_per_minute(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    assert [allowed(limiter, "ip", 5) for _ in range(7)] == [True] * 5 + [False] * 2


def test_tokens_refill_continuously(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    for _ in range(5):
        limiter.allow("ip", 5, "comments")
    clock.now += 11.9  # one token takes 12 s at 5 per minute
    assert not allowed(limiter, "ip", 5)
    clock.now += 0.1
    assert allowed(limiter, "ip", 5)
    assert not allowed(limiter, "ip", 5)
    clock.now += 36
    assert [allowed(limiter, "ip", 5) for _ in range(4)] == [True, True, True, False]


def test_refill_stops_at_the_bucket_size(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.allow("ip", 3, "comments")
    clock.now += 3600
    assert [allowed(limiter, "ip", 3) for _ in range(4)] == [True, True, True, False]


def test_retry_after_is_the_wait_for_the_next_token(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    for _ in range(5):
        limiter.allow("ip", 5, "comments")
    assert retry_after(limiter, "ip", 5) == 12
    clock.now += 5
    assert retry_after(limiter, "ip", 5) == 7
    clock.now += 6.5
    assert retry_after(limiter, "ip", 5) == 1  # 0.5 s rounds up, never 0


def test_the_message_tells_how_long_to_wait(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.allow("ip", 1, "votes from your network")
    with pytest.raises(RateLimited) as caught:
        limiter.allow("ip", 1, "votes from your network")
    assert caught.value.code == "rate_limited"
    assert "votes from your network" in caught.value.message
    assert "60 seconds" in caught.value.message


@pytest.mark.parametrize("per_minute", [1, 2, 3, 5, 7, 9, 11, 13, 17, 30, 59, 60, 61, 120, 1000])
def test_waiting_retry_after_is_always_enough(clock: FakeClock, per_minute: int) -> None:
    limiter = RateLimiter(clock)
    for _ in range(5):
        while allowed(limiter, "ip", per_minute):
            pass  # drain the bucket
        wait = retry_after(limiter, "ip", per_minute)
        assert wait >= 1
        clock.now += wait
        assert allowed(limiter, "ip", per_minute), f"still limited after Retry-After {wait}"
        clock.now += 0.25  # requests arrive at odd moments, not on whole seconds


def test_keys_have_separate_buckets(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    limiter.allow("a", 1, "comments")
    assert not allowed(limiter, "a", 1)
    assert allowed(limiter, "b", 1)


def test_disabled_or_zero_never_limits(clock: FakeClock) -> None:
    off = RateLimiter(clock, enabled=False)
    assert all(allowed(off, "ip", 1) for _ in range(100))
    on = RateLimiter(clock)
    assert all(allowed(on, "ip", 0) for _ in range(100))
    on.enabled = False
    assert all(allowed(on, "ip", 1) for _ in range(100))


def test_least_recently_used_buckets_are_forgotten_beyond_max_keys(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, max_keys=3)
    limiter.allow("a", 1, "comments")
    limiter.allow("b", 1, "comments")
    limiter.allow("c", 1, "comments")
    assert not allowed(limiter, "a", 1)  # a is now the most recently used
    limiter.allow("d", 1, "comments")  # the fourth key evicts the least recent: b
    assert allowed(limiter, "b", 1)  # forgotten, so full again (and this evicts c)
    assert not allowed(limiter, "a", 1)  # a survived both evictions
    assert allowed(limiter, "c", 1)


def test_a_flood_of_keys_keeps_memory_bounded(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, max_keys=100)
    for n in range(10_000):
        limiter.allow(f"ip-{n}", 5, "comments")
    assert len(limiter._buckets) == 100
    # The oldest keys were forgotten, the newest are still remembered.
    assert "ip-0" not in limiter._buckets and "ip-9999" in limiter._buckets


def test_concurrency_limit_counts_open_things_per_key() -> None:
    limit = ConcurrencyLimit(2)
    limit.acquire("10.0.0.1", "streams")
    limit.acquire("10.0.0.1", "streams")
    limit.acquire("10.0.0.2", "streams")  # other addresses are counted apart
    with pytest.raises(RateLimited) as refused:
        limit.acquire("10.0.0.1", "streams")
    assert "2 at most" in refused.value.message and refused.value.retry_after > 0
    limit.release("10.0.0.1")
    limit.acquire("10.0.0.1", "streams")
    assert limit.open_for("10.0.0.1") == 2
    for _ in range(3):
        limit.release("10.0.0.1")  # an extra release never goes below zero
    assert limit.open_for("10.0.0.1") == 0


def test_concurrency_limit_off() -> None:
    for limit in (ConcurrencyLimit(0), ConcurrencyLimit(1, enabled=False)):
        for _ in range(5):
            limit.acquire("10.0.0.1", "streams")
        assert limit.open_for("10.0.0.1") == 5
