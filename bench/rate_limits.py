"""What a write's rate-limit check costs: the per-process token buckets against the shared
ones in Redis (`redis_url`), one write at a time and from 16 threads at once (as requests'
worker threads ask). A write spends from two buckets (per network, per author): asked as
two `allow` calls (two Redis round trips, as before 1 Dec) and as one `allow_all`.

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
from threadline.auth.ratelimit import Check, Limiter, RateLimiter
from threadline.auth.shared_ratelimit import SharedRateLimiter, limiter_client


def one_by_one(limiter: Limiter, n: int) -> None:
    limiter.allow(f"post-ip:1:198.51.100.{n % 256}", 1_000_000, "comments from your network")
    limiter.allow(f"post-author:1:reader-{n % 256}", 1_000_000, "comments from you")


def together(limiter: Limiter, n: int) -> None:
    limiter.allow_all(
        [
            Check(f"post-ip:1:198.51.100.{n % 256}", 1_000_000, "comments from your network"),
            Check(f"post-author:1:reader-{n % 256}", 1_000_000, "comments from you"),
        ]
    )


Spend = Callable[[Limiter, int], None]


def timed_writes(limiter: Limiter, spend: Spend, writes: int) -> list[float]:
    """Seconds per write's checks, over `writes` writes spread over 256 buckets of each kind
    (never refused)."""
    took = []
    for n in range(writes):
        started = time.perf_counter()
        spend(limiter, n)
        took.append(time.perf_counter() - started)
    return took


def threaded_rate(limiter: Limiter, spend: Spend, writes: int, threads: int) -> float:
    """Writes' checks per second with `threads` threads asking at once."""
    each = writes // threads
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        timed_writes(limiter, spend, each)

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
    parser.add_argument("--writes", type=int, default=10_000)
    args = parser.parse_args()

    prefix = f"threadline-bench:{uuid.uuid4().hex[:8]}:"
    client = limiter_client(args.redis, timeout_s=1.0)

    def memory() -> Limiter:
        return RateLimiter(time.monotonic)

    def shared() -> Limiter:
        return SharedRateLimiter(client, RateLimiter(time.monotonic), prefix=prefix)

    kinds: list[tuple[str, Callable[[], Limiter], Spend]] = [
        ("per process (memory)", memory, together),
        ("shared (Redis), two `allow` calls", shared, one_by_one),
        ("shared (Redis), one `allow_all`", shared, together),
    ]
    rows = []
    try:
        for name, make, spend in kinds:
            log(f"{name}: {args.writes} writes, then 16 threads")
            took = timed_writes(make(), spend, args.writes)
            rate = threaded_rate(make(), spend, args.writes, 16)
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
    print(table(["limiter", "p50 µs/write", "p99 µs/write", "writes/s, 16 threads"], rows))


if __name__ == "__main__":
    main()
