"""The main reader flow end to end through the ASGI app, on both backends."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import post


def test_post_reply_read_vote_count(client: TestClient) -> None:
    first = post(client, "First *comment*")
    reply = post(client, "A reply", parent_id=first["comment"]["id"])
    assert reply["comment"]["depth"] == 1
    page = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"}).json()
    assert [c["id"] for c in page["comments"]] == [first["comment"]["id"], reply["comment"]["id"]]
    assert page["comments"][0]["html"] == "<p>First <em>comment</em></p>"
    assert page["comments"][0]["reply_count"] == 1
    assert page["thread"]["comment_count"] == 2

    voted = client.post(
        f"/api/v1/comments/{reply['comment']['id']}/vote", json={"value": 1, "voter": "v" * 20}
    )
    assert voted.json()["comment"]["score"] == 1
    counts = client.post("/api/v1/counts", json={"site": "demo", "keys": ["article-1", "none"]})
    assert counts.json() == {"counts": {"article-1": 2, "none": 0}}
