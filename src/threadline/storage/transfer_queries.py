"""Queries for imports and exports: the bulk write path and the streamed export reads.

Mixed into `Gateway` (one connection, one dialect). An import is one write job: it notes the
comments' high-water mark, inserts rows in batches (`ON CONFLICT DO NOTHING` on their
origin, so a second import of the same file adds nothing; a reply whose parent is already
stored is linked on insert), then settles the rest of the tree in SQL — parents by origin,
depths level by level, cycles broken — so no importer holds the tree in memory. Rows an
import added are those above the high-water mark with a source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from threadline.domain.models import (
    Author,
    CommentStatus,
    TransferComment,
    TransferThread,
    TransferVote,
)
from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us

if TYPE_CHECKING:
    pass


BULK_CACHE_KIB = 32 * 1024
SORT_CACHE_KIB = 16 * 1024
# Never dropped for a bulk import: the unique origin index, and indexes whose keys an import
# adds in (nearly) increasing order — NULL then the row id, or a recent parent's id — so
# keeping them up to date costs little, while rebuilding each would read the whole table.
KEPT_INDEXES = frozenset({"comments_by_source", "comments_by_parent", "comments_by_fingerprint"})


class OpenedThread(NamedTuple):
    id: int
    version: int  # before the import
    created: bool


class RemapThread(NamedTuple):
    id: int
    key: str
    url: str | None
    version: int


# A comment as an import inserts it: `comment_row`'s values after (thread_id,
# changed_version) — plain tuples, built where the file is read (possibly another process)
# and handed to executemany as they are: millions of them.
CommentRow = tuple[Any, ...]
CommentParams = tuple[Any, ...]
_PARAM_NAMES = tuple(f"p{i}" for i in range(1, 22))
# Parameters: 1 thread_id, 2 changed_version (the thread's version once the import is
# finished), then comment_row's: 3 depth (-1: a reply not linked yet), 4 status,
# 5-7 author name, email, website, 8 author key, 9 body, 10 html, 11 created_at,
# 12 edited_at, 13 upvotes, 14 downvotes, 15 ip, 16 user agent, 17 source, 18 source id,
# 19 parent's source, 20 parent's source id, 21 the signed-in reader's account id.
_INSERT_COMMENT = """
INSERT INTO comments (thread_id, parent_id, depth, status, author_name, author_email,
    author_website, author_key, body, html, created_at, edited_at, upvotes, downvotes, ip,
    user_agent, source, source_id, parent_source, parent_source_id, changed_version,
    reader_id)
VALUES (:p1,
    (SELECT p.id FROM comments p WHERE p.thread_id = :p1 AND p.source = :p19
        AND p.source_id = :p20 AND p.depth >= 0),
    COALESCE((SELECT p.depth + 1 FROM comments p WHERE p.thread_id = :p1 AND p.source = :p19
        AND p.source_id = :p20 AND p.depth >= 0), :p3),
    :p4, :p5, :p6, :p7, :p8, :p9, :p10, :p11, :p12, :p13, :p14, :p15, :p16, :p17, :p18,
    :p19, :p20, :p2, :p21)
ON CONFLICT (thread_id, source, source_id) DO NOTHING
"""
# SQLite takes the row as it is: numbered parameters, no dict to build per row.
_INSERT_COMMENT_SQLITE = re.sub(r":p(\d+)", r"?\1", _INSERT_COMMENT)


def comment_row(comment: TransferComment, author_key: str | None) -> CommentRow:
    """The values `insert_transfer_comments` stores for an imported comment (parameters 3
    to 21), as given: the comment is already cleaned and rendered."""
    c, a = comment, comment.author
    return (
        -1 if c.parent_source_id is not None else 0,
        c.status.value,
        a.name,
        a.email,
        a.website,
        author_key,
        c.body,
        c.html,
        to_us(c.created_at),
        to_us(c.edited_at) if c.edited_at else None,
        c.upvotes,
        c.downvotes,
        c.ip,
        c.user_agent,
        c.source,
        c.source_id,
        c.parent_source,
        c.parent_source_id,
        c.reader_id,
    )


# Where comment_row puts a comment's status (the published ones count in their thread).
ROW_STATUS = 1


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


class TransferQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    def _many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run `sql` for each row; the number of rows it changed."""
        if not rows:
            return 0
        cursor = self._conn.cursor()
        cursor.executemany(self._dialect.rewrite(sql), rows)
        return max(int(cursor.rowcount), 0)

    # -- import ----------------------------------------------------------------------------

    def prepare_bulk_write(self) -> None:
        """Before a large import: on SQLite, a page cache big enough that index pages stay
        in memory (the default 2 MiB makes every insert a page swap once indexes outgrow it).
        """
        if self._dialect.name == "sqlite":
            self._exec(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")

    def suspend_comment_indexes(self) -> list[str]:
        """For a large import into SQLite: drop the comments' secondary indexes, to be built
        again by `restore_comment_indexes` before the import commits (one sort each instead
        of millions of inserts at random places in trees larger than the page cache). Kept:
        the unique origin index (it keeps imports idempotent and finds parents) and the
        indexes an import fills in order anyway (see KEPT_INDEXES). Both steps are part of
        the import's transaction; a failed import gets its indexes back on rollback.
        Returns the statements that rebuild what was dropped (none on PostgreSQL)."""
        if self._dialect.name != "sqlite":
            return []
        rows = self._all(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comments' "
            "AND sql IS NOT NULL ORDER BY name"
        )
        dropped = [r for r in rows if r["name"] not in KEPT_INDEXES]
        for r in dropped:
            self._exec(f'DROP INDEX "{r["name"]}"')
        return [str(r["sql"]) for r in dropped]

    def restore_comment_indexes(self, statements: Sequence[str]) -> None:
        """Build the dropped indexes again. The sorter takes as much memory as the page
        cache may, so the cache is shrunk first: the two share the memory instead of adding
        up (peak RSS stays where the import kept it)."""
        if not statements:
            return
        self._exec(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        for sql in statements:
            self._exec(sql)
        self._exec(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")

    def import_high_water(self) -> int:
        row = self._one("SELECT COALESCE(MAX(id), 0) AS n FROM comments")
        return int(row["n"])

    def import_thread_high_water(self) -> int:
        row = self._one("SELECT COALESCE(MAX(id), 0) AS n FROM threads")
        return int(row["n"])

    def delete_empty_imported_threads(self, floor: int) -> int:
        """Delete the threads an import created (above `floor`) that got no comment; returns
        how many. (The origin index leads with thread_id: no other index is needed.)"""
        return int(
            self._exec(
                "DELETE FROM threads WHERE id > :floor AND source IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.thread_id = threads.id)",
                {"floor": floor},
            ).rowcount
        )

    def import_thread(self, site_id: int, thread: TransferThread) -> OpenedThread:
        """The thread for an imported one: its id, its version and whether it was created now.

        Found by its origin, else by key (a thread that already exists — live or from
        another import — is adopted and, if it has no origin yet, given this one). An existing
        thread's row is updated first, so on PostgreSQL it stays locked (its version stable)
        until the import commits."""
        # Most threads of a large export are new: one statement creates them. It creates
        # nothing when a thread has the key or the origin already (found below).
        created = self._one(
            "INSERT INTO threads (site_id, key, title, url, closed, created_at, source, "
            "source_id) VALUES (:site_id, :key, :title, :url, :closed, :created_at, :source, "
            ":source_id) ON CONFLICT DO NOTHING RETURNING id, version",
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
        if created is not None:
            return OpenedThread(int(created["id"]), int(created["version"]), True)
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
        if row is None:  # the insert met a thread with this key or origin: found above
            raise RuntimeError(f"thread {thread.key!r} was neither created nor found")
        found = self._one(
            "UPDATE threads SET title = COALESCE(title, :title), url = COALESCE(url, :url) "
            "WHERE id = :id RETURNING version",
            {"id": row["id"], "title": thread.title, "url": thread.url},
        )
        return OpenedThread(int(row["id"]), int(found["version"]), False)

    def insert_transfer_comments(self, rows: Sequence[CommentParams]) -> int:
        """Insert comments, each a parameter row (`thread_id`, `changed_version`, then
        `comment_row`'s values); one already present (same thread and origin) is left as it
        is. Returns how many were inserted.

        A reply whose parent is already stored (parents usually come first in an export) is
        linked and given its depth here; the others keep depth -1 until
        `settle_imported_tree`. Each row is stamped with the version its thread will have
        once `finish_import` bumps it. (VALUES with scalar subqueries, not INSERT … SELECT:
        SQLite runs an INSERT that selects from its own table through a temporary table,
        which took half the time of each insert.)"""
        if not rows:
            return 0
        cursor = self._conn.cursor()
        if self._dialect.name == "sqlite":
            cursor.executemany(_INSERT_COMMENT_SQLITE, rows)
        else:
            cursor.executemany(
                self._dialect.rewrite(_INSERT_COMMENT),
                [dict(zip(_PARAM_NAMES, r, strict=True)) for r in rows],
            )
        return max(int(cursor.rowcount), 0)

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
        """Link the rows added above `floor` that are still waiting for their parent (depth
        -1: it came later in the file, or never) and give them their depths.

        Returns the replies whose parent is missing — (source, id, parent id), attached to
        the thread root — and the number of reply cycles broken (one reply per cycle is
        made top-level). Only the id range of the waiting rows is scanned again."""
        span = self._one(
            "SELECT MIN(id) AS lo, MAX(id) AS hi FROM comments "
            "WHERE id > :floor AND source IS NOT NULL AND depth = -1",
            {"floor": floor},
        )
        if span is None or span["lo"] is None:
            return [], 0
        waiting = "id BETWEEN :lo AND :hi AND source IS NOT NULL AND depth = -1"
        bounds = {"lo": span["lo"], "hi": span["hi"]}
        self._exec(
            f"""
            UPDATE comments SET parent_id = (
                SELECT p.id FROM comments p
                WHERE p.thread_id = comments.thread_id AND p.source = comments.parent_source
                  AND p.source_id = comments.parent_source_id AND p.id <> comments.id)
            WHERE {waiting} AND parent_id IS NULL
            """,
            bounds,
        )
        orphans = [
            (r["source"], r["source_id"], r["parent_source_id"])
            for r in self._all(
                f"SELECT source, source_id, parent_source_id FROM comments "
                f"WHERE {waiting} AND parent_id IS NULL ORDER BY id",
                bounds,
            )
        ]
        self._exec(f"UPDATE comments SET depth = 0 WHERE {waiting} AND parent_id IS NULL", bounds)
        cycles = 0
        while True:
            changed = self._exec(
                f"""
                UPDATE comments
                SET depth = (SELECT p.depth + 1 FROM comments p WHERE p.id = comments.parent_id)
                WHERE {waiting}
                  AND (SELECT p.depth FROM comments p WHERE p.id = comments.parent_id) >= 0
                """,
                bounds,
            ).rowcount
            if changed:
                continue
            stuck = self._one(f"SELECT MIN(id) AS id FROM comments WHERE {waiting}", bounds)
            if stuck is None or stuck["id"] is None:
                return orphans, cycles
            cycles += 1
            self._exec(
                "UPDATE comments SET parent_id = NULL, depth = 0 WHERE id = :id",
                {"id": stuck["id"]},
            )

    def finish_import(self, floor: int, counted: Mapping[int, list[int]] | None = None) -> int:
        """Bump the version of every thread the import added to (its new comments were
        stamped with that version on insert: live readers and page caches see the change)
        and add its newly published comments to its count; returns the number of comments
        added.

        `counted`: thread id → [added, published], when the import counted every row it
        inserted (each batch inserted whole); else one grouped pass over the new rows."""
        if counted is None:
            rows = self._all(
                "SELECT thread_id, COUNT(*) AS added, "
                "SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END) AS published "
                "FROM comments WHERE id > :floor AND source IS NOT NULL GROUP BY thread_id",
                {"floor": floor},
            )
            counted = {int(r["thread_id"]): [int(r["added"]), int(r["published"])] for r in rows}
            del rows
        added = sum(n for n, _ in counted.values())
        self._many(
            "UPDATE threads SET comment_count = comment_count + :published, "
            "version = version + 1 WHERE id = :id",
            [{"id": t, "published": p} for t, (n, p) in counted.items() if n],
        )
        return added

    # -- remapping stored threads (`threadline remap`) --------------------------------------

    def remap_candidates(self, site_id: int) -> list[RemapThread]:
        """Every thread of the site, by id: what remapping rules may rewrite."""
        return [
            RemapThread(int(r["id"]), r["key"], r["url"], int(r["version"]))
            for r in self._all(
                "SELECT id, key, url, version FROM threads WHERE site_id = :site_id ORDER BY id",
                {"site_id": site_id},
            )
        ]

    def shared_origin(self, from_id: int, into_id: int) -> tuple[str, str] | None:
        """An imported comment both threads hold (the same origin): merging them would make
        it twice one thread's."""
        row = self._one(
            "SELECT c.source, c.source_id FROM comments c WHERE c.thread_id = :from_id "
            "AND c.source IS NOT NULL AND EXISTS (SELECT 1 FROM comments d "
            "WHERE d.thread_id = :into_id AND d.source = c.source AND d.source_id = c.source_id) "
            "ORDER BY c.id LIMIT 1",
            {"from_id": from_id, "into_id": into_id},
        )
        return (row["source"], row["source_id"]) if row else None

    def merge_thread(self, from_id: int, into_id: int, url: str | None) -> int:
        """Move every comment of thread `from_id` into `into_id` and delete `from_id`. The
        thread kept keeps its own title, URL, state and dates, taking the other's where it
        has none (its import origin too, so re-importing the old export finds it); its
        version goes past both, stamped on the moved comments so live readers get them.
        Returns the number of comments moved."""
        gone = self._one(
            "SELECT title, url, source, source_id, version FROM threads WHERE id = :id",
            {"id": from_id},
        )
        kept = self._one("SELECT version FROM threads WHERE id = :id", {"id": into_id})
        version = max(int(gone["version"]), int(kept["version"])) + 1
        moved = self._exec(
            "UPDATE comments SET thread_id = :into_id, changed_version = :version "
            "WHERE thread_id = :from_id",
            {"from_id": from_id, "into_id": into_id, "version": version},
        ).rowcount
        self._exec("DELETE FROM threads WHERE id = :id", {"id": from_id})
        self._exec(
            """
            UPDATE threads SET
                title = COALESCE(title, :title), url = COALESCE(url, :url),
                source = COALESCE(source, :source),
                source_id = CASE WHEN source IS NULL THEN :source_id ELSE source_id END,
                comment_count = (SELECT COUNT(*) FROM comments c
                                 WHERE c.thread_id = threads.id AND c.status = 'published'),
                version = :version
            WHERE id = :id
            """,
            {
                "id": into_id,
                "title": gone["title"],
                "url": url,
                "source": gone["source"],
                "source_id": gone["source_id"],
                "version": version,
            },
        )
        return int(moved)

    def rewrite_threads(self, changes: Sequence[tuple[int, str, str | None]]) -> None:
        """Give threads (id, key, url) their new key and URL, bumping their versions. Keys
        move in two steps — each first to a placeholder no normalized key can be (it starts
        with a space) — so swapped or chained keys never meet in the unique index."""
        self._many(
            "UPDATE threads SET key = :key WHERE id = :id",
            [{"id": thread_id, "key": f" remap {thread_id}"} for thread_id, _, _ in changes],
        )
        self._many(
            "UPDATE threads SET key = :key, url = :url, version = version + 1 WHERE id = :id",
            [{"id": thread_id, "key": key, "url": url} for thread_id, key, url in changes],
        )

    # -- export ----------------------------------------------------------------------------

    def count_export_threads(self, site_id: int, key: str | None = None) -> int:
        sql = "SELECT COUNT(*) AS n FROM threads WHERE site_id = :site_id"
        params: dict[str, Any] = {"site_id": site_id}
        if key is not None:
            sql += " AND key = :key"
            params["key"] = key
        return int(self._one(sql, params)["n"])

    def export_threads(
        self, site_id: int, key: str | None = None, *, after: str | None = None, limit: int = 500
    ) -> list[TransferThread]:
        """A page of a site's threads (or the one with `key`) in code-point order of their
        keys — the same on both backends — starting after the key `after`."""
        collate = ' COLLATE "C"' if self._dialect.name == "postgres" else ""  # SQLite: binary
        sql = "SELECT * FROM threads WHERE site_id = :site_id"
        params: dict[str, Any] = {"site_id": site_id, "limit": limit}
        if key is not None:
            sql += " AND key = :key"
            params["key"] = key
        if after is not None:
            sql += f" AND key{collate} > :after"
            params["after"] = after
        sql += f" ORDER BY key{collate} LIMIT :limit"
        return [_transfer_thread(r) for r in self._all(sql, params)]

    def export_comments(self, site_id: int, key: str) -> list[TransferComment]:
        """A thread's comments, oldest first; a comment born here has source None and its
        local id as source_id (its parent likewise)."""
        rows = self._all(
            """
            SELECT c.id, c.status, c.author_name, c.author_email, c.author_website, c.body,
                c.html, c.created_at, c.edited_at, c.upvotes, c.downvotes, c.ip, c.user_agent,
                c.source, c.source_id, c.reader_id, p.id AS p_id, p.source AS p_source,
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
                    reader_id=r["reader_id"],
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
