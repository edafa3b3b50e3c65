"""Per-process token buckets for write rate limits (per client IP, per author); the shared
kind, for several processes and instances, is in auth/shared_ratelimit.py."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from threadline.domain.errors import RateLimited

# Float slack: a token that is due now (0.9999999999 after the arithmetic) counts as there,
# and a wait of 7.0000000001 s is announced as 7, so waiting Retry-After is always enough.
_SLACK = 1e-9


class Check(NamedTuple):
    """One bucket to spend from: `per_minute` tokens per `window_s` seconds under `key`."""

    key: str
    per_minute: int
    what: str  # named in the refusal: "Too many {what} in a short time"
    window_s: float = 60.0


class Limiter(Protocol):
    enabled: bool

    def allow(self, key: str, per_minute: int, what: str, window_s: float = 60.0) -> None:
        """Spend one token from the key's bucket or raise RateLimited."""
        ...

    def allow_all(self, checks: Sequence[Check]) -> None:
        """Spend from each bucket in turn, stopping at (and raising for) the first that is
        empty: the same as `allow` for each, in one step (one Redis round trip if shared)."""
        ...


def refill(tokens: float, elapsed_s: float, capacity: int, rate: float) -> float:
    """A bucket's tokens after `elapsed_s` seconds at `rate` per second, at most `capacity`."""
    return min(float(capacity), tokens + max(0.0, elapsed_s) * rate)


def has_token(tokens: float) -> bool:
    return tokens >= 1.0 - _SLACK


def limited(what: str, tokens: float, rate: float) -> RateLimited:
    """The refusal for a bucket holding `tokens` (< 1): Retry-After is the wait for one."""
    retry = max(1, math.ceil((1.0 - tokens) / rate - _SLACK))
    return RateLimited(
        f"Too many {what} in a short time; please wait {retry} seconds and try again.",
        retry_after=retry,
    )


class RateLimiter:
    """`allow(key, per_minute)` spends one token from the key's bucket or raises RateLimited.

    A bucket holds `per_minute` tokens and refills continuously; the least recently used
    buckets are forgotten beyond `max_keys`, so a flood of addresses cannot exhaust memory.
    """

    def __init__(
        self, clock: Callable[[], float], enabled: bool = True, max_keys: int = 100_000
    ) -> None:
        self._clock = clock
        self.enabled = enabled
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, per_minute: int, what: str, window_s: float = 60.0) -> None:
        """`window_s`: the bucket holds `per_minute` tokens per that many seconds instead of
        per minute (10 an hour: `allow(key, 10, what, window_s=3600)`)."""
        if not self.enabled or per_minute <= 0:
            return
        rate = per_minute / window_s
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(per_minute), now))
            tokens = refill(tokens, now - last, per_minute, rate)
            if not has_token(tokens):
                self._buckets[key] = (tokens, now)
                raise limited(what, tokens, rate)
            self._buckets[key] = (tokens - 1.0, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)

    def allow_all(self, checks: Sequence[Check]) -> None:
        for check in checks:
            self.allow(*check)


class ConcurrencyLimit:
    """At most `limit` things open at once per key (live-update streams per client IP), so
    one address cannot hold all of a process's connections. 0 or `enabled=False`: no limit."""

    def __init__(self, limit: int, enabled: bool = True) -> None:
        self.limit = limit if enabled else 0
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, what: str) -> None:
        """Count one more for `key`, or raise RateLimited when it already has `limit`."""
        with self._lock:
            count = self._open.get(key, 0)
            if self.limit > 0 and count >= self.limit:
                raise RateLimited(
                    f"Too many {what} are open from your address ({self.limit} at most); "
                    "close some and try again.",
                    retry_after=30,
                )
            self._open[key] = count + 1

    def release(self, key: str) -> None:
        with self._lock:
            count = self._open.get(key, 0) - 1
            if count > 0:
                self._open[key] = count
            else:
                self._open.pop(key, None)

    def open_for(self, key: str) -> int:
        return self._open.get(key, 0)
