"""Readers' data rights over HTTP: the widget's token-based download and erasure, and the
emailed link end to end through a real SMTP server (aiosmtpd on 127.0.0.1): single use,
expiry, the wrong site, no account enumeration, a mail server that is down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from tests.api.support import assert_documented, assert_error, page_json, validate_schema
from tests.conftest import app_clock, post
from tests.privacy_scan import find_everywhere
from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.config import Settings
from threadline.service.sites import add_site

__all__ = ["smtp_inbox"]  # the fixture

EXPORT = "/api/v1/privacy/export"
ERASE = "/api/v1/privacy/erase"
REQUESTS = "/api/v1/privacy/requests"
NAME = "Philippa Privatsphäre"
EMAIL = "philippa@example.org"
READER = "philippa-browser-0123456789"


def _post_theirs(client: TestClient, body: str = "Mine", **fields: Any) -> dict[str, Any]:
    return post(client, body, author={"name": NAME, "email": EMAIL}, **fields)


def _tokens(*posted: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": p["comment"]["id"], "token": p["edit_token"]} for p in posted]


# -- the widget's way: edit tokens and the voter id --------------------------------------------


def test_download_then_erase_with_edit_tokens(client: TestClient) -> None:
    app_clock(client)
    mine = _post_theirs(client, "First")
    other = post(client, "Reply by someone else", parent_id=mine["comment"]["id"])
    voted = client.post(
        f"/api/v1/comments/{other['comment']['id']}/vote", json={"value": 1, "voter": READER}
    )
    assert voted.status_code == 200
    body = {"site": "demo", "comments": _tokens(mine), "reader": READER}
    validate_schema("PrivacyTokensIn", body)

    got = client.post(EXPORT, json=body)
    assert_documented("POST", EXPORT, got)
    assert got.headers["cache-control"] == "no-store"
    data = got.json()["data"]
    assert [c["body"] for c in data["comments"]] == ["First"]
    assert data["comments"][0]["thread"]["key"] == "article-1"
    assert data["names"] == [NAME] and data["emails"] == [EMAIL]
    assert [v["value"] for v in data["votes"]] == [1]
    assert got.json()["unmatched"] == []

    before = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    erased = client.post(ERASE, json=body)
    assert_documented("POST", ERASE, erased)
    report = erased.json()["erased"]
    assert (report["comments_removed"], report["votes_withdrawn"]) == (1, 1)

    # The page changed (new version, so no stale cache), with a placeholder for theirs.
    after = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    assert after.headers["etag"] != before.headers["etag"]
    shown = after.json()["comments"]
    assert shown[0]["deleted"] is True and shown[0]["author"] is None
    assert shown[1]["upvotes"] == 0
    assert after.json()["thread"]["comment_count"] == 1

    # The token proves nothing any more.
    again = client.post(EXPORT, json=body)
    assert again.json()["data"]["comments"] == []
    assert again.json()["unmatched"] == [mine["comment"]["id"]]


def test_token_requests_are_checked(client: TestClient) -> None:
    assert_error(client.post(EXPORT, json={"site": "nowhere"}), 404, "site_not_found")
    assert_error(
        client.post(EXPORT, json={"site": "demo", "reader": "short"}), 422, "invalid_reader"
    )
    assert_error(client.post(ERASE, json={"site": "demo", "extra": 1}), 422, "unknown_field")
    assert_error(client.post(ERASE, content=b"site=demo"), 415, "unsupported_media_type")
    assert_error(
        client.post(ERASE, json={"site": "demo"}, headers={"Origin": "https://evil.example"}),
        403,
        "origin_not_allowed",
    )
    many = [{"id": i, "token": "t"} for i in range(1, 502)]
    assert_error(client.post(EXPORT, json={"site": "demo", "comments": many}), 422, "invalid_input")


# -- the emailed link ---------------------------------------------------------------------------


@pytest.fixture
def mail_client(make_client: Callable[..., TestClient], smtp_inbox: Inbox) -> TestClient:
    c = make_client(
        rate_limits=False,
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox.port,
        smtp_starttls=False,
        mail_from="comments@news.example",
        public_url="https://comments.news.example",
    )
    ctx = c.app.state.threadline.ctx  # type: ignore[attr-defined]
    add_site(ctx, "demo", "Demo News", ["https://news.example"])
    add_site(ctx, "other", "Other News")
    return c


def _ask(client: TestClient, site: str = "demo", email: str = EMAIL) -> None:
    response = client.post(REQUESTS, json={"site": site, "email": email})
    assert_documented("POST", REQUESTS, response)
    assert response.status_code == 202
    assert response.json()["message"].startswith("If comments were given with this address")


def _path(link: str) -> str:
    parts = urlsplit(link)
    assert parts.scheme == "https" and parts.netloc == "comments.news.example"
    return f"{parts.path}?{parts.query}"


def _token(link: str) -> str:
    return link.split("token=", 1)[1]


def test_emailed_link_downloads_once(mail_client: TestClient, smtp_inbox: Inbox) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "Signed with my address")
    _ask(mail_client, email="Philippa@Example.org")  # any spelling of the address
    [message] = smtp_inbox.wait(1)
    assert message["To"] == EMAIL and message["Subject"] == "Your data on Demo News"
    link = smtp_inbox.last_link()

    page = mail_client.get(_path(link))
    assert page.status_code == 200
    assert "philippa@example.org" in page.text and "Demo News" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert mail_client.get(_path(link)).status_code == 200  # looking does not spend it

    download = mail_client.post("/privacy", data={"token": _token(link), "action": "export"})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    data = download.json()
    assert data["identified_by"] == "email" and data["email"] == EMAIL
    assert [c["body"] for c in data["comments"]] == ["Signed with my address"]

    spent = mail_client.get(_path(link))
    assert spent.status_code == 403 and "used already" in spent.text
    twice = mail_client.post("/privacy", data={"token": _token(link), "action": "export"})
    assert twice.status_code == 403


def test_emailed_link_erases_everything_given_with_the_address(
    mail_client: TestClient, smtp_inbox: Inbox, settings: Settings
) -> None:
    app_clock(mail_client)
    first = _post_theirs(mail_client, "One")
    post(mail_client, "Answer", parent_id=first["comment"]["id"])
    _post_theirs(mail_client, "Two", thread="article-2")
    _ask(mail_client)
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    token = _token(link)

    unconfirmed = mail_client.post("/privacy", data={"token": token, "action": "erase"})
    assert unconfirmed.status_code == 400  # nothing happens without the box ticked
    done = mail_client.post("/privacy", data={"token": token, "action": "erase", "confirm": "1"})
    assert done.status_code == 200 and "2 comment(s)" in done.text

    assert find_everywhere(settings.database_url, [NAME, EMAIL]) == []
    assert page_json(mail_client)["comments"][0]["deleted"] is True
    assert page_json(mail_client, "article-2")["comments"] == []
    assert mail_client.get(_path(link)).status_code == 403


def test_erasing_with_a_copy_downloads_what_was_erased(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "Keep a copy")
    _ask(mail_client)
    smtp_inbox.wait(1)
    token = _token(smtp_inbox.last_link())
    form = {"token": token, "action": "erase", "confirm": "1", "copy": "1"}
    response = mail_client.post("/privacy", data=form)
    assert response.status_code == 200
    assert [c["body"] for c in response.json()["comments"]] == ["Keep a copy"]
    assert page_json(mail_client)["comments"] == []


def test_links_expire(mail_client: TestClient, smtp_inbox: Inbox) -> None:
    clock = app_clock(mail_client)
    _post_theirs(mail_client)
    _ask(mail_client)
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    clock.advance(minutes=59)
    assert mail_client.get(_path(link)).status_code == 200
    clock.advance(minutes=2)
    expired = mail_client.get(_path(link))
    assert expired.status_code == 403 and "expired" in expired.text
    form = {"token": _token(link), "action": "erase", "confirm": "1"}
    assert mail_client.post("/privacy", data=form).status_code == 403
    assert page_json(mail_client)["comments"][0]["author"]["name"] == NAME  # untouched


def test_a_link_is_for_one_site_and_tampering_breaks_it(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "On demo")
    _post_theirs(mail_client, "On other", site="other")
    _ask(mail_client, site="other")
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    assert "Other News" in mail_client.get(_path(link)).text
    nonce, signature = _token(link).split(".")
    forged = f"{nonce}.{'0' * len(signature)}"
    bad = mail_client.get(f"/privacy?token={forged}")
    assert bad.status_code == 403 and "not valid" in bad.text
    assert mail_client.get("/privacy?token=nonsense").status_code == 403

    form = {"token": _token(link), "action": "erase", "confirm": "1"}
    assert mail_client.post("/privacy", data=form).status_code == 200
    # Only the other site's comment went; the demo site's is untouched.
    assert page_json(mail_client)["comments"][0]["author"]["name"] == NAME
    other = mail_client.get("/api/v1/threads", params={"site": "other", "key": "article-1"})
    assert other.json()["comments"] == []


def test_asking_never_tells_whether_the_address_is_known(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    _post_theirs(mail_client, "Only on demo")
    responses = [
        mail_client.post(REQUESTS, json={"site": site, "email": email})
        for site, email in [
            ("demo", "nobody@example.org"),
            ("other", EMAIL),  # known, but not on that site
            ("no-such-site", EMAIL),
        ]
    ]
    assert {(r.status_code, r.text) for r in responses} == {(202, responses[0].text)}
    assert smtp_inbox.wait(1, timeout=0.5) == []
    assert_error(
        mail_client.post(REQUESTS, json={"site": "demo", "email": "not-an-address"}),
        422,
        "invalid_email",
    )


def test_a_mail_server_that_is_down_is_logged(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    c = make_client(
        rate_limits=False,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_starttls=False,
        mail_from="comments@news.example",
    )
    add_site(c.app.state.threadline.ctx, "demo", "Demo News")  # type: ignore[attr-defined]
    _post_theirs(c)
    with caplog.at_level(logging.WARNING):
        response = c.post(REQUESTS, json={"site": "demo", "email": EMAIL})
    assert response.status_code == 202
    assert any(
        "privacy link could not be mailed" in r.getMessage() and r.levelname == "ERROR"
        for r in caplog.records
    ), caplog.text


def test_requests_are_rate_limited_per_network(make_client: Callable[..., TestClient]) -> None:
    c = make_client()
    add_site(c.app.state.threadline.ctx, "demo", "Demo News")  # type: ignore[attr-defined]
    answers = [
        c.post(REQUESTS, json={"site": "demo", "email": f"n{i}@example.org"}).status_code
        for i in range(6)
    ]
    assert answers == [202] * 5 + [429]
