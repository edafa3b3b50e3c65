"""Thread pages assembled from comments' cached JSON are byte for byte the page encoded whole,
after every kind of change, and a rebuild after one change encodes only what changed."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.support import bearer, comment_url, thread_page
from tests.conftest import app_clock, post
from threadline.api.schemas import ThreadPageOut, encoder
from threadline.api.serialize import comment_out, thread_out
from threadline.domain.tree import SortOrder
from threadline.service import threads as thread_service


def _state(client: TestClient) -> Any:
    return client.app.state.threadline  # type: ignore[attr-defined]


def _reference(client: TestClient, order: str, limit: int, cursor: str | None) -> bytes:
    """The page built the plain way: every comment read in full and encoded together."""
    ctx = _state(client).ctx
    ref = thread_service.resolve(ctx, "demo", "article-1")
    page = thread_service.read_page(ctx, ref, SortOrder(order), limit, cursor)
    return encoder.encode(
        ThreadPageOut(
            thread_out(page.site, page.key, page.thread),
            [comment_out(c) for c in page.comments],
            page.next_cursor,
        )
    )


def _assert_pages_match(client: TestClient) -> None:
    for order in ("oldest", "newest", "top"):
        for limit in (2, 100):
            cursor: str | None = None
            while True:
                params: dict[str, object] = {"sort": order, "limit": limit}
                if cursor:
                    params["cursor"] = cursor
                response = thread_page(client, **params)
                assert response.status_code == 200, response.text
                assert response.content == _reference(client, order, limit, cursor)
                cursor = response.json()["next_cursor"]
                if cursor is None:
                    break


def _vote(client: TestClient, comment_id: int, value: int, voter: str) -> None:
    response = client.post(
        comment_url(comment_id, "/vote"), json={"value": value, "voter": f"voter-{voter:0>16}"}
    )
    assert response.status_code == 200, response.text


def test_assembled_pages_equal_whole_pages_after_every_kind_of_change(
    client: TestClient,
) -> None:
    clock = app_clock(client)
    posted: dict[str, dict[str, Any]] = {}

    def add(name: str, parent: str | None = None) -> None:
        clock.advance(minutes=1)
        fields = {"parent_id": posted[parent]["comment"]["id"]} if parent else {}
        posted[name] = post(client, f"comment **{name}** <script>x</script>", **fields)

    for name in ("a", "b", "c"):
        add(name)
    add("a1", "a")
    add("a1x", "a1")
    add("b1", "b")
    _assert_pages_match(client)

    def cid(name: str) -> int:
        return int(posted[name]["comment"]["id"])

    edited = client.patch(
        comment_url(cid("a1")),
        json={"body": "edited _text_"},
        headers=bearer(posted["a1"]["edit_token"]),
    )
    assert edited.status_code == 200, edited.text
    _assert_pages_match(client)

    _vote(client, cid("c"), 1, "one")  # reorders "top"
    _vote(client, cid("b1"), -1, "two")
    _assert_pages_match(client)

    add("c1", "c")  # c's reply count changes
    _assert_pages_match(client)

    # a1 has a reply: it stays as a placeholder; b1 has none: it goes.
    for name in ("a1", "b1"):
        gone = client.delete(comment_url(cid(name)), headers=bearer(posted[name]["edit_token"]))
        assert gone.status_code == 204, gone.text
    _assert_pages_match(client)

    # Its last visible reply gone, the placeholder goes too.
    gone = client.delete(comment_url(cid("a1x")), headers=bearer(posted["a1x"]["edit_token"]))
    assert gone.status_code == 204
    _assert_pages_match(client)

    _vote(client, cid("c"), 0, "one")  # a vote withdrawn
    _assert_pages_match(client)


def test_a_rebuild_after_one_edit_encodes_only_that_comment(client: TestClient) -> None:
    app_clock(client)
    posted = [post(client, f"comment {n}") for n in range(20)]
    renderings = _state(client).renderings
    assert thread_page(client).status_code == 200
    assert len(renderings) == 20

    target = posted[7]
    response = client.patch(
        comment_url(target["comment"]["id"]),
        json={"body": "changed"},
        headers=bearer(target["edit_token"]),
    )
    assert response.status_code == 200
    page = thread_page(client).json()
    assert [c["html"] for c in page["comments"]].count("<p>changed</p>") == 1
    assert len(renderings) == 21  # one new rendering; the other nineteen were reused
