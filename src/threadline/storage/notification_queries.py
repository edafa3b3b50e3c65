"""Queries behind reply notifications: a comment's opt-in, what a mail about a reply needs
(the reply, its parent, their thread and site, in one read), the unsubscribe of an address
on a site, and the outbox of mails due (claimed with a lease, retried, finished).

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us


@dataclass(frozen=True, slots=True)
class ReplyNotice:
    """A visible reply and the parent's subscription, as stored."""

    reply_id: int
    reply_status: str
    reply_notified: bool  # a mail about it went out already (or was due and capped)
    reply_imported: bool
    reply_author: str
    reply_email: str | None
    reply_body: str
    parent_status: str
    parent_notify: bool
    parent_email: str | None
    parent_lang: str | None
    thread_key: str
    thread_url: str | None
    site_id: int
    site_slug: str
    site_name: str


@dataclass(frozen=True, slots=True)
class ClaimedReplyMail:
    """An outbox row this sender holds until `lease_until`."""

    reply_id: int
    created_at: datetime
    attempts: int  # this one included
    lease_until: datetime


class NotificationQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    def subscribe_replies(self, comment_id: int, lang: str) -> None:
        """Mail this comment's author (by its stored email) about replies to it."""
        self._exec(
            "UPDATE comments SET notify_replies = 1, notify_lang = :lang WHERE id = :id",
            {"id": comment_id, "lang": lang},
        )

    def reply_notice(self, reply_id: int) -> ReplyNotice | None:
        """The reply with its parent, or None when it is not a reply (or does not exist)."""
        row = self._one(
            "SELECT r.id AS reply_id, r.status AS reply_status, r.source AS reply_source, "
            "r.reply_notified AS reply_notified, "
            "r.author_name AS reply_author, r.author_email AS reply_email, r.body AS reply_body, "
            "p.status AS parent_status, p.notify_replies AS parent_notify, "
            "p.author_email AS parent_email, p.notify_lang AS parent_lang, "
            "t.key AS thread_key, t.url AS thread_url, "
            "s.id AS site_id, s.slug AS site_slug, s.name AS site_name "
            "FROM comments r JOIN comments p ON p.id = r.parent_id "
            "JOIN threads t ON t.id = r.thread_id JOIN sites s ON s.id = t.site_id "
            "WHERE r.id = :id",
            {"id": reply_id},
        )
        if row is None:
            return None
        return ReplyNotice(
            reply_id=int(row["reply_id"]),
            reply_status=str(row["reply_status"]),
            reply_notified=bool(row["reply_notified"]),
            reply_imported=row["reply_source"] is not None,
            reply_author=str(row["reply_author"]),
            reply_email=row["reply_email"],
            reply_body=str(row["reply_body"]),
            parent_status=str(row["parent_status"]),
            parent_notify=bool(row["parent_notify"]),
            parent_email=row["parent_email"],
            parent_lang=row["parent_lang"],
            thread_key=str(row["thread_key"]),
            thread_url=row["thread_url"],
            site_id=int(row["site_id"]),
            site_slug=str(row["site_slug"]),
            site_name=str(row["site_name"]),
        )

    # -- the outbox ----------------------------------------------------------------------

    def enqueue_reply_mail(self, reply_id: int, now: datetime) -> None:
        """A mail about this reply is due (its parent asked): one insert, in the reply's own
        write transaction."""
        self._exec(
            "INSERT INTO reply_mail_outbox (reply_id, created_at, due_at) "
            "VALUES (:id, :now, :now) ON CONFLICT DO NOTHING",
            {"id": reply_id, "now": to_us(now)},
        )

    def enqueue_approved_reply_mail(self, reply_id: int, parent_id: int, now: datetime) -> None:
        """As `enqueue_reply_mail`, for a held reply approved: only when the parent asked."""
        self._exec(
            "INSERT INTO reply_mail_outbox (reply_id, created_at, due_at) "
            "SELECT :id, :now, :now FROM comments p "
            "WHERE p.id = :parent AND p.notify_replies = 1 ON CONFLICT DO NOTHING",
            {"id": reply_id, "parent": parent_id, "now": to_us(now)},
        )

    def claim_reply_mails(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedReplyMail]:
        """Take the mails due and held by no live lease, oldest first (`Queries._claim_due`:
        of two senders racing for one, only one gets it)."""
        rows = self._claim_due(
            "reply_mail_outbox",
            "reply_id",
            "due_at",
            {"now": to_us(now), "lease": to_us(lease_until), "n": limit},
            also_set=", attempts = attempts + 1",
            returning="reply_id, created_at, attempts, due_at",
        )
        claimed = []
        for row in sorted(rows, key=lambda r: (r["due_at"], r["reply_id"])):
            created = from_us(row["created_at"])
            assert created is not None
            claimed.append(
                ClaimedReplyMail(int(row["reply_id"]), created, int(row["attempts"]), lease_until)
            )
        return claimed

    def finish_reply_mail(self, reply_id: int, notified: bool) -> None:
        """The mail is done with: sent (or capped: `notified`), or not due after all."""
        self._exec("DELETE FROM reply_mail_outbox WHERE reply_id = :id", {"id": reply_id})
        if notified:
            self._exec("UPDATE comments SET reply_notified = 1 WHERE id = :id", {"id": reply_id})

    def retry_reply_mail(self, reply_id: int, lease_until: datetime, due_at: datetime) -> None:
        """Give back a claimed mail that failed, due again at `due_at`."""
        self._exec(
            "UPDATE reply_mail_outbox SET due_at = :due, claimed_until = NULL "
            "WHERE reply_id = :id AND claimed_until = :lease",
            {"id": reply_id, "due": to_us(due_at), "lease": to_us(lease_until)},
        )

    def reply_mails_waiting(self) -> int:
        """How many reply mails are due or waiting for a retry (for operators and tests)."""
        row = self._one("SELECT COUNT(*) AS n FROM reply_mail_outbox")
        return int(row["n"]) if row else 0

    def unsubscribe_replies(self, site_id: int, email: str) -> int:
        """Turn notifications off for every comment given with this (lower-cased) email on
        the site; how many were on."""
        cursor = self._exec(
            "UPDATE comments SET notify_replies = 0 WHERE notify_replies = 1 "
            "AND LOWER(author_email) = :email "
            "AND thread_id IN (SELECT id FROM threads WHERE site_id = :site)",
            {"site": site_id, "email": email},
        )
        return max(int(cursor.rowcount), 0)

    def subscribed_comment_ids(self, site_id: int, email: str) -> list[int]:
        """The site's comments given with this (lower-cased) email that ask for replies."""
        rows = self._all(
            "SELECT c.id FROM comments c JOIN threads t ON t.id = c.thread_id "
            "WHERE t.site_id = :site AND LOWER(c.author_email) = :email "
            "AND c.notify_replies = 1 ORDER BY c.id",
            {"site": site_id, "email": email},
        )
        return [int(r["id"]) for r in rows]
