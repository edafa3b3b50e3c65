"""Reply notifications below HTTP: the excerpt, the signed unsubscribe token, which replies
are due a mail (`prepare`; the real SMTP server of tests/smtp_server.py takes the one sent),
and the bus event behind them."""

from __future__ import annotations

import pytest

from tests.service.conftest import CLIENT
from tests.smtp_server import Inbox, smtp_inbox
from threadline.domain.errors import Forbidden, InvalidInput
from threadline.domain.events import ReplyPublished
from threadline.domain.models import Author, Site
from threadline.domain.moderation import Actor
from threadline.notify.mail import Mailer, MailSettings
from threadline.service import mail_outbox, moderation, reply_notifications
from threadline.service.comments import CommentDraft, PostedComment, post_comment
from threadline.service.context import ServiceContext
from threadline.service.sites import configure_site

__all__ = ["smtp_inbox"]  # the fixture

BASE = "https://comments.news.example"
EMAIL = "paula@example.org"


def _smtp(port: int) -> MailSettings:
    return MailSettings("127.0.0.1", port, "", "", False, "comments@news.example")


def _post(
    ctx: ServiceContext,
    body: str,
    *,
    parent: int | None = None,
    email: str | None = None,
    notify: bool = False,
    name: str = "Reader",
) -> PostedComment:
    draft = CommentDraft(
        "demo",
        "https://news.example/a",
        body,
        Author(name, email),
        parent_id=parent,
        notify_replies=notify,
        language="fr",
    )
    return post_comment(ctx, draft, CLIENT)


def test_excerpt_is_plain_text_cut_at_a_word() -> None:
    text = "# Title\n\n> quoted\n\n- **bold** and _it_ `code` [link](https://x.example)"
    assert reply_notifications.excerpt(text) == "Title quoted bold and it code link"
    long = "word " * 100
    cut = reply_notifications.excerpt(long, limit=50)
    assert cut.endswith("word…") and len(cut) <= 51
    assert reply_notifications.excerpt("x" * 400, limit=10) == "x" * 10 + "…"


def test_tokens_name_site_and_address_and_resist_forgery(ctx: ServiceContext, site: Site) -> None:
    token = reply_notifications.unsubscribe_token(ctx.secret_key, "demo", "Paula@Example.org")
    who = reply_notifications.open_unsubscribe(ctx, token)
    assert (who.site.slug, who.email) == ("demo", EMAIL)
    named, _, signature = token.partition(".")
    for bad in (
        reply_notifications.unsubscribe_token("other-secret", "demo", EMAIL),
        reply_notifications.unsubscribe_token(ctx.secret_key, "nosuchsite", EMAIL),
        f"{named}.{'0' * len(signature)}",
        "x" * 700,
        "@@@.sig",
    ):
        with pytest.raises(Forbidden):
            reply_notifications.open_unsubscribe(ctx, bad)


def test_prepare_mails_only_what_is_due(ctx: ServiceContext, site: Site, smtp_inbox: Inbox) -> None:
    parent = _post(ctx, "Parent", email=EMAIL, notify=True)
    reply = _post(ctx, "A *fine* reply", parent=parent.comment.id, name="Rita", email="r@x.org")
    mail = reply_notifications.prepare(ctx, reply.comment.id, BASE)
    assert mail is not None
    assert mail.to == EMAIL
    assert mail.subject == "Rita a répondu à votre commentaire sur Demo News"  # its language
    assert "A fine reply" in mail.body
    assert f"https://news.example/a#comment-{reply.comment.id}" in mail.body
    assert f"{BASE}/notifications/unsubscribe?token=" in mail.body
    # Once per reply: preparing changes nothing; once the outbox sent it, none is due any
    # more (hidden by flags and approved again: test_reply_notifications_outbox.py).
    assert reply_notifications.prepare(ctx, reply.comment.id, BASE) == mail
    report = mail_outbox.send_due(ctx, Mailer(_smtp(smtp_inbox.port), ()), BASE, 60)
    assert report.sent == 1
    assert [m["To"] for m in smtp_inbox.wait(1)] == [EMAIL]
    assert reply_notifications.prepare(ctx, reply.comment.id, BASE) is None

    own = _post(ctx, "Mine", parent=parent.comment.id, email=EMAIL.upper())
    top = reply_notifications.prepare(ctx, parent.comment.id, BASE)  # not a reply
    assert reply_notifications.prepare(ctx, own.comment.id, BASE) is None
    assert top is None

    quiet = _post(ctx, "Quiet", email="q@x.org")
    to_quiet = _post(ctx, "Hi", parent=quiet.comment.id)
    assert reply_notifications.prepare(ctx, to_quiet.comment.id, BASE) is None

    _, changed = reply_notifications.unsubscribe(
        ctx, reply_notifications.unsubscribe_token(ctx.secret_key, "demo", EMAIL)
    )
    assert changed == 1
    later = _post(ctx, "Later", parent=parent.comment.id, email="l@x.org")
    assert reply_notifications.prepare(ctx, later.comment.id, BASE) is None


def test_reply_published_is_announced_when_readers_can_see_it(
    ctx: ServiceContext, site: Site, people: dict[str, Actor]
) -> None:
    seen: list[int] = []
    ctx.bus.subscribe(ReplyPublished, lambda e: seen.append(e.comment_id))
    parent = _post(ctx, "Parent", email=EMAIL, notify=True)
    assert seen == []  # not a reply
    shown = _post(ctx, "Shown", parent=parent.comment.id)
    assert seen == [shown.comment.id]
    configure_site(ctx, "demo", changes={"premoderation": "true"})
    held = _post(ctx, "Held", parent=parent.comment.id)
    assert seen == [shown.comment.id]
    moderation.approve(ctx, people["mod"], held.comment.id)
    moderation.approve(ctx, people["mod"], held.comment.id)  # again: not shown anew
    assert seen == [shown.comment.id, held.comment.id]


def test_notify_needs_an_email(ctx: ServiceContext, site: Site) -> None:
    with pytest.raises(InvalidInput) as caught:
        _post(ctx, "Tell me", notify=True)
    assert caught.value.code == "email_required_for_notifications"
