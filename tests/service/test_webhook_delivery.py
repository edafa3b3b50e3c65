"""Delivering webhooks to a real HTTP receiver on 127.0.0.1: signed JSON with the public face
of the comment only; retries driven by the injected clock (500 then 200 ends delivered);
timeouts; redirects not followed; 410 disables the webhook; give-up after a day; private
addresses refused by default; a test ping; a failed delivery retried by hand; and two
workers on two connections to one database never sending a delivery twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import Clock
from tests.service.conftest import CLIENT, post
from tests.webhook_receiver import Receiver, signature_valid
from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Site
from threadline.notify.webhook_client import WebhookClient
from threadline.service import comments, privacy, webhooks
from threadline.service.context import ServiceContext
from threadline.service.webhook_delivery import USER_AGENT, deliver_due, purge
from threadline.storage.webhook_queries import Delivery, Webhook


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    c = WebhookClient(2.0, allow_private=True, user_agent=USER_AGENT)
    yield c
    c.close()


@pytest.fixture
def added(
    ctx: ServiceContext, site: Site, client: WebhookClient, receiver: Receiver
) -> webhooks.NewWebhook:
    return webhooks.add_webhook(ctx, client, webhooks.COMMAND_LINE, "demo", receiver.url())


def deliveries(ctx: ServiceContext, hook: Webhook) -> list[Delivery]:
    with ctx.store.reading() as db:
        return list(reversed(db.recent_deliveries(hook.id, 500)))


def test_a_delivery_is_signed_and_carries_no_personal_data(
    ctx: ServiceContext, added: webhooks.NewWebhook, client: WebhookClient, receiver: Receiver
) -> None:
    posted = post(
        ctx,
        "Hello **there**",
        name="Rita",
        email="rita@example.org",
        website="https://rita.example",
    )
    outcomes = deliver_due(ctx, client)
    assert [o.state for o in outcomes] == ["delivered"]
    [got] = receiver.wait(1)
    assert got.path == "/hook"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"].startswith("Threadline-Webhook/")
    assert got.headers["Threadline-Event"] == "comment.published"
    assert got.headers["Threadline-Delivery"] == str(outcomes[0].delivery_id)
    assert signature_valid(added.secret, got.headers["Threadline-Signature"], got.body)
    assert not signature_valid("wrong", got.headers["Threadline-Signature"], got.body)
    data = got.json
    assert data["event"] == "comment.published" and data["id"] == outcomes[0].delivery_id
    assert data["occurred_at"].endswith("Z")
    assert data["site"] == {"slug": "demo", "name": "Demo News"}
    assert data["thread"]["key"] == "article-1"
    c = data["comment"]
    assert c["id"] == posted.comment.id and c["parent_id"] is None
    assert c["author"] == {"name": "Rita", "website": "https://rita.example"}
    assert "<strong>there</strong>" in c["html"] and c["status"] == "published"
    for secret in ("rita@example.org", CLIENT.ip, CLIENT.user_agent, posted.edit_token):
        assert str(secret) not in got.body.decode()
    [done] = deliveries(ctx, added.webhook)
    assert done.state == "delivered" and done.last_status == 200 and done.attempts == 1


def test_an_erased_comment_goes_out_without_name_or_text(
    ctx: ServiceContext, added: webhooks.NewWebhook, client: WebhookClient, receiver: Receiver
) -> None:
    post(ctx, "My secret words", name="Erin Erased", email="erin@example.org")
    privacy.erase_by_email(ctx, "demo", "erin@example.org", privacy.COMMAND_LINE)
    deliver_due(ctx, client)
    got = receiver.wait(2)
    assert [r.json["event"] for r in got] == ["comment.published", "comment.deleted"]
    for r in got:  # built when sent: the published event too carries the erased row
        assert "Erin" not in r.body.decode() and "secret words" not in r.body.decode()
        assert r.json["comment"]["author"] == {"name": None, "website": None}


def test_a_failure_is_retried_until_delivered(
    ctx: ServiceContext,
    clock: Clock,
    added: webhooks.NewWebhook,
    client: WebhookClient,
    receiver: Receiver,
) -> None:
    receiver.answers = [500]
    post(ctx, "Once.")
    [first] = deliver_due(ctx, client)
    assert first.state == "pending" and first.result.status == 500
    [waiting] = deliveries(ctx, added.webhook)
    assert waiting.attempts == 1 and waiting.last_error == "HTTP 500"
    assert waiting.next_attempt_at == clock.now + timedelta(seconds=30)
    assert deliver_due(ctx, client) == []  # not due yet
    clock.advance(seconds=31)
    [second] = deliver_due(ctx, client)
    assert second.state == "delivered"
    got = receiver.wait(2)
    assert got[0].headers["Threadline-Delivery"] == got[1].headers["Threadline-Delivery"]
    [done] = deliveries(ctx, added.webhook)
    assert done.state == "delivered" and done.attempts == 2 and done.last_status == 200


def test_gives_up_after_a_day(
    ctx: ServiceContext,
    clock: Clock,
    added: webhooks.NewWebhook,
    client: WebhookClient,
    receiver: Receiver,
) -> None:
    receiver.answers = [503] * 100
    post(ctx, "Never received.")
    start = clock.now
    states = []
    while clock.now - start < timedelta(hours=30):
        states += [o.state for o in deliver_due(ctx, client)]
        clock.advance(minutes=5)
    assert states[-1] == "failed" and states.count("failed") == 1
    assert 5 <= len(states) <= 12  # 30 s, 2 min, 10 min, 1 h, 3 h, then every 6 h
    [failed] = deliveries(ctx, added.webhook)
    assert failed.state == "failed" and failed.last_status == 503
    assert failed.last_attempt_at is not None
    assert failed.last_attempt_at - start <= timedelta(hours=24, minutes=5)


def test_a_slow_receiver_times_out(
    ctx: ServiceContext, added: webhooks.NewWebhook, receiver: Receiver
) -> None:
    receiver.delay_s = 1.5
    impatient = WebhookClient(0.3, allow_private=True, user_agent=USER_AGENT)
    post(ctx, "Slowly.")
    [outcome] = deliver_due(ctx, impatient)
    impatient.close()
    assert outcome.state == "pending" and outcome.result.status is None
    assert outcome.result.error == "no answer within 300 ms"


def test_redirects_are_not_followed(
    ctx: ServiceContext, added: webhooks.NewWebhook, client: WebhookClient, receiver: Receiver
) -> None:
    receiver.answers = [302]
    receiver.location = receiver.url("/elsewhere")
    post(ctx, "Redirected.")
    [outcome] = deliver_due(ctx, client)
    assert outcome.state == "pending" and outcome.result.status == 302
    assert "not followed" in (outcome.result.error or "")
    assert [r.path for r in receiver.received] == ["/hook"]


def test_gone_disables_the_webhook(
    ctx: ServiceContext, added: webhooks.NewWebhook, client: WebhookClient, receiver: Receiver
) -> None:
    receiver.answers = [410]
    post(ctx, "First.")
    [outcome] = deliver_due(ctx, client)
    assert outcome.state == "failed"
    hook = webhooks.get_webhook(ctx, webhooks.COMMAND_LINE, added.webhook.id)[0]
    assert not hook.active and "410 Gone" in (hook.disabled_reason or "")
    post(ctx, "Second: not queued.")
    assert len(deliveries(ctx, hook)) == 1
    with ctx.store.reading() as db:
        entries = db.audit_entries(None, action="webhook_disable", limit=5)
    assert len(entries) == 1
    # Resuming clears the reason.
    again = webhooks.set_paused(ctx, webhooks.COMMAND_LINE, hook.id, False)
    assert again.active and again.disabled_reason is None


def test_paused_deliveries_wait_for_resume(
    ctx: ServiceContext,
    clock: Clock,
    added: webhooks.NewWebhook,
    client: WebhookClient,
    receiver: Receiver,
) -> None:
    post(ctx, "Queued before the pause.")
    webhooks.set_paused(ctx, webhooks.COMMAND_LINE, added.webhook.id, True)
    clock.advance(days=3)  # longer than the give-up age
    assert deliver_due(ctx, client) == []
    webhooks.set_paused(ctx, webhooks.COMMAND_LINE, added.webhook.id, False)
    assert [o.state for o in deliver_due(ctx, client)] == ["delivered"]
    assert len(receiver.wait(1)) == 1


def test_private_addresses_are_refused_by_default(
    ctx: ServiceContext, site: Site, added: webhooks.NewWebhook, receiver: Receiver
) -> None:
    strict = WebhookClient(2.0, allow_private=False, user_agent=USER_AGENT)
    try:
        with pytest.raises(InvalidInput, match="non-public address"):
            webhooks.add_webhook(ctx, strict, webhooks.COMMAND_LINE, "demo", receiver.url())
        with pytest.raises(InvalidInput, match="http"):
            webhooks.add_webhook(ctx, strict, webhooks.COMMAND_LINE, "demo", "ftp://example.com/")
        # Checked again when sending: a webhook added while allowed is not sent to.
        post(ctx, "Stays inside.")
        [outcome] = deliver_due(ctx, strict)
    finally:
        strict.close()
    assert outcome.state == "pending" and (outcome.result.error or "").startswith("refused")
    assert receiver.received == []


def test_test_ping_and_retry_by_hand(
    ctx: ServiceContext,
    clock: Clock,
    added: webhooks.NewWebhook,
    client: WebhookClient,
    receiver: Receiver,
) -> None:
    ping = webhooks.send_test(ctx, client, webhooks.COMMAND_LINE, added.webhook.id)
    assert ping.state == "delivered" and ping.result.status == 200
    [got] = receiver.wait(1)
    assert got.json["event"] == "ping" and got.json["comment"] is None
    receiver.answers = [410]
    # A ping answered 410 fails at once (never retried) and turns the webhook off.
    failed = webhooks.send_test(ctx, client, webhooks.COMMAND_LINE, added.webhook.id)
    assert failed.state == "failed"
    webhooks.set_paused(ctx, webhooks.COMMAND_LINE, added.webhook.id, False)
    retried = webhooks.retry_delivery(ctx, client, webhooks.COMMAND_LINE, failed.delivery_id)
    assert retried.outcome is not None and retried.outcome.state == "delivered"
    with pytest.raises(Exception, match="Only a failed delivery"):
        webhooks.retry_delivery(ctx, client, webhooks.COMMAND_LINE, failed.delivery_id)
    with ctx.store.reading() as db:
        actions = [e.action for e in db.audit_entries(None, limit=20)]
    assert {"webhook_add", "webhook_test", "webhook_retry", "webhook_resume"} <= set(actions)


def test_old_finished_deliveries_are_purged(
    ctx: ServiceContext,
    clock: Clock,
    added: webhooks.NewWebhook,
    client: WebhookClient,
    receiver: Receiver,
) -> None:
    post(ctx, "Old news.")
    deliver_due(ctx, client)
    clock.advance(days=13)
    assert purge(ctx, 14) == 0
    clock.advance(days=2)
    assert purge(ctx, 14) == 1 and deliveries(ctx, added.webhook) == []


def test_two_workers_never_send_a_delivery_twice(
    ctx: ServiceContext, settings: Settings, added: webhooks.NewWebhook, receiver: Receiver
) -> None:
    posts = 60
    for i in range(posts):
        post(ctx, f"Comment {i}.", thread=f"article-{i % 4}")
    # A second store on the same database: another server process, or another instance.
    other_store = open_store(settings)
    other = build_context(settings, other_store)
    other.clock = ctx.clock
    clients = [WebhookClient(5.0, True, USER_AGENT) for _ in range(2)]
    receiver.delay_s = 0.01  # the passes overlap
    errors: list[BaseException] = []

    def work(worker: ServiceContext, c: WebhookClient) -> None:
        try:
            while deliver_due(worker, c, limit=5):
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(ctx, clients[0])),
        threading.Thread(target=work, args=(other, clients[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other_store.close()
    for c in clients:
        c.close()
    assert not errors
    sent = Counter(r.headers["Threadline-Delivery"] for r in receiver.received)
    assert len(sent) == posts and set(sent.values()) == {1}
    assert all(d.state == "delivered" for d in deliveries(ctx, added.webhook))


def test_an_edit_after_posting_goes_out_as_it_is_now(
    ctx: ServiceContext, added: webhooks.NewWebhook, client: WebhookClient, receiver: Receiver
) -> None:
    posted = post(ctx, "Draft words.")
    comments.edit_comment(ctx, posted.comment.id, "Final words.", posted.edit_token, CLIENT)
    deliver_due(ctx, client)
    got = receiver.wait(2)
    assert sorted(r.json["event"] for r in got) == ["comment.edited", "comment.published"]
    assert all("Final words." in r.json["comment"]["html"] for r in got)
    assert all(r.json["comment"]["edited_at"] is not None for r in got)
