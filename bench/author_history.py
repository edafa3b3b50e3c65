"""What an author's past costs each new comment: the history reads of prolific authors.

Every new comment reads how many of its author's comments are approved (the new-author
check, counted up to what the checks need: `approved_comments`), and every card of the
moderation queues reads the author's whole history (`author_history`). This builds one
SQLite database (migrations applied) with 20,000 comments by 5,000 other readers and
authors of 10 to 50,000 comments, then times both reads through the storage gateway.

    .venv/bin/python bench/author_history.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from harness import log, machine_summary, save_results, scratch_dir, table
from threadline.domain.models import Author, CommentStatus, NewComment, SiteSettings
from threadline.moderation.authors import APPROVED_COUNTED
from threadline.storage.gateway import Gateway
from threadline.storage.sqlite import SQLiteStore

AUTHORS = (10, 1_000, 10_000, 50_000)
OTHERS = 20_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _comment(thread_id: int, key: str, n: int) -> NewComment:
    return NewComment(
        thread_id=thread_id,
        parent_id=None,
        depth=0,
        # One in ten of a prolific author's comments was rejected: the history has both.
        status=CommentStatus.REJECTED if n % 10 == 9 else CommentStatus.PUBLISHED,
        author=Author(key, None, None),
        body="A comment.",
        html="<p>A comment.</p>",
        created_at=T0 + timedelta(seconds=n),
        edit_token_hash="x",
        ip="203.0.113.1",
        user_agent="bench",
        author_key=key,
    )


def _fill(store: SQLiteStore) -> tuple[int, dict[str, int]]:
    def job(db: Gateway) -> int:
        site = db.insert_site("bench", "Bench", [], SiteSettings(), T0)
        thread = db.upsert_thread(site.id, "story", None, None, T0)
        for n in range(OTHERS):
            db.insert_comment(_comment(thread.id, f"reader-{n % 5000}", n))
        for size in AUTHORS:
            for n in range(size):
                db.insert_comment(_comment(thread.id, f"author-{size}", n))
        return site.id

    site_id = store.write(job)
    return site_id, {f"author-{size}": size for size in AUTHORS}


def _p50_ms(call: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per figure")
    args = parser.parse_args(argv)
    log(machine_summary())
    url = f"sqlite:///{scratch_dir('author-history') / 'bench.db'}"
    store = SQLiteStore(url)
    store.migrate()
    try:
        started = time.perf_counter()
        site_id, authors = _fill(store)
        log(f"filled in {time.perf_counter() - started:.1f} s")
        rows = []
        results: dict[str, Any] = {"repeat": args.repeat, "authors": {}}
        with store.reading() as db:
            for key, size in authors.items():
                approved = _p50_ms(
                    lambda key=key: db.approved_comments(site_id, key, APPROVED_COUNTED),
                    args.repeat,
                )
                history = _p50_ms(lambda key=key: db.author_history(site_id, key), args.repeat)
                rows.append((f"{size:,}", f"{approved:.3f}", f"{history:.3f}"))
                results["authors"][str(size)] = {
                    "approved_comments_ms": approved,
                    "author_history_ms": history,
                }
    finally:
        store.close()
    print(
        table(
            [
                "author's comments",
                f"new comment: approved, up to {APPROVED_COUNTED} (ms)",
                "queue card: whole history (ms)",
            ],
            rows,
        )
    )
    save_results("author_history", results)
    return results


if __name__ == "__main__":
    main()
