"""Two `threadline serve` processes on one PostgreSQL database: a change made through one
reaches readers connected to the other (LISTEN/NOTIFY), and the other never serves a page
from its cache that is older than that change.

The page caches' periodic revalidation and the live recheck are switched off, so only the
broker's notice can explain a fresh page or an event on the other instance. Two processes on
one SQLite file (what `serve --workers 2` runs) rely on the recheck instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.live.servers import (
    EVENTS,
    add_demo_site,
    fresh_schema,
    http,
    post_comment,
    running,
    server_env,
    thread_json,
)
from tests.live.sse import SSEClient
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow
DELIVERY = 10.0  # the most a change may take to reach the other instance's readers


@pytest.fixture
def pair(postgres_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    # No periodic recheck: only LISTEN/NOTIFY can carry a change from one to the other.
    env = server_env(
        tmp_path / "data",
        THREADLINE_CACHE_REVALIDATE_MS="3600000",
        THREADLINE_LIVE_RECHECK_S="0",
    )
    with fresh_schema(postgres_url) as url:
        add_demo_site(url, env)
        with (
            running(url, env, tmp_path / "a.log") as a,
            running(url, env, tmp_path / "b.log") as b,
        ):
            yield a, b


def listen(server: LiveServer, key: str) -> SSEClient:
    reader = SSEClient(server.base_url, EVENTS, {"site": "demo", "key": key})
    assert reader.status == 200
    return reader


def test_a_comment_posted_to_one_instance_reaches_a_reader_of_the_other(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    with http() as client, listen(b, "story") as on_b, listen(a, "story") as on_a:
        assert on_b.resume_point() == 0 and on_a.resume_point() == 0
        # B has the (empty) page cached, and will not look at the database again by itself.
        assert thread_json(client, b, "story")["comments"] == []

        started = time.monotonic()
        posted = post_comment(client, a, "story", "Posted to A")
        event = on_b.next_event(timeout=DELIVERY)
        took = time.monotonic() - started
        assert (event.event, event.id) == ("comment", "1")
        assert event.json() == posted["comment"]
        assert took < DELIVERY
        # A's own readers hear it too (through the same channel).
        assert on_a.next_event(timeout=DELIVERY).json()["id"] == posted["comment"]["id"]

        # The notice also invalidated B's cached page.
        page = thread_json(client, b, "story")
        assert [c["id"] for c in page["comments"]] == [posted["comment"]["id"]]
        assert page["thread"]["comment_count"] == 1


def test_changes_flow_both_ways_and_a_reconnect_to_the_other_instance_misses_nothing(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    with http() as client:
        first = post_comment(client, a, "both-ways", "From A")
        with listen(a, "both-ways") as on_a:
            assert on_a.resume_point() == 1
            from_b = post_comment(client, b, "both-ways", "From B")
            assert on_a.next_event(timeout=DELIVERY).json()["id"] == from_b["comment"]["id"]
            last = 2
        # The reader moves to B (as after a load-balancer switch) and resumes there.
        edited = client.patch(
            a.url(f"/api/v1/comments/{first['comment']['id']}"),
            json={"body": "From A, edited"},
            headers={"Authorization": f"Bearer {first['edit_token']}"},
        )
        assert edited.status_code == 200
        with SSEClient(
            b.base_url, EVENTS, {"site": "demo", "key": "both-ways"}, {"Last-Event-ID": str(last)}
        ) as on_b:
            replayed, resume = on_b.events_until_resume()
            assert [(e.id, e.json()["html"]) for e in replayed] == [("3", "<p>From A, edited</p>")]
            assert resume == 3
            deleted = client.delete(
                a.url(f"/api/v1/comments/{from_b['comment']['id']}"),
                headers={"Authorization": f"Bearer {from_b['edit_token']}"},
            )
            assert deleted.status_code == 204
            event = on_b.next_event(timeout=DELIVERY)
            assert (event.id, event.event, event.json()) == (
                "4",
                "deleted",
                {"id": from_b["comment"]["id"]},
            )
        page = thread_json(client, b, "both-ways")
        assert [c["html"] for c in page["comments"]] == ["<p>From A, edited</p>"]


def test_a_burst_of_comments_on_one_instance_all_reach_the_other(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    with http() as client, listen(b, "burst") as on_b:
        on_b.resume_point()
        ids = [post_comment(client, a, "burst", f"Comment {n}")["comment"]["id"] for n in range(30)]
        seen: list[int] = []
        while len(seen) < len(ids):
            seen.append(on_b.next_event(timeout=DELIVERY).json()["id"])
        assert seen == ids
        assert (
            httpx2.get(
                b.url("/api/v1/threads"), params={"site": "demo", "key": "burst"}, trust_env=False
            ).json()["thread"]["comment_count"]
            == 30
        )


def test_two_processes_on_one_sqlite_file_reach_each_others_readers_by_the_recheck(
    tmp_path: Path,
) -> None:
    env = server_env(tmp_path / "data", THREADLINE_LIVE_RECHECK_S="1")
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    add_demo_site(url, env)
    with (
        running(url, env, tmp_path / "a.log") as a,
        running(url, env, tmp_path / "b.log") as b,
        http() as client,
        listen(b, "shared-file") as on_b,
    ):
        assert on_b.resume_point() == 0
        posted = post_comment(client, a, "shared-file", "Posted to worker A")
        event = on_b.next_event(timeout=DELIVERY)
        assert (event.id, event.json()) == ("1", posted["comment"])
