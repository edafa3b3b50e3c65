"""/api/v1/comments: post and reply, fetch with ancestors, edit and delete with the edit token
inside the edit window (and not after it), placeholders for deleted comments, votes."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from tests.api.support import COMMENTS, assert_error, bearer, comment_url, page_json
from tests.conftest import app_clock, post

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # tests.conftest.Clock starts here


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ids(client: TestClient, key: str = "article-1") -> list[int]:
    return [c["id"] for c in page_json(client, key)["comments"]]


# -- posting ----------------------------------------------------------------------------------


def test_post_returns_the_rendered_comment_and_an_edit_token(client: TestClient) -> None:
    app_clock(client)
    response = client.post(
        COMMENTS,
        json={
            "site": "demo",
            "thread": "article-1",
            "body": "Hello **world**, see https://example.org",
            "author": {
                "name": "  Ada  ",
                "email": "Ada@Example.com",
                "website": "https://ada.example/",
            },
        },
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert set(data) == {"comment", "edit_token"}
    token = data["edit_token"]
    assert isinstance(token, str) and len(token) >= 32
    comment = data["comment"]
    assert isinstance(comment["id"], int) and comment["id"] >= 1
    assert comment | {"id": 0} == {
        "id": 0,
        "parent_id": None,
        "depth": 0,
        "author": {"name": "Ada", "website": "https://ada.example/", "verified": False},
        "html": (
            '<p>Hello <strong>world</strong>, see <a href="https://example.org" '
            'rel="nofollow ugc noopener">https://example.org</a></p>'
        ),
        "created_at": comment["created_at"],
        "edited_at": None,
        "score": 0,
        "upvotes": 0,
        "downvotes": 0,
        "reply_count": 0,
        "deleted": False,
        "status": "published",
        "featured": False,
        "staff": False,
        "version": 1,  # the thread's first change
    }
    assert _when(comment["created_at"]) == T0
    # The email is kept for the site's staff, never shown to readers.
    assert "example.com" not in response.text.lower()
    assert "example.com" not in str(page_json(client)).lower()
    assert token not in str(page_json(client))


def test_replies_nest_under_their_parent_at_any_depth(client: TestClient) -> None:
    root = post(client, "root")["comment"]
    reply = post(client, "reply", parent_id=root["id"])["comment"]
    deeper = post(client, "deeper", parent_id=reply["id"])["comment"]
    sibling = post(client, "second top-level")["comment"]
    assert (reply["parent_id"], reply["depth"]) == (root["id"], 1)
    assert (deeper["parent_id"], deeper["depth"]) == (reply["id"], 2)
    page = page_json(client)
    assert [(c["id"], c["parent_id"], c["depth"]) for c in page["comments"]] == [
        (root["id"], None, 0),
        (reply["id"], root["id"], 1),
        (deeper["id"], reply["id"], 2),
        (sibling["id"], None, 0),
    ]
    assert page["thread"]["comment_count"] == 4


def test_comments_stay_in_their_own_thread_and_site(client: TestClient) -> None:
    a = post(client, "in one", thread="one")["comment"]
    b = post(client, "in two", thread="two")["comment"]
    assert _ids(client, "one") == [a["id"]]
    assert _ids(client, "two") == [b["id"]]
    assert _ids(client, "article-1") == []


# -- fetching one comment ---------------------------------------------------------------------


def test_get_comment_returns_it_with_its_ancestors_top_first(client: TestClient) -> None:
    root = post(client, "root", title="Story")["comment"]
    mid = post(client, "mid", parent_id=root["id"])["comment"]
    leaf = post(client, "leaf", parent_id=mid["id"])["comment"]
    post(client, "a reply to the leaf", parent_id=leaf["id"])
    response = client.get(comment_url(leaf["id"]))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"comment", "ancestors", "thread"}
    assert data["comment"]["id"] == leaf["id"]
    assert data["comment"]["html"] == "<p>leaf</p>"
    assert data["comment"]["reply_count"] == 1
    assert [(a["id"], a["html"]) for a in data["ancestors"]] == [
        (root["id"], "<p>root</p>"),
        (mid["id"], "<p>mid</p>"),
    ]
    assert data["thread"]["key"] == "article-1"
    assert data["thread"]["title"] == "Story"
    assert data["thread"]["comment_count"] == 4
    top = client.get(comment_url(root["id"])).json()
    assert top["ancestors"] == []


def test_get_comment_shows_deleted_ancestors_as_placeholders(client: TestClient) -> None:
    root = post(client, "root to be deleted", author={"name": "Gone"})
    leaf = post(client, "leaf", parent_id=root["comment"]["id"])["comment"]
    gone = client.delete(comment_url(root["comment"]["id"]), headers=bearer(root["edit_token"]))
    assert gone.status_code == 204
    data = client.get(comment_url(leaf["id"])).json()
    (ancestor,) = data["ancestors"]
    assert ancestor["id"] == root["comment"]["id"]
    assert ancestor["author"] is None
    assert ancestor["html"] == ""
    assert ancestor["deleted"] is True
    assert ancestor["status"] == "deleted"
    assert "Gone" not in client.get(comment_url(leaf["id"])).text
    assert_error(client.get(comment_url(root["comment"]["id"])), 404, "comment_not_found")


# -- editing and deleting with the edit token -------------------------------------------------


def test_edit_within_the_window_rerenders_and_marks_edited(client: TestClient) -> None:
    clock = app_clock(client)
    posted = post(client, "first draft")
    cid = posted["comment"]["id"]
    clock.advance(minutes=14, seconds=59)
    response = client.patch(
        comment_url(cid), json={"body": "final *text*"}, headers=bearer(posted["edit_token"])
    )
    assert response.status_code == 200
    comment = response.json()["comment"]
    assert comment["id"] == cid
    assert comment["html"] == "<p>final <em>text</em></p>"
    assert _when(comment["created_at"]) == T0
    assert _when(comment["edited_at"]) == clock.now
    shown = page_json(client)["comments"][0]
    assert (shown["html"], shown["edited_at"]) == (comment["html"], comment["edited_at"])
    # The token keeps working for the rest of the window.
    again = client.patch(
        comment_url(cid), json={"body": "v3"}, headers=bearer(posted["edit_token"])
    )
    assert again.status_code == 200
    assert again.json()["comment"]["html"] == "<p>v3</p>"


def test_edit_and_delete_after_the_window_are_refused(client: TestClient) -> None:
    clock = app_clock(client)
    posted = post(client, "said in haste")
    cid, token = posted["comment"]["id"], posted["edit_token"]
    clock.advance(minutes=15, seconds=1)
    error = assert_error(
        client.patch(comment_url(cid), json={"body": "too late"}, headers=bearer(token)),
        403,
        "edit_window_closed",
    )
    assert "15 minutes" in error["message"]
    assert_error(client.delete(comment_url(cid), headers=bearer(token)), 403, "edit_window_closed")
    assert [c["html"] for c in page_json(client)["comments"]] == ["<p>said in haste</p>"]


def test_a_token_proves_ownership_of_its_own_comment_only(client: TestClient) -> None:
    mine = post(client, "mine")
    theirs = post(client, "theirs")
    url = comment_url(theirs["comment"]["id"])
    for method in ("PATCH", "DELETE"):
        body = {"body": "hijacked"} if method == "PATCH" else None
        wrong = client.request(method, url, json=body, headers=bearer(mine["edit_token"]))
        assert_error(wrong, 403, "invalid_edit_token")
        assert_error(client.request(method, url, json=body), 401, "auth_required")
        basic = {"Authorization": "Basic eDp5"}
        assert_error(client.request(method, url, json=body, headers=basic), 401, "auth_required")
        empty = {"Authorization": "Bearer "}
        assert_error(client.request(method, url, json=body, headers=empty), 401, "auth_required")
    assert [c["html"] for c in page_json(client)["comments"]] == ["<p>mine</p>", "<p>theirs</p>"]


def test_delete_without_replies_removes_the_comment(client: TestClient) -> None:
    keep = post(client, "keep")["comment"]
    posted = post(client, "remove me")
    cid = posted["comment"]["id"]
    response = client.delete(comment_url(cid), headers=bearer(posted["edit_token"]))
    assert response.status_code == 204
    assert response.content == b""
    page = page_json(client)
    assert [c["id"] for c in page["comments"]] == [keep["id"]]
    assert page["thread"]["comment_count"] == 1
    assert_error(client.get(comment_url(cid)), 404, "comment_not_found")
    counts = client.post("/api/v1/counts", json={"site": "demo", "keys": ["article-1"]})
    assert counts.json() == {"counts": {"article-1": 1}}
    again = client.delete(comment_url(cid), headers=bearer(posted["edit_token"]))
    assert_error(again, 409, "comment_deleted")


def test_delete_with_replies_leaves_an_anonymous_placeholder(client: TestClient) -> None:
    parent = post(client, "parent text", author={"name": "Parent Author"})
    pid = parent["comment"]["id"]
    child = post(client, "child", parent_id=pid)
    response = client.delete(comment_url(pid), headers=bearer(parent["edit_token"]))
    assert response.status_code == 204

    page = page_json(client)
    placeholder, reply = page["comments"]
    assert placeholder["id"] == pid
    assert placeholder["author"] is None
    assert placeholder["html"] == ""
    assert placeholder["deleted"] is True
    assert placeholder["status"] == "deleted"
    assert placeholder["reply_count"] == 1
    assert (reply["id"], reply["parent_id"], reply["html"]) == (
        child["comment"]["id"],
        pid,
        "<p>child</p>",
    )
    assert page["thread"]["comment_count"] == 1
    assert "Parent Author" not in str(page) and "parent text" not in str(page)
    # Nobody can reply to, edit or vote on what is gone.
    reply_to_gone = client.post(
        COMMENTS,
        json={"site": "demo", "thread": "article-1", "body": "hi", "author": {"name": "R"}},
    )
    assert reply_to_gone.status_code == 201
    refused = client.post(
        COMMENTS,
        json={
            "site": "demo",
            "thread": "article-1",
            "body": "hi",
            "author": {"name": "R"},
            "parent_id": pid,
        },
    )
    assert_error(refused, 409, "parent_unavailable")
    vote = client.post(comment_url(pid, "/vote"), json={"value": 1, "voter": "v" * 16})
    assert_error(vote, 404, "comment_not_found")

    # Once its last reply goes too, the placeholder disappears with it.
    gone = client.delete(comment_url(child["comment"]["id"]), headers=bearer(child["edit_token"]))
    assert gone.status_code == 204
    assert pid not in _ids(client)
    assert child["comment"]["id"] not in _ids(client)


# -- votes ------------------------------------------------------------------------------------


def _vote(client: TestClient, cid: int, value: int, voter: str) -> dict[str, int]:
    response = client.post(comment_url(cid, "/vote"), json={"value": value, "voter": voter})
    assert response.status_code == 200, response.text
    c = response.json()["comment"]
    assert c["id"] == cid
    return {"up": c["upvotes"], "down": c["downvotes"], "score": c["score"]}


def test_votes_count_once_per_voter_and_can_be_changed_or_withdrawn(client: TestClient) -> None:
    cid = post(client, "vote on me")["comment"]["id"]
    alice, bob = "alice-0123456789abcdef", "bob-0123456789abcdef"
    assert _vote(client, cid, 1, alice) == {"up": 1, "down": 0, "score": 1}
    assert _vote(client, cid, 1, alice) == {"up": 1, "down": 0, "score": 1}  # idempotent
    assert _vote(client, cid, 1, bob) == {"up": 2, "down": 0, "score": 2}
    assert _vote(client, cid, -1, alice) == {"up": 1, "down": 1, "score": 0}
    assert _vote(client, cid, -1, alice) == {"up": 1, "down": 1, "score": 0}
    assert _vote(client, cid, 0, alice) == {"up": 1, "down": 0, "score": 1}
    assert _vote(client, cid, 0, alice) == {"up": 1, "down": 0, "score": 1}
    assert _vote(client, cid, 0, "never-voted-before-0000") == {"up": 1, "down": 0, "score": 1}
    assert _vote(client, cid, -1, bob) == {"up": 0, "down": 1, "score": -1}
    shown = page_json(client)["comments"][0]
    assert (shown["upvotes"], shown["downvotes"], shown["score"]) == (0, 1, -1)


def test_a_voter_id_is_trimmed_so_padding_cannot_vote_twice(client: TestClient) -> None:
    cid = post(client, "vote on me")["comment"]["id"]
    assert _vote(client, cid, 1, "carol-0123456789abcdef")["up"] == 1
    assert _vote(client, cid, 1, "  carol-0123456789abcdef  ")["up"] == 1


def test_edit_and_vote_responses_report_the_real_reply_count(client: TestClient) -> None:
    parent = post(client, "parent")
    pid = parent["comment"]["id"]
    post(client, "child", parent_id=pid)
    voted = client.post(comment_url(pid, "/vote"), json={"value": 1, "voter": "v" * 16})
    edited = client.patch(
        comment_url(pid), json={"body": "p"}, headers=bearer(parent["edit_token"])
    )
    assert page_json(client)["comments"][0]["reply_count"] == 1
    assert voted.json()["comment"]["reply_count"] == 1
    assert edited.json()["comment"]["reply_count"] == 1


def test_every_change_to_a_comment_gives_it_a_higher_version(client: TestClient) -> None:
    """`version` orders copies of a comment (a page, a live event, a write's answer): each
    edit or vote answers with a higher one, and every later read agrees with it."""
    posted = post(client, "first words")
    cid, token = posted["comment"]["id"], posted["edit_token"]
    created = posted["comment"]["version"]
    voted = client.post(comment_url(cid, "/vote"), json={"value": 1, "voter": "w" * 16})
    assert voted.status_code == 200
    after_vote = voted.json()["comment"]["version"]
    edited = client.patch(comment_url(cid), json={"body": "better"}, headers=bearer(token))
    assert edited.status_code == 200
    after_edit = edited.json()["comment"]["version"]
    assert created < after_vote < after_edit
    other = post(client, "another comment")["comment"]
    assert other["version"] > after_edit  # one sequence per thread
    assert page_json(client)["comments"][0]["version"] == after_edit
    alone = client.get(comment_url(cid)).json()["comment"]
    assert alone["version"] == after_edit
    # A vote that changes nothing is still a write: it never answers with an older version.
    again = client.post(comment_url(cid, "/vote"), json={"value": 1, "voter": "w" * 16})
    assert again.json()["comment"]["version"] > other["version"]
