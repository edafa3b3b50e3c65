"""Queries of the webhook delivery worker: whether anything is due, the claim (a lease only
one worker can win), a claimed delivery with what its payload is built from, the outcome
recorded by the lease holder only, a retry by hand, and the purge of old deliveries.

Mixed into `Gateway`; written once for both backends with `:name` parameters. The webhooks
and their delivery rows themselves: webhook_queries.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from threadline.storage.queries import Queries
from threadline.storage.times import to_us
from threadline.storage.webhook_queries import (
    DELIVERY_COLUMNS,
    PARKED_US,
    WEBHOOK_COLUMNS,
    Delivery,
    Webhook,
    delivery_from_row,
    webhook_from_row,
)


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """A claimed delivery with everything its payload is built from, read when it is sent."""

    delivery: Delivery
    webhook: Webhook
    site_slug: str
    site_name: str
    thread: dict[str, Any] | None  # key, url, title
    comment: dict[str, Any] | None  # the stored comment's public columns


class WebhookDeliveryQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    def delivery_due(self, now: datetime) -> bool:
        """Whether any delivery is due (a read: an idle server's poll writes nothing)."""
        row = self._one(
            "SELECT 1 AS due FROM webhook_deliveries WHERE state = 'pending' "
            "AND next_attempt_at <= :now LIMIT 1",
            {"now": to_us(now)},
        )
        return row is not None

    def claim_deliveries(
        self, now: datetime, lease_until: datetime, owner: str, limit: int, only: int | None = None
    ) -> list[int]:
        """Lease up to `limit` due deliveries (or just `only`) to `owner`; their ids.

        The lease moves `next_attempt_at` past the lease's end, and the UPDATE re-checks
        that the row is still due: of two workers racing for a row, the second finds it
        no longer due (PostgreSQL re-reads a row it waited for; SQLite's writers take turns)
        and skips it; on PostgreSQL a row another worker is claiming is skipped at once."""
        lock = " FOR UPDATE SKIP LOCKED" if self._dialect.name == "postgres" else ""
        pick = (
            "SELECT id FROM webhook_deliveries WHERE id = :only"
            if only is not None
            else "SELECT id FROM webhook_deliveries WHERE state = 'pending' "
            "AND next_attempt_at <= :now ORDER BY next_attempt_at LIMIT :limit"
        )
        rows = self._all(
            f"WITH picked AS MATERIALIZED ({pick}{lock}) "
            "UPDATE webhook_deliveries SET next_attempt_at = :until, lease_until = :until, "
            "lease_owner = :owner WHERE id IN (SELECT id FROM picked) "
            "AND state = 'pending' AND next_attempt_at <= :now RETURNING id",
            {
                "now": to_us(now),
                "until": to_us(lease_until),
                "owner": owner,
                "limit": limit,
                "only": only,
            },
        )
        return sorted(int(r["id"]) for r in rows)

    def delivery_job(self, delivery_id: int) -> DeliveryJob | None:
        """A delivery with its webhook, site, thread and comment as stored now."""
        row = self._one(
            f"SELECT {DELIVERY_COLUMNS}, {WEBHOOK_COLUMNS.replace('w.id,', 'w.id AS w_id,')}"
            ", s.slug AS site_slug, s.name AS site_name "
            "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
            "JOIN sites s ON s.id = w.site_id WHERE d.id = :id",
            {"id": delivery_id},
        )
        if row is None:
            return None
        delivery = delivery_from_row(row)
        hook = webhook_from_row({**_as_dict(row), "id": row["w_id"]})
        comment = thread = None
        thread_id = delivery.thread_id
        if delivery.comment_id is not None:
            found = self._one(
                "SELECT id, thread_id, parent_id, status, author_name, author_website, html, "
                "created_at, edited_at FROM comments WHERE id = :id",
                {"id": delivery.comment_id},
            )
            if found is not None:
                comment = _as_dict(found)
                thread_id = comment["thread_id"]
        if thread_id is not None:
            found = self._one(
                "SELECT key, url, title FROM threads WHERE id = :id", {"id": thread_id}
            )
            thread = _as_dict(found) if found is not None else None
        site_slug, site_name = str(row["site_slug"]), str(row["site_name"])
        return DeliveryJob(delivery, hook, site_slug, site_name, thread, comment)

    def finish_attempt(
        self,
        delivery_id: int,
        owner: str,
        *,
        state: str,
        now: datetime,
        next_attempt_at: datetime,
        status: int | None,
        error: str | None,
    ) -> bool:
        """Record one attempt's outcome, if `owner` still holds the lease."""
        cursor = self._exec(
            "UPDATE webhook_deliveries SET state = :state, attempts = attempts + 1, "
            "next_attempt_at = :next, last_attempt_at = :now, last_status = :status, "
            "last_error = :error, lease_owner = NULL, lease_until = NULL, "
            "delivered_at = CASE WHEN :state = 'delivered' THEN :now ELSE NULL END "
            "WHERE id = :id AND lease_owner = :owner",
            {
                "id": delivery_id,
                "owner": owner,
                "state": state,
                "now": to_us(now),
                "next": to_us(next_attempt_at),
                "status": status,
                "error": error,
            },
        )
        return int(cursor.rowcount) == 1

    def retry_delivery(self, delivery_id: int, now: datetime, give_up_at: datetime) -> bool:
        """A failed delivery due again now, with a new give-up time; False if not failed."""
        cursor = self._exec(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = :now, "
            "give_up_at = :give_up, lease_owner = NULL, lease_until = NULL "
            "WHERE id = :id AND state = 'failed'",
            {"id": delivery_id, "now": to_us(now), "give_up": to_us(give_up_at)},
        )
        return int(cursor.rowcount) == 1

    def release_delivery(self, delivery_id: int, owner: str) -> bool:
        """Put a claimed delivery back, parked and unattempted (its webhook was paused)."""
        cursor = self._exec(
            "UPDATE webhook_deliveries SET next_attempt_at = :parked, lease_owner = NULL, "
            "lease_until = NULL WHERE id = :id AND lease_owner = :owner",
            {"id": delivery_id, "owner": owner, "parked": PARKED_US},
        )
        return int(cursor.rowcount) == 1

    def purge_deliveries(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` delivered or failed rows that happened before `before`."""
        cursor = self._exec(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
            "WHERE state <> 'pending' AND occurred_at < :before LIMIT :limit)",
            {"before": to_us(before), "limit": limit},
        )
        return max(int(cursor.rowcount), 0)


def _as_dict(row: Any) -> dict[str, Any]:
    """A driver row (sqlite3.Row or psycopg's dict row) as a plain dict."""
    return {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a Mapping
