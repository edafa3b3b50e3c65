"""Every action that changes a comment or thread queues its webhook event in its own write:
posted published or held, approved, rejected, edited, deleted, flagged (and held by flags),
threads closed and reopened, erased on request — and nothing for imports, for paused
webhooks, for events not subscribed to, or for a site without webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import CLIENT, VOTER, post
from tests.transfer.conftest import import_file
from tests.transfer.test_disqus import post as disqus_post
from tests.transfer.test_disqus import thread as disqus_thread
from tests.transfer.test_disqus import write as disqus_write
from threadline.domain.errors import AuthRequired, Forbidden
from threadline.domain.models import Site
from threadline.domain.moderation import Actor
from threadline.notify.webhook_client import WebhookClient
from threadline.service import comments, flags, moderation, privacy, site_rules, webhooks
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, configure_site
from threadline.storage.webhook_queries import Webhook

URL = "http://127.0.0.1:9/hook"  # nothing is sent here: these tests read the queue


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    c = WebhookClient(1.0, allow_private=True, user_agent="test")
    yield c
    c.close()


@pytest.fixture
def hook(ctx: ServiceContext, site: Site, client: WebhookClient) -> Webhook:
    return webhooks.add_webhook(ctx, client, webhooks.COMMAND_LINE, "demo", URL).webhook


def queued(ctx: ServiceContext, hook: Webhook) -> list[tuple[str, int | None]]:
    """(event, comment or thread id) of the webhook's deliveries, oldest first."""
    with ctx.store.reading() as db:
        found = db.recent_deliveries(hook.id, 100)
    return [(d.event, d.comment_id or d.thread_id) for d in reversed(found)]


def test_posting_published_and_held(ctx: ServiceContext, hook: Webhook) -> None:
    shown = post(ctx, "A fine remark.").comment
    configure_site(ctx, "demo", changes={"premoderation": "on"})
    held = post(ctx, "Another remark.").comment
    assert queued(ctx, hook) == [("comment.published", shown.id), ("comment.held", held.id)]


def test_moderators_decisions(ctx: ServiceContext, hook: Webhook, people: dict[str, Actor]) -> None:
    configure_site(ctx, "demo", changes={"premoderation": "on"})
    first = post(ctx, "Waiting one.").comment
    second = post(ctx, "Waiting two.").comment
    moderation.approve(ctx, people["mod"], first.id)
    moderation.approve(ctx, people["mod"], first.id)  # no change: no event
    moderation.reject(ctx, people["mod"], second.id, "Off topic")
    assert queued(ctx, hook) == [
        ("comment.held", first.id),
        ("comment.held", second.id),
        ("comment.published", first.id),
        ("comment.rejected", second.id),
    ]


def test_edit_and_delete_by_the_author(ctx: ServiceContext, hook: Webhook) -> None:
    posted = post(ctx, "First words.")
    comments.edit_comment(ctx, posted.comment.id, "Second words.", posted.edit_token, CLIENT)
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    cid = posted.comment.id
    assert queued(ctx, hook) == [
        ("comment.published", cid),
        ("comment.edited", cid),
        ("comment.deleted", cid),
    ]


def test_flags_and_the_hold_they_cause(ctx: ServiceContext, site: Site, hook: Webhook) -> None:
    configure_site(ctx, "demo", changes={"flags_to_hold": "2"})
    cid = post(ctx, "A civil remark.").comment.id
    flags.flag_comment(ctx, cid, "abusive", VOTER, None, CLIENT)
    flags.flag_comment(ctx, cid, "abusive", VOTER, None, CLIENT)  # the same reader: not again
    flags.flag_comment(ctx, cid, "spam", VOTER + "-2", None, CLIENT)
    assert queued(ctx, hook) == [
        ("comment.published", cid),
        ("comment.flagged", cid),
        ("comment.flagged", cid),
        ("comment.held", cid),
    ]


def test_threads_closed_and_reopened(
    ctx: ServiceContext, hook: Webhook, people: dict[str, Actor]
) -> None:
    posted = post(ctx, "Hello.")
    thread_id = posted.thread.id
    moderation.set_thread_closed(ctx, people["mod"], thread_id, True)
    moderation.set_thread_closed(ctx, people["mod"], thread_id, True)  # already: no event
    moderation.set_thread_closed(ctx, people["mod"], thread_id, False)
    assert queued(ctx, hook)[1:] == [("thread.closed", thread_id), ("thread.reopened", thread_id)]


def test_erasure_announces_a_deletion(ctx: ServiceContext, hook: Webhook) -> None:
    cid = post(ctx, "Mine.", email="me@example.org").comment.id
    privacy.erase_by_email(ctx, "demo", "me@example.org", privacy.COMMAND_LINE)
    assert queued(ctx, hook) == [("comment.published", cid), ("comment.deleted", cid)]


def test_only_subscribed_events_of_active_webhooks(
    ctx: ServiceContext, site: Site, client: WebhookClient
) -> None:
    only_held = webhooks.add_webhook(
        ctx, client, webhooks.COMMAND_LINE, "demo", URL, ["comment.held"]
    ).webhook
    paused = webhooks.add_webhook(ctx, client, webhooks.COMMAND_LINE, "demo", URL).webhook
    webhooks.set_paused(ctx, webhooks.COMMAND_LINE, paused.id, True)
    post(ctx, "Published: not wanted.")
    assert queued(ctx, only_held) == [] and queued(ctx, paused) == []


def test_a_site_without_webhooks_posts_as_before(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx, "Nobody listens.")
    with ctx.store.reading() as db:
        assert db.site_webhooks(None) == []
        assert not db.delivery_due(ctx.clock())
    assert posted.comment.id > 0


def test_imports_send_nothing(ctx: ServiceContext, client: WebhookClient, tmp_path: Path) -> None:
    add_site(ctx, "daily", "Daily")
    hook = webhooks.add_webhook(ctx, client, webhooks.COMMAND_LINE, "daily", URL).webhook
    path = disqus_write(
        tmp_path,
        disqus_thread("t", "https://d.example/a"),
        disqus_post("1", "t"),
        disqus_post("2", "t", "1"),
    )
    report = import_file(ctx.store, "disqus", path)
    assert report.comments_added == 2
    assert queued(ctx, hook) == []


def test_only_administrators_manage_webhooks(
    ctx: ServiceContext, client: WebhookClient, hook: Webhook, people: dict[str, Actor]
) -> None:
    for who in ("mod", "staff", "other_mod"):
        with pytest.raises(Forbidden, match="Only administrators"):
            webhooks.add_webhook(ctx, client, people[who], "demo", URL)
        with pytest.raises(Forbidden):
            webhooks.list_webhooks(ctx, people[who], "demo")
        with pytest.raises(Forbidden):
            webhooks.remove_webhook(ctx, people[who], hook.id)
    with pytest.raises(AuthRequired):  # a reader: nobody signed in
        webhooks.send_test(ctx, client, None, hook.id)
    listed = webhooks.list_webhooks(ctx, people["admin"], "demo")
    assert [item.webhook.id for item in listed] == [hook.id]
    paused = webhooks.set_paused(ctx, people["admin"], hook.id, True)
    assert not paused.active
    with ctx.store.reading() as db:
        [entry] = db.audit_entries(None, action="webhook_pause", limit=5)
    assert entry.actor_name == "Boss" and entry.target_id == str(hook.id)


def test_an_edit_the_engine_holds(
    ctx: ServiceContext, hook: Webhook, people: dict[str, Actor]
) -> None:
    site_rules.set_word_lists(ctx, people["admin"], "demo", suspect=["grapefruit"])
    posted = post(ctx, "A fine remark.")
    cid = posted.comment.id
    edited = comments.edit_comment(ctx, cid, "About grapefruit.", posted.edit_token, CLIENT)
    assert edited.status.value == "pending"
    assert queued(ctx, hook) == [
        ("comment.published", cid),
        ("comment.held", cid),
        ("comment.edited", cid),
    ]


def test_a_ban_that_rejects_the_authors_comments(
    ctx: ServiceContext, hook: Webhook, people: dict[str, Actor]
) -> None:
    first = post(ctx, "One.", name="Troll").comment
    second = post(ctx, "Two.", name="Troll", thread="article-2").comment
    moderation.ban_author(ctx, people["mod"], first.id, "Spam", reject_comments=True)
    assert sorted(queued(ctx, hook)[2:]) == [
        ("comment.rejected", first.id),
        ("comment.rejected", second.id),
    ]
