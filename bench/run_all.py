"""Every benchmark in turn, then the targets and whether each is met (`make bench`).

    .venv/bin/python bench/run_all.py            # the full run (~15 minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # one short round of each, for a smoke test
    .venv/bin/python bench/run_all.py --only read,cold

Figures are printed and saved as JSON in bench/results/ (not committed); docs/benchmarks.md
explains them and records a run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cold_read
import read_thread
import writes
from harness import log, machine_summary, save_results, table

READ_RATIO_TARGET = 0.5
COLD_MS_TARGET = 20.0
WRITE_RATIO_TARGET = 10.0
RSS_MIB_TARGET = 150.0


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def targets(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    read = results.get("read")
    if read:
        ratio = read["ratio_vs_nginx"]
        rows.append(
            (
                "read whole thread, 2 workers each: Threadline ≥ 0.5× nginx (same bytes)",
                f"{ratio:.2f}× (1 worker each: {read['one_worker_ratio_vs_nginx']:.2f}×; "
                f"gzip: {read['gzip_ratio_vs_nginx']:.2f}×)",
                f"≥ {READ_RATIO_TARGET}×",
                _verdict(ratio >= READ_RATIO_TARGET),
            )
        )
        rss = read["peak_rss_mib_one_process"]
        rows.append(
            (
                "RSS of one server process under the read benchmark",
                f"{rss:.0f} MiB",
                f"≤ {RSS_MIB_TARGET:.0f} MiB",
                _verdict(rss <= RSS_MIB_TARGET),
            )
        )
        rows.append(
            (
                "gzip served when asked (Accept-Encoding: gzip)",
                f"{read['page_gzip_bytes']:,} of {read['page_bytes']:,} bytes",
                "Content-Encoding: gzip",
                _verdict(read["gzip_served"]),
            )
        )
    cold = results.get("cold")
    if cold:
        for backend, r in cold["backends"].items():
            for kind in ("identity", "gzip"):
                c = r["latency"][f"cold {kind}"]
                cpu = r["server_cpu_ms_mean"][f"cold {kind}"]
                rows.append(
                    (
                        f"first read after a write ({backend}, {kind}): p50 / p99; server CPU",
                        f"{c['p50_ms']:.1f} / {c['p99_ms']:.1f} ms; {cpu:.1f} ms",
                        f"≤ {COLD_MS_TARGET:.0f} ms",
                        _verdict(c["p50_ms"] <= COLD_MS_TARGET),
                    )
                )
    wr = results.get("writes")
    if wr:
        for name, ratio in wr.get("ratio_vs_isso", {}).items():
            created = wr["targets"][name]["created_per_s"]
            cpu = wr.get("cpu_ratio_vs_isso", {}).get(name)
            rows.append(
                (
                    f"writes: {name} vs Isso (same process count)",
                    f"{created:.0f}/s; {ratio:.1f}× Isso per round"
                    + (f"; {cpu:.1f}× less CPU per write" if cpu else ""),
                    f"≥ {WRITE_RATIO_TARGET:.0f}×",
                    _verdict(ratio >= WRITE_RATIO_TARGET),
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every Threadline benchmark.")
    parser.add_argument("--quick", action="store_true", help="one short round of each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="read,cold,writes", help="read, cold, writes")
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    chosen = {x.strip() for x in args.only.split(",") if x.strip()}
    rounds = ["--rounds", "1" if args.quick else str(args.rounds)]
    iso = ["--no-isso"] if args.no_isso else []
    pg = ["--no-postgres"] if args.no_postgres else []

    log(f"machine: {machine_summary()}")
    results: dict[str, dict[str, Any]] = {}
    if "read" in chosen:
        log("== read the whole thread ==")
        quick = ["--duration", "4", "--isso-duration", "10"] if args.quick else []
        results["read"] = read_thread.main([*rounds, *quick, *iso])
    if "cold" in chosen:
        log("== first read after a write ==")
        quick = ["--samples", "15"] if args.quick else []
        results["cold"] = cold_read.main([*quick, *pg])
    if "writes" in chosen:
        log("== writes ==")
        quick = ["--duration", "4"] if args.quick else []
        results["writes"] = writes.main([*rounds, *quick, *iso, *pg])

    rows = targets(results)
    save_results("summary", {"machine": machine_summary(), "targets": rows})
    print()
    print("Targets")
    print(table(["what", "measured", "target", "verdict"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
