"""What a write's rate-limit check costs: the per-process token buckets against the shared
ones in Redis (`redis_url`), one check at a time and from 16 threads at once (as requests'
worker threads ask). Each write asks twice (per network, per author).

    .venv/bin/python bench/rate_limits.py [--redis redis://127.0.0.1:6379/0] [--checks 20000]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from collections.abc import Callable

import redis

from harness import log, percentile, table
from threadline.auth.ratelimit import Limiter, RateLimiter
from threadline.auth.shared_ratelimit import SharedRateLimiter, limiter_client


def timed_checks(limiter: Limiter, checks: int, keys: int) -> list[float]:
    """Seconds per `allow`, over `checks` calls spread over `keys` buckets (never refused)."""
    took = []
    for n in range(checks):
        started = time.perf_counter()
        limiter.allow(f"post-ip:1:198.51.100.{n % keys}", 1_000_000, "comments")
        took.append(time.perf_counter() - started)
    return took


def threaded_rate(limiter: Limiter, checks: int, threads: int) -> float:
    """Checks per second with `threads` threads asking at once."""
    each = checks // threads
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        timed_checks(limiter, each, 256)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    return each * threads / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--checks", type=int, default=20_000)
    args = parser.parse_args()

    prefix = f"threadline-bench:{uuid.uuid4().hex[:8]}:"
    client = limiter_client(args.redis, timeout_s=1.0)
    kinds: list[tuple[str, Callable[[], Limiter]]] = [
        ("per process (memory)", lambda: RateLimiter(time.monotonic)),
        (
            "shared (Redis)",
            lambda: SharedRateLimiter(client, RateLimiter(time.monotonic), prefix=prefix),
        ),
    ]
    rows = []
    try:
        for name, make in kinds:
            log(f"{name}: {args.checks} checks, then 16 threads")
            took = timed_checks(make(), args.checks, 256)
            rate = threaded_rate(make(), args.checks, 16)
            rows.append(
                [
                    name,
                    f"{percentile(took, 50) * 1e6:.1f}",
                    f"{percentile(took, 99) * 1e6:.1f}",
                    f"{rate:,.0f}",
                ]
            )
    finally:
        with redis.Redis.from_url(args.redis) as admin:
            for key in admin.scan_iter(match=prefix + "*"):
                admin.delete(key)
    print(table(["limiter", "p50 µs/check", "p99 µs/check", "checks/s, 16 threads"], rows))


if __name__ == "__main__":
    main()
