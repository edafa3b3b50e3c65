"""Queries behind reply notifications: a comment's opt-in, what a mail about a reply needs
(the reply, its parent, their thread and site, in one read), and the unsubscribe of an
address on a site.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.storage.queries import Queries


@dataclass(frozen=True, slots=True)
class ReplyNotice:
    """A visible reply and the parent's subscription, as stored."""

    reply_id: int
    reply_status: str
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

    def claim_reply_notice(self, reply_id: int) -> bool:
        """Mark the reply as notified; False when it was already (never mail twice)."""
        cursor = self._exec(
            "UPDATE comments SET reply_notified = 1 WHERE id = :id AND reply_notified = 0",
            {"id": reply_id},
        )
        return int(cursor.rowcount) == 1

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
