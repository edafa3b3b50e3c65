"""GET /api/v1/threads/events through a real server, on SQLite and PostgreSQL: new comments,
edits, votes and deletions arrive live; a reconnect with Last-Event-ID misses nothing;
heartbeats keep idle streams alive; errors come before the stream, in the one error shape.

Streams are read with a raw-socket client (tests/live/sse.py): every wait is bounded.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.api.support import assert_error, operation, validate_schema
from tests.conftest import BACKENDS
from tests.live.servers import (
    EVENTS,
    add_demo_site,
    demo_server,
    http,
    post_comment,
    running,
    server_env,
    thread_json,
)
from tests.live.sse import SSEClient
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow
_keys = itertools.count(1)


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server per backend for this module; each test uses threads of its own."""
    with demo_server(request, tmp_path_factory.mktemp(f"events-{request.param}")) as live:
        yield live


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    with http() as c:
        yield c


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name}-{next(_keys)}"


def listen(
    server: LiveServer, key: str, headers: dict[str, str] | None = None, **params: str
) -> SSEClient:
    reader = SSEClient(server.base_url, EVENTS, {"site": "demo", "key": key, **params}, headers)
    assert reader.status == 200, reader.body_rest()
    return reader


def _listed(client: httpx2.Client, server: LiveServer, key: str, comment_id: int) -> dict[str, Any]:
    page = thread_json(client, server, key)
    (found,) = [c for c in page["comments"] if c["id"] == comment_id]
    assert isinstance(found, dict)
    return found


def test_a_posted_comment_arrives_as_in_the_thread_listing(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    with listen(server, key) as reader:
        assert reader.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert reader.headers["cache-control"] == "no-cache"
        first = reader.next_block()
        assert first is not None and first.retry is not None and 3000 <= first.retry <= 5000
        assert reader.resume_point() == 0  # a thread with no comment yet
        posted = post_comment(client, server, key, "Hello *live* world")
        event = reader.next_event()
        assert event.event == "comment"
        assert event.id == "1"
        assert event.json() == posted["comment"]
        assert event.json() == _listed(client, server, key, posted["comment"]["id"])
        validate_schema("CommentOut", event.json())


def test_replies_edits_votes_and_deletions_arrive_in_order(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    root = post_comment(client, server, key, "Root")
    with listen(server, key) as reader:
        assert reader.resume_point() == 1
        reply = post_comment(client, server, key, "A reply", parent_id=root["comment"]["id"])
        root_id, reply_id = root["comment"]["id"], reply["comment"]["id"]
        edited = client.patch(
            server.url(f"/api/v1/comments/{reply_id}"),
            json={"body": "A **better** reply"},
            headers={"Authorization": f"Bearer {reply['edit_token']}"},
        )
        assert edited.status_code == 200, edited.text
        voted = client.post(
            server.url(f"/api/v1/comments/{root_id}/vote"),
            json={"value": 1, "voter": "voter-0123456789abcdef"},
        )
        assert voted.status_code == 200, voted.text
        deleted = client.delete(
            server.url(f"/api/v1/comments/{reply_id}"),
            headers={"Authorization": f"Bearer {reply['edit_token']}"},
        )
        assert deleted.status_code == 204, deleted.text

        # Each event goes out after its own change or, if changes overtook it, in the
        # latest state: either way the last word about each comment is the current one.
        latest: dict[int, tuple[str, Any]] = {}
        ids = []
        while reader_has_more(latest, reply_id, root_id):
            event = reader.next_event()
            ids.append(int(event.id or 0))
            if event.event == "comment":  # the copy is as new as the change that sent it
                assert event.json()["version"] == int(event.id or 0)
            latest[event.json()["id"]] = (event.event or "", event.json())
        assert ids == sorted(ids) and ids[-1] == 5
        assert latest[reply_id] == ("deleted", {"id": reply_id})
        kind, data = latest[root_id]
        assert kind == "comment" and data["score"] == 1
        # (its reply_count depends on whether it was read before or after the deletion)
        assert data | {"reply_count": 0} == _listed(client, server, key, root_id)


def reader_has_more(latest: dict[int, tuple[str, Any]], reply_id: int, root_id: int) -> bool:
    return latest.get(reply_id, ("",))[0] != "deleted" or latest.get(root_id) is None


def test_an_edit_arrives_with_its_new_html(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    posted = post_comment(client, server, key, "Befor")
    with listen(server, key) as reader:
        assert reader.resume_point() == 1
        response = client.patch(
            server.url(f"/api/v1/comments/{posted['comment']['id']}"),
            json={"body": "After, *fixed*"},
            headers={"Authorization": f"Bearer {posted['edit_token']}"},
        )
        assert response.status_code == 200
        event = reader.next_event()
        assert (event.id, event.event) == ("2", "comment")
        assert event.json()["html"] == "<p>After, <em>fixed</em></p>"
        assert event.json()["edited_at"] is not None


def test_reconnecting_with_last_event_id_misses_nothing(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    kept = post_comment(client, server, key, "Kept")
    gone = post_comment(client, server, key, "Gone soon")
    with listen(server, key) as reader:
        last = reader.resume_point()
        assert last == 2
        seen = post_comment(client, server, key, "Seen live")
        assert reader.next_event().id == "3"
        last = 3
    # While the reader is away: a new comment, an edit, a deletion.
    new = post_comment(client, server, key, "Posted while away")
    client.patch(
        server.url(f"/api/v1/comments/{kept['comment']['id']}"),
        json={"body": "Kept, edited"},
        headers={"Authorization": f"Bearer {kept['edit_token']}"},
    ).raise_for_status()
    client.delete(
        server.url(f"/api/v1/comments/{gone['comment']['id']}"),
        headers={"Authorization": f"Bearer {gone['edit_token']}"},
    ).raise_for_status()

    with listen(server, key, headers={"Last-Event-ID": str(last)}) as reader:
        replayed, resume = reader.events_until_resume()
        assert [(e.id, e.event, e.json()["id"]) for e in replayed] == [
            ("4", "comment", new["comment"]["id"]),
            ("5", "comment", kept["comment"]["id"]),
            ("6", "deleted", gone["comment"]["id"]),
        ]
        assert replayed[1].json()["html"] == "<p>Kept, edited</p>"
        assert resume == 6
        # … and the stream is live again.
        after = post_comment(client, server, key, "After the reconnect")
        event = reader.next_event()
        assert (event.id, event.json()["id"]) == ("7", after["comment"]["id"])
    assert seen["comment"]["id"] not in [e.json()["id"] for e in replayed]


def test_since_replays_from_a_page_version_and_last_event_id_wins_over_it(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    one = post_comment(client, server, key, "One")
    two = post_comment(client, server, key, "Two")
    etag = httpx2.get(
        server.url("/api/v1/threads"), params={"site": "demo", "key": key}, trust_env=False
    ).headers["etag"]
    assert etag.endswith('-2"')
    with listen(server, key, since="1") as reader:
        replayed, resume = reader.events_until_resume()
        assert [e.json()["id"] for e in replayed] == [two["comment"]["id"]]
        assert resume == 2
    with listen(server, key, headers={"Last-Event-ID": "0"}, since="2") as reader:
        replayed, _ = reader.events_until_resume()
        assert [e.json()["id"] for e in replayed] == [one["comment"]["id"], two["comment"]["id"]]
    with listen(server, key) as reader:  # neither: from now on
        replayed, resume = reader.events_until_resume()
        assert (replayed, resume) == ([], 2)


def test_every_reader_of_a_thread_gets_its_changes_and_only_its_own(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    readers = [listen(server, key) for _ in range(5)]
    elsewhere = listen(server, key + "-other")
    try:
        for reader in [*readers, elsewhere]:
            reader.resume_point()
        posted = post_comment(client, server, key, "To everyone here")
        for reader in readers:
            assert reader.next_event().json()["id"] == posted["comment"]["id"]
        # The other thread's reader sees heartbeats, not this comment.
        block = elsewhere.wait_for(lambda b: b.is_event or "heartbeat" in b.comments, 5)
        assert not block.is_event
    finally:
        for reader in [*readers, elsewhere]:
            reader.close()


def test_idle_streams_get_heartbeats(server: LiveServer, key: str) -> None:
    with listen(server, key) as reader:
        reader.resume_point()
        for _ in range(2):  # THREADLINE_LIVE_HEARTBEAT_S=1
            block = reader.next_block(timeout=5)
            assert block is not None and block.comments == ["heartbeat"]
            assert not block.is_event and block.id is None


def test_a_thread_key_is_normalized_as_for_the_listing(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    url = f"https://news.example/{key}"
    with listen(server, url + "#comments") as reader:
        reader.resume_point()
        posted = post_comment(client, server, url, "Same thread, other spelling")
        assert reader.next_event().json()["id"] == posted["comment"]["id"]


def test_errors_come_before_the_stream_in_the_one_error_shape(
    server: LiveServer, client: httpx2.Client
) -> None:
    def get(params: dict[str, str], headers: dict[str, str] | None = None) -> Any:
        return client.get(server.url(EVENTS), params=params, headers=headers)

    assert_error(get({"site": "nope", "key": "k"}), 404, "site_not_found")
    assert_error(get({"site": "demo"}), 400, "malformed_request")
    assert_error(get({"site": "demo", "key": "k", "since": "x"}), 400, "malformed_request")
    assert_error(get({"site": "demo", "key": "k", "since": "-1"}), 400, "malformed_request")
    assert_error(
        get({"site": "demo", "key": "k"}, {"Last-Event-ID": "1e3"}), 400, "malformed_request"
    )


def test_head_answers_without_a_stream(server: LiveServer, client: httpx2.Client) -> None:
    response = client.head(server.url(EVENTS), params={"site": "demo", "key": "head"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")


def test_the_endpoint_is_documented_as_an_event_stream(tmp_path: Path) -> None:
    op = operation("get", EVENTS)
    assert list(op["responses"]["200"]["content"]) == ["text/event-stream"]
    params = {(p["name"], p["in"]): p["required"] for p in op["parameters"]}
    assert params == {
        ("site", "query"): True,
        ("key", "query"): True,
        ("since", "query"): False,
        ("Last-Event-ID", "header"): False,
    }
    assert {"400", "404", "429", "503"} <= set(op["responses"])


def test_one_address_may_hold_only_so_many_streams(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data", THREADLINE_LIVE_MAX_STREAMS_PER_IP="2")
    env["THREADLINE_RATE_LIMITS"] = "on"  # the cap is one of the rate limits
    url = f"sqlite:///{tmp_path / 'threadline.db'}"
    add_demo_site(url, env)
    with running(url, env, tmp_path / "server.log") as live, http() as client:
        first, second = listen(live, "capped"), listen(live, "capped-too")
        refused = client.get(live.url(EVENTS), params={"site": "demo", "key": "capped"})
        assert_error(refused, 429, "rate_limited")
        assert "2 at most" in refused.json()["error"]["message"]
        assert int(refused.headers["retry-after"]) > 0
        first.close()
        # The closed stream's place is given back once the server notices the disconnect.
        deadline = time.monotonic() + 10
        while True:
            again = SSEClient(live.base_url, EVENTS, {"site": "demo", "key": "capped"})
            if again.status == 200 or time.monotonic() > deadline:
                break
            again.close()
            time.sleep(0.2)
        assert again.status == 200
        again.close()
        second.close()
