"""Queries of readers' data rights: what is held about a person (found by the email they
gave, by their edit tokens' comments, by their voter identity), erasing it, the links mailed
for it, and the retention purge of client addresses.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us

if TYPE_CHECKING:
    pass

# Replaces a person's strings inside audit entries that mention them.
ERASED = "[erased]"
# What an erased author is called on comments a site keeps (their text, not their name).
ANONYMOUS = "Anonymous"


@dataclass(frozen=True, slots=True)
class HeldComment:
    """A comment as held about its author: everything they gave, and what we recorded."""

    id: int
    thread_id: int
    thread_key: str
    thread_title: str | None
    thread_url: str | None
    parent_id: int | None
    status: str
    author_name: str
    author_email: str | None
    author_website: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    ip: str | None
    user_agent: str | None
    edit_token_hash: str | None
    notify_replies: bool = False
    reader_id: str | None = None  # a signed-in reader's account (docs/sign-in.md)


@dataclass(frozen=True, slots=True)
class HeldVote:
    comment_id: int
    thread_id: int
    thread_key: str
    value: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HeldFlag:
    comment_id: int
    thread_key: str
    reason: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PrivacyRequest:
    site_id: int
    email: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


_HELD_COLUMNS = (
    "c.id AS id, c.thread_id AS thread_id, t.key AS thread_key, t.title AS thread_title, "
    "t.url AS thread_url, c.parent_id AS parent_id, c.status AS status, "
    "c.author_name AS author_name, c.author_email AS author_email, "
    "c.author_website AS author_website, c.body AS body, c.created_at AS created_at, "
    "c.edited_at AS edited_at, c.upvotes AS upvotes, c.downvotes AS downvotes, c.ip AS ip, "
    "c.user_agent AS user_agent, c.edit_token_hash AS edit_token_hash, "
    "c.notify_replies AS notify_replies, c.reader_id AS reader_id"
)


def _when(value: Any) -> datetime:
    moment = from_us(value)
    assert moment is not None
    return moment


def _held(row: Any) -> HeldComment:
    return HeldComment(
        id=row["id"],
        thread_id=row["thread_id"],
        thread_key=row["thread_key"],
        thread_title=row["thread_title"],
        thread_url=row["thread_url"],
        parent_id=row["parent_id"],
        status=row["status"],
        author_name=row["author_name"],
        author_email=row["author_email"],
        author_website=row["author_website"],
        body=row["body"],
        created_at=_when(row["created_at"]),
        edited_at=from_us(row["edited_at"]),
        upvotes=int(row["upvotes"]),
        downvotes=int(row["downvotes"]),
        ip=row["ip"],
        user_agent=row["user_agent"],
        edit_token_hash=row["edit_token_hash"],
        notify_replies=bool(row["notify_replies"]),
        reader_id=row["reader_id"],
    )


def _scrub(value: Any, needles: Sequence[str], whole: frozenset[str] = frozenset()) -> Any:
    """`value` (decoded JSON or text) with every needle replaced by ERASED, and every string
    that is exactly one of `whole` too."""
    if isinstance(value, str):
        if value in whole:
            return ERASED
        for needle in needles:
            value = value.replace(needle, ERASED)
        return value
    if isinstance(value, list):
        return [_scrub(v, needles, whole) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, needles, whole): _scrub(v, needles, whole) for k, v in value.items()}
    return value


class PrivacyQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    # -- what is held ------------------------------------------------------------------

    def comments_by_email(self, site_id: int, email: str) -> list[HeldComment]:
        """Every comment on the site tied to this (lower-cased) email: given with it (live
        comments store it lower-cased, imports as the export spelled it), or keyed by it —
        a comment its author deleted keeps only its author key. Both lookups are indexed
        (comments_by_author, comments_by_email)."""
        rows = self._all(
            f"SELECT {_HELD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id "
            "WHERE (c.author_key = :email OR LOWER(c.author_email) = :email) "
            "AND t.site_id = :site ORDER BY c.id",
            {"site": site_id, "email": email},
        )
        return [_held(r) for r in rows]

    def comments_by_reader_account(
        self, site_id: int, reader_id: str, author_key: str
    ) -> list[HeldComment]:
        """Every comment on the site of a signed-in reader's account (`reader_id`), any
        thread: written under it, or keyed by it (`author_key`, auth/readers.py) — a comment
        its author deleted keeps only its author key. Both lookups are indexed (the partial
        comments_by_reader, comments_by_author); erased comments have neither."""
        rows = self._all(
            f"SELECT {_HELD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id "
            "WHERE (c.reader_id = :reader OR c.author_key = :key) "
            "AND t.site_id = :site ORDER BY c.id",
            {"site": site_id, "reader": reader_id, "key": author_key},
        )
        return [_held(r) for r in rows]

    def comments_by_ids(self, site_id: int, ids: Sequence[int]) -> list[HeldComment]:
        """The site's comments among `ids` (with their edit-token hashes, to be checked)."""
        found: list[HeldComment] = []
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), 200):
            names = {f"i{n}": v for n, v in enumerate(wanted[start : start + 200])}
            marks = ", ".join(f":{n}" for n in names)
            rows = self._all(
                f"SELECT {_HELD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id "
                f"WHERE t.site_id = :site AND c.id IN ({marks}) ORDER BY c.id",
                {"site": site_id, **names},
            )
            found.extend(_held(r) for r in rows)
        return found

    def votes_by_voter(self, site_id: int, voter: str) -> list[HeldVote]:
        rows = self._all(
            "SELECT v.comment_id AS comment_id, c.thread_id AS thread_id, t.key AS thread_key, "
            "v.value AS value, v.updated_at AS updated_at FROM votes v "
            "JOIN comments c ON c.id = v.comment_id JOIN threads t ON t.id = c.thread_id "
            "WHERE t.site_id = :site AND v.voter = :voter AND v.value <> 0 "
            "ORDER BY v.comment_id",
            {"site": site_id, "voter": voter},
        )
        return [
            HeldVote(
                r["comment_id"],
                r["thread_id"],
                r["thread_key"],
                int(r["value"]),
                _when(r["updated_at"]),
            )
            for r in rows
        ]

    def flags_by_reader(self, site_id: int, reader: str) -> list[HeldFlag]:
        rows = self._all(
            "SELECT f.comment_id AS comment_id, t.key AS thread_key, f.reason AS reason, "
            "f.note AS note, f.created_at AS created_at FROM flags f "
            "JOIN comments c ON c.id = f.comment_id JOIN threads t ON t.id = c.thread_id "
            "WHERE t.site_id = :site AND f.reader = :reader ORDER BY f.id",
            {"site": site_id, "reader": reader},
        )
        return [
            HeldFlag(
                r["comment_id"], r["thread_key"], r["reason"], r["note"], _when(r["created_at"])
            )
            for r in rows
        ]

    # -- erasing -----------------------------------------------------------------------

    def erase_comment(self, comment_id: int, keep_text: bool, now: datetime) -> None:
        """Everything personal about a comment goes; with `keep_text` its text stays, under
        ANONYMOUS, otherwise it becomes a deleted shell (a placeholder while replies hang
        below it, invisible otherwise). Import origins stay, so re-importing an old export
        cannot bring the comment back."""
        content = (
            "author_name = :anonymous"
            if keep_text
            else "status = 'deleted', author_name = '', body = '', html = '', edited_at = :now, "
            "featured = 0"
        )
        self._exec(
            f"UPDATE comments SET {content}, author_email = NULL, author_website = NULL, "
            "edit_token_hash = NULL, ip = NULL, user_agent = NULL, author_key = NULL, "
            "fingerprint = NULL, moderation_signals = '[]', moderation_reasons = '[]', "
            "notify_replies = 0, notify_lang = NULL, reader_id = NULL WHERE id = :id",
            {"id": comment_id, "now": to_us(now), "anonymous": ANONYMOUS},
        )

    def has_replies(self, comment_id: int) -> bool:
        """Any reply not deleted: the discussion below still refers to this comment."""
        row = self._one(
            "SELECT 1 AS yes FROM comments WHERE parent_id = :id AND status <> 'deleted' LIMIT 1",
            {"id": comment_id},
        )
        return row is not None

    def withdraw_vote(self, comment_id: int, voter: str) -> int:
        """Remove a voter's vote and take it out of the comment's tallies; returns the value
        removed (0: there was none). The caller holds the comment's lock."""
        row = self._one(
            "DELETE FROM votes WHERE comment_id = :cid AND voter = :voter RETURNING value",
            {"cid": comment_id, "voter": voter},
        )
        value = int(row["value"]) if row else 0
        if value:
            self._exec(
                "UPDATE comments SET upvotes = upvotes - :up, downvotes = downvotes - :down "
                "WHERE id = :id",
                {"id": comment_id, "up": int(value == 1), "down": int(value == -1)},
            )
        return value

    def anonymize_flags(self, site_id: int, reader: str) -> int:
        """A reader's flags stay counted (moderators acted on them) but lose who made them
        and what they wrote: the identity becomes one no reader can have."""
        rows = self._all(
            "UPDATE flags SET reader = 'erased:' || CAST(id AS TEXT), note = NULL "
            "WHERE reader = :reader AND comment_id IN (SELECT c.id FROM comments c "
            "JOIN threads t ON t.id = c.thread_id WHERE t.site_id = :site) RETURNING id",
            {"site": site_id, "reader": reader},
        )
        return len(rows)

    def scrub_bans(self, site_id: int, author_key: str, pseudonym: str, now: datetime) -> int:
        """Bans of an erased author: lifted (nothing identifies them any more), their key
        replaced by a pseudonym and the reason, which may name them, emptied."""
        rows = self._all(
            "UPDATE bans SET author_key = :pseudonym, reason = '', "
            "lifted_at = COALESCE(lifted_at, :now) WHERE site_id = :site AND author_key = :key "
            "RETURNING id",
            {"site": site_id, "key": author_key, "pseudonym": pseudonym, "now": to_us(now)},
        )
        return len(rows)

    def scrub_audit(
        self,
        site_id: int,
        needles: Sequence[str],
        comment_ids: Sequence[int],
        about: Sequence[str] = (),
        whole: Sequence[str] = (),
    ) -> int:
        """Audit entries of the site keep what was done but not to whom: in every entry
        mentioning one of `needles` (specific strings: emails, addresses, websites), and in
        every entry about one of the person's comments also `about` (their names, which may
        be common words elsewhere), each is replaced by ERASED in the states, reason and
        target. A value that is exactly one of `whole` (an account's author key: a prefix of
        other accounts' keys, `reader:1` of `reader:12`) is replaced in every entry."""
        strong = sorted({n for n in needles if n}, key=len, reverse=True)
        weak = sorted({n for n in (*strong, *about) if n}, key=len, reverse=True)
        exact = frozenset(n for n in whole if n)
        ids = {str(i) for i in comment_ids}
        candidates = [*strong, *sorted(exact)]  # LIKE finds a superset; _scrub decides
        likes = " OR ".join(
            f"before_state LIKE :n{i} OR after_state LIKE :n{i} OR reason LIKE :n{i} "
            f"OR target_id LIKE :n{i}"
            for i in range(len(candidates))
        )
        params: dict[str, Any] = {f"n{i}": f"%{n}%" for i, n in enumerate(candidates)}
        rows = self._all(
            "SELECT id, target_type, target_id, before_state, after_state, reason FROM audit_log "
            f"WHERE site_id = :site AND (target_type IN ('comment', 'author')"
            f"{' OR ' + likes if likes else ''})",
            {"site": site_id, **params},
        )
        changed = 0
        for r in rows:
            about_them = r["target_type"] in ("comment", "author") and r["target_id"] in ids
            words = weak if about_them else strong
            text = (r["before_state"], r["after_state"], r["reason"], r["target_id"])
            # JSON states are compared decoded: names outside ASCII are stored escaped.
            before = json.dumps(_scrub(json.loads(r["before_state"]), words, exact), sort_keys=True)
            after = json.dumps(_scrub(json.loads(r["after_state"]), words, exact), sort_keys=True)
            reason = _scrub(r["reason"], words, exact)
            target = _scrub(r["target_id"], words, exact)
            if (before, after, reason, target) == text:
                continue
            self._exec(
                "UPDATE audit_log SET before_state = :before, after_state = :after, "
                "reason = :reason, target_id = :target WHERE id = :id",
                {
                    "id": r["id"],
                    "before": before,
                    "after": after,
                    "reason": reason,
                    "target": target,
                },
            )
            changed += 1
        return changed

    # -- links mailed to readers -------------------------------------------------------

    def insert_privacy_request(
        self, nonce_hash: str, site_id: int, email: str, now: datetime, expires_at: datetime
    ) -> None:
        self._exec(
            "INSERT INTO privacy_requests (nonce_hash, site_id, email, created_at, expires_at) "
            "VALUES (:hash, :site, :email, :now, :expires)",
            {
                "hash": nonce_hash,
                "site": site_id,
                "email": email,
                "now": to_us(now),
                "expires": to_us(expires_at),
            },
        )

    def privacy_request(self, nonce_hash: str, lock: bool = False) -> PrivacyRequest | None:
        row = self._one(
            "SELECT * FROM privacy_requests WHERE nonce_hash = :hash"
            + (self._dialect.for_update if lock else ""),
            {"hash": nonce_hash},
        )
        if row is None:
            return None
        return PrivacyRequest(
            row["site_id"],
            row["email"],
            _when(row["created_at"]),
            _when(row["expires_at"]),
            from_us(row["used_at"]),
        )

    def spend_privacy_request(self, nonce_hash: str, now: datetime) -> bool:
        """Mark the link used (and forget its email); False when it already was."""
        row = self._one(
            "UPDATE privacy_requests SET used_at = :now, email = NULL "
            "WHERE nonce_hash = :hash AND used_at IS NULL RETURNING nonce_hash",
            {"hash": nonce_hash, "now": to_us(now)},
        )
        return row is not None

    def forget_privacy_requests(self, site_id: int, email: str) -> int:
        rows = self._all(
            "UPDATE privacy_requests SET email = NULL WHERE site_id = :site AND email = :email "
            "RETURNING nonce_hash",
            {"site": site_id, "email": email},
        )
        return len(rows)

    # -- retention ---------------------------------------------------------------------

    def clear_comment_clients(self, before: datetime, batch: int) -> int:
        """Drop the address and user agent of up to `batch` comments written before
        `before` (the partial index comments_with_client lists exactly the candidates)."""
        rows = self._all(
            "UPDATE comments SET ip = NULL, user_agent = NULL WHERE id IN (SELECT id FROM "
            "comments WHERE (ip IS NOT NULL OR user_agent IS NOT NULL) AND created_at < :before "
            "ORDER BY created_at LIMIT :batch) "
            # Checked again on the row itself: a purge by another instance that got there
            # first (PostgreSQL re-reads the row after waiting for its lock) is not redone.
            "AND (ip IS NOT NULL OR user_agent IS NOT NULL) RETURNING id",
            {"before": to_us(before), "batch": batch},
        )
        return len(rows)

    def clear_session_clients(self, before: datetime) -> int:
        rows = self._all(
            "UPDATE sessions SET ip = NULL, user_agent = NULL WHERE created_at < :before "
            "AND (ip IS NOT NULL OR user_agent IS NOT NULL) RETURNING token_hash",
            {"before": to_us(before)},
        )
        return len(rows)

    def delete_expired_privacy_requests(self, now: datetime) -> int:
        rows = self._all(
            "DELETE FROM privacy_requests WHERE expires_at < :now RETURNING nonce_hash",
            {"now": to_us(now)},
        )
        return len(rows)
