"""Token buckets kept in Redis, so a limit holds across every server process and instance
(with per-process buckets, N processes would let N times as much through).

Each `allow` or `allow_all` (a request's several buckets: per address, per author) is one
round trip running a small Lua script that refills and spends the buckets atomically — the
same arithmetic as the per-process RateLimiter. Bucket keys are digests, so readers'
addresses and emails are not written to Redis; a bucket expires once it would be full again.
If Redis fails, the per-process limiter takes over (logged) for a few seconds before Redis is
tried again: a Redis outage must neither stop readers from commenting, nor lift every limit,
nor make each request wait for a timeout.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from threadline.auth.ratelimit import Check, Limiter, limited

log = logging.getLogger(__name__)

# KEYS: the buckets, spent from in order; ARGV: now (s), then capacity, rate (tokens/s) and
# lifetime (s) for each bucket. Returns nil when every bucket gave a token, else the position
# of the first that had none and the tokens it holds (as a string: Redis would cut a Lua
# number to an integer); the buckets after it are not touched.
_SPEND = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[i * 3 - 1])
  local rate = tonumber(ARGV[i * 3])
  local bucket = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or capacity
  local at = tonumber(bucket[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
  local spent = tokens >= 1 - 1e-9
  if spent then tokens = tokens - 1 end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('EXPIRE', key, ARGV[i * 3 + 1])
  if not spent then return {i, tostring(tokens)} end
end
return nil
"""
_WARN_EVERY_S = 60.0


def limiter_client(url: str, timeout_s: float = 0.25) -> redis.Redis:
    """A client for the buckets: a request waits at most `timeout_s` for Redis, once (the
    client library's own retries would hold a reader's request for seconds)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        client_name="threadline-rate-limits",
    )


class SharedRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        fallback: Limiter,
        clock: Callable[[], float] = time.time,  # wall time: shared by every instance
        enabled: bool = True,
        prefix: str = "threadline:rate:",
        pause_after_failure_s: float = 5.0,
    ) -> None:
        self._client = client
        self._spend = client.register_script(_SPEND)
        self._fallback = fallback
        self._clock = clock
        self.enabled = enabled
        self._prefix = prefix
        self._warned_at = -math.inf
        self._pause_s = pause_after_failure_s
        self._down_until = -math.inf  # time.monotonic() before which Redis is not asked

    def allow(self, key: str, per_minute: int, what: str, window_s: float = 60.0) -> None:
        self.allow_all([Check(key, per_minute, what, window_s)])

    def allow_all(self, checks: Sequence[Check]) -> None:
        checks = [c for c in checks if c.per_minute > 0]
        if not self.enabled or not checks:
            return
        if time.monotonic() < self._down_until:
            self._fallback.allow_all(checks)
            return
        args: list[str | int] = [repr(self._clock())]
        for check in checks:
            args += [check.per_minute, repr(_rate(check)), _lifetime(check.window_s)]
        try:
            refused = self._spend(keys=[self._bucket(c.key) for c in checks], args=args)
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self._pause_s
            self._warn(exc)
            self._fallback.allow_all(checks)
            return
        if refused is not None:
            position, left = refused
            check = checks[int(position) - 1]
            raise limited(check.what, float(left), _rate(check))

    def _bucket(self, key: str) -> str:
        return self._prefix + hashlib.sha256(key.encode()).hexdigest()[:32]

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate limits: Redis failed (%s); limiting per process meanwhile", exc)


def _rate(check: Check) -> float:
    return check.per_minute / check.window_s


def _lifetime(window_s: float) -> int:
    """Seconds after which an untouched bucket is full again (and may as well not exist)."""
    return math.ceil(window_s) + 1
