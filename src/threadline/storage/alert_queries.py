"""Queries behind desk alerts: a moderator's wish per site (kept, listed, claimed with a lease,
moved on after each alert), and what is new for a site between two moments — comments held
for review and comments readers reported.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us


@dataclass(frozen=True, slots=True)
class AlertWish:
    """How often a user wants alerts about one site ("immediate", "hourly", "daily")."""

    user_id: int
    site_id: int
    every: str
    since_at: datetime  # what was held or reported after this is new
    next_at: datetime  # the next alert goes no earlier
    last_sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClaimedAlert:
    """A wish this sender holds until `lease_until`."""

    wish: AlertWish
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class WaitingComment:
    """A comment waiting for the desk, as an alert lists it."""

    comment_id: int
    author_name: str
    body: str
    thread_key: str
    thread_title: str | None
    thread_url: str | None
    reasons: tuple[str, ...]  # the pipeline's or the flags' reasons
    reports: int  # readers' reports in the alert's window


@dataclass(frozen=True, slots=True)
class NewForDesk:
    held: list[WaitingComment]  # the first `limit`
    held_total: int
    reported: list[WaitingComment]
    reported_total: int


def _time(value: Any) -> datetime:
    moment = from_us(value)
    assert moment is not None
    return moment


def _wish(row: Any) -> AlertWish:
    return AlertWish(
        user_id=int(row["user_id"]),
        site_id=int(row["site_id"]),
        every=str(row["every"]),
        since_at=_time(row["since_at"]),
        next_at=_time(row["next_at"]),
        last_sent_at=from_us(row["last_sent_at"]),
    )


_WAITING = (
    "c.id AS id, c.author_name AS author_name, c.body AS body, "
    "c.moderation_reasons AS reasons, t.key AS thread_key, t.title AS thread_title, "
    "t.url AS thread_url"
)
# The moment a comment started waiting: when it was held after posting (by readers' flags or
# an edit), else when it was posted held.
_HELD_AT = "COALESCE(c.moderated_at, c.created_at)"


class AlertQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    # -- wishes ------------------------------------------------------------------------

    def set_desk_alert(
        self, user_id: int, site_id: int, every: str | None, now: datetime, next_at: datetime
    ) -> None:
        """Keep the wish (None: off). A new wish starts at `now`: what waited before is not
        news; a changed one keeps its high-water mark."""
        if every is None:
            self._exec(
                "DELETE FROM desk_alerts WHERE user_id = :user AND site_id = :site",
                {"user": user_id, "site": site_id},
            )
            return
        self._exec(
            "INSERT INTO desk_alerts (user_id, site_id, every, since_at, next_at) "
            "VALUES (:user, :site, :every, :now, :next) ON CONFLICT (user_id, site_id) "
            "DO UPDATE SET every = excluded.every, next_at = excluded.next_at",
            {
                "user": user_id,
                "site": site_id,
                "every": every,
                "now": to_us(now),
                "next": to_us(next_at),
            },
        )

    def desk_alerts_of(self, user_id: int) -> list[AlertWish]:
        rows = self._all(
            "SELECT * FROM desk_alerts WHERE user_id = :user ORDER BY site_id", {"user": user_id}
        )
        return [_wish(r) for r in rows]

    def claim_desk_alerts(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedAlert]:
        """Take the wishes whose next alert may go now and that no live lease holds
        (`Queries._claim_due`: of two racing senders only one gets each)."""
        rows = self._claim_due(
            "desk_alerts",
            "user_id, site_id",
            "next_at",
            {"now": to_us(now), "lease": to_us(lease_until), "n": limit},
        )
        order = sorted(rows, key=lambda r: (r["next_at"], r["user_id"], r["site_id"]))
        return [ClaimedAlert(_wish(row), lease_until) for row in order]

    def finish_desk_alert(
        self,
        claim: ClaimedAlert,
        since_at: datetime,
        next_at: datetime,
        sent_at: datetime | None,
    ) -> bool:
        """Move the wish on (new high-water mark, next time) and drop the lease; False when
        the lease was lost (its holder took too long) or the wish was changed meanwhile."""
        cursor = self._exec(
            "UPDATE desk_alerts SET since_at = :since, next_at = :next, "
            "last_sent_at = COALESCE(:sent, last_sent_at), claimed_until = NULL "
            "WHERE user_id = :user AND site_id = :site AND claimed_until = :lease",
            {
                "user": claim.wish.user_id,
                "site": claim.wish.site_id,
                "since": to_us(since_at),
                "next": to_us(next_at),
                "sent": to_us(sent_at) if sent_at is not None else None,
                "lease": to_us(claim.lease_until),
            },
        )
        return int(cursor.rowcount) == 1

    def retry_desk_alert(self, claim: ClaimedAlert, next_at: datetime) -> None:
        """Give the wish back after a failed mail: same high-water mark, tried at `next_at`."""
        self._exec(
            "UPDATE desk_alerts SET next_at = :next, claimed_until = NULL "
            "WHERE user_id = :user AND site_id = :site AND claimed_until = :lease",
            {
                "user": claim.wish.user_id,
                "site": claim.wish.site_id,
                "next": to_us(next_at),
                "lease": to_us(claim.lease_until),
            },
        )

    # -- what is new -------------------------------------------------------------------

    def new_for_desk(
        self, site_id: int, after: datetime, until: datetime, limit: int
    ) -> NewForDesk:
        """Comments of the site held for review in (after, until] and still waiting, and
        published comments readers reported in that window whose reports nobody reviewed."""
        window = {"site": site_id, "after": to_us(after), "until": to_us(until), "n": limit}
        held_where = (
            "FROM comments c JOIN threads t ON t.id = c.thread_id "
            f"WHERE t.site_id = :site AND c.status = 'pending' "
            f"AND {_HELD_AT} > :after AND {_HELD_AT} <= :until"
        )
        held = self._all(
            f"SELECT {_WAITING} {held_where} ORDER BY {_HELD_AT}, c.id LIMIT :n", window
        )
        held_total = self._one(f"SELECT COUNT(*) AS n {held_where}", window)
        reported_where = (
            "FROM flags f JOIN comments c ON c.id = f.comment_id "
            "JOIN threads t ON t.id = c.thread_id "
            "WHERE t.site_id = :site AND f.created_at > :after AND f.created_at <= :until "
            "AND c.status = 'published' AND c.flag_count > c.reviewed_flag_count"
        )
        reported = self._all(
            f"SELECT {_WAITING}, COUNT(*) AS reports, MAX(f.created_at) AS last_at "
            f"{reported_where} GROUP BY c.id, c.author_name, c.body, c.moderation_reasons, "
            "t.key, t.title, t.url ORDER BY last_at, c.id LIMIT :n",
            window,
        )
        reported_total = self._one(f"SELECT COUNT(DISTINCT c.id) AS n {reported_where}", window)
        flag_reasons = self._flag_reasons([int(r["id"]) for r in reported], window)
        return NewForDesk(
            held=[self._waiting(r, tuple(json.loads(r["reasons"] or "[]")), 0) for r in held],
            held_total=int(held_total["n"]) if held_total else 0,
            reported=[
                self._waiting(r, flag_reasons.get(int(r["id"]), ()), int(r["reports"]))
                for r in reported
            ],
            reported_total=int(reported_total["n"]) if reported_total else 0,
        )

    def _flag_reasons(self, ids: list[int], window: dict[str, int]) -> dict[int, tuple[str, ...]]:
        """Readers' reasons for each comment's reports in the window ("spam ×2")."""
        if not ids:
            return {}
        names = {f"c{i}": comment_id for i, comment_id in enumerate(ids)}
        rows = self._all(
            "SELECT comment_id, reason, COUNT(*) AS n FROM flags "
            f"WHERE comment_id IN ({', '.join(':' + n for n in names)}) "
            "AND created_at > :after AND created_at <= :until "
            "GROUP BY comment_id, reason ORDER BY comment_id, reason",
            {**names, "after": window["after"], "until": window["until"]},
        )
        out: dict[int, tuple[str, ...]] = {}
        for r in rows:
            label = str(r["reason"]).replace("_", " ")
            count = int(r["n"])
            out[int(r["comment_id"])] = (
                *out.get(int(r["comment_id"]), ()),
                f"{label} ×{count}" if count > 1 else label,
            )
        return out

    @staticmethod
    def _waiting(row: Any, reasons: tuple[str, ...], reports: int) -> WaitingComment:
        return WaitingComment(
            comment_id=int(row["id"]),
            author_name=str(row["author_name"]),
            body=str(row["body"]),
            thread_key=str(row["thread_key"]),
            thread_title=row["thread_title"],
            thread_url=row["thread_url"],
            reasons=tuple(str(r) for r in reasons),
            reports=reports,
        )
