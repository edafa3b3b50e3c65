"""The queries, written once for both backends.

SQL here uses `:name` parameters; a backend's Dialect rewrites them for its driver. A
Gateway wraps one connection: a reader's, or the writer's inside a group-commit transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from threadline.domain.errors import AlreadyExists
from threadline.domain.models import (
    Author,
    Comment,
    CommentStatus,
    NewComment,
    Site,
    SiteSettings,
    Thread,
)
from threadline.domain.tree import CommentShape
from threadline.storage.account_queries import AccountQueries
from threadline.storage.alert_queries import AlertQueries
from threadline.storage.moderation_queries import ModerationQueries
from threadline.storage.notification_queries import NotificationQueries
from threadline.storage.privacy_queries import PrivacyQueries
from threadline.storage.reader_queries import ReaderQueries
from threadline.storage.site_rules_queries import SiteRulesQueries, word_lists_from_json
from threadline.storage.times import EPOCH, from_us, to_us
from threadline.storage.transfer_queries import TransferQueries
from threadline.storage.webhook_delivery_queries import WebhookDeliveryQueries
from threadline.storage.webhook_queries import WebhookQueries

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Row(Protocol):
    def __getitem__(self, key: str) -> Any: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ...) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    name: str
    integrity_error: type[Exception]
    rewrite: Callable[[str], str]
    # Appended to a SELECT that must lock its rows until the transaction ends. SQLite needs
    # none: its writer holds the database's write lock (BEGIN IMMEDIATE) for the whole batch.
    for_update: str = ""
    # The same for a row that must only not change: others may hold it too.
    for_share: str = ""


def named_to_pyformat(sql: str) -> str:
    """`:name` → `%(name)s`, for psycopg."""
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def _settings_from_json(text: str) -> SiteSettings:
    known = {f.name for f in fields(SiteSettings)}
    data = {k: v for k, v in json.loads(text or "{}").items() if k in known}
    return SiteSettings(**data)


def site_from_row(row: Row) -> Site:
    # Every post and page reads its site; decoding the settings and word lists costs more
    # than reading the row, and the row rarely changes. Sites already built are found by
    # their whole row, so any change (from any process) is a new key: nothing goes stale.
    values = tuple(row[k] for k in _SITE_COLUMNS)
    site = _SITES_BUILT.get(values)
    if site is None:
        if len(_SITES_BUILT) >= _SITES_KEPT:
            _SITES_BUILT.clear()
        site = _SITES_BUILT[values] = Site(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            origins=tuple(json.loads(row["origins"])),
            settings=_settings_from_json(row["settings"]),
            word_lists=word_lists_from_json(row["word_lists"]),
            created_at=from_us(row["created_at"]),  # type: ignore[arg-type]
            webhook_events=frozenset(json.loads(row["webhook_events"])),
            reader_secret=row["reader_secret"],
        )
    return site


_SITE_COLUMNS = (
    "id",
    "slug",
    "name",
    "origins",
    "settings",
    "word_lists",
    "created_at",
    "webhook_events",
    "reader_secret",
)
_SITES_KEPT = 512
_SITES_BUILT: dict[tuple[Any, ...], Site] = {}


def _thread(row: Row) -> Thread:
    return Thread(
        id=row["id"],
        site_id=row["site_id"],
        key=row["key"],
        title=row["title"],
        url=row["url"],
        closed=bool(row["closed"]),
        comment_count=row["comment_count"],
        version=row["version"],
        created_at=from_us(row["created_at"]),  # type: ignore[arg-type]
    )


COMMENT_COLUMNS = (
    "id, thread_id, parent_id, depth, status, author_name, author_email, author_website, "
    "body, html, created_at, edited_at, upvotes, downvotes, featured, author_user_id, "
    "changed_version, notify_replies, reader_id"
)


def comment_cols(alias: str) -> str:
    """COMMENT_COLUMNS of the table aliased `alias` in a join ("c.id, c.thread_id, …")."""
    return ", ".join(f"{alias}.{col}" for col in COMMENT_COLUMNS.split(", "))


_STATUS = {s.value: s for s in CommentStatus}  # a dict lookup is much cheaper than Enum(...)

DISPLAY_COLUMNS = (
    "id, thread_id, parent_id, depth, status, author_name, author_website, html, created_at, "
    "edited_at, upvotes, downvotes, featured, author_user_id, changed_version, reader_id"
)


def _display_comment(row: Row) -> Comment:
    """A comment as readers see it: no Markdown source, no email (a thread page's hot path)."""
    return Comment(
        row["id"],
        row["thread_id"],
        row["parent_id"],
        row["depth"],
        _STATUS[row["status"]],
        Author(row["author_name"], None, row["author_website"]),
        "",
        row["html"],
        EPOCH + timedelta(microseconds=row["created_at"]),
        from_us(row["edited_at"]),
        row["upvotes"],
        row["downvotes"],
        featured=bool(row["featured"]),
        staff=row["author_user_id"] is not None,
        version=row["changed_version"],
        reader_id=row["reader_id"],
    )


def comment_from_row(row: Row) -> Comment:
    return Comment(
        id=row["id"],
        thread_id=row["thread_id"],
        parent_id=row["parent_id"],
        depth=row["depth"],
        status=_STATUS[row["status"]],
        author=Author(row["author_name"], row["author_email"], row["author_website"]),
        body=row["body"],
        html=row["html"],
        created_at=from_us(row["created_at"]),  # type: ignore[arg-type]
        edited_at=from_us(row["edited_at"]),
        upvotes=row["upvotes"],
        downvotes=row["downvotes"],
        featured=bool(row["featured"]),
        staff=row["author_user_id"] is not None,
        version=row["changed_version"],
        notify_replies=bool(row["notify_replies"]),
        reader_id=row["reader_id"],
    )


@dataclass(frozen=True, slots=True)
class CommentChange:
    """A comment as it is now, and the thread version of its last change."""

    version: int
    comment: Comment
    # Its status was set after it was written (a moderator, readers' flags or an edit that
    # held it): a pending comment with this set was taken off the page.
    status_changed: bool = False


def in_chunks(
    values: Sequence[str | int], size: int = 200
) -> Iterator[tuple[str, dict[str, str | int]]]:
    """`IN (…)` lists of at most `size` named parameters — within every driver's limits.

    Yields the placeholder list (":k0, :k1, …") and the parameters it names.
    """
    for start in range(0, len(values), size):
        names: dict[str, str | int] = {
            f"k{i}": value for i, value in enumerate(values[start : start + size])
        }
        yield ", ".join(f":{n}" for n in names), names


class Gateway(
    AccountQueries,
    ModerationQueries,
    ReaderQueries,
    PrivacyQueries,
    SiteRulesQueries,
    TransferQueries,
    NotificationQueries,
    WebhookQueries,
    WebhookDeliveryQueries,
    AlertQueries,
):
    """Typed queries over one connection. Writes are only called inside a write job.

    Queries about accounts and moderation live in their mixins (account_queries.py,
    moderation_queries.py), on the same connection."""

    _dialect: Dialect

    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect
        self._sql: dict[str, str] = {}

    def _integrity_error(self) -> type[Exception]:
        return self._dialect.integrity_error

    def _exec(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = self._dialect.rewrite(sql)
        return self._conn.execute(text, params or {})

    def _one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row | None:
        row: Row | None = self._exec(sql, params).fetchone()
        return row

    def _all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        rows: list[Row] = self._exec(sql, params).fetchall()
        return rows

    # -- reads ---------------------------------------------------------------------------

    def ping(self) -> bool:
        row = self._one("SELECT 1 AS ok")
        return row is not None and row["ok"] == 1

    def get_site(self, slug: str) -> Site | None:
        row = self._one("SELECT * FROM sites WHERE slug = :slug", {"slug": slug})
        return site_from_row(row) if row else None

    def get_site_by_id(self, site_id: int) -> Site | None:
        row = self._one("SELECT * FROM sites WHERE id = :id", {"id": site_id})
        return site_from_row(row) if row else None

    def list_sites(self) -> list[Site]:
        return [site_from_row(r) for r in self._all("SELECT * FROM sites ORDER BY slug")]

    def get_thread(self, site_id: int, key: str) -> Thread | None:
        row = self._one(
            "SELECT * FROM threads WHERE site_id = :site_id AND key = :key",
            {"site_id": site_id, "key": key},
        )
        return _thread(row) if row else None

    def get_thread_by_id(self, thread_id: int) -> Thread | None:
        row = self._one("SELECT * FROM threads WHERE id = :id", {"id": thread_id})
        return _thread(row) if row else None

    def thread_version(self, site_id: int, key: str) -> int | None:
        row = self._one(
            "SELECT version FROM threads WHERE site_id = :site_id AND key = :key",
            {"site_id": site_id, "key": key},
        )
        return int(row["version"]) if row else None

    def thread_comments(self, thread_id: int) -> list[Comment]:
        """Every comment of a thread, whatever its status: the tree logic decides what shows."""
        rows = self._all(
            f"SELECT {COMMENT_COLUMNS} FROM comments WHERE thread_id = :thread_id",
            {"thread_id": thread_id},
        )
        return [comment_from_row(r) for r in rows]

    def thread_display_comments(self, thread_id: int) -> list[Comment]:
        """Every comment of a thread as readers see it (body and email left out: unused)."""
        rows = self._all(
            f"SELECT {DISPLAY_COLUMNS} FROM comments WHERE thread_id = :thread_id",
            {"thread_id": thread_id},
        )
        return [_display_comment(r) for r in rows]

    def thread_comment_shapes(self, thread_id: int) -> list[CommentShape]:
        """Every comment of a thread without its text: what ordering a page needs, and the
        version that says whether a rendering made earlier is still current."""
        rows = self._all(
            "SELECT id, parent_id, status, created_at, upvotes, downvotes, changed_version "
            "FROM comments WHERE thread_id = :thread_id",
            {"thread_id": thread_id},
        )
        status = _STATUS
        return [
            CommentShape(
                r["id"],
                r["parent_id"],
                status[r["status"]],
                r["created_at"],
                r["upvotes"],
                r["downvotes"],
                r["changed_version"],
            )
            for r in rows
        ]

    def display_comments(self, ids: Sequence[int]) -> list[Comment]:
        """These comments as readers see them (body and email left out), in no set order."""
        found: list[Comment] = []
        for marks, names in in_chunks(ids, 500):
            rows = self._all(f"SELECT {DISPLAY_COLUMNS} FROM comments WHERE id IN ({marks})", names)
            found.extend(_display_comment(r) for r in rows)
        return found

    def get_comment(self, comment_id: int) -> Comment | None:
        row = self._one(
            f"SELECT {COMMENT_COLUMNS} FROM comments WHERE id = :id", {"id": comment_id}
        )
        return comment_from_row(row) if row else None

    def lock_comment(self, comment_id: int) -> Comment | None:
        """The comment's current state, locked until this write transaction ends.

        Write jobs that decide from a comment's state (is it still published? what was this
        voter's vote?) read it through here: another instance's writer changing the same
        comment waits, then sees the committed result, instead of both acting on a stale read.
        """
        return self._comment_locked(comment_id, self._dialect.for_update)

    def keep_comment(self, comment_id: int) -> Comment | None:
        """The comment's current state, kept from changing until this write transaction ends;
        other writers may keep it too. Replies read their parent through here: two replies to
        one comment never wait for each other (on PostgreSQL, where two instances' batches
        that each held one parent and wanted the other's deadlocked), while a moderator
        rejecting or an author deleting it waits, and then the reply sees the change."""
        return self._comment_locked(comment_id, self._dialect.for_share)

    def _comment_locked(self, comment_id: int, lock: str) -> Comment | None:
        row = self._one(
            f"SELECT {COMMENT_COLUMNS} FROM comments WHERE id = :id{lock}", {"id": comment_id}
        )
        return comment_from_row(row) if row else None

    def edit_token_hash(self, comment_id: int) -> str | None:
        row = self._one("SELECT edit_token_hash FROM comments WHERE id = :id", {"id": comment_id})
        return row["edit_token_hash"] if row else None

    def ancestors(self, comment_id: int) -> list[Comment]:
        """Parent, grandparent … of a comment, top-level first."""
        rows = self._all(
            f"""
            WITH RECURSIVE chain(id, parent_id, n) AS (
                SELECT id, parent_id, 0 FROM comments WHERE id = :id
                UNION ALL
                SELECT c.id, c.parent_id, chain.n + 1
                FROM comments c JOIN chain ON c.id = chain.parent_id
            )
            SELECT {comment_cols("c")}, chain.n AS n
            FROM chain JOIN comments c ON c.id = chain.id
            WHERE chain.n > 0 ORDER BY chain.n DESC
            """,
            {"id": comment_id},
        )
        return [comment_from_row(r) for r in rows]

    def comment_counts(self, site_id: int, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        counts = dict.fromkeys(wanted, 0)
        for marks, names in in_chunks(wanted):
            rows = self._all(
                f"SELECT key, comment_count FROM threads WHERE site_id = :site_id "
                f"AND key IN ({marks})",
                {"site_id": site_id, **names},
            )
            for r in rows:
                counts[r["key"]] = int(r["comment_count"])
        return counts

    def changes_since(
        self, site_slug: str, key: str, after: int | None
    ) -> tuple[int, list[CommentChange]]:
        """The thread's version and, in the same snapshot, every comment whose last change
        came after version `after` (oldest change first); `after=None`: the version only.

        reply_count is the number of published direct replies. A thread not created yet has
        version 0 and no changes.
        """
        if after is None:
            row = self._one(
                "SELECT t.version AS version FROM threads t JOIN sites s ON s.id = t.site_id "
                "WHERE s.slug = :slug AND t.key = :key",
                {"slug": site_slug, "key": key},
            )
            return (int(row["version"]) if row else 0), []
        rows = self._all(
            f"""
            SELECT t.version AS thread_version, {comment_cols("c")}, c.moderated_at AS moderated_at,
                (SELECT COUNT(*) FROM comments r
                 WHERE r.parent_id = c.id AND r.status = 'published') AS reply_count
            FROM threads t
            JOIN sites s ON s.id = t.site_id
            LEFT JOIN comments c ON c.thread_id = t.id AND c.changed_version > :after
            WHERE s.slug = :slug AND t.key = :key
            ORDER BY c.changed_version
            """,
            {"slug": site_slug, "key": key, "after": after},
        )
        if not rows:
            return 0, []
        changes = [
            CommentChange(
                int(r["changed_version"]),
                replace(comment_from_row(r), reply_count=int(r["reply_count"])),
                r["moderated_at"] is not None,
            )
            for r in rows
            if r["id"] is not None
        ]
        return int(rows[0]["thread_version"]), changes

    def thread_versions(self, site_slug: str, keys: Iterable[str]) -> dict[str, int]:
        """The current version of each existing thread among `keys` of one site."""
        found: dict[str, int] = {}
        for marks, names in in_chunks(list(dict.fromkeys(keys))):
            rows = self._all(
                f"SELECT t.key AS key, t.version AS version FROM threads t "
                f"JOIN sites s ON s.id = t.site_id WHERE s.slug = :slug AND t.key IN ({marks})",
                {"slug": site_slug, **names},
            )
            for r in rows:
                found[r["key"]] = int(r["version"])
        return found

    def server_value(self, name: str) -> str | None:
        row = self._one("SELECT value FROM server_values WHERE name = :name", {"name": name})
        return row["value"] if row else None

    # -- writes --------------------------------------------------------------------------

    def insert_site(
        self, slug: str, name: str, origins: Sequence[str], settings: SiteSettings, now: datetime
    ) -> Site:
        try:
            row = self._one(
                "INSERT INTO sites (slug, name, origins, settings, created_at) "
                "VALUES (:slug, :name, :origins, :settings, :now) RETURNING *",
                {
                    "slug": slug,
                    "name": name,
                    "origins": json.dumps(list(origins)),
                    "settings": json.dumps(asdict(settings)),
                    "now": to_us(now),
                },
            )
        except self._dialect.integrity_error as exc:
            raise AlreadyExists(f"A site with the slug {slug!r} already exists.") from exc
        assert row is not None
        return site_from_row(row)

    def update_site(
        self, site_id: int, name: str, origins: Sequence[str], settings: SiteSettings
    ) -> Site:
        row = self._one(
            "UPDATE sites SET name = :name, origins = :origins, settings = :settings "
            "WHERE id = :id RETURNING *",
            {
                "id": site_id,
                "name": name,
                "origins": json.dumps(list(origins)),
                "settings": json.dumps(asdict(settings)),
            },
        )
        assert row is not None
        return site_from_row(row)

    def upsert_thread(
        self, site_id: int, key: str, title: str | None, url: str | None, now: datetime
    ) -> Thread:
        """The thread for (site, key), created on first use; a missing title/url is filled in."""
        row = self._one(
            """
            INSERT INTO threads (site_id, key, title, url, created_at)
            VALUES (:site_id, :key, :title, :url, :now)
            ON CONFLICT (site_id, key) DO UPDATE
               SET title = COALESCE(threads.title, excluded.title),
                   url = COALESCE(threads.url, excluded.url)
            RETURNING *
            """,
            {"site_id": site_id, "key": key, "title": title, "url": url, "now": to_us(now)},
        )
        assert row is not None
        return _thread(row)

    def open_thread_for_comment(
        self,
        site_id: int,
        key: str,
        title: str | None,
        url: str | None,
        now: datetime,
        published_delta: int,
    ) -> Thread:
        """`upsert_thread` and `bump_version` in one statement, for a comment about to be
        inserted: the thread (created on first use) at its next version, its count moved by
        `published_delta`. The new comment carries that version itself (NewComment.version)."""
        row = self._one(
            """
            INSERT INTO threads (site_id, key, title, url, created_at, version, comment_count)
            VALUES (:site_id, :key, :title, :url, :now, 1, :delta)
            ON CONFLICT (site_id, key) DO UPDATE
               SET title = COALESCE(threads.title, excluded.title),
                   url = COALESCE(threads.url, excluded.url),
                   version = threads.version + 1,
                   comment_count = threads.comment_count + excluded.comment_count
            RETURNING *
            """,
            {
                "site_id": site_id,
                "key": key,
                "title": title,
                "url": url,
                "now": to_us(now),
                "delta": published_delta,
            },
        )
        assert row is not None
        return _thread(row)

    def set_thread_closed(self, thread_id: int, closed: bool) -> int:
        self._exec(
            "UPDATE threads SET closed = :closed WHERE id = :id",
            {"closed": int(closed), "id": thread_id},
        )
        return self.bump_version(thread_id)

    def bump_version(
        self, thread_id: int, published_delta: int = 0, comment_id: int | None = None
    ) -> int:
        """The thread's next version; `comment_id` names the comment this change touched
        (its changed_version is set, so live-update replay finds it)."""
        row = self._one(
            "UPDATE threads SET version = version + 1, comment_count = comment_count + :delta "
            "WHERE id = :id RETURNING version",
            {"id": thread_id, "delta": published_delta},
        )
        assert row is not None
        version = int(row["version"])
        if comment_id is not None:
            self._exec(
                "UPDATE comments SET changed_version = :version WHERE id = :id",
                {"version": version, "id": comment_id},
            )
        return version

    def insert_comment(self, new: NewComment) -> Comment:
        row = self._one(
            f"""
            INSERT INTO comments (thread_id, parent_id, depth, status, author_name, author_email,
                author_website, body, html, created_at, edit_token_hash, ip, user_agent,
                changed_version, author_key, fingerprint, moderation_decision,
                moderation_reasons, moderation_signals, reader_id)
            VALUES (:thread_id, :parent_id, :depth, :status, :name, :email, :website, :body,
                :html, :created_at, :token, :ip, :ua, :version, :author_key, :fingerprint,
                :decision, :reasons, :signals, :reader_id)
            RETURNING {COMMENT_COLUMNS}
            """,
            {
                "thread_id": new.thread_id,
                "parent_id": new.parent_id,
                "depth": new.depth,
                "status": new.status.value,
                "name": new.author.name,
                "email": new.author.email,
                "website": new.author.website,
                "body": new.body,
                "html": new.html,
                "created_at": to_us(new.created_at),
                "token": new.edit_token_hash,
                "ip": new.ip,
                "ua": new.user_agent,
                "version": new.version,
                "author_key": new.author_key,
                "fingerprint": new.fingerprint,
                "decision": new.decision,
                "reasons": json.dumps(list(new.reasons)),
                "signals": json.dumps(list(new.signals)),
                "reader_id": new.reader_id,
            },
        )
        assert row is not None
        return comment_from_row(row)

    def update_comment_body(self, comment_id: int, body: str, html: str, now: datetime) -> Comment:
        row = self._one(
            f"UPDATE comments SET body = :body, html = :html, edited_at = :now WHERE id = :id "
            f"RETURNING {COMMENT_COLUMNS}",
            {"id": comment_id, "body": body, "html": html, "now": to_us(now)},
        )
        assert row is not None
        return comment_from_row(row)

    def mark_deleted(self, comment_id: int, now: datetime) -> Comment:
        """Status deleted and the personal content gone; the row stays for the tree's shape."""
        row = self._one(
            f"""
            UPDATE comments SET status = 'deleted', author_name = '', author_email = NULL,
                author_website = NULL, body = '', html = '', edited_at = :now,
                edit_token_hash = NULL, ip = NULL, user_agent = NULL, reader_id = NULL
            WHERE id = :id RETURNING {COMMENT_COLUMNS}
            """,
            {"id": comment_id, "now": to_us(now)},
        )
        assert row is not None
        return comment_from_row(row)

    def count_visible_replies(self, comment_id: int) -> int:
        """Direct replies a thread page shows: published ones, and removed ones kept as
        placeholders because a published comment hangs below them (as domain/tree.py)."""
        row = self._one(
            """
            WITH RECURSIVE below(reply, id) AS (
                SELECT id, id FROM comments WHERE parent_id = :id
                UNION ALL
                SELECT below.reply, c.id FROM comments c JOIN below ON c.parent_id = below.id
            )
            SELECT COUNT(DISTINCT below.reply) AS n
            FROM below JOIN comments c ON c.id = below.id
            WHERE c.status = 'published'
            """,
            {"id": comment_id},
        )
        return int(row["n"]) if row else 0

    def set_vote(self, comment_id: int, voter: str, value: int, now: datetime) -> Comment:
        """Record a voter's current vote and keep the comment's tallies in step with it."""
        # Lock first: a concurrent vote by the same voter (through another instance) then
        # commits before the old value below is read, so no change is counted twice.
        self.lock_comment(comment_id)
        old_row = self._one(
            "SELECT value FROM votes WHERE comment_id = :cid AND voter = :voter",
            {"cid": comment_id, "voter": voter},
        )
        old = int(old_row["value"]) if old_row else 0
        self._exec(
            """
            INSERT INTO votes (comment_id, voter, value, updated_at)
            VALUES (:cid, :voter, :value, :now)
            ON CONFLICT (comment_id, voter) DO UPDATE
               SET value = excluded.value, updated_at = excluded.updated_at
            """,
            {"cid": comment_id, "voter": voter, "value": value, "now": to_us(now)},
        )
        up = (value == 1) - (old == 1)
        down = (value == -1) - (old == -1)
        row = self._one(
            f"UPDATE comments SET upvotes = upvotes + :up, downvotes = downvotes + :down "
            f"WHERE id = :id RETURNING {COMMENT_COLUMNS}",
            {"id": comment_id, "up": up, "down": down},
        )
        assert row is not None
        return comment_from_row(row)

    def ensure_server_value(self, name: str, candidate: str) -> str:
        """The stored value, or `candidate` stored now; concurrent instances agree on one."""
        self._exec(
            "INSERT INTO server_values (name, value) VALUES (:name, :value) "
            "ON CONFLICT (name) DO NOTHING",
            {"name": name, "value": candidate},
        )
        value = self.server_value(name)
        assert value is not None
        return value
