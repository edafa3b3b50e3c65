"""Comments taken off the page reach open pages as removals, through a real server's SSE
stream on SQLite and PostgreSQL: readers' flags (flags_to_hold), a moderator's rejection, an
edit that is held; an editor's pick arrives as a changed comment. A comment held from the
start is never announced at all.

Streams are read with the raw-socket client of tests/live/sse.py: every wait is bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.conftest import BACKENDS
from tests.live.servers import (
    EVENTS,
    demo_server,
    http,
    post_comment,
)
from tests.live.sse import SSEClient
from tests.live_server import LiveServer, run_cli

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
HOSTILE = "You are an idiot and a moron, shut up."
_keys = itertools.count(1)


def _create_admin(url: str, env: dict[str, str]) -> None:
    created = run_cli(
        ["user", "create-admin", "desk@example.com", "--name", "Desk", "--password-stdin"],
        env,
        url,
        input=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"removals-{request.param}")
    with demo_server(request, tmp, prepare=_create_admin) as live:
        yield live


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    with http() as c:
        yield c


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name}-{next(_keys)}"


def listen(server: LiveServer, key: str) -> SSEClient:
    reader = SSEClient(server.base_url, EVENTS, {"site": "demo", "key": key})
    assert reader.status == 200
    reader.resume_point()
    return reader


def _desk(client: httpx2.Client, server: LiveServer) -> dict[str, str]:
    signed = client.post(
        server.url("/api/v1/mod/session"),
        json={"email": "desk@example.com", "password": PASSWORD},
    )
    assert signed.status_code == 200, signed.text
    return {"X-CSRF-Token": signed.json()["csrf_token"]}


def _act(
    client: httpx2.Client, server: LiveServer, comment_id: int, action: str, **body: Any
) -> None:
    done = client.post(
        server.url(f"/api/v1/mod/comments/{comment_id}/{action}"),
        json=body,
        headers=_desk(client, server),
    )
    assert done.status_code == 200, done.text


def _flag(client: httpx2.Client, server: LiveServer, comment_id: int, reader: int) -> None:
    flagged = client.post(
        server.url(f"/api/v1/comments/{comment_id}/flags"),
        json={"reason": "abusive", "reader": f"reader-{reader:04d}-0123456789abcdef"},
    )
    assert flagged.status_code == 204, flagged.text


def test_readers_flags_take_a_comment_off_open_pages(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    flagged = post_comment(client, server, key, "A comment readers dislike.")["comment"]
    with listen(server, key) as reader:
        _flag(client, server, flagged["id"], 1)
        _flag(client, server, flagged["id"], 2)  # below flags_to_hold (3): still shown
        _flag(client, server, flagged["id"], 3)
        removal = reader.next_event()
        assert removal.event == "deleted"
        assert removal.json() == {"id": flagged["id"]}
    page = client.get(server.url("/api/v1/threads"), params={"site": "demo", "key": key})
    assert page.json()["comments"] == []


def test_a_moderators_rejection_and_a_held_edit_are_removals_and_a_pick_a_change(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    rejected = post_comment(client, server, key, "Soon rejected.")["comment"]
    picked = post_comment(client, server, key, "Soon an editor's pick.")["comment"]
    edited = post_comment(client, server, key, "Soon edited into something held.")
    with listen(server, key) as reader:
        _act(client, server, rejected["id"], "reject", reason="Off topic")
        event = reader.next_event()
        assert (event.event, event.json()) == ("deleted", {"id": rejected["id"]})

        _act(client, server, picked["id"], "feature", featured=True)
        event = reader.next_event()
        assert event.event == "comment"
        assert event.json()["id"] == picked["id"] and event.json()["featured"] is True

        changed = client.patch(
            server.url(f"/api/v1/comments/{edited['comment']['id']}"),
            json={"body": HOSTILE, "acknowledge_nudge": True},
            headers={"Authorization": f"Bearer {edited['edit_token']}"},
        )
        assert changed.status_code == 200 and changed.json()["comment"]["status"] == "pending"
        event = reader.next_event()
        assert (event.event, event.json()) == ("deleted", {"id": edited["comment"]["id"]})


def test_a_comment_held_from_the_start_is_never_announced(
    server: LiveServer, client: httpx2.Client, key: str
) -> None:
    with listen(server, key) as reader:
        held = post_comment(client, server, key, HOSTILE, acknowledge_nudge=True)["comment"]
        assert held["status"] == "pending"
        shown = post_comment(client, server, key, "A civil comment after it.")["comment"]
        event = reader.next_event()
        assert (event.event, event.json()["id"]) == ("comment", shown["id"])
        assert all(held["id"] != (b.json() or {}).get("id") for b in reader.seen if b.is_event)
        # Approved later, it arrives like any new comment.
        _act(client, server, held["id"], "approve")
        event = reader.next_event()
        assert (event.event, event.json()["id"]) == ("comment", held["id"])
