"""Queries behind webhooks: a site's webhooks and their subscriptions, the delivery rows
written inside the writes that change comments (and the test ping's), and the deliveries
as listed. The delivery worker's queries: webhook_delivery_queries.py.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    site_id: int
    url: str
    secret: str
    events: tuple[str, ...]
    active: bool
    description: str
    created_at: datetime
    created_by_name: str
    disabled_reason: str | None  # set when the server turned it off (410 Gone)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery row as the dashboard and the CLI list it."""

    id: int
    webhook_id: int
    event: str
    comment_id: int | None
    thread_id: int | None
    occurred_at: datetime
    state: str  # pending, delivered, failed
    attempts: int
    next_attempt_at: datetime
    give_up_at: datetime  # no retry is scheduled after this
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


# `next_attempt_at` of the deliveries of a paused or disabled webhook: never due.
PARKED = datetime(9999, 1, 1, tzinfo=UTC)
PARKED_US = to_us(PARKED)

WEBHOOK_COLUMNS = (
    "w.id, w.site_id, w.url, w.secret, w.events, w.active, w.description, w.created_at, "
    "w.created_by_name, w.disabled_reason"
)
DELIVERY_COLUMNS = (
    "d.id, d.webhook_id, d.event, d.comment_id, d.thread_id, d.occurred_at, d.state, "
    "d.attempts, d.next_attempt_at, d.give_up_at, d.last_attempt_at, d.delivered_at, "
    "d.last_status, d.last_error"
)


def webhook_from_row(row: Any) -> Webhook:
    return Webhook(
        id=int(row["id"]),
        site_id=int(row["site_id"]),
        url=str(row["url"]),
        secret=str(row["secret"]),
        events=tuple(json.loads(row["events"])),
        active=bool(row["active"]),
        description=str(row["description"]),
        created_at=from_us(row["created_at"]),  # type: ignore[arg-type]
        created_by_name=str(row["created_by_name"]),
        disabled_reason=row["disabled_reason"],
    )


def delivery_from_row(row: Any) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        webhook_id=int(row["webhook_id"]),
        event=str(row["event"]),
        comment_id=row["comment_id"],
        thread_id=row["thread_id"],
        occurred_at=from_us(row["occurred_at"]),  # type: ignore[arg-type]
        state=str(row["state"]),
        attempts=int(row["attempts"]),
        next_attempt_at=from_us(row["next_attempt_at"]),  # type: ignore[arg-type]
        give_up_at=from_us(row["give_up_at"]),  # type: ignore[arg-type]
        last_attempt_at=from_us(row["last_attempt_at"]),
        delivered_at=from_us(row["delivered_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
    )


class WebhookQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    # -- webhooks ------------------------------------------------------------------------

    def insert_webhook(
        self,
        *,
        site_id: int,
        url: str,
        secret: str,
        events: Sequence[str],
        description: str,
        now: datetime,
        created_by: int | None,
        created_by_name: str,
    ) -> Webhook:
        row = self._one(
            "INSERT INTO webhooks (site_id, url, secret, events, description, created_at, "
            "created_by, created_by_name) VALUES (:site, :url, :secret, :events, :description, "
            ":now, :by, :by_name) RETURNING id",
            {
                "site": site_id,
                "url": url,
                "secret": secret,
                "events": json.dumps(list(events)),
                "description": description,
                "now": to_us(now),
                "by": created_by,
                "by_name": created_by_name,
            },
        )
        assert row is not None
        webhook_id = int(row["id"])
        for event in dict.fromkeys(events):
            self._exec(
                "INSERT INTO webhook_subscriptions (site_id, event, webhook_id) "
                "VALUES (:site, :event, :id)",
                {"site": site_id, "event": event, "id": webhook_id},
            )
        self._keep_site_events(site_id)
        found = self.get_webhook(webhook_id)
        assert found is not None
        return found

    def _keep_site_events(self, site_id: int) -> None:
        """Store on the site the events its active webhooks want (`sites.webhook_events`)."""
        rows = self._all(
            "SELECT DISTINCT s.event FROM webhook_subscriptions s "
            "JOIN webhooks w ON w.id = s.webhook_id WHERE s.site_id = :site AND w.active = 1",
            {"site": site_id},
        )
        self._exec(
            "UPDATE sites SET webhook_events = :events WHERE id = :site",
            {"site": site_id, "events": json.dumps(sorted(str(r["event"]) for r in rows))},
        )

    def _webhook_site(self, webhook_id: int) -> int | None:
        row = self._one("SELECT site_id FROM webhooks WHERE id = :id", {"id": webhook_id})
        return int(row["site_id"]) if row else None

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        row = self._one(
            f"SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.id = :id", {"id": webhook_id}
        )
        return webhook_from_row(row) if row else None

    def site_webhooks(self, site_ids: Sequence[int] | None) -> list[Webhook]:
        """The webhooks of these sites (None: every site), oldest first."""
        if site_ids is None:
            rows = self._all(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks w ORDER BY w.id")
        else:
            rows = []
            for site_id in site_ids:
                rows += self._all(
                    f"SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.site_id = :site "
                    "ORDER BY w.id",
                    {"site": site_id},
                )
        return [webhook_from_row(r) for r in rows]

    def set_webhook_active(self, webhook_id: int, active: bool, reason: str | None) -> None:
        """Pause or resume (reason None), or turn off with the server's reason."""
        self._exec(
            "UPDATE webhooks SET active = :active, disabled_reason = :reason WHERE id = :id",
            {"id": webhook_id, "active": int(active), "reason": reason},
        )
        site_id = self._webhook_site(webhook_id)
        if site_id is not None:
            self._keep_site_events(site_id)

    def park_deliveries(self, webhook_id: int) -> int:
        """The webhook's pending deliveries wait (it was paused or turned off): out of the
        due index's range, so workers never look at them; how many."""
        cursor = self._exec(
            "UPDATE webhook_deliveries SET next_attempt_at = :parked, lease_owner = NULL, "
            "lease_until = NULL WHERE webhook_id = :id AND state = 'pending'",
            {"id": webhook_id, "parked": PARKED_US},
        )
        return max(int(cursor.rowcount), 0)

    def unpark_deliveries(self, webhook_id: int, now: datetime, give_up_at: datetime) -> int:
        """The webhook's waiting deliveries due now, with at least until `give_up_at`."""
        cursor = self._exec(
            "UPDATE webhook_deliveries SET next_attempt_at = :now, give_up_at = CASE WHEN "
            "give_up_at < :give_up THEN :give_up ELSE give_up_at END "
            "WHERE webhook_id = :id AND state = 'pending' AND next_attempt_at = :parked",
            {
                "id": webhook_id,
                "now": to_us(now),
                "give_up": to_us(give_up_at),
                "parked": PARKED_US,
            },
        )
        return max(int(cursor.rowcount), 0)

    def delete_webhook(self, webhook_id: int) -> int:
        """The webhook, its subscriptions and its deliveries; how many deliveries went."""
        site_id = self._webhook_site(webhook_id)
        cursor = self._exec(
            "DELETE FROM webhook_deliveries WHERE webhook_id = :id", {"id": webhook_id}
        )
        self._exec("DELETE FROM webhook_subscriptions WHERE webhook_id = :id", {"id": webhook_id})
        self._exec("DELETE FROM webhooks WHERE id = :id", {"id": webhook_id})
        if site_id is not None:
            self._keep_site_events(site_id)
        return max(int(cursor.rowcount), 0)

    # -- events (inside the writes that change comments and threads) --------------------

    def record_webhook_event(
        self,
        site_id: int,
        event: str,
        now: datetime,
        give_up_at: datetime,
        *,
        comment_id: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """A pending delivery for every active webhook of the site subscribed to `event`,
        in one statement; how many were queued (webhook_events.record skips it when the
        site's `webhook_events` says none wants the event)."""
        cursor = self._exec(
            "INSERT INTO webhook_deliveries (webhook_id, event, comment_id, thread_id, "
            "occurred_at, next_attempt_at, give_up_at) "
            "SELECT s.webhook_id, :event, CAST(:comment AS BIGINT), CAST(:thread AS BIGINT), "
            ":now, :now, :give_up "
            "FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id "
            "WHERE s.site_id = :site AND s.event = :event AND w.active = 1",
            {
                "site": site_id,
                "event": event,
                "comment": comment_id,
                "thread": thread_id,
                "now": to_us(now),
                "give_up": to_us(give_up_at),
            },
        )
        return max(int(cursor.rowcount), 0)

    def insert_delivery(
        self, webhook_id: int, event: str, now: datetime, give_up_at: datetime
    ) -> int:
        """One delivery to one webhook (the test `ping`), due now; its id."""
        row = self._one(
            "INSERT INTO webhook_deliveries (webhook_id, event, occurred_at, next_attempt_at, "
            "give_up_at) VALUES (:webhook, :event, :now, :now, :give_up) RETURNING id",
            {
                "webhook": webhook_id,
                "event": event,
                "now": to_us(now),
                "give_up": to_us(give_up_at),
            },
        )
        assert row is not None
        return int(row["id"])

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        row = self._one(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = :id",
            {"id": delivery_id},
        )
        return delivery_from_row(row) if row else None

    def recent_deliveries(self, webhook_id: int, limit: int) -> list[Delivery]:
        rows = self._all(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d "
            "WHERE d.webhook_id = :id ORDER BY d.id DESC LIMIT :limit",
            {"id": webhook_id, "limit": limit},
        )
        return [delivery_from_row(r) for r in rows]
