"""Queries for imports and exports: the bulk write path and the streamed export reads.

Mixed into `Gateway` (one connection, one dialect). An import is one write job: it notes the
comments' high-water mark, inserts rows in batches (`ON CONFLICT DO NOTHING` on their
origin, so a second import of the same file adds nothing), then settles the tree in SQL —
parents by origin, depths level by level, cycles broken — so no importer holds the tree in
memory. Rows an import added are those above the high-water mark with a source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from threadline.domain.models import (
    Author,
    CommentStatus,
    TransferComment,
    TransferThread,
    TransferVote,
)
from threadline.storage.times import from_us, to_us

if TYPE_CHECKING:
    from threadline.storage.gateway import Dialect


BULK_CACHE_KIB = 64 * 1024


def _transfer_thread(row: Any) -> TransferThread:
    created = from_us(row["created_at"])
    assert created is not None
    return TransferThread(
        key=row["key"],
        title=row["title"],
        url=row["url"],
        closed=bool(row["closed"]),
        created_at=created,
        source=row["source"],
        source_id=row["source_id"],
    )


class TransferQueries:
    # Provided by Gateway.
    _conn: Any  # the backend's connection: sqlite3 and psycopg both offer cursor().executemany
    _dialect: Dialect

    def _exec(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def _one(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def _all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def _many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._conn.cursor().executemany(self._dialect.rewrite(sql), rows)

    # -- import ----------------------------------------------------------------------------

    def prepare_bulk_write(self) -> None:
        """Before a large import: on SQLite, a page cache big enough that index pages stay
        in memory (the default 2 MiB makes every insert a page swap once indexes outgrow it).
        """
        if self._dialect.name == "sqlite":
            self._exec(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")

    def import_high_water(self) -> int:
        row = self._one("SELECT COALESCE(MAX(id), 0) AS n FROM comments")
        return int(row["n"])

    def import_thread(self, site_id: int, thread: TransferThread) -> tuple[int, bool]:
        """The id of the thread for an imported one, and whether it was created now.

        Found by its origin, else by key (a thread that already exists — live or from
        another import — is adopted and, if it has no origin yet, given this one)."""
        row = None
        if thread.source is not None and thread.source_id is not None:
            row = self._one(
                "SELECT id FROM threads WHERE site_id = :site_id AND source = :source "
                "AND source_id = :source_id",
                {"site_id": site_id, "source": thread.source, "source_id": thread.source_id},
            )
        if row is None:
            row = self._one(
                "SELECT id, source FROM threads WHERE site_id = :site_id AND key = :key",
                {"site_id": site_id, "key": thread.key},
            )
            if row is not None and row["source"] is None and thread.source is not None:
                self._exec(
                    "UPDATE threads SET source = :source, source_id = :source_id WHERE id = :id",
                    {"id": row["id"], "source": thread.source, "source_id": thread.source_id},
                )
        if row is not None:
            self._exec(
                "UPDATE threads SET title = COALESCE(title, :title), url = COALESCE(url, :url) "
                "WHERE id = :id",
                {"id": row["id"], "title": thread.title, "url": thread.url},
            )
            return int(row["id"]), False
        created = self._one(
            "INSERT INTO threads (site_id, key, title, url, closed, created_at, source, "
            "source_id) VALUES (:site_id, :key, :title, :url, :closed, :created_at, :source, "
            ":source_id) RETURNING id",
            {
                "site_id": site_id,
                "key": thread.key,
                "title": thread.title,
                "url": thread.url,
                "closed": int(thread.closed),
                "created_at": to_us(thread.created_at),
                "source": thread.source,
                "source_id": thread.source_id,
            },
        )
        return int(created["id"]), True

    def insert_transfer_comments(self, rows: Sequence[tuple[int, TransferComment]]) -> None:
        """Insert (thread id, comment) rows; one already present (same thread and origin)
        is left as it is. Parents are linked later by `settle_imported_tree`."""
        self._many(
            """
            INSERT INTO comments (thread_id, parent_id, depth, status, author_name,
                author_email, author_website, body, html, created_at, edited_at, upvotes,
                downvotes, ip, user_agent, source, source_id, parent_source, parent_source_id)
            VALUES (:thread_id, NULL, :depth, :status, :name, :email, :website, :body, :html,
                :created_at, :edited_at, :up, :down, :ip, :ua, :source, :source_id,
                :parent_source, :parent_source_id)
            ON CONFLICT (thread_id, source, source_id) DO NOTHING
            """,
            [
                {
                    "thread_id": thread_id,
                    "depth": -1 if c.parent_source_id is not None else 0,
                    "status": c.status.value,
                    "name": c.author.name,
                    "email": c.author.email,
                    "website": c.author.website,
                    "body": c.body,
                    "html": c.html,
                    "created_at": to_us(c.created_at),
                    "edited_at": to_us(c.edited_at) if c.edited_at else None,
                    "up": c.upvotes,
                    "down": c.downvotes,
                    "ip": c.ip,
                    "ua": c.user_agent,
                    "source": c.source,
                    "source_id": c.source_id,
                    "parent_source": c.parent_source,
                    "parent_source_id": c.parent_source_id,
                }
                for thread_id, c in rows
            ],
        )

    def insert_transfer_votes(self, rows: Sequence[tuple[int, TransferVote]]) -> None:
        self._many(
            """
            INSERT INTO votes (comment_id, voter, value, updated_at)
            SELECT c.id, :voter, :value, :updated_at FROM comments c
            WHERE c.thread_id = :thread_id AND c.source = :source AND c.source_id = :source_id
            ON CONFLICT (comment_id, voter) DO NOTHING
            """,
            [
                {
                    "thread_id": thread_id,
                    "source": v.source,
                    "source_id": v.source_id,
                    "voter": v.voter,
                    "value": v.value,
                    "updated_at": to_us(v.updated_at),
                }
                for thread_id, v in rows
            ],
        )

    def settle_imported_tree(self, floor: int) -> tuple[list[tuple[str, str, str]], int]:
        """Link the rows added above `floor` to their parents and give them their depths.

        Returns the replies whose parent is missing — (source, id, parent id), attached to
        the thread root — and the number of reply cycles broken (one reply per cycle is
        made top-level)."""
        self._exec(
            """
            UPDATE comments SET parent_id = (
                SELECT p.id FROM comments p
                WHERE p.thread_id = comments.thread_id AND p.source = comments.parent_source
                  AND p.source_id = comments.parent_source_id AND p.id <> comments.id)
            WHERE id > :floor AND source IS NOT NULL AND parent_source_id IS NOT NULL
            """,
            {"floor": floor},
        )
        orphans = [
            (r["source"], r["source_id"], r["parent_source_id"])
            for r in self._all(
                "SELECT source, source_id, parent_source_id FROM comments WHERE id > :floor "
                "AND source IS NOT NULL AND depth = -1 AND parent_id IS NULL ORDER BY id",
                {"floor": floor},
            )
        ]
        self._exec(
            "UPDATE comments SET depth = 0 WHERE id > :floor AND source IS NOT NULL "
            "AND depth = -1 AND parent_id IS NULL",
            {"floor": floor},
        )
        cycles = 0
        while True:
            changed = self._exec(
                """
                UPDATE comments
                SET depth = (SELECT p.depth + 1 FROM comments p WHERE p.id = comments.parent_id)
                WHERE id > :floor AND source IS NOT NULL AND depth = -1
                  AND (SELECT p.depth FROM comments p WHERE p.id = comments.parent_id) >= 0
                """,
                {"floor": floor},
            ).rowcount
            if changed:
                continue
            stuck = self._one(
                "SELECT MIN(id) AS id FROM comments WHERE id > :floor AND source IS NOT NULL "
                "AND depth = -1",
                {"floor": floor},
            )
            if stuck is None or stuck["id"] is None:
                return orphans, cycles
            cycles += 1
            self._exec(
                "UPDATE comments SET parent_id = NULL, depth = 0 WHERE id = :id",
                {"id": stuck["id"]},
            )

    def finish_import(self, floor: int) -> int:
        """Recount and bump every thread the import added to, stamping the new comments with
        their thread's new version (live readers and page caches see the change); returns
        the number of comments added."""
        self._exec(
            """
            UPDATE threads SET
                comment_count = (SELECT COUNT(*) FROM comments c
                                 WHERE c.thread_id = threads.id AND c.status = 'published'),
                version = version + 1
            WHERE id IN (SELECT thread_id FROM comments WHERE id > :floor
                         AND source IS NOT NULL)
            """,
            {"floor": floor},
        )
        self._exec(
            "UPDATE comments SET changed_version = "
            "(SELECT t.version FROM threads t WHERE t.id = comments.thread_id) "
            "WHERE id > :floor AND source IS NOT NULL",
            {"floor": floor},
        )
        row = self._one(
            "SELECT COUNT(*) AS n FROM comments WHERE id > :floor AND source IS NOT NULL",
            {"floor": floor},
        )
        return int(row["n"])

    # -- export ----------------------------------------------------------------------------

    def export_threads(self, site_id: int, key: str | None = None) -> list[TransferThread]:
        """A site's threads (or the one with `key`), ordered by key."""
        sql = "SELECT * FROM threads WHERE site_id = :site_id"
        params: dict[str, Any] = {"site_id": site_id}
        if key is not None:
            sql += " AND key = :key"
            params["key"] = key
        threads = [_transfer_thread(r) for r in self._all(sql, params)]
        threads.sort(key=lambda t: t.key)  # code-point order, the same on both backends
        return threads

    def export_comments(self, site_id: int, key: str) -> list[TransferComment]:
        """A thread's comments, oldest first; a comment born here has source None and its
        local id as source_id (its parent likewise)."""
        rows = self._all(
            """
            SELECT c.id, c.status, c.author_name, c.author_email, c.author_website, c.body,
                c.html, c.created_at, c.edited_at, c.upvotes, c.downvotes, c.ip, c.user_agent,
                c.source, c.source_id, p.id AS p_id, p.source AS p_source,
                p.source_id AS p_source_id
            FROM comments c
            JOIN threads t ON t.id = c.thread_id
            LEFT JOIN comments p ON p.id = c.parent_id
            WHERE t.site_id = :site_id AND t.key = :key
            ORDER BY c.created_at, c.id
            """,
            {"site_id": site_id, "key": key},
        )
        found = []
        for r in rows:
            created = from_us(r["created_at"])
            assert created is not None
            parent_id = None
            if r["p_id"] is not None:
                parent_id = r["p_source_id"] if r["p_source"] else str(r["p_id"])
            found.append(
                TransferComment(
                    source=r["source"],
                    source_id=r["source_id"] if r["source"] else str(r["id"]),
                    parent_source=r["p_source"],
                    parent_source_id=parent_id,
                    status=CommentStatus(r["status"]),
                    author=Author(r["author_name"], r["author_email"], r["author_website"]),
                    body=r["body"],
                    html=r["html"],
                    created_at=created,
                    edited_at=from_us(r["edited_at"]),
                    upvotes=int(r["upvotes"]),
                    downvotes=int(r["downvotes"]),
                    ip=r["ip"],
                    user_agent=r["user_agent"],
                )
            )
        return found

    def export_votes(self, site_id: int, key: str) -> list[TransferVote]:
        rows = self._all(
            """
            SELECT c.id, c.source, c.source_id, v.voter, v.value, v.updated_at
            FROM votes v
            JOIN comments c ON c.id = v.comment_id
            JOIN threads t ON t.id = c.thread_id
            WHERE t.site_id = :site_id AND t.key = :key
            ORDER BY c.created_at, c.id, v.voter
            """,
            {"site_id": site_id, "key": key},
        )
        votes = []
        for r in rows:
            at = from_us(r["updated_at"])
            assert at is not None
            votes.append(
                TransferVote(
                    source=r["source"],
                    source_id=r["source_id"] if r["source"] else str(r["id"]),
                    voter=r["voter"],
                    value=int(r["value"]),
                    updated_at=at,
                )
            )
        return votes
