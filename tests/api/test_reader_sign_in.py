"""Readers signed in with the publisher's accounts (docs/sign-in.md), through the real ASGI
app on both backends: the `Threadline-Reader` header on every write, what it changes, its
errors, the `sign_in_required` setting — every response checked against the OpenAPI
document."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.api.support import (
    ALLOWED_ORIGIN,
    COMMENTS,
    assert_documented,
    assert_error,
    bearer,
    comment_url,
    openapi_document,
    operation,
    page_json,
)
from tests.conftest import Clock, app_clock
from threadline.auth.passwords import fast_passwords
from threadline.domain.errors import InvalidInput
from threadline.service import accounts, privacy, reader_sign_in, sites
from threadline.service.context import ServiceContext

PASSWORD = "correct horse battery staple"
MINE = f"{COMMENTS}/mine"
ONE = f"{COMMENTS}/{{id}}"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def app_time(client: TestClient) -> Clock:
    return app_clock(client)


@pytest.fixture
def secret(client: TestClient, app_time: Clock) -> str:
    """Sign-in turned on for the demo site; the secret."""
    return reader_sign_in.new_reader_secret(_ctx(client), "demo", reader_sign_in.COMMAND_LINE)


def _token(client: TestClient, sub: str = "acct-1", name: str = "Ada Lovelace", **kw: Any) -> str:
    return reader_sign_in.mint_reader_token(_ctx(client), "demo", sub, name, **kw)


def _as(token: str) -> dict[str, str]:
    return {"Threadline-Reader": token}


def _post(
    client: TestClient, token: str | None, body: str = "A fine remark.", **fields: Any
) -> httpx.Response:
    payload: dict[str, Any] = {"site": "demo", "thread": "article-1", "body": body}
    payload |= fields
    response = client.post(COMMENTS, json=payload, headers=_as(token) if token else {})
    assert_documented("POST", COMMENTS, response)
    return response


def _require_sign_in(client: TestClient) -> None:
    sites.configure_site(_ctx(client), "demo", changes={"sign_in_required": "on"})


def _stored(client: TestClient, comment_id: int) -> Any:
    with _ctx(client).store.reading() as db:
        return db.get_comment(comment_id)


# -- posting ----------------------------------------------------------------------------------


def test_a_signed_in_reader_posts_under_the_name_the_publisher_vouches_for(
    client: TestClient, secret: str
) -> None:
    token = _token(client, email="ada@example.com")
    response = _post(
        client,
        token,
        author={"name": "Someone Else", "email": "x@example.org", "website": "https://ada.dev"},
    )
    assert response.status_code == 201, response.text
    posted = response.json()
    comment = posted["comment"]
    assert comment["author"] == {
        "name": "Ada Lovelace",
        "website": "https://ada.dev",
        "verified": True,
    }
    assert posted["edit_token"]  # still handed out: the widget keeps using it
    stored = _stored(client, comment["id"])
    assert (stored.reader_id, stored.author.email) == ("acct-1", "ada@example.com")

    # Everywhere the comment appears it says so: the page, its permalink.
    [shown] = page_json(client)["comments"]
    assert shown["author"]["verified"] is True
    assert client.get(comment_url(comment["id"])).json()["comment"]["author"]["verified"]
    # Readers who typed their name are not verified.
    plain = _post(client, None, author={"name": "Bo"}).json()["comment"]
    assert plain["author"]["verified"] is False


def test_the_body_author_is_optional_with_a_token_only(client: TestClient, secret: str) -> None:
    missing = assert_error(_post(client, None), 422, "invalid_input")
    assert missing["field"] == "author" and missing["message"] == "Give your name to comment."
    response = _post(client, _token(client))
    assert response.status_code == 201, response.text
    assert response.json()["comment"]["author"]["name"] == "Ada Lovelace"


def test_reply_mails_need_the_tokens_email(client: TestClient, secret: str) -> None:
    without = _post(client, _token(client), notify_replies=True)
    assert_error(without, 422, "email_required_for_notifications")
    with_email = _post(client, _token(client, email="ada@example.com"), notify_replies=True)
    assert with_email.status_code == 201, with_email.text


def test_bad_tokens_are_refused_with_401(client: TestClient, app_time: Clock) -> None:
    # No secret yet: no token can be verified.
    other = reader_sign_in.sign_reader_token(
        "x" * 43, "demo", "acct-1", "Ada", None, app_time.now + timedelta(hours=1), app_time.now
    )
    assert_error(_post(client, other), 401, "reader_token_invalid")
    reader_sign_in.new_reader_secret(_ctx(client), "demo", reader_sign_in.COMMAND_LINE)
    assert_error(_post(client, other), 401, "reader_token_invalid")
    assert_error(_post(client, "not-a-token"), 401, "reader_token_invalid")
    token = _token(client, lifetime=timedelta(minutes=5))
    app_time.advance(minutes=10)
    error = assert_error(_post(client, token), 401, "reader_token_expired")
    assert error["message"] == "Your sign-in has expired. Please sign in again."


def test_rotating_the_secret_ends_the_old_tokens(client: TestClient, secret: str) -> None:
    token = _token(client)
    assert _post(client, token).status_code == 201
    reader_sign_in.new_reader_secret(_ctx(client), "demo", reader_sign_in.COMMAND_LINE)
    assert_error(_post(client, token), 401, "reader_token_invalid")
    assert _post(client, _token(client)).status_code == 201


# -- sign-in required -------------------------------------------------------------------------


def test_requiring_sign_in_needs_the_secret_first(client: TestClient) -> None:
    with pytest.raises(InvalidInput) as caught:
        _require_sign_in(client)
    assert caught.value.code == "sign_in_not_enabled"
    assert "threadline site sign-in demo --new-secret" in caught.value.message


def test_a_site_that_requires_sign_in_refuses_anonymous_writes(
    client: TestClient, secret: str
) -> None:
    token = _token(client)
    earlier = _post(client, None, author={"name": "Bo"}).json()["comment"]
    _require_sign_in(client)

    refused = _post(client, None, author={"name": "Bo"})
    error = assert_error(refused, 401, "sign_in_required")
    assert error["message"] == (
        "Only signed-in readers can take part in this discussion. Please sign in."
    )
    vote = {"value": 1, "voter": "browser-0123456789abcdef"}
    flag = {"reason": "spam", "reader": "browser-0123456789abcdef"}
    for path, body in (("/vote", vote), ("/flags", flag)):
        response = client.post(comment_url(earlier["id"], path), json=body)
        assert_documented("POST", ONE + path, response)
        assert_error(response, 401, "sign_in_required")

    assert _post(client, token).status_code == 201
    voted = client.post(comment_url(earlier["id"], "/vote"), json=vote, headers=_as(token))
    assert voted.status_code == 200, voted.text
    assert voted.json()["comment"]["upvotes"] == 1
    flagged = client.post(comment_url(earlier["id"], "/flags"), json=flag, headers=_as(token))
    assert flagged.status_code == 204, flagged.text
    # Reading stays open to everyone.
    assert len(page_json(client)["comments"]) == 2

    # The secret cannot go while sign-in is required.
    with pytest.raises(InvalidInput) as caught:
        reader_sign_in.remove_reader_secret(_ctx(client), "demo", reader_sign_in.COMMAND_LINE)
    assert caught.value.code == "sign_in_required_on"


# -- editing and deleting from any device -----------------------------------------------------


def test_the_reader_edits_and_deletes_from_another_device(client: TestClient, secret: str) -> None:
    token = _token(client)
    comment = _post(client, token, "First words.").json()["comment"]
    # Another device: no edit token, the same account.
    edited = client.patch(
        comment_url(comment["id"]), json={"body": "Second words."}, headers=_as(_token(client))
    )
    assert_documented("PATCH", ONE, edited)
    assert edited.status_code == 200, edited.text
    assert edited.json()["comment"]["author"]["verified"] is True
    [shown] = page_json(client)["comments"]  # the page's rendering, encoded again
    assert "Second words." in shown["html"] and shown["author"]["verified"] is True

    deleted = client.delete(comment_url(comment["id"]), headers=_as(token))
    assert_documented("DELETE", ONE, deleted)
    assert deleted.status_code == 204
    [placeholder] = page_json(client)["comments"] or [None]
    assert placeholder is None or placeholder["deleted"]
    assert _stored(client, comment["id"]).reader_id is None  # gone with the content
    again = client.delete(comment_url(comment["id"]), headers=_as(token))
    assert_error(again, 409, "comment_deleted")


def test_another_readers_token_is_not_yours(client: TestClient, secret: str) -> None:
    posted = _post(client, _token(client)).json()
    comment_id = posted["comment"]["id"]
    mallory = _as(_token(client, "acct-2", "Mallory"))
    for response in (
        client.patch(comment_url(comment_id), json={"body": "Hacked."}, headers=mallory),
        client.delete(comment_url(comment_id), headers=mallory),
    ):
        assert_documented(response.request.method, ONE, response)
        assert_error(response, 403, "not_your_comment")
    # A comment typed anonymously is not any signed-in reader's either.
    anonymous = _post(client, None, author={"name": "Bo"}).json()
    refused = client.patch(
        comment_url(anonymous["comment"]["id"]), json={"body": "Mine?"}, headers=mallory
    )
    assert_error(refused, 403, "not_your_comment")
    # The edit token still proves ownership, signed in or not.
    both = {**mallory, **bearer(posted["edit_token"])}
    edited = client.patch(comment_url(comment_id), json={"body": "Fixed typo."}, headers=both)
    assert edited.status_code == 200, edited.text


def test_expired_tokens_and_the_edit_window_still_apply(
    client: TestClient, secret: str, app_time: Clock
) -> None:
    short = _token(client, lifetime=timedelta(minutes=2))
    comment_id = _post(client, short).json()["comment"]["id"]
    app_time.advance(minutes=5)
    expired = client.patch(comment_url(comment_id), json={"body": "Late."}, headers=_as(short))
    assert_error(expired, 401, "reader_token_expired")
    app_time.advance(hours=1)
    closed = client.delete(comment_url(comment_id), headers=_as(_token(client)))
    assert_error(closed, 403, "edit_window_closed")


# -- moderation follows the account -----------------------------------------------------------


def test_a_ban_follows_the_account_whatever_name_it_uses(client: TestClient, secret: str) -> None:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    comment = _post(client, _token(client), "Rude words.").json()["comment"]

    login = client.post(
        "/api/v1/mod/session", json={"email": "boss@example.com", "password": PASSWORD}
    )
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}
    queue = client.get("/api/v1/mod/queue", params={"queue": "recent"})
    assert_documented("GET", "/api/v1/mod/queue", queue)
    [card] = queue.json()["items"]
    assert card["reader_id"] == "acct-1"
    banned = client.post(
        comment_url(comment["id"], "/ban").replace("/comments/", "/mod/comments/"),
        json={"reason": "Abuse"},
        headers=headers,
    )
    assert banned.status_code == 201, banned.text
    assert banned.json()["author"] == "reader:acct-1"
    client.cookies.clear()

    renamed = _token(client, "acct-1", "A. Nother Name", email="new@example.com")
    assert_error(_post(client, renamed), 403, "author_banned")
    # The name alone is nobody's account: an anonymous reader of that name may still write.
    assert _post(client, None, author={"name": "Ada Lovelace"}).status_code == 201
    assert _post(client, _token(client, "acct-2", "Ada Lovelace")).status_code == 201


def test_a_typed_name_cannot_pose_as_an_account(client: TestClient, secret: str) -> None:
    typed = _post(client, None, author={"name": "reader:acct-1"}).json()["comment"]
    with _ctx(client).store.reading() as db:
        info = db.comment_moderation(typed["id"])
    assert info is not None and info.author_key == "typed:reader:acct-1"


# -- votes, flags, a reader's own comments ----------------------------------------------------


def test_one_vote_per_account_whatever_the_browser_id(client: TestClient, secret: str) -> None:
    comment_id = _post(client, None, author={"name": "Bo"}).json()["comment"]["id"]
    token = _token(client)
    url = comment_url(comment_id, "/vote")
    for voter in ("browser-aaaaaaaaaaaaaaaa", "browser-bbbbbbbbbbbbbbbb"):
        response = client.post(url, json={"value": 1, "voter": voter}, headers=_as(token))
        assert_documented("POST", ONE + "/vote", response)
        assert response.status_code == 200, response.text
    assert response.json()["comment"]["upvotes"] == 1
    # The same browser id without the token is another voter.
    anonymous = client.post(url, json={"value": 1, "voter": "browser-aaaaaaaaaaaaaaaa"})
    assert anonymous.json()["comment"]["upvotes"] == 2
    # Nobody can vote as the account by spelling its key as their browser id: not withdraw
    # its vote, not flag as it, not ask for its data.
    posing = client.post(url, json={"value": 0, "voter": "reader:acct-1-padding"})
    assert_error(posing, 422, "invalid_voter")
    flagging = client.post(
        comment_url(comment_id, "/flags"), json={"reason": "spam", "reader": "reader:acct-1-pad"}
    )
    assert_error(flagging, 422, "invalid_reader")
    assert client.get(comment_url(comment_id)).json()["comment"]["upvotes"] == 2


def test_one_flag_per_account_whatever_the_browser_id(client: TestClient, secret: str) -> None:
    comment_id = _post(client, None, author={"name": "Bo"}).json()["comment"]["id"]
    token = _token(client)
    for reader in ("browser-aaaaaaaaaaaaaaaa", "browser-bbbbbbbbbbbbbbbb"):
        response = client.post(
            comment_url(comment_id, "/flags"),
            json={"reason": "spam", "reader": reader},
            headers=_as(token),
        )
        assert_documented("POST", ONE + "/flags", response)
        assert response.status_code == 204
    with _ctx(client).store.reading() as db:
        info = db.comment_moderation(comment_id)
    assert info is not None and info.flag_count == 1


def test_mine_returns_the_readers_held_comments_from_any_device(
    client: TestClient, secret: str
) -> None:
    sites.configure_site(_ctx(client), "demo", changes={"premoderation": "on"})
    token = _token(client)
    posted = _post(client, token, "Waiting for review.").json()
    assert posted["comment"]["status"] == "pending"
    _post(client, _token(client, "acct-2", "Other"), "Someone else's.")
    _post(client, token, "Elsewhere.", thread="article-2")

    def mine(tokens: list[str], headers: dict[str, str]) -> list[int]:
        response = client.post(
            MINE, json={"site": "demo", "thread": "article-1", "tokens": tokens}, headers=headers
        )
        assert_documented("POST", MINE, response)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["comments"]]

    assert mine([], {}) == []
    assert mine([], _as(token)) == [posted["comment"]["id"]]
    # Proven twice (edit token and account): listed once.
    assert mine([posted["edit_token"]], _as(token)) == [posted["comment"]["id"]]
    anonymous = _post(client, None, "Typed.", author={"name": "Bo"}).json()
    assert mine([anonymous["edit_token"]], _as(token)) == [
        posted["comment"]["id"],
        anonymous["comment"]["id"],
    ]
    expired = client.post(
        MINE,
        json={"site": "demo", "thread": "article-1", "tokens": []},
        headers=_as("garbage"),
    )
    assert_error(expired, 401, "reader_token_invalid")


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_mine_lets_the_reader_edit_from_any_device(
    client: TestClient, secret: str, app_time: Clock
) -> None:
    """What the widget on another device needs to offer Edit: the source and the deadline."""
    token = _token(client)
    posted = _post(client, token, "My **first** words.").json()
    _post(client, _token(client, "acct-2", "Other"), "Someone else's.")
    anonymous = _post(client, None, "Typed *here*.", author={"name": "Bo"}).json()

    def mine(headers: dict[str, str], tokens: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        payload = {"site": "demo", "thread": "article-1", "tokens": list(tokens)}
        response = client.post(MINE, json=payload, headers=headers)
        assert_documented("POST", MINE, response)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["comments"]
        return found

    [own] = mine(_as(_token(client)))  # another device: no edit token, the same account
    created = own["created_at"]
    assert (own["id"], own["source"]) == (posted["comment"]["id"], "My **first** words.")
    until = own["editable_until"]
    assert _instant(until) - _instant(created) == timedelta(minutes=15)  # the default window
    # Each comment is proven on its own: by the account or by its edit token.
    both = mine(_as(token), (anonymous["edit_token"],))
    assert [(c["source"], c["editable_until"] is not None) for c in both] == [
        ("My **first** words.", True),
        ("Typed *here*.", True),
    ]
    assert mine(_as(_token(client, "acct-3", "Eve"))) == []  # nobody else's source

    edited = client.patch(comment_url(own["id"]), json={"body": "Better."}, headers=_as(token))
    assert edited.status_code == 200, edited.text
    [own] = mine(_as(token))
    assert own["source"] == "Better." and own["editable_until"] == until  # edits do not extend

    app_time.advance(minutes=15, seconds=1)
    [closed] = mine(_as(_token(client)))  # still listed (held ones stay visible), not editable
    assert (closed["source"], closed["editable_until"]) == ("Better.", None)
    refused = client.delete(comment_url(own["id"]), headers=_as(_token(client)))
    assert_error(refused, 403, "edit_window_closed")


def test_the_openapi_document_describes_the_authors_own_view() -> None:
    schemas = openapi_document()["components"]["schemas"]
    own = schemas["OwnCommentOut"]
    assert {"source", "editable_until"} <= set(own["required"])
    assert own["properties"]["editable_until"]["anyOf"][1] == {"type": "null"}
    assert "source" not in schemas["CommentOut"]["properties"]
    listed = operation("post", MINE)["responses"]["200"]["content"]["application/json"]
    mine_schema = schemas[listed["schema"]["$ref"].rsplit("/", 1)[1]]
    assert mine_schema["properties"]["comments"]["items"]["$ref"].endswith("/OwnCommentOut")
    for method, path in (("get", "/api/v1/threads"), ("get", ONE), ("patch", ONE)):
        assert "OwnCommentOut" not in str(operation(method, path)), (method, path)


# -- the browser's view, and the secret stays secret ------------------------------------------


def test_cors_preflight_allows_the_header(client: TestClient) -> None:
    response = client.options(
        COMMENTS,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, threadline-reader",
        },
    )
    assert response.status_code == 204
    allowed = [
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    ]
    assert "threadline-reader" in allowed


def test_the_secret_never_leaves_the_server(client: TestClient, secret: str) -> None:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    token = _token(client, email="ada@example.com")
    seen = [_post(client, token).text, client.get("/api/v1/openapi.json").text]
    seen.append(str(page_json(client)))
    login = client.post(
        "/api/v1/mod/session", json={"email": "boss@example.com", "password": PASSWORD}
    )
    seen.append(login.text)
    for path, params in (
        ("/api/v1/mod/settings", {"site": "demo"}),
        ("/api/v1/mod/queue", {"queue": "recent"}),
        ("/api/v1/mod/audit", {}),
        ("/api/v1/mod/sites/demo/export", {}),
        ("/admin/sites/demo/settings", {}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        seen.append(response.text)
    assert all(secret not in text for text in seen)
    assert secret not in repr(sites.get_site(ctx, "demo"))
    audit = client.get("/api/v1/mod/audit").json()["entries"]
    assert [e["action"] for e in audit if e["action"].endswith("reader_secret")] == [
        "new_reader_secret"
    ]


def test_the_mod_api_toggles_sign_in_required(client: TestClient) -> None:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    login = client.post(
        "/api/v1/mod/session", json={"email": "boss@example.com", "password": PASSWORD}
    )
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}

    def patch(value: bool) -> httpx.Response:
        response = client.patch(
            "/api/v1/mod/settings",
            params={"site": "demo"},
            json={"settings": {"sign_in_required": value}},
            headers=headers,
        )
        assert_documented("PATCH", "/api/v1/mod/settings", response)
        return response

    error = assert_error(patch(True), 422, "sign_in_not_enabled")
    assert error["field"] == "sign_in_required" and "--new-secret" in error["message"]
    reader_sign_in.new_reader_secret(ctx, "demo", reader_sign_in.COMMAND_LINE)
    done = patch(True)
    assert done.status_code == 200, done.text
    assert done.json()["settings"]["sign_in_required"] is True
    assert patch(False).json()["settings"]["sign_in_required"] is False


def test_erasing_a_signed_in_readers_data_lifts_the_accounts_ban(
    client: TestClient, secret: str
) -> None:
    ctx = _ctx(client)
    token = _token(client, email="ada@example.com")
    comment_id = _post(client, token, "Rude words.").json()["comment"]["id"]
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    login = client.post(
        "/api/v1/mod/session", json={"email": "boss@example.com", "password": PASSWORD}
    )
    banned = client.post(
        f"/api/v1/mod/comments/{comment_id}/ban",
        json={"reason": "Abuse"},
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert banned.status_code == 201, banned.text
    client.cookies.clear()
    report = privacy.erase_by_email(ctx, "demo", "ada@example.com", privacy.COMMAND_LINE)
    assert report.bans_lifted == 1
    assert _stored(client, comment_id).reader_id is None
    site_id = sites.get_site(ctx, "demo").id
    with ctx.store.reading() as db:
        assert db.active_ban(site_id, "reader:acct-1", ctx.clock()) is None


def test_the_openapi_document_describes_sign_in() -> None:
    author = openapi_document()["components"]["schemas"]["AuthorOut"]
    assert "verified" in author["required"]
    assert "signed in" in author["properties"]["verified"]["description"]
    for method, path in (
        ("post", COMMENTS),
        ("patch", ONE),
        ("delete", ONE),
        ("post", ONE + "/vote"),
        ("post", ONE + "/flags"),
        ("post", MINE),
    ):
        op = operation(method, path)
        headers = [p for p in op["parameters"] if p["in"] == "header"]
        assert [(p["name"], p["required"]) for p in headers] == [("Threadline-Reader", False)]
        assert "401" in op["responses"], (method, path)
    assert "Threadline-Reader" not in str(operation("get", "/api/v1/threads"))
