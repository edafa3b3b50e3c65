""" "Email me when someone replies" through the real ASGI app, a real database and a real SMTP
server (aiosmtpd on 127.0.0.1): who gets a mail and when, the unsubscribe page, the hourly
cap per address, a mail server that is down.

Mails go out from a background worker, one at a time in the order the replies became
visible: to show that a reply sent *no* mail, a later reply that must send one is the
witness — when its mail is the only one, the earlier reply sent none.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.api.support import assert_documented, assert_error, validate_schema
from tests.conftest import post
from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.auth.passwords import fast_passwords
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts, reply_notifications
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, configure_site

__all__ = ["smtp_inbox"]  # the fixture

PARENT = {"name": "Paula Parent", "email": "Paula@Example.org"}
PASSWORD = "correct horse battery staple"
UNSUBSCRIBE = reply_notifications.UNSUBSCRIBE_PATH


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


def _mail_client(make: Callable[..., TestClient], port: int, **overrides: Any) -> TestClient:
    c = make(
        **{
            "rate_limits": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": False,
            "mail_from": "comments@news.example",
            "public_url": "https://comments.news.example",
        }
        | overrides
    )
    add_site(_ctx(c), "demo", "Demo News", ["https://news.example"])
    return c


@pytest.fixture
def mail_client(make_client: Callable[..., TestClient], smtp_inbox: Inbox) -> TestClient:
    return _mail_client(make_client, smtp_inbox.port)


def _parent(client: TestClient, notify: bool = True, **fields: Any) -> int:
    posted = post(
        client,
        "What do you think?",
        author=PARENT,
        notify_replies=notify,
        url="https://news.example/article-1",
        **fields,
    )
    return int(posted["comment"]["id"])


def _reply(
    client: TestClient, parent_id: int, body: str, thread: str = "article-1", **author: str
) -> dict[str, Any]:
    who = {"name": "Rita Replier", "email": "rita@example.org"} | author
    return post(client, body, author=who, parent_id=parent_id, thread=thread)


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _unsubscribe_link(message: EmailMessage) -> str:
    found = re.search(r"https://\S+/notifications/unsubscribe\?token=\S+", _text(message))
    assert found, _text(message)
    return found.group(0)


def _path(link: str) -> str:
    parts = urlsplit(link)
    assert parts.netloc == "comments.news.example"
    return f"{parts.path}?{parts.query}"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _only_mail_is_about(inbox: Inbox, witness: str) -> EmailMessage:
    """The one mail received is the witness reply's (waits for it)."""
    inbox.wait(1)
    [message] = inbox.wait(2, timeout=0.3)
    assert witness in _text(message), _text(message)
    return message


def _witness(client: TestClient, inbox: Inbox) -> EmailMessage:
    """Someone else opts in and is replied to: their mail, the only one that arrives, shows
    that nothing was sent before it."""
    other = post(
        client, "Mine", author={"name": "Otto", "email": "otto@example.org"}, notify_replies=True
    )
    _reply(client, other["comment"]["id"], "The witness")
    return _only_mail_is_about(inbox, "The witness")


def test_an_opted_in_parent_gets_one_mail_with_excerpt_and_links(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    parent_id = _parent(mail_client)
    long_tail = " and more" * 60
    reply = _reply(
        mail_client, parent_id, f"**Strongly** agree, see [this](https://x.example){long_tail}"
    )
    reply_id = reply["comment"]["id"]

    [message] = smtp_inbox.wait(1)
    assert message["To"] == "paula@example.org"
    assert message["Subject"] == "Rita Replier replied to your comment on Demo News"
    text = _text(message)
    assert "Strongly agree, see this and more" in text  # plain text, not Markdown
    assert "**" not in text and "https://x.example" not in text
    assert "…" in text and "and more" * 40 not in text  # trimmed near 300 characters
    assert f"https://news.example/article-1#comment-{reply_id}" in text
    assert "rita@example.org" not in text  # who replied: the display name only
    link = _unsubscribe_link(message)
    assert link.endswith("&lang=en")
    assert len(smtp_inbox.wait(2, timeout=0.3)) == 1  # exactly one


def test_no_mail_without_opt_in_or_for_own_replies(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    quiet = _parent(mail_client, notify=False)
    _reply(mail_client, quiet, "Nobody asked about this one")
    subscribed = _parent(mail_client)
    _reply(mail_client, subscribed, "Answering myself", name="Paula", email="PAULA@example.org")
    _reply(mail_client, subscribed, "The witness")
    _only_mail_is_about(smtp_inbox, "The witness")


def test_no_mail_once_the_parents_author_erased_their_data(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    parent = post(mail_client, "Mine", author=PARENT, notify_replies=True)
    parent_id = parent["comment"]["id"]
    _reply(mail_client, parent_id, "Before the erasure")
    smtp_inbox.wait(1)
    mine = {"site": "demo", "comments": [{"id": parent_id, "token": parent["edit_token"]}]}
    download = mail_client.post("/api/v1/privacy/export", json=mine)
    assert [c["notify_replies"] for c in download.json()["data"]["comments"]] == [True]
    erased = mail_client.post("/api/v1/privacy/erase", json=mine)
    assert erased.status_code == 200, erased.text
    smtp_inbox.messages.clear()
    late = mail_client.post(
        "/api/v1/comments",
        json={
            "site": "demo",
            "thread": "article-1",
            "body": "After the erasure",
            "author": {"name": "Rita", "email": "rita@example.org"},
            "parent_id": parent_id,
        },
    )
    assert late.status_code in (201, 409), late.text  # kept as a placeholder, or refused
    _witness(mail_client, smtp_inbox)


def _moderator(client: TestClient) -> dict[str, str]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    with ctx.store.reading() as db:
        site = db.get_site("demo")
    assert site is not None
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, site.id),))
    response = client.post(
        "/api/v1/mod/session", json={"email": "mod@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_a_held_reply_mails_when_approved_and_not_before(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    parent_id = _parent(mail_client)
    other_parent = _parent(mail_client)
    deleted = post(mail_client, "Soon gone", author=PARENT, notify_replies=True)
    configure_site(_ctx(mail_client), "demo", changes={"premoderation": "true"})
    held = _reply(mail_client, parent_id, "Held for the desk")
    assert held["comment"]["status"] == "pending"
    held_to_deleted = _reply(mail_client, deleted["comment"]["id"], "Held, then orphaned")
    rejected = _reply(mail_client, other_parent, "Rejected by the desk")
    mail_client.delete(
        f"/api/v1/comments/{deleted['comment']['id']}",
        headers={"Authorization": f"Bearer {deleted['edit_token']}"},
    )

    headers = _moderator(mail_client)
    for comment, action, body in (
        (rejected, "reject", {"reason": "off topic"}),
        (held_to_deleted, "approve", {}),
        (held, "approve", {}),
    ):
        done = mail_client.post(
            f"/api/v1/mod/comments/{comment['comment']['id']}/{action}", json=body, headers=headers
        )
        assert done.status_code == 200, done.text
    message = _only_mail_is_about(smtp_inbox, "Held for the desk")
    assert f"#comment-{held['comment']['id']}" in _text(message)

    # Approving it again changes nothing and mails nothing.
    smtp_inbox.messages.clear()
    again = mail_client.post(
        f"/api/v1/mod/comments/{held['comment']['id']}/approve", json={}, headers=headers
    )
    assert again.status_code == 200
    configure_site(_ctx(mail_client), "demo", changes={"premoderation": "false"})
    _reply(mail_client, other_parent, "The witness")
    _only_mail_is_about(smtp_inbox, "The witness")


def test_notify_replies_needs_an_email(mail_client: TestClient) -> None:
    payload = {
        "site": "demo",
        "thread": "article-1",
        "body": "Tell me",
        "author": {"name": "Nomail"},
        "notify_replies": True,
    }
    validate_schema("PostCommentIn", payload)
    refused = mail_client.post("/api/v1/comments", json=payload)
    error = assert_error(refused, 422, "email_required_for_notifications")
    assert error["field"] == "notify_replies"
    assert_documented("POST", "/api/v1/comments", refused)
    blank = mail_client.post(
        "/api/v1/comments", json=payload | {"author": {"name": "N", "email": "  "}}
    )
    assert_error(blank, 422, "email_required_for_notifications")


def test_unsubscribe_page_changes_nothing_until_confirmed(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    first = _parent(mail_client)
    second = _parent(mail_client, thread="article-2")
    _reply(mail_client, first, "One")
    [message] = smtp_inbox.wait(1)
    link = _unsubscribe_link(message)

    page = mail_client.get(_path(link))
    assert page.status_code == 200
    assert "paula@example.org" in page.text and "Demo News" in page.text
    assert '<form method="post" action="/notifications/unsubscribe">' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"

    smtp_inbox.messages.clear()
    _reply(mail_client, second, "Still subscribed after the GET", "article-2")
    _only_mail_is_about(smtp_inbox, "Still subscribed after the GET")

    done = mail_client.post(UNSUBSCRIBE, data={"token": _token(link), "lang": "en"})
    assert done.status_code == 200
    assert "No more reply notifications" in done.text
    twice = mail_client.post(UNSUBSCRIBE, data={"token": _token(link)})
    assert twice.status_code == 200  # confirming again is harmless

    # Every comment of that address on the site is off now; someone else's is not.
    smtp_inbox.messages.clear()
    _reply(mail_client, first, "After the unsubscribe")
    _reply(mail_client, second, "After the unsubscribe, too", "article-2")
    message = _witness(mail_client, smtp_inbox)
    assert message["To"] == "otto@example.org"


def test_forged_or_damaged_tokens_are_refused(mail_client: TestClient) -> None:
    ctx = _ctx(mail_client)
    parent_id = _parent(mail_client)
    forged = reply_notifications.unsubscribe_token("not-the-secret", "demo", "paula@example.org")
    real = reply_notifications.unsubscribe_token(ctx.secret_key, "demo", "paula@example.org")
    other_address = real.split(".")[0] + "." + forged.split(".")[1]
    for token in (forged, other_address, "", "nonsense", "!!!.abc", real[:-2]):
        page = mail_client.get(UNSUBSCRIBE, params={"token": token, "lang": "de"})
        assert page.status_code == 403, token
        assert "Dieser Link kann nicht verwendet werden" in page.text
        action = mail_client.post(UNSUBSCRIBE, data={"token": token})
        assert action.status_code == 403
    with ctx.store.reading() as db:
        site = db.get_site("demo")
        assert site is not None
        assert db.subscribed_comment_ids(site.id, "paula@example.org") == [parent_id]


def test_the_page_speaks_the_links_language(mail_client: TestClient) -> None:
    _parent(mail_client)
    token = reply_notifications.unsubscribe_token(
        _ctx(mail_client).secret_key, "demo", "paula@example.org"
    )
    french = mail_client.get(UNSUBSCRIBE, params={"token": token, "lang": "fr"})
    assert french.headers["content-language"] == "fr"
    assert "Ne plus recevoir ces messages" in french.text
    german = mail_client.post(UNSUBSCRIBE, data={"token": token, "lang": "de"})
    assert "Keine Benachrichtigungen mehr" in german.text


def test_the_mail_speaks_the_parents_language(mail_client: TestClient, smtp_inbox: Inbox) -> None:
    response = mail_client.post(
        "/api/v1/comments",
        json={
            "site": "demo",
            "thread": "article-1",
            "body": "Was meinen Sie?",
            "author": PARENT,
            "notify_replies": True,
        },
        headers={"Accept-Language": "de-CH, en;q=0.5"},
    )
    assert response.status_code == 201
    _reply(mail_client, response.json()["comment"]["id"], "Ja")
    [message] = smtp_inbox.wait(1)
    assert message["Subject"] == "Rita Replier hat auf Ihren Kommentar bei Demo News geantwortet"
    assert _unsubscribe_link(message).endswith("&lang=de")

    # The widget says its language; it wins over the browser's.
    smtp_inbox.messages.clear()
    french = post(
        mail_client, "Qu'en pensez-vous ?", author=PARENT, notify_replies=True, lang="fr-CH"
    )
    _reply(mail_client, french["comment"]["id"], "Oui")
    [message] = smtp_inbox.wait(1)
    assert message["Subject"] == "Rita Replier a répondu à votre commentaire sur Demo News"
    assert "Pour ne plus recevoir ces messages" in _text(message)


def test_at_most_ten_mails_an_hour_per_address(
    make_client: Callable[..., TestClient], smtp_inbox: Inbox
) -> None:
    client = _mail_client(make_client, smtp_inbox.port, rate_limits=True)
    configure_site(
        _ctx(client),
        "demo",
        changes={
            "comments_per_minute_per_ip": "100",
            "comments_per_minute_per_author": "100",
            "automoderation": "false",  # a dozen replies a second would look like a flood
        },
    )
    parent_id = _parent(client)
    for n in range(12):
        _reply(client, parent_id, f"Reply number {n}", name=f"R{n}", email=f"r{n}@example.org")
    other = post(
        client,
        "Otto's own view on this",
        author={"name": "Otto", "email": "otto@example.org"},
        notify_replies=True,
        thread="article-2",
    )
    assert other["comment"]["status"] == "published", other
    _reply(client, other["comment"]["id"], "The witness", "article-2")
    messages = smtp_inbox.wait(11)
    assert len(smtp_inbox.wait(12, timeout=0.3)) == 11
    to_paula = [m for m in messages if m["To"] == "paula@example.org"]
    assert len(to_paula) == reply_notifications.MAILS_PER_HOUR_PER_ADDRESS
    assert "Reply number 9" in _text(to_paula[-1])


def test_a_mail_server_that_is_down_does_not_fail_the_post(
    make_client: Callable[..., TestClient],
) -> None:
    client = _mail_client(make_client, free_port())  # nothing listens there
    parent_id = _parent(client)
    reply = _reply(client, parent_id, "Answer")  # answered at once: the mail is not awaited
    assert reply["comment"]["status"] == "published"
    thread = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    assert len(thread.json()["comments"]) == 2


@pytest.mark.parametrize("configured", [True, False])
def test_a_failed_mail_is_logged_and_kept_for_a_retry(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture, configured: bool
) -> None:
    # Nothing listens on that port; or no mail server is configured at all.
    overrides = {} if configured else {"smtp_host": ""}
    client = _mail_client(make_client, free_port(), **overrides)
    parent_id = _parent(client)
    with caplog.at_level(logging.WARNING, logger="threadline.service.mail_outbox"):
        reply = _reply(client, parent_id, "Answer")
        expected = (
            f"a reply notification could not be mailed (comment {reply['comment']['id']}, "
            "attempt 1, next in 60 s): "
            + ("the SMTP server 127.0.0.1:" if configured else "no mail server is configured")
        )
        deadline = time.monotonic() + 5
        while expected not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert expected in caplog.text
    with _ctx(client).store.reading() as db:
        assert db.reply_mails_waiting() == 1  # kept: sent once the server answers
        notice = db.reply_notice(reply["comment"]["id"])
    assert notice is not None and not notice.reply_notified
