"""Queries of the moderation pipeline and desk: findings on comments, author history, reader
flags, bans, moderators' decisions, queues and the audit log.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from threadline.domain.models import Comment, CommentStatus
from threadline.domain.moderation import (
    AuditEntry,
    AuthorHistory,
    Ban,
    FlagReason,
    ModerationInfo,
    Queue,
)
from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us

MODERATION_COLUMNS = (
    "author_key, moderation_decision, moderation_reasons, moderation_signals, flag_count, "
    "reviewed_flag_count, featured"
)


def _info(row: Any) -> ModerationInfo:
    return ModerationInfo(
        decision=row["moderation_decision"],
        reasons=tuple(json.loads(row["moderation_reasons"] or "[]")),
        signals=tuple(json.loads(row["moderation_signals"] or "[]")),
        flag_count=int(row["flag_count"]),
        reviewed_flag_count=int(row["reviewed_flag_count"]),
        featured=bool(row["featured"]),
        author_key=row["author_key"],
    )


def ban_from_row(row: Any) -> Ban:
    created = from_us(row["created_at"])
    assert created is not None
    return Ban(
        row["id"],
        row["site_id"],
        row["author_key"],
        row["reason"],
        created,
        from_us(row["ends_at"]),
        from_us(row["lifted_at"]),
    )


def _audit(row: Any) -> AuditEntry:
    at = from_us(row["at_us"])
    assert at is not None
    return AuditEntry(
        id=row["id"],
        at=at,
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        site_id=row["site_id"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        before=json.loads(row["before_state"]),
        after=json.loads(row["after_state"]),
        reason=row["reason"],
    )


def _comment_row(row: Any) -> Comment:
    from threadline.storage.gateway import comment_from_row  # Gateway imports this module

    return comment_from_row(row)


def _comment_columns(alias: str) -> str:
    from threadline.storage.gateway import comment_cols

    return comment_cols(alias)


def _site_filter(site_ids: Sequence[int] | None, column: str) -> tuple[str, dict[str, int]]:
    """`AND column IN (...)` for a moderator's sites; None: every site (admins)."""
    if site_ids is None:
        return "", {}
    if not site_ids:
        return " AND 1 = 0", {}
    names = {f"site{i}": site_id for i, site_id in enumerate(site_ids)}
    return f" AND {column} IN ({', '.join(':' + n for n in names)})", names


class ModerationQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    # -- the pipeline's findings ---------------------------------------------------------

    def set_comment_moderation(
        self,
        comment_id: int,
        *,
        author_key: str | None,
        fingerprint: str | None,
        decision: str | None,
        reasons: Sequence[str],
        signals: Sequence[Mapping[str, Any]],
    ) -> None:
        self._exec(
            "UPDATE comments SET author_key = :key, fingerprint = :fp, "
            "moderation_decision = :decision, moderation_reasons = :reasons, "
            "moderation_signals = :signals WHERE id = :id",
            {
                "id": comment_id,
                "key": author_key,
                "fp": fingerprint,
                "decision": decision,
                "reasons": json.dumps(list(reasons)),
                "signals": json.dumps(list(signals)),
            },
        )

    def comment_moderation(self, comment_id: int) -> ModerationInfo | None:
        row = self._one(
            f"SELECT {MODERATION_COLUMNS} FROM comments WHERE id = :id", {"id": comment_id}
        )
        return _info(row) if row else None

    def author_history(self, site_id: int, author_key: str) -> AuthorHistory:
        row = self._one(
            """
            SELECT
                SUM(CASE WHEN c.status = 'published' THEN 1 ELSE 0 END) AS approved,
                SUM(CASE WHEN c.status = 'rejected' THEN 1 ELSE 0 END) AS rejected,
                SUM(CASE WHEN c.status = 'pending' THEN 1 ELSE 0 END) AS pending,
                MIN(c.created_at) AS first_seen
            FROM comments c JOIN threads t ON t.id = c.thread_id
            WHERE c.author_key = :key AND t.site_id = :site
            """,
            {"key": author_key, "site": site_id},
        )
        if row is None or row["first_seen"] is None:
            return AuthorHistory()
        return AuthorHistory(
            int(row["approved"] or 0),
            int(row["rejected"] or 0),
            int(row["pending"] or 0),
            from_us(row["first_seen"]),
        )

    def approved_comments(self, site_id: int, author_key: str, at_most: int) -> int:
        """How many of the author's comments on the site are published, counted up to
        `at_most`: a new comment's checks need no more, and a prolific author's thousands
        are not walked on every post."""
        row = self._one(
            """
            SELECT COUNT(*) AS n FROM (
                SELECT 1 FROM comments c JOIN threads t ON t.id = c.thread_id
                WHERE c.author_key = :key AND c.status = 'published' AND t.site_id = :site
                LIMIT :at_most
            ) AS found
            """,
            {"key": author_key, "site": site_id, "at_most": max(0, at_most)},
        )
        return int(row["n"]) if row else 0

    def recent_comments(self, author_key: str, ip: str | None, since: datetime) -> int:
        """Posting velocity: comments since a moment by this author, or from this address,
        whichever is more (two indexed counts)."""
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM comments WHERE author_key = :key "
            "AND created_at >= :since) AS by_author, "
            "(SELECT COUNT(*) FROM comments WHERE ip = :ip AND created_at >= :since) AS by_ip",
            {"since": to_us(since), "key": author_key, "ip": ip or ""},
        )
        return max(int(row["by_author"]), int(row["by_ip"])) if row else 0

    def fingerprint_count(self, fingerprint: str, exclude_id: int | None = None) -> int:
        row = self._one(
            "SELECT COUNT(*) AS n FROM comments WHERE fingerprint = :fp AND id <> :id",
            {"fp": fingerprint, "id": exclude_id or 0},
        )
        return int(row["n"]) if row else 0

    # -- reader flags --------------------------------------------------------------------

    def insert_flag(
        self, comment_id: int, reader: str, reason: FlagReason, note: str | None, now: datetime
    ) -> int | None:
        """Record a reader's flag; the comment's flag count after it, or None when this reader
        had already flagged the comment (nothing changes)."""
        inserted = self._all(
            "INSERT INTO flags (comment_id, reader, reason, note, created_at) "
            "VALUES (:cid, :reader, :reason, :note, :now) "
            "ON CONFLICT (comment_id, reader) DO NOTHING RETURNING id",
            {
                "cid": comment_id,
                "reader": reader,
                "reason": reason.value,
                "note": note,
                "now": to_us(now),
            },
        )
        if not inserted:
            return None
        row = self._one(
            "UPDATE comments SET flag_count = flag_count + 1 WHERE id = :id RETURNING flag_count",
            {"id": comment_id},
        )
        return int(row["flag_count"])

    def flag_reasons(self, comment_id: int) -> dict[str, int]:
        rows = self._all(
            "SELECT reason, COUNT(*) AS n FROM flags WHERE comment_id = :id GROUP BY reason",
            {"id": comment_id},
        )
        return {r["reason"]: int(r["n"]) for r in rows}

    def mark_flags_reviewed(self, comment_id: int) -> None:
        self._exec(
            "UPDATE comments SET reviewed_flag_count = flag_count WHERE id = :id",
            {"id": comment_id},
        )

    # -- moderators' decisions -----------------------------------------------------------

    def set_comment_status(
        self, comment_id: int, status: CommentStatus, by: int | None, now: datetime
    ) -> Comment:
        from threadline.storage.gateway import COMMENT_COLUMNS

        row = self._one(
            f"UPDATE comments SET status = :status, moderated_by = :by, moderated_at = :now, "
            f"reviewed_flag_count = flag_count WHERE id = :id RETURNING {COMMENT_COLUMNS}",
            {"id": comment_id, "status": status.value, "by": by, "now": to_us(now)},
        )
        assert row is not None
        return _comment_row(row)

    def set_featured(self, comment_id: int, featured: bool) -> None:
        self._exec(
            "UPDATE comments SET featured = :on WHERE id = :id",
            {"id": comment_id, "on": int(featured)},
        )

    def set_thread_premoderated(self, thread_id: int, on: bool) -> None:
        self._exec(
            "UPDATE threads SET premoderated = :on WHERE id = :id",
            {"id": thread_id, "on": int(on)},
        )

    def thread_premoderated(self, thread_id: int) -> bool:
        row = self._one("SELECT premoderated FROM threads WHERE id = :id", {"id": thread_id})
        return bool(row["premoderated"]) if row else False

    def thread_premoderated_by_key(self, site_id: int, key: str) -> bool:
        """As thread_premoderated, for a thread named by key (False: not started yet)."""
        row = self._one(
            "SELECT premoderated FROM threads WHERE site_id = :site AND key = :key",
            {"site": site_id, "key": key},
        )
        return bool(row["premoderated"]) if row else False

    def author_comments(
        self, site_id: int, author_key: str, statuses: Sequence[CommentStatus]
    ) -> list[Comment]:
        names = {f"s{i}": s.value for i, s in enumerate(statuses)}
        rows = self._all(
            f"SELECT {_comment_columns('c')} FROM comments c JOIN threads t "
            f"ON t.id = c.thread_id WHERE t.site_id = :site AND c.author_key = :key "
            f"AND c.status IN ({', '.join(':' + n for n in names)}) ORDER BY c.id",
            {"site": site_id, "key": author_key, **names},
        )
        return [_comment_row(r) for r in rows]

    # -- bans ----------------------------------------------------------------------------

    def active_ban(self, site_id: int, author_key: str, now: datetime) -> Ban | None:
        row = self._one(
            "SELECT * FROM bans WHERE site_id = :site AND author_key = :key "
            "AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > :now) "
            "ORDER BY id DESC LIMIT 1",
            {"site": site_id, "key": author_key, "now": to_us(now)},
        )
        return ban_from_row(row) if row else None

    def insert_ban(
        self,
        site_id: int,
        author_key: str,
        reason: str,
        by: int | None,
        now: datetime,
        ends_at: datetime | None,
    ) -> Ban:
        row = self._one(
            "INSERT INTO bans (site_id, author_key, reason, created_by, created_at, ends_at) "
            "VALUES (:site, :key, :reason, :by, :now, :ends) RETURNING *",
            {
                "site": site_id,
                "key": author_key,
                "reason": reason,
                "by": by,
                "now": to_us(now),
                "ends": to_us(ends_at) if ends_at else None,
            },
        )
        return ban_from_row(row)

    def lift_ban(self, ban_id: int, now: datetime) -> Ban | None:
        row = self._one(
            "UPDATE bans SET lifted_at = :now WHERE id = :id AND lifted_at IS NULL RETURNING *",
            {"id": ban_id, "now": to_us(now)},
        )
        return ban_from_row(row) if row else None

    # -- queues --------------------------------------------------------------------------

    def moderation_queue(
        self,
        queue: Queue,
        site_ids: Sequence[int] | None,
        *,
        thread_key: str | None = None,
        author: str | None = None,
        text: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[tuple[Comment, ModerationInfo, str, str, str | None]]:
        """Comments of a queue, newest first: (comment, findings, site slug, thread key,
        thread title). `site_ids` None: every site."""
        where = {
            Queue.PENDING: "c.status = 'pending'",
            Queue.REPORTED: "c.flag_count > c.reviewed_flag_count "
            "AND c.status IN ('published', 'pending')",
            Queue.RECENT: "c.status <> 'deleted'",
            Queue.REJECTED: "c.status = 'rejected'",
        }[queue]
        sites, params = _site_filter(site_ids, "t.site_id")
        sql = (
            f"SELECT {_comment_columns('c')}, "
            + ", ".join(f"c.{col}" for col in MODERATION_COLUMNS.split(", "))
            + f", s.slug AS site_slug, t.key AS thread_key, t.title AS thread_title "
            f"FROM comments c JOIN threads t ON t.id = c.thread_id "
            f"JOIN sites s ON s.id = t.site_id WHERE {where}{sites}"
        )
        values: dict[str, Any] = {**params, "limit": limit}
        if thread_key:
            sql += " AND t.key = :thread_key"
            values["thread_key"] = thread_key
        if author:
            sql += " AND (c.author_key = :author OR LOWER(c.author_name) = :author)"
            values["author"] = author.strip().casefold()
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql += " AND LOWER(c.body) LIKE :text ESCAPE '\\'"
            values["text"] = f"%{escaped.casefold()}%"
        if before_id:
            sql += " AND c.id < :before"
            values["before"] = before_id
        sql += " ORDER BY c.id DESC LIMIT :limit"
        rows = self._all(sql, values)
        return [
            (_comment_row(r), _info(r), r["site_slug"], r["thread_key"], r["thread_title"])
            for r in rows
        ]

    # -- audit log -----------------------------------------------------------------------

    def insert_audit(
        self,
        *,
        now: datetime,
        actor_id: int | None,
        actor_name: str,
        site_id: int | None,
        action: str,
        target_type: str,
        target_id: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        reason: str = "",
    ) -> None:
        self._exec(
            "INSERT INTO audit_log (at_us, actor_id, actor_name, site_id, action, target_type, "
            "target_id, before_state, after_state, reason) VALUES (:at, :actor, :name, :site, "
            ":action, :ttype, :tid, :before, :after, :reason)",
            {
                "at": to_us(now),
                "actor": actor_id,
                "name": actor_name,
                "site": site_id,
                "action": action,
                "ttype": target_type,
                "tid": target_id,
                "before": json.dumps(dict(before), sort_keys=True),
                "after": json.dumps(dict(after), sort_keys=True),
                "reason": reason,
            },
        )

    def audit_entries(
        self,
        site_ids: Sequence[int] | None,
        *,
        action: str | None = None,
        target_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        sites, params = _site_filter(site_ids, "site_id")
        sql = f"SELECT * FROM audit_log WHERE 1 = 1{sites}"
        values: dict[str, Any] = {**params, "limit": limit}
        if action:
            sql += " AND action = :action"
            values["action"] = action
        if target_id:
            sql += " AND target_id = :target"
            values["target"] = target_id
        if before_id:
            sql += " AND id < :before"
            values["before"] = before_id
        sql += " ORDER BY id DESC LIMIT :limit"
        return [_audit(r) for r in self._all(sql, values)]

    def set_moderation_reasons(self, comment_id: int, reasons: Sequence[str]) -> None:
        self._exec(
            "UPDATE comments SET moderation_reasons = :reasons WHERE id = :id",
            {"id": comment_id, "reasons": json.dumps(list(reasons))},
        )

    def moderator_decisions(self, site_id: int) -> list[tuple[CommentStatus, list[Any]]]:
        """Comments a person approved or rejected, with the signals the engine gave them."""
        rows = self._all(
            "SELECT c.status AS status, c.moderation_signals AS signals FROM comments c "
            "JOIN threads t ON t.id = c.thread_id WHERE t.site_id = :site "
            "AND c.moderated_by IS NOT NULL AND c.status IN ('published', 'rejected') "
            "AND c.moderation_signals <> '[]' ORDER BY c.id",
            {"site": site_id},
        )
        return [(CommentStatus(r["status"]), json.loads(r["signals"])) for r in rows]
