"""Comments created per second by 16 concurrent clients, with durable settings.

Threadline on SQLite (WAL, synchronous=FULL: the default) and on PostgreSQL (fsync and
synchronous_commit on), against Isso 0.14 under gunicorn in the same run. Every target
gets a thread seeded with 50 comments; then wrk posts ~400-character Markdown comments over
16 keep-alive connections, a third of them replies to the seeded comments. Rounds are
interleaved (Threadline SQLite, Threadline PostgreSQL, Isso, again …) and medians reported.
Afterwards the stored count is checked against the acknowledged posts.

    .venv/bin/python bench/writes.py [--rounds 3] [--duration 10] [--no-postgres] [--no-isso]
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from harness import (
    HOST,
    WrkResult,
    cpu_seconds,
    log,
    machine_summary,
    median,
    request,
    run_wrk,
    save_results,
    scratch_dir,
    table,
)
from peers import (
    NO_AUTOMODERATION,
    Isso,
    Threadline,
    comment_json,
    isso_comment_json,
)
from workload import SEED, WorkComment, generate

CONNECTIONS = 16
SEEDED = 50
WRITES_KEY = "bench-writes"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

LUA_POST = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local headers = {["Content-Type"] = "application/json"}
local started = 0
function setup(thread)
  thread:set("tid", started)
  started = started + 1
end
local n = 0
function request()
  n = n + 1
  -- A tag makes every text unique: no two posts are copies (moderation looks for those).
  local body = bodies[((n + (tid or 0) * 997) %% #bodies) + 1]
  body = body:gsub('"%(field)s":"', '"%(field)s":"[' .. (tid or 0) .. "-" .. n .. '] ', 1)
  return wrk.format("POST", "%(path)s", headers, body)
end
"""


@dataclass
class WriteTarget:
    name: str
    port: int
    path: str
    bodies: Path
    stored: Callable[[], int]  # published comments in the thread
    pids: Callable[[], list[int]]
    text_field: str = "body"
    all_published: bool = True  # False: moderation may hold some (counted, not checked)
    published: int = 0
    runs: list[WrkResult] = field(default_factory=list)
    cpu_ms_per_write: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "created_per_s": median(r.rps for r in self.runs),
            "p50_ms": median(r.p50_us / 1000 for r in self.runs),
            "p99_ms": median(r.p99_us / 1000 for r in self.runs),
            "errors": sum(r.errors for r in self.runs),
            "acknowledged": sum(r.requests - r.status_errors for r in self.runs),
            "published": self.published,
            "server_cpu_ms_per_write": median(self.cpu_ms_per_write)
            if self.cpu_ms_per_write
            else None,
            "runs": [r.to_dict() for r in self.runs],
        }


def _bodies(
    path: Path, seeds: list[int], to_json: Callable[[WorkComment, int | None], dict[str, Any]]
) -> Path:
    """Request bodies, one JSON object a line: new comments, a third replying to a seed."""
    rng = random.Random(SEED + 1)
    lines = []
    for c in generate(2000, seed=SEED + 1):
        parent = rng.choice(seeds) if c.parent is not None else None
        lines.append(json.dumps(to_json(c, parent), separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    return path


def _seed(post: Callable[[WorkComment, int | None], int]) -> list[int]:
    return [post(c, None) for c in generate(SEEDED, seed=SEED + 2)]


def threadline_target(
    name: str,
    server: Threadline,
    workdir: Path,
    all_published: bool = True,
    seeds: list[int] | None = None,
) -> WriteTarget:
    if seeds is None:
        seeds = _seed(lambda c, p: server.post(c, p, key=WRITES_KEY))
    bodies = _bodies(
        workdir / f"bodies-{server.port}.jsonl",
        seeds,
        lambda c, p: comment_json(c, p, WRITES_KEY),
    )

    def stored() -> int:
        _, _, body = request(server.port, "GET", server.thread_path(WRITES_KEY, 1))
        return int(json.loads(body)["thread"]["comment_count"])

    return WriteTarget(
        name,
        server.port,
        "/api/v1/comments",
        bodies,
        stored,
        server.service.pids,
        all_published=all_published,
    )


def isso_target(name: str, isso: Isso, workdir: Path) -> WriteTarget:
    seeds = _seed(lambda c, p: isso.post(c, p, key=WRITES_KEY))
    bodies = _bodies(workdir / f"bodies-{isso.port}.jsonl", seeds, isso_comment_json)

    def stored() -> int:
        _, _, body = request(isso.port, "POST", "/count", [Isso.uri(WRITES_KEY)])
        return int(json.loads(body)[0])

    return WriteTarget(
        name,
        isso.port,
        f"/new?uri=%2F{WRITES_KEY}",
        bodies,
        stored,
        isso.service.pids,
        text_field="text",
    )


def run_target(target: WriteTarget, duration_s: float, workdir: Path) -> None:
    lua = LUA_POST % {"bodies": target.bodies, "path": target.path, "field": target.text_field}
    before = target.stored()
    pids = target.pids()
    cpu_before = cpu_seconds(pids)
    result = run_wrk(
        f"http://{HOST}:{target.port}{target.path}",
        connections=CONNECTIONS,
        duration_s=duration_s,
        timeout_s=30,
        lua=lua,
        workdir=workdir,
    )
    cpu_used = cpu_seconds(pids) - cpu_before
    after = target.stored()
    acknowledged = result.requests - result.status_errors
    if target.all_published and after - before < acknowledged:
        raise RuntimeError(
            f"{target.name}: {acknowledged} posts acknowledged but only {after - before} stored"
        )
    target.published += after - before
    target.runs.append(result)
    if acknowledged:
        target.cpu_ms_per_write.append(cpu_used * 1000 / acknowledged)
    log(
        f"  {target.name:<34} {result.rps:8.1f} created/s  p50 {result.p50_us / 1000:7.1f} ms"
        f"  p99 {result.p99_us / 1000:7.1f} ms  errors {result.errors}"
        f"  server CPU {cpu_used * 1000 / max(acknowledged, 1):.2f} ms/write"
    )


def fresh_pg_schema(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{base}?options=-csearch_path%3D{schema}"


def drop_pg_schema(base: str, schema: str) -> None:
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="comma-separated process counts; each runs Threadline and Isso with that many",
    )
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument(
        "--no-automoderation", action="store_true", help="skip the moderation-on target"
    )
    parser.add_argument(
        "--moderation-processes",
        default="1,0",
        help="comma-separated values of moderation_processes for the moderation-on target "
        "(0: the engine in a thread of the server process)",
    )
    args = parser.parse_args(argv)

    log(f"machine: {machine_summary()}")
    workdir = scratch_dir("writes")
    targets: list[WriteTarget] = []
    with ExitStack() as stack:
        for w in [int(x) for x in args.workers.split(",")]:
            sqlite = stack.enter_context(
                Threadline(
                    f"sqlite:///{workdir / f'threadline-{w}.db'}",
                    workdir,
                    workers=w,
                    name=f"tl-sqlite-{w}",
                    site_settings=NO_AUTOMODERATION,
                )
            )
            targets.append(threadline_target(f"threadline SQLite, {w} proc", sqlite, workdir))
            if w == 1 and not args.no_automoderation:
                # As shipped: every comment scored by the moderation engine. Seeded with it
                # off (no reply may meet a held parent), then served again with it on.
                db = f"sqlite:///{workdir / 'threadline-moderated.db'}"
                with Threadline(
                    db, workdir, name="tl-moderated-seed", site_settings=NO_AUTOMODERATION
                ) as seeding:
                    seeds = _seed(lambda c, p, s=seeding: s.post(c, p, key=WRITES_KEY))
                for n in [int(x) for x in args.moderation_processes.split(",")]:
                    moderated = stack.enter_context(
                        Threadline(
                            db,
                            workdir,
                            name=f"tl-moderated-{n}",
                            site_settings={"automoderation": "on"},
                            env={"THREADLINE_MODERATION_PROCESSES": str(n)},
                        )
                    )
                    engine = f"{n} engine proc" if n else "engine in-process"
                    targets.append(
                        threadline_target(
                            f"threadline SQLite + moderation ({engine}), 1 proc",
                            moderated,
                            workdir,
                            all_published=False,
                            seeds=seeds,
                        )
                    )
            if not args.no_postgres:
                schema, url = fresh_pg_schema(args.postgres_url)
                stack.callback(drop_pg_schema, args.postgres_url, schema)
                pg = stack.enter_context(
                    Threadline(
                        url,
                        workdir,
                        workers=w,
                        name=f"tl-postgres-{w}",
                        site_settings=NO_AUTOMODERATION,
                    )
                )
                targets.append(threadline_target(f"threadline PostgreSQL, {w} proc", pg, workdir))
            if not args.no_isso:
                isso = stack.enter_context(Isso(workdir, workers=w, name=f"isso-{w}"))
                targets.append(isso_target(f"isso 0.14 gunicorn, {w} proc", isso, workdir))
        for round_no in range(1, args.rounds + 1):
            log(f"round {round_no}/{args.rounds}")
            for target in targets:
                run_target(target, args.duration, workdir)

    summaries = {t.name: t.summary() for t in targets}
    result: dict[str, Any] = {
        "machine": machine_summary(),
        "rounds": args.rounds,
        "duration_s": args.duration,
        "connections": CONNECTIONS,
        "targets": summaries,
    }
    # Each round runs Threadline and Isso back to back, so the fair comparison is the ratio
    # within a round (both saw the same neighbours); the median over rounds is reported.
    by_name = {t.name: t for t in targets}
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}
    for target in targets:
        procs = target.name.rsplit(", ", 1)[-1]
        isso = by_name.get(f"isso 0.14 gunicorn, {procs}")
        if target.name.startswith("isso") or isso is None:
            continue
        per_round = [a.rps / b.rps for a, b in zip(target.runs, isso.runs, strict=True) if b.rps]
        if per_round:
            ratios[target.name] = median(per_round)
            summaries[target.name]["ratio_vs_isso_rounds"] = per_round
        ours_cpu = summaries[target.name]["server_cpu_ms_per_write"]
        isso_cpu = summaries[isso.name]["server_cpu_ms_per_write"]
        if ours_cpu and isso_cpu:
            cpu_ratios[target.name] = isso_cpu / ours_cpu
    result["ratio_vs_isso"] = ratios
    result["cpu_ratio_vs_isso"] = cpu_ratios
    save_results("writes", result)
    print()
    print(
        f"Comments created per second, {CONNECTIONS} concurrent clients, durable commits, "
        f"median of {args.rounds} interleaved rounds of {args.duration:.0f} s"
    )
    print(
        table(
            [
                "target",
                "created/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "server CPU ms/write",
                "× Isso (per round)",
                "Isso CPU / ours",
            ],
            [
                (
                    n,
                    f"{s['created_per_s']:.1f}",
                    f"{s['p50_ms']:.1f}",
                    f"{s['p99_ms']:.1f}",
                    s["errors"],
                    f"{s['server_cpu_ms_per_write']:.2f}"
                    if s["server_cpu_ms_per_write"] is not None
                    else "-",
                    f"{ratios[n]:.1f}×" if n in ratios else "-",
                    f"{cpu_ratios[n]:.1f}×" if n in cpu_ratios else "-",
                )
                for n, s in summaries.items()
            ],
        )
    )
    print(
        "[target: Threadline ≥ 10× Isso, same number of processes; × Isso is the median of "
        "the per-round ratios]"
    )
    return result


if __name__ == "__main__":
    main()
