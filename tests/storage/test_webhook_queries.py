"""The webhook queries on SQLite and PostgreSQL: events queued only for a site's active
webhooks subscribed to them, the lease a claim takes (one winner, due again when it ends),
outcomes recorded only by the lease holder, parking while paused, retry and purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from threadline.domain.models import Site
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway
from threadline.storage.webhook_queries import PARKED, Webhook

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=24)


def _hook(store: Store, site: Site, events: tuple[str, ...], url: str = "http://x/") -> Webhook:
    return store.write(
        lambda db: db.insert_webhook(
            site_id=site.id,
            url=url,
            secret="s3cret",
            events=events,
            description="test",
            now=NOW,
            created_by=None,
            created_by_name="command line",
        )
    )


def _record(store: Store, site: Site, event: str, comment_id: int = 7) -> int:
    return store.write(
        lambda db: db.record_webhook_event(site.id, event, NOW, LATER, comment_id=comment_id)
    )


def test_events_queue_for_subscribed_active_webhooks_of_the_site(
    ctx: ServiceContext, store: Store
) -> None:
    site = add_site(ctx, "demo", "Demo")
    other = add_site(ctx, "other", "Other")
    both = _hook(store, site, ("comment.published", "comment.held"))
    held_only = _hook(store, site, ("comment.held",))
    _hook(store, other, ("comment.published",))

    assert both.events == ("comment.published", "comment.held") and both.active
    assert _record(store, site, "comment.published") == 1
    assert _record(store, site, "comment.held") == 2
    assert _record(store, site, "comment.deleted") == 0
    store.write(lambda db: db.set_webhook_active(held_only.id, False, None))
    assert _record(store, site, "comment.held") == 1  # paused: nothing queued for it

    with store.reading() as db:
        queued = db.recent_deliveries(both.id, 10)
        assert [d.event for d in queued] == ["comment.held", "comment.held", "comment.published"]
        assert all(d.state == "pending" and d.comment_id == 7 for d in queued)
        assert all(d.next_attempt_at == NOW and d.give_up_at == LATER for d in queued)
        assert len(db.recent_deliveries(held_only.id, 10)) == 1


def _site_events(store: Store, site: Site) -> frozenset[str]:
    with store.reading() as db:
        found = db.get_site(site.slug)
    assert found is not None
    return found.webhook_events


def test_the_site_carries_the_events_its_active_webhooks_want(
    ctx: ServiceContext, store: Store
) -> None:
    site = add_site(ctx, "demo", "Demo")
    other = add_site(ctx, "other", "Other")
    assert _site_events(store, site) == frozenset()
    held = _hook(store, site, ("comment.held",))
    both = _hook(store, site, ("comment.published", "comment.held"))
    _hook(store, other, ("comment.deleted",))
    assert _site_events(store, site) == {"comment.published", "comment.held"}
    store.write(lambda db: db.set_webhook_active(both.id, False, None))  # paused
    assert _site_events(store, site) == {"comment.held"}
    store.write(lambda db: db.set_webhook_active(both.id, True, None))
    store.write(lambda db: db.delete_webhook(held.id))
    assert _site_events(store, site) == {"comment.published", "comment.held"}
    store.write(lambda db: db.set_webhook_active(both.id, False, "410 Gone"))  # turned off
    assert _site_events(store, site) == frozenset()
    assert _site_events(store, other) == {"comment.deleted"}


def test_a_site_without_webhooks_queues_nothing(ctx: ServiceContext, store: Store) -> None:
    site = add_site(ctx, "demo", "Demo")
    assert _record(store, site, "comment.published") == 0
    with store.reading() as db:
        assert not db.delivery_due(NOW + timedelta(days=1))


def test_a_claim_is_won_once_and_the_lease_expires(ctx: ServiceContext, store: Store) -> None:
    site = add_site(ctx, "demo", "Demo")
    _hook(store, site, ("comment.published",))
    for comment_id in (1, 2, 3):
        _record(store, site, "comment.published", comment_id)
    lease = NOW + timedelta(minutes=2)

    with store.reading() as db:
        assert db.delivery_due(NOW) and not db.delivery_due(NOW - timedelta(seconds=1))
    first = store.write(lambda db: db.claim_deliveries(NOW, lease, "a", 2))
    second = store.write(lambda db: db.claim_deliveries(NOW, lease, "b", 10))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert store.write(lambda db: db.claim_deliveries(NOW, lease, "c", 10)) == []
    # Nobody finished: once the lease ends the rows are due again.
    after = lease + timedelta(seconds=1)
    assert sorted(store.write(lambda db: db.claim_deliveries(after, after, "d", 10))) == sorted(
        first + second
    )

    def finish(owner: str) -> bool:
        return store.write(
            lambda db: db.finish_attempt(
                first[0],
                owner,
                state="delivered",
                now=after,
                next_attempt_at=after,
                status=204,
                error=None,
            )
        )

    assert not finish("a")  # its lease was taken over: its outcome is not recorded
    assert finish("d")
    with store.reading() as db:
        done = db.get_delivery(first[0])
    assert done is not None and done.state == "delivered" and done.attempts == 1
    assert done.last_status == 204 and done.delivered_at == after


def test_claiming_one_delivery(ctx: ServiceContext, store: Store) -> None:
    site = add_site(ctx, "demo", "Demo")
    hook = _hook(store, site, ("comment.published",))
    ping = store.write(lambda db: db.insert_delivery(hook.id, "ping", NOW, NOW))
    _record(store, site, "comment.published")
    got = store.write(lambda db: db.claim_deliveries(NOW, LATER, "me", 1, only=ping))
    assert got == [ping]
    assert store.write(lambda db: db.claim_deliveries(NOW, LATER, "me", 1, only=ping)) == []


def test_paused_deliveries_wait_and_come_back(ctx: ServiceContext, store: Store) -> None:
    site = add_site(ctx, "demo", "Demo")
    hook = _hook(store, site, ("comment.published",))
    _record(store, site, "comment.published")
    assert store.write(lambda db: db.park_deliveries(hook.id)) == 1
    far = NOW + timedelta(days=3650)
    with store.reading() as db:
        assert not db.delivery_due(far)
        assert db.recent_deliveries(hook.id, 1)[0].next_attempt_at == PARKED
    resumed = NOW + timedelta(days=2)
    assert store.write(lambda db: db.unpark_deliveries(hook.id, resumed, resumed + (LATER - NOW)))
    with store.reading() as db:
        back = db.recent_deliveries(hook.id, 1)[0]
    assert back.next_attempt_at == resumed and back.give_up_at == resumed + (LATER - NOW)


def test_retry_and_purge(ctx: ServiceContext, store: Store) -> None:
    site = add_site(ctx, "demo", "Demo")
    hook = _hook(store, site, ("comment.published",))
    for comment_id in (1, 2):
        _record(store, site, "comment.published", comment_id)
    ids = store.write(lambda db: db.claim_deliveries(NOW, NOW, "w", 10))

    def finish(db: Gateway, delivery_id: int, state: str) -> bool:
        return db.finish_attempt(
            delivery_id, "w", state=state, now=NOW, next_attempt_at=NOW, status=500, error="x"
        )

    store.write(lambda db: finish(db, ids[0], "failed") and finish(db, ids[1], "delivered"))
    assert not store.write(lambda db: db.retry_delivery(ids[1], NOW, LATER))  # not failed
    assert store.write(lambda db: db.retry_delivery(ids[0], NOW, LATER))
    with store.reading() as db:
        assert db.get_delivery(ids[0]).state == "pending"  # type: ignore[union-attr]
    # Only finished rows older than the cut-off go.
    assert store.write(lambda db: db.purge_deliveries(NOW, 100)) == 0
    assert store.write(lambda db: db.purge_deliveries(NOW + timedelta(seconds=1), 100)) == 1
    with store.reading() as db:
        assert [d.id for d in db.recent_deliveries(hook.id, 10)] == [ids[0]]
    assert store.write(lambda db: db.delete_webhook(hook.id)) == 1
    with store.reading() as db:
        assert db.get_webhook(hook.id) is None and db.get_delivery(ids[0]) is None
