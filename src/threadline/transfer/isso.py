"""Isso's SQLite database file (`comments.db`): its `threads` and `comments` tables.

Comments keep their Isso id (`isso:<id>`) and parent; mode 1 → published, 2 → pending,
4 → deleted. Likes and dislikes become votes counts. A thread's key is its `uri` (a path:
`--map /=https://www.example.com/` makes it a full URL). Bodies are Markdown, rendered by the
live comments' renderer. Rows are read with a cursor, one at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, ThreadIn
from threadline.transfer.times import parse_unix

SOURCE = "isso"
_STATUS = {1: CommentStatus.PUBLISHED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}


def read(path: Path, progress: Progress) -> Iterator[Record]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise ImportFailed(f"{path.name}: not an SQLite database ({exc})") from None
    try:
        if not {"threads", "comments"} <= tables:
            raise ImportFailed(f"{path.name}: not an Isso database (no threads/comments tables)")
        try:
            yield from _records(conn, path.name, progress)
        except sqlite3.DatabaseError as exc:
            raise ImportFailed(f"{path.name}: cannot read the database ({exc})") from None
    finally:
        conn.close()


def _records(conn: sqlite3.Connection, name: str, progress: Progress) -> Iterator[Record]:
    conn.row_factory = sqlite3.Row
    for row in conn.execute("SELECT id, uri, title FROM threads ORDER BY id"):
        ref = str(row["id"])
        yield ThreadIn(
            ref=ref,
            key=row["uri"] or "",
            title=row["title"] or None,
            url=None,
            closed=False,
            created_at=None,
            source=SOURCE,
            source_id=ref,
        )
    rows = conn.execute(
        "SELECT tid, id, parent, created, modified, mode, remote_addr, text, author, email, "
        "website, likes, dislikes FROM comments ORDER BY id"
    )
    for number, row in enumerate(rows, start=1):
        where = f"{name} comments record {number} (id {row['id']})"
        status = _STATUS.get(row["mode"])
        if status is None:
            raise ImportFailed(f"{where}: unknown mode {row['mode']!r}")
        parent = str(row["parent"]) if row["parent"] is not None else None
        yield CommentIn(
            thread_ref=str(row["tid"]),
            comment=TransferComment(
                source=SOURCE,
                source_id=str(row["id"]),
                parent_source=SOURCE if parent else None,
                parent_source_id=parent,
                status=status,
                author=Author(row["author"] or "", row["email"], row["website"]),
                body=row["text"] or "",
                html="",
                created_at=parse_unix(row["created"], where, "created"),
                edited_at=parse_unix(row["modified"], where, "modified")
                if row["modified"] is not None
                else None,
                upvotes=int(row["likes"] or 0),
                downvotes=int(row["dislikes"] or 0),
                ip=row["remote_addr"] or None,
            ),
            markup=Markup.MARKDOWN,
            where=where,
        )
        progress(1)
