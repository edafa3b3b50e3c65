"""Importing a large synthetic Disqus export into SQLite: posts/s and peak RSS.

The export is written as a stream (never held in memory): `--threads` threads, then
`--posts` posts spread over them round-robin, half of them replies to an earlier post of
the same thread (chains get deep), 2% spam and 2% deleted, ~400-byte HTML bodies with
CDATA, names and text with non-ASCII characters. The import runs as the real CLI
(`threadline import disqus FILE --site bench`) in a child process, so its peak RSS
(getrusage of children) is the importer's alone. A second import of the same file checks
idempotency (nothing added) and is timed too.

    .venv/bin/python bench/import_disqus.py [--posts 200000] [--threads 0 (posts/20)] [--keep]

The issue's target: --posts 2000000 (≈ 1.1 GB of XML), peak RSS under 200 MiB,
≥ 20,000 posts/s into SQLite.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
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


def run(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([str(THREADLINE), *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"threadline {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=0, help="default: posts / 20")
    parser.add_argument("--keep", action="store_true", help="keep the export and database")
    opts = parser.parse_args()
    threads = opts.threads or max(1, opts.posts // 20)
    work = Path(tempfile.mkdtemp(prefix="threadline-import-bench-"))
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
        seconds, report = run(command)
        rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(report.strip())
        print(f"import: {seconds:.1f} s, {opts.posts / seconds:,.0f} posts/s into SQLite")
        print(f"peak RSS of the importing process: {rss_mib:,.0f} MiB")
        seconds, report = run(command)
        added = report.splitlines()[1]
        print(f"second import (idempotent): {seconds:.1f} s, {added}")
        if opts.keep:
            print(f"kept in {work}")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
