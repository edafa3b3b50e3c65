"""Reading the whole 1,000-comment thread: Threadline vs nginx (same bytes) vs Isso 0.14.

Every round runs each target once, one after another (Threadline, nginx, …, Isso), so a
noisy neighbour on the machine hurts all of them alike; the figures are per-target medians
over the rounds. Threadline and nginx get the same number of worker processes.

    .venv/bin/python bench/read_thread.py [--rounds 3] [--duration 10] [--no-isso]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    HOST,
    RssSampler,
    WrkResult,
    cpu_seconds,
    log,
    machine_summary,
    median,
    request,
    run_wrk,
    save_results,
    scratch_dir,
    server_runtime,
    table,
)
from peers import NO_AUTOMODERATION, Isso, Nginx, Threadline, load_thread
from workload import describe, generate

CONNECTIONS = 32
GZIP = {"Accept-Encoding": "gzip"}


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str]
    pids: Callable[[], list[int]]
    duration_s: float = 10.0
    warmup: bool = True
    timeout_s: float = 10.0
    runs: list[WrkResult] = field(default_factory=list)
    cpu_ms_per_request: list[float] = field(default_factory=list)
    peak_rss_mib: float = 0.0

    def summary(self) -> dict[str, Any]:
        ok = [r for r in self.runs if r.requests > r.status_errors]
        return {
            "rps": median(r.rps for r in self.runs) if self.runs else 0.0,
            "p50_ms": median(r.p50_us / 1000 for r in ok) if ok else None,
            "p99_ms": median(r.p99_us / 1000 for r in ok) if ok else None,
            "errors": sum(r.errors for r in self.runs),
            "timeouts": sum(r.timeouts for r in self.runs),
            "completed": sum(r.requests - r.status_errors for r in self.runs),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "server_cpu_ms_per_request": (
                median(self.cpu_ms_per_request) if self.cpu_ms_per_request else None
            ),
            "runs": [r.to_dict() for r in self.runs],
        }


def _comment_count(body: bytes) -> int:
    return len(json.loads(body)["comments"])


def run_target(target: Target, workdir: Path) -> WrkResult:
    if target.warmup:
        run_wrk(
            target.url,
            connections=CONNECTIONS,
            duration_s=1,
            headers=target.headers,
            workdir=workdir,
        )
    pids = target.pids()
    cpu_before = cpu_seconds(pids)
    with RssSampler(pids) as rss:
        result = run_wrk(
            target.url,
            connections=CONNECTIONS,
            duration_s=target.duration_s,
            timeout_s=target.timeout_s,
            headers=target.headers,
            workdir=workdir,
        )
    cpu_used = cpu_seconds(pids) - cpu_before
    if rss.peak:
        target.peak_rss_mib = max(target.peak_rss_mib, *rss.peak.values())
    target.runs.append(result)
    done = result.requests - result.status_errors
    if done:
        target.cpu_ms_per_request.append(cpu_used * 1000 / done)
    log(
        f"  {target.name:<34} {result.rps:9.1f} req/s  p50 {result.p50_us / 1000:8.1f} ms  "
        f"p99 {result.p99_us / 1000:8.1f} ms  errors {result.errors} timeouts {result.timeouts}"
        f"  server CPU {cpu_used * 1000 / max(done, 1):.2f} ms/req"
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2, help="Threadline and nginx workers")
    parser.add_argument("--isso-duration", type=float, default=30.0)
    parser.add_argument("--no-isso", action="store_true")
    args = parser.parse_args(argv)

    comments = generate()
    log(f"workload: {describe(comments)}")
    log(f"machine: {machine_summary()}")
    workdir = scratch_dir("read")
    db_url = f"sqlite:///{workdir / 'threadline.db'}"
    with ExitStack() as stack:
        ours = stack.enter_context(
            Threadline(
                db_url,
                workdir,
                workers=args.workers,
                name="threadline-main",
                site_settings=NO_AUTOMODERATION,
            )
        )
        log(f"posting {len(comments)} comments to Threadline ({args.workers} workers)")
        load_thread(ours.port, comments, ours.post)
        path = ours.thread_path()
        _, plain_headers, body = request(ours.port, "GET", path)
        _, gz_headers, gz_body = request(ours.port, "GET", path, headers=GZIP)
        assert _comment_count(body) == len(comments), "Threadline did not return every comment"
        gzip_served = gz_headers.get("content-encoding") == "gzip"
        assert gzip.decompress(gz_body) == body if gzip_served else gz_body == body
        runtime = server_runtime(ours.server_pids()[0])
        log(f"Threadline runs on {runtime}")
        log(
            f"Threadline page: {len(body):,} bytes, gzip {len(gz_body):,} bytes "
            f"(Content-Encoding with Accept-Encoding: gzip → {gz_headers.get('content-encoding')};"
            f" without → {plain_headers.get('content-encoding', 'identity')})"
        )
        one = stack.enter_context(Threadline(db_url, workdir, workers=1, name="threadline-1w"))
        logged = stack.enter_context(
            Threadline(
                db_url, workdir, workers=args.workers, name="threadline-log", access_log=True
            )
        )
        for server in (one, logged):
            request(server.port, "GET", path)  # fills its cache

        nginx = stack.enter_context(Nginx(body, gz_body, workdir, workers=args.workers))
        nginx_one = stack.enter_context(Nginx(body, gz_body, workdir / "one", workers=1))
        _, _, nginx_body = request(nginx.port, "GET", Nginx.PATH)
        _, ngz_headers, nginx_gz = request(nginx.port, "GET", Nginx.PATH, headers=GZIP)
        assert nginx_body == body and nginx_gz == gz_body, "nginx must serve identical bytes"
        assert ngz_headers.get("content-encoding") == "gzip"

        ours_url = f"http://{HOST}:{ours.port}{path}"
        one_url = f"http://{HOST}:{one.port}{path}"
        logged_url = f"http://{HOST}:{logged.port}{path}"
        nginx_url = f"http://{HOST}:{nginx.port}{Nginx.PATH}"
        nginx_one_url = f"http://{HOST}:{nginx_one.port}{Nginx.PATH}"
        w = args.workers
        d = args.duration
        plain = Target(f"threadline ({w} workers)", ours_url, {}, ours.server_pids, d)
        nginx_plain = Target(f"nginx ({w} workers)", nginx_url, {}, nginx.server_pids, d)
        with_log = Target(
            f"threadline, access log on ({w} workers)", logged_url, {}, logged.server_pids, d
        )
        single = Target("threadline (1 worker)", one_url, {}, one.server_pids, d)
        nginx_single = Target("nginx (1 worker)", nginx_one_url, {}, nginx_one.server_pids, d)
        zipped = Target(f"threadline gzip ({w} workers)", ours_url, GZIP, ours.server_pids, d)
        nginx_zipped = Target(
            f"nginx gzip_static ({w} workers)", nginx_url, GZIP, nginx.server_pids, d
        )
        targets = [plain, nginx_plain, with_log, single, nginx_single, zipped, nginx_zipped]

        isso_target: Target | None = None
        isso_db_dir = workdir
        if not args.no_isso:
            isso = Isso(isso_db_dir, workers=args.workers)
            try:
                log(f"posting {len(comments)} comments to Isso {isso.port} (slow: ~30/s)")
                load_thread(isso.port, comments, isso.post, concurrency=4)
                count = isso.count()
                assert count == len(comments), f"Isso returns {count} comments"
                _, _, isso_body = request(
                    isso.port, "GET", f"/?uri=%2F{'bench-thread'}", timeout=300
                )
                log(f"Isso page: {len(isso_body):,} bytes for {count} comments")
            finally:
                isso.service.stop()
            isso_target = Target(
                f"isso 0.14 (gunicorn, {w} workers)",
                "",
                {},
                lambda: [],
                warmup=False,
                duration_s=args.isso_duration,
                timeout_s=args.isso_duration,
            )

        for round_no in range(1, args.rounds + 1):
            log(f"round {round_no}/{args.rounds}")
            for target in targets:
                run_target(target, workdir)
            if isso_target is not None:
                # A fresh Isso each round (same database): when wrk stops, the requests still
                # queued in gunicorn die with it instead of burning CPU in the next round.
                with Isso(isso_db_dir, workers=args.workers) as isso:
                    isso_target.url = f"http://{HOST}:{isso.port}/?uri=%2Fbench-thread"
                    isso_target.pids = isso.server_pids
                    run_target(isso_target, workdir)

    all_targets = targets + ([isso_target] if isso_target else [])
    summaries = {t.name: t.summary() for t in all_targets}
    ours_s = summaries[plain.name]
    nginx_s = summaries[nginx_plain.name]
    ratio_rounds = [
        x.rps / y.rps for x, y in zip(plain.runs, nginx_plain.runs, strict=True) if y.rps
    ]
    gz_ratio_rounds = [
        x.rps / y.rps for x, y in zip(zipped.runs, nginx_zipped.runs, strict=True) if y.rps
    ]
    single_ratio_rounds = [
        x.rps / y.rps for x, y in zip(single.runs, nginx_single.runs, strict=True) if y.rps
    ]
    log_ratio_rounds = [
        x.rps / y.rps for x, y in zip(with_log.runs, nginx_plain.runs, strict=True) if y.rps
    ]
    result: dict[str, Any] = {
        "machine": machine_summary(),
        "workload": describe(comments),
        "rounds": args.rounds,
        "duration_s": args.duration,
        "workers": args.workers,
        "runtime": runtime,
        "connections": CONNECTIONS,
        "page_bytes": len(body),
        "page_gzip_bytes": len(gz_body),
        "page_sha256": hashlib.sha256(body).hexdigest(),
        "gzip_served": gzip_served,
        "targets": summaries,
        "ratio_vs_nginx": median(ratio_rounds) if ratio_rounds else None,
        "ratio_vs_nginx_rounds": ratio_rounds,
        "gzip_ratio_vs_nginx": median(gz_ratio_rounds) if gz_ratio_rounds else None,
        "access_log_ratio_vs_nginx": median(log_ratio_rounds) if log_ratio_rounds else None,
        "one_worker_ratio_vs_nginx": median(single_ratio_rounds) if single_ratio_rounds else None,
        "peak_rss_mib_one_process": max(
            summaries[t.name]["peak_rss_mib"] for t in (plain, with_log, single, zipped)
        ),
    }
    if isso_target is not None:
        isso_rps = summaries[isso_target.name]["rps"]
        result["ratio_vs_isso"] = ours_s["rps"] / isso_rps if isso_rps else None
    save_results("read_thread", result)
    print()
    print(
        f"Read the whole thread ({len(body):,} bytes; gzip {len(gz_body):,}), "
        f"{CONNECTIONS} connections, median of {args.rounds} interleaved rounds"
    )
    print(
        table(
            [
                "target",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "server CPU ms/req",
                "peak RSS MiB/process",
            ],
            [
                (
                    name,
                    f"{s['rps']:.1f}",
                    f"{s['p50_ms']:.1f}" if s["p50_ms"] is not None else "-",
                    f"{s['p99_ms']:.1f}" if s["p99_ms"] is not None else "-",
                    f"{s['errors']} (+{s['timeouts']} timeouts)",
                    f"{s['server_cpu_ms_per_request']:.2f}"
                    if s["server_cpu_ms_per_request"] is not None
                    else "-",
                    s["peak_rss_mib"],
                )
                for name, s in summaries.items()
            ],
        )
    )
    print(
        f"\nThreadline / nginx: {result['ratio_vs_nginx']:.2f}× (plain), "
        f"{result['access_log_ratio_vs_nginx']:.2f}× (plain, access log on), "
        f"{result['one_worker_ratio_vs_nginx']:.2f}× (plain, 1 worker each), "
        f"{result['gzip_ratio_vs_nginx']:.2f}× (gzip)  [target ≥ 0.5×]; "
        f"nginx {nginx_s['rps']:.0f} req/s"
    )
    print(
        f"Peak RSS of one Threadline process: {result['peak_rss_mib_one_process']:.1f} MiB "
        "[target ≤ 150 MiB]"
    )
    if result.get("ratio_vs_isso"):
        print(f"Threadline / Isso: {result['ratio_vs_isso']:.0f}×")
    return result


if __name__ == "__main__":
    main()
