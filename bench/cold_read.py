"""The first read after a write: how long one reader waits for the rebuilt 1,000-comment page.

Over HTTP (one server process, so the write and the read meet the same page cache): post a
comment, then time the next GET of the whole thread to its last byte, alternating a reader
without and with Accept-Encoding: gzip; the ETag must change every time (the page really was
rebuilt). For contrast, the same GET with no write before it (cached). The thread grows by
one comment per sample (1,000 → 1,000 + 2 × samples).

In-process, the same page is built step by step with the service and serialization code
(query + tree, response structs, JSON, gzip) to show where the time goes, in wall-clock
time and in CPU time of the building thread (steadier when the machine is shared).

    .venv/bin/python bench/cold_read.py [--samples 60] [--no-postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from typing import Any

from harness import (
    HOST,
    cpu_seconds,
    log,
    machine_summary,
    percentile,
    request,
    save_results,
    scratch_dir,
    table,
)
from peers import NO_AUTOMODERATION, SITE, THREAD_KEY, Threadline, load_thread
from workload import SEED, generate
from writes import PG_URL, drop_pg_schema, fresh_pg_schema

GZIP = {"Accept-Encoding": "gzip"}


def _stats(samples_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(samples_ms),
        "p99_ms": percentile(samples_ms, 99),
        "min_ms": min(samples_ms),
        "max_ms": max(samples_ms),
        "n": len(samples_ms),
    }


def _timed_get(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> tuple[float, str, int, str]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = (time.perf_counter() - started) * 1000
    if resp.status != 200:
        raise RuntimeError(f"GET {path} answered {resp.status}")
    return (
        elapsed,
        resp.getheader("etag") or "",
        len(body),
        resp.getheader("content-encoding") or "identity",
    )


def over_http(server: Threadline, samples: int) -> dict[str, Any]:
    extra = generate(2 * samples + 10, seed=SEED + 3)
    path = server.thread_path()
    pids = server.service.pids()
    reader = http.client.HTTPConnection(HOST, server.port, timeout=60)
    writer = http.client.HTTPConnection(HOST, server.port, timeout=60)
    times: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}  # server CPU seconds used during the timed GETs
    sizes: dict[str, int] = {}

    def timed(label: str, headers: dict[str, str]) -> tuple[str, str]:
        before = cpu_seconds(pids)
        elapsed, etag, size, encoding = _timed_get(reader, path, headers)
        cpu[label] = cpu.get(label, 0.0) + cpu_seconds(pids) - before
        times.setdefault(label, []).append(elapsed)
        sizes[label.split()[-1]] = size
        return etag, encoding

    try:
        for _ in range(samples):  # the page is in the cache
            timed("cached identity", {})
            timed("cached gzip", GZIP)
        etag = ""
        for i in range(samples):
            for j, (name, headers) in enumerate((("identity", {}), ("gzip", GZIP))):
                server.post(extra[2 * i + j], None, conn=writer)
                new_etag, encoding = timed(f"cold {name}", headers)
                if new_etag == etag:
                    raise RuntimeError("the page was not rebuilt after a write")
                if encoding != name:
                    raise RuntimeError(f"asked for {name}, got Content-Encoding {encoding}")
                etag = new_etag
        _, _, body = request(server.port, "GET", path)
    finally:
        reader.close()
        writer.close()
    return {
        "latency": {label: _stats(v) for label, v in times.items()},
        "server_cpu_ms_mean": {label: v * 1000 / samples for label, v in cpu.items()},
        "bytes": sizes,
        "comments_at_end": len(json.loads(body)["comments"]),
    }


def in_process(database_url: str, repeats: int) -> dict[str, Any]:
    """Each step of building the page, timed with the server's own code (no HTTP): first the
    way a rebuild after one write goes (every comment's rendering cached but one), then a
    build from nothing (no renderings cached: the first read after a start)."""
    from threadline.api.page_cache import compress as compress_page
    from threadline.api.renderings import RenderingCache
    from threadline.api.threads import RenderingLookup, page_body
    from threadline.app import build_context, open_store
    from threadline.config import Settings
    from threadline.domain.tree import SortOrder
    from threadline.service import threads as thread_service

    settings = Settings(database_url=database_url, rate_limits=False, secret_key="bench")
    store = open_store(settings)
    try:
        ctx = build_context(settings, store)
        names = (
            "resolve site + key",
            "outline (shape query + tree + changed text)",
            "assemble JSON",
            "gzip",
        )
        results: dict[str, Any] = {}
        for scenario in ("after one write", "nothing cached"):
            wall: dict[str, list[float]] = {name: [] for name in (*names, "total")}
            cpu: dict[str, list[float]] = {name: [] for name in (*names, "total")}
            warm = RenderingCache(256 * 1024 * 1024)
            ref = thread_service.resolve(ctx, SITE, THREAD_KEY)
            first = RenderingLookup(warm)
            page_body(
                thread_service.read_outline(ctx, ref, SortOrder.OLDEST, 1000, None, first),
                first,
            )
            changed = max(warm_key[0] for warm_key in first.found) if first.found else None

            def mark() -> tuple[float, float]:
                return time.perf_counter(), time.thread_time()

            for _ in range(repeats):
                cache = warm if scenario == "after one write" else RenderingCache(256 << 20)
                lookup = RenderingLookup(cache)

                def held(keys: list[Any], lookup: Any = lookup, changed: Any = changed) -> Any:
                    lookup(keys)  # then forget one comment, as if it had just changed
                    lookup.found = {k: v for k, v in lookup.found.items() if k[0] != changed}
                    return lookup.found.keys()

                marks = [mark()]
                ref = thread_service.resolve(ctx, SITE, THREAD_KEY)
                marks.append(mark())
                outline = thread_service.read_outline(ctx, ref, SortOrder.OLDEST, 1000, None, held)
                marks.append(mark())
                body = page_body(outline, lookup)
                marks.append(mark())
                compress_page(body)
                marks.append(mark())
                spans = [
                    *zip(names, marks, marks[1:], strict=False),
                    ("total", marks[0], marks[-1]),
                ]
                for name, a, b in spans:
                    wall[name].append((b[0] - a[0]) * 1000)
                    cpu[name].append((b[1] - a[1]) * 1000)
            results[scenario] = {
                name: {"wall": _stats(wall[name]), "cpu": _stats(cpu[name])} for name in wall
            }
        return results
    finally:
        store.close()


def run_backend(name: str, database_url: str, samples: int, workdir: Any) -> dict[str, Any]:
    comments = generate()
    with Threadline(
        database_url, workdir, workers=1, name=f"cold-{name}", site_settings=NO_AUTOMODERATION
    ) as server:
        log(f"{name}: posting {len(comments)} comments")
        load_thread(server.port, comments, server.post)
        log(f"{name}: {samples} cold reads of each kind")
        http_result = over_http(server, samples)
    log(f"{name}: in-process build steps")
    http_result["in_process"] = in_process(database_url, samples)
    return http_result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    log(f"machine: {machine_summary()}")
    workdir = scratch_dir("cold")
    results: dict[str, Any] = {
        "sqlite": run_backend(
            "sqlite", f"sqlite:///{workdir / 'threadline.db'}", args.samples, workdir
        )
    }
    if not args.no_postgres:
        schema, url = fresh_pg_schema(args.postgres_url)
        try:
            results["postgres"] = run_backend("postgres", url, args.samples, workdir)
        finally:
            drop_pg_schema(args.postgres_url, schema)
    result = {"machine": machine_summary(), "samples": args.samples, "backends": results}
    save_results("cold_read", result)

    print()
    print(
        "First read after a write, whole thread (server: 1 process; time to last byte over "
        "loopback)"
    )
    rows = []
    for backend, r in results.items():
        for kind in ("identity", "gzip"):
            cold, warm = r["latency"][f"cold {kind}"], r["latency"][f"cached {kind}"]
            cpu = r["server_cpu_ms_mean"]
            rows.append(
                (
                    backend,
                    kind,
                    f"{r['bytes'][kind]:,}",
                    f"{cold['p50_ms']:.1f}",
                    f"{cold['p99_ms']:.1f}",
                    f"{cpu[f'cold {kind}']:.1f}",
                    f"{warm['p50_ms']:.2f}",
                    f"{warm['p99_ms']:.2f}",
                    f"{cpu[f'cached {kind}']:.2f}",
                )
            )
    print(
        table(
            [
                "backend",
                "encoding",
                "bytes",
                "cold p50 ms",
                "cold p99 ms",
                "cold server CPU ms",
                "cached p50 ms",
                "cached p99 ms",
                "cached server CPU ms",
            ],
            rows,
        )
    )
    print("(server CPU: mean per request, all threads of the server process)")
    print("[target: cold read ≤ 20 ms server time]")
    for backend, r in results.items():
        for scenario, steps in r["in_process"].items():
            print(
                f"\nIn-process build of the page on {backend} ({r['comments_at_end']} "
                f"comments), {scenario}"
            )
            print(
                table(
                    ["step", "wall p50 ms", "wall p99 ms", "CPU p50 ms", "CPU p99 ms"],
                    [
                        (
                            step,
                            f"{s['wall']['p50_ms']:.2f}",
                            f"{s['wall']['p99_ms']:.2f}",
                            f"{s['cpu']['p50_ms']:.2f}",
                            f"{s['cpu']['p99_ms']:.2f}",
                        )
                        for step, s in steps.items()
                    ],
                )
            )
    return result


if __name__ == "__main__":
    main()
