"""What readers see of the newsroom's work, through the real ASGI app on SQLite and
PostgreSQL: an author's own held comments (POST /api/v1/comments/mine, by edit tokens, never
anyone else's) with their Markdown source and edit deadline (never on public reads), editors'
picks and staff badges in the thread listing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.support import (
    COMMENTS,
    assert_documented,
    assert_error,
    bearer,
    comment_url,
    page_json,
    thread_page,
)
from tests.conftest import app_clock
from threadline.auth.passwords import fast_passwords
from threadline.domain.models import SiteSettings
from threadline.domain.moderation import Actor, Grant, Role
from threadline.service import accounts, moderation, sites
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site

MINE = "/api/v1/comments/mine"
PASSWORD = "correct horse battery staple"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def admin(client: TestClient) -> Actor:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    # Every comment on this site waits for a moderator.
    add_site(ctx, "held", "Held News", ["https://news.example"], SiteSettings(premoderation=True))
    return accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)


def _post(client: TestClient, body: str, site: str = "held", **fields: Any) -> dict[str, Any]:
    payload = {"site": site, "thread": "article-1", "body": body, "author": {"name": "Ada"}}
    response = client.post(COMMENTS, json=payload | fields)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _mine(client: TestClient, tokens: list[str], **fields: Any) -> list[dict[str, Any]]:
    payload = {"site": "held", "thread": "article-1", "tokens": tokens} | fields
    response = client.post(MINE, json=payload)
    assert response.status_code == 200, response.text
    assert_documented("POST", MINE, response)
    found: list[dict[str, Any]] = response.json()["comments"]
    return found


def test_an_author_sees_their_held_comment_and_nobody_elses(
    client: TestClient, admin: Actor
) -> None:
    first = _post(client, "My first thought.")
    second = _post(client, "Another thought.")
    theirs = _post(client, "Someone else's thought.")
    assert first["comment"]["status"] == "pending"
    assert page_json(client, site="held")["comments"] == []  # readers see nothing yet
    found = _mine(client, [first["edit_token"], second["edit_token"], "not-a-real-token"])
    assert [c["id"] for c in found] == [first["comment"]["id"], second["comment"]["id"]]
    # The same shape as everywhere, held state included, plus what only its author may see.
    own_view = found[0]
    assert own_view.pop("source") == "My first thought."
    assert own_view.pop("editable_until") is not None
    assert own_view == first["comment"]
    assert theirs["comment"]["id"] not in {c["id"] for c in found}
    assert _mine(client, []) == []
    assert _mine(client, [theirs["edit_token"]], thread="another-article") == []


def test_an_authors_view_follows_the_moderators_decisions(client: TestClient, admin: Actor) -> None:
    ctx = _ctx(client)
    kept = _post(client, "Please approve me.")
    dropped = _post(client, "Please reject me.")
    gone = _post(client, "I will delete this myself.")
    tokens = [kept["edit_token"], dropped["edit_token"], gone["edit_token"]]
    moderation.approve(ctx, admin, kept["comment"]["id"])
    moderation.reject(ctx, admin, dropped["comment"]["id"], "Off topic")
    deleted = client.delete(comment_url(gone["comment"]["id"]), headers=bearer(gone["edit_token"]))
    assert deleted.status_code == 204
    found = {c["id"]: c["status"] for c in _mine(client, tokens)}
    assert found == {kept["comment"]["id"]: "published", dropped["comment"]["id"]: "rejected"}


MARKDOWN = "Thanks for **this** piece, see <https://example.org>."


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_mine_gives_the_author_the_source_and_the_end_of_the_edit_window(
    client: TestClient, admin: Actor
) -> None:
    clock = app_clock(client)
    clock.advance(microseconds=123456)  # timestamps keep their microseconds
    posted = _post(client, MARKDOWN, site="demo")
    created = posted["comment"]["created_at"]
    assert created == "2026-03-01T12:00:00.123456Z"

    def own_view() -> dict[str, Any]:
        [found] = _mine(client, [posted["edit_token"]], site="demo")
        return found

    assert own_view()["source"] == MARKDOWN  # the Markdown as written, not its HTML
    assert own_view()["editable_until"] == "2026-03-01T12:15:00.123456Z"  # 15 minutes
    clock.advance(minutes=15)  # the last instant a change is allowed
    assert own_view()["editable_until"] == "2026-03-01T12:15:00.123456Z"
    clock.advance(microseconds=1)
    closed = own_view()
    assert closed["editable_until"] is None and closed["source"] == MARKDOWN
    late = client.patch(
        comment_url(posted["comment"]["id"]),
        json={"body": "Too late."},
        headers=bearer(posted["edit_token"]),
    )
    assert_error(late, 403, "edit_window_closed")  # the API agrees with what mine said


def test_editable_until_follows_the_sites_edit_window(client: TestClient, admin: Actor) -> None:
    clock = app_clock(client)
    sites.configure_site(_ctx(client), "demo", changes={"edit_window_seconds": "60"})
    posted = _post(client, "Quick thought.", site="demo")
    [found] = _mine(client, [posted["edit_token"]], site="demo")
    until = _parse(found["editable_until"])
    assert until - _parse(posted["comment"]["created_at"]) == timedelta(seconds=60)
    clock.advance(seconds=61)
    [found] = _mine(client, [posted["edit_token"]], site="demo")
    assert found["editable_until"] is None
    # Held comments count from when they were written too.
    held = _post(client, "Held, then too late.")
    clock.advance(minutes=16)
    [found] = _mine(client, [held["edit_token"]])
    assert (found["status"], found["editable_until"]) == ("pending", None)


def test_the_source_never_leaves_through_public_reads(client: TestClient, admin: Actor) -> None:
    posted = _post(client, MARKDOWN, site="demo")
    comment_id = posted["comment"]["id"]
    edited = client.patch(
        comment_url(comment_id),
        json={"body": "Edited **again**."},
        headers=bearer(posted["edit_token"]),
    )
    assert edited.status_code == 200, edited.text
    reply = _post(client, "A *reply*.", site="demo", parent_id=comment_id)
    responses = [
        thread_page(client),
        thread_page(client),  # served from the page cache this time
        client.get(comment_url(comment_id)),
        client.get(comment_url(reply["comment"]["id"])),  # with its ancestor
        edited,
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert '"source"' not in response.text and "editable_until" not in response.text
        assert "**" not in response.text and "*reply*" not in response.text
    assert "source" not in posted["comment"] and "source" not in reply["comment"]
    # Its author still gets it.
    [own] = _mine(client, [posted["edit_token"]], site="demo")
    assert own["source"] == "Edited **again**."


def test_the_own_comments_request_is_checked(client: TestClient, admin: Actor) -> None:
    too_many = client.post(MINE, json={"site": "held", "thread": "a", "tokens": ["t"] * 51})
    assert_error(too_many, 422, "invalid_input")
    assert_documented("POST", MINE, too_many)
    empty_token = client.post(MINE, json={"site": "held", "thread": "a", "tokens": [""]})
    assert_error(empty_token, 422, "invalid_token")
    unknown = client.post(MINE, json={"site": "nowhere", "thread": "a", "tokens": []})
    assert_error(unknown, 404, "site_not_found")
    assert_documented("POST", MINE, unknown)
    extra = client.post(MINE, json={"site": "held", "thread": "a", "tokens": [], "all": True})
    assert extra.status_code == 422
    as_text = client.post(MINE, content=b"tokens", headers={"Content-Type": "text/plain"})
    assert_error(as_text, 415, "unsupported_media_type")


def test_an_editors_pick_is_marked_in_the_listing_while_it_is_one(
    client: TestClient, admin: Actor
) -> None:
    ctx = _ctx(client)
    pick = _post(client, "A thoughtful comment.", site="demo")["comment"]
    other = _post(client, "Another comment.", site="demo")["comment"]
    assert pick["featured"] is False
    moderation.feature(ctx, admin, pick["id"])
    listed = {c["id"]: c["featured"] for c in page_json(client)["comments"]}
    assert listed == {pick["id"]: True, other["id"]: False}
    single = client.get(comment_url(pick["id"])).json()["comment"]
    assert single["featured"] is True
    moderation.feature(ctx, admin, pick["id"], featured=False)
    assert [c["featured"] for c in page_json(client)["comments"]] == [False, False]


def test_a_rejected_pick_no_longer_shows_as_one(client: TestClient, admin: Actor) -> None:
    ctx = _ctx(client)
    pick = _post(client, "Picked, then regretted.", site="demo")["comment"]
    reply = _post(client, "A reply to it.", site="demo", parent_id=pick["id"])["comment"]
    moderation.feature(ctx, admin, pick["id"])
    moderation.reject(ctx, admin, pick["id"], "Misinformation")
    shown = {c["id"]: c for c in page_json(client)["comments"]}
    assert shown[pick["id"]]["deleted"] is True  # a placeholder for its reply
    assert shown[pick["id"]]["featured"] is False
    assert shown[reply["id"]]["featured"] is False


def _sign_in(client: TestClient, email: str) -> None:
    response = client.post("/api/v1/mod/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_comments_by_the_sites_staff_carry_a_badge(client: TestClient, admin: Actor) -> None:
    ctx = _ctx(client)
    with ctx.store.reading() as db:
        demo = db.get_site("demo")
        held = db.get_site("held")
    assert demo is not None and held is not None
    accounts.create_user(
        ctx, "reporter@example.com", "Rita", PASSWORD, (Grant(Role.STAFF, demo.id),)
    )
    accounts.create_user(
        ctx, "elsewhere@example.com", "Elsa", PASSWORD, (Grant(Role.STAFF, held.id),)
    )
    reader = _post(client, "A reader's comment.", site="demo")["comment"]
    assert reader["staff"] is False
    _sign_in(client, "reporter@example.com")
    staff = _post(client, "The reporter answers.", site="demo", parent_id=reader["id"])["comment"]
    assert staff["staff"] is True
    listed = {c["id"]: c["staff"] for c in page_json(client)["comments"]}
    assert listed == {reader["id"]: False, staff["id"]: True}
    # Staff of another site is a reader here; so is anyone whose session has ended.
    _sign_in(client, "elsewhere@example.com")
    assert _post(client, "Not my site.", site="demo")["comment"]["staff"] is False
    client.cookies.set("threadline_session", "ended-or-forged")
    assert _post(client, "Cookie gone stale.", site="demo")["comment"]["staff"] is False
