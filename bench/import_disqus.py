"""Importing a large synthetic Disqus export into SQLite: posts/s and peak RSS.

The export is written as a stream (never held in memory): `--threads` threads, then
`--posts` posts spread over them round-robin, half of them replies to an earlier post of
the same thread (chains get deep), 2% spam and 2% deleted, ~400-byte HTML bodies with
CDATA, names and text with non-ASCII characters. The import runs as the real CLI
(`threadline import disqus FILE --site bench`) in a child process; its peak RSS is the
largest sum, sampled every 0.2 s from /proc, over that process and its own children (from
8 MiB on, the CLI reads and renders the file in a second process while it writes). A
second import of the same file checks idempotency (nothing added) and is timed too. The
CPU seconds of the import are printed beside its wall time: on a shared machine the wall
time depends on what else runs.

    .venv/bin/python bench/import_disqus.py [--posts 200000] [--threads 0 (posts/20)]
        [--dir /tmp] [--keep]

The issue's target: --posts 2000000 (≈ 1.1 GB of XML), peak RSS under 200 MiB,
≥ 20,000 posts/s into SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

THREADLINE = Path(sys.executable).with_name("threadline")
WORDS = [
    *[
        "the",
        "council",
        "vote",
        "budget",
        "école",
        "naïve",
        "東京",
        "речь",
        "über",
        "libraries",
        "transport",
        "reporter",
    ],
    *[
        "said",
        "would",
        "could",
        "residents",
        "<script>alert(1)</script>",
        "&amp;",
        "answer",
        "question",
    ],
]


def write_export(path: Path, posts: int, threads: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for t in range(threads):
            out.write(
                f'<thread dsq:id="t{t}"><id>article-{t}</id><forum>bench</forum>'
                f"<link>https://news.example/{t // 1000}/article-{t}</link>"
                f"<title>Article {t} – über</title><createdAt>2015-01-01T00:00:00Z</createdAt>"
                f"<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
            )
        for i in range(posts):
            t = i % threads
            parent = ""
            if i >= threads and rng.random() < 0.5:  # an earlier post of the same thread
                back = i - threads * rng.randint(1, min(5, i // threads))
                parent = f'<parent dsq:id="{back}"/>'
            body = " ".join(rng.choice(WORDS) for _ in range(50))
            spam = "true" if rng.random() < 0.02 else "false"
            deleted = "true" if rng.random() < 0.02 else "false"
            day = 1 + i % 28
            out.write(
                f'<post dsq:id="{i}"><id/><message><![CDATA[<p>{body}</p><p>Reader {i}</p>]]>'
                f"</message><createdAt>2016-02-{day:02d}T10:{i % 60:02d}:{i % 59:02d}Z"
                f"</createdAt><isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
                f"<author><email>reader{i % 5000}@example.org</email><name>Lecteur {i % 5000}"
                f"</name><isAnonymous>false</isAnonymous></author>"
                f'<ipAddress>192.0.2.{i % 250}</ipAddress><thread dsq:id="t{t}"/>{parent}'
                f"</post>\n"
            )
        out.write("</disqus>\n")
    return path.stat().st_size


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # it ended meanwhile
    return total


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    output: str


def run(args: list[str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(THREADLINE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.2)
    out, err = process.communicate()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        sys.exit(f"threadline {' '.join(args)} failed:\n{out}{err}")
    # getrusage's peak covers the largest single process only: a floor for the sampled sum.
    peak = max(peak, after.ru_maxrss)
    return Run(elapsed, cpu, peak / 1024, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=0, help="default: posts / 20")
    parser.add_argument("--dir", default=None, help="where the export and database go")
    parser.add_argument("--keep", action="store_true", help="keep the export and database")
    opts = parser.parse_args()
    threads = opts.threads or max(1, opts.posts // 20)
    work = Path(tempfile.mkdtemp(prefix="threadline-import-bench-", dir=opts.dir))
    try:
        export = work / "disqus.xml"
        start = time.perf_counter()
        size = write_export(export, opts.posts, threads)
        print(
            f"export: {opts.posts:,} posts, {threads:,} threads, {size / 2**20:,.0f} MiB "
            f"(written in {time.perf_counter() - start:.0f} s)"
        )
        db = f"sqlite:///{work / 'bench.db'}"
        run(["--database", db, "site", "add", "bench", "--name", "Bench"])
        command = ["--database", db, "import", "disqus", str(export), "--site", "bench"]
        first = run(command)
        print(first.output.strip())
        print(
            f"import: {first.seconds:.1f} s, {opts.posts / first.seconds:,.0f} posts/s into "
            f"SQLite ({first.cpu_seconds:.0f} CPU seconds in all processes; load average "
            f"{os.getloadavg()[0]:.1f})"
        )
        print(f"peak RSS of the importing processes together: {first.peak_rss_mib:,.0f} MiB")
        print(f"database: {(work / 'bench.db').stat().st_size / 2**20:,.0f} MiB")
        second = run(command)
        added = second.output.splitlines()[1]
        print(
            f"second import (idempotent): {second.seconds:.1f} s, {added}; peak RSS "
            f"{second.peak_rss_mib:,.0f} MiB"
        )
        if opts.keep:
            print(f"kept in {work}")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
