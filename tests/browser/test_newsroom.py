"""The newsroom's work as readers meet it in the widget: editors' picks and staff badges
(also arriving live), and an author's own held comment, which stays in view for them alone
across reloads until a moderator decides — then it shows like any other, or is gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.browser.support import (
    Api,
    Browsing,
    comment,
    expect,
    post_comment,
    start_server,
    wait_loaded,
)
from tests.live_server import LiveServer, cli_environ, run_cli

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
DESK = "desk@example.com"
REPORTER = "reporter@example.com"


def _cli(server: LiveServer, tmp: Path, *args: str) -> None:
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp / "data"), THREADLINE_SECRET_KEY="s")
    done = run_cli(args, env, server.database_url, input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`threadline serve --demo` with a desk admin and a reporter (staff of the demo site)."""
    tmp = tmp_path_factory.mktemp("newsroom")
    live = start_server(tmp)
    _cli(live, tmp, "user", "create-admin", DESK, "--name", "Desk", "--password-stdin")
    _cli(
        live,
        tmp,
        *("user", "create", REPORTER, "--name", "Rita", "--role", "staff", "--site", "demo"),
        "--password-stdin",
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def desk(server: LiveServer) -> Iterator[httpx2.Client]:
    """The moderation API, signed in as the desk; send its CSRF header with every action."""
    client = httpx2.Client(trust_env=False, timeout=10.0, base_url=server.base_url)
    signed = client.post("/api/v1/mod/session", json={"email": DESK, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    yield client
    client.close()


def _act(desk: httpx2.Client, path: str, body: dict[str, object], method: str = "POST") -> None:
    done = desk.request(method, path, json=body)
    assert done.status_code == 200, done.text


def test_editors_picks_and_staff_comments_carry_badges(
    browsing: Browsing, api: Api, desk: httpx2.Client, key: str
) -> None:
    picked = api.post(key, "A comment the desk will pick.", name="Pat")
    _act(desk, f"/api/v1/mod/comments/{picked['id']}/feature", {"featured": True})
    context = browsing.context()
    page = browsing.open(key, context=context)
    art = comment(page, picked["id"])
    badge = art.locator(".tl-badge.tl-pick")
    expect(badge).to_have_text("Editor’s pick")
    expect(badge).to_be_visible()
    # In the comment's accessible name region: the header reads "Pat Editor’s pick …".
    expect(art.locator("header.tl-meta")).to_contain_text("Pat")
    expect(art.locator(".tl-staff")).to_have_count(0)

    # Picked while the page is open: the badge arrives live.
    later = api.post(key, "Another comment, picked later.", name="Lee")
    page.locator("button.tl-new").click()
    expect(comment(page, later["id"])).to_be_visible()
    _act(desk, f"/api/v1/mod/comments/{later['id']}/feature", {"featured": True})
    expect(comment(page, later["id"]).locator(".tl-pick")).to_be_visible()

    # The reporter, signed in to the dashboard in this browser, answers as staff.
    signed = context.request.post(
        browsing.origin + "/api/v1/mod/session",
        data={"email": REPORTER, "password": PASSWORD},
    )
    assert signed.status == 200, signed.text()
    own = post_comment(page, "Thanks, we have corrected the figure.", name="Rita (reporter)")
    expect(comment(page, own).locator(".tl-badge.tl-staff")).to_have_text("Staff")
    assert api.comments(key)[own]["staff"] is True
    reader = browsing.open(key)  # another reader sees both badges after a reload
    expect(comment(reader, own).locator(".tl-staff")).to_be_visible()
    expect(comment(reader, picked["id"]).locator(".tl-pick")).to_be_visible()


def test_a_held_comment_stays_with_its_author_across_reloads(
    browsing: Browsing, api: Api, desk: httpx2.Client, key: str
) -> None:
    first = api.post(key, "A published comment that opens the thread.")
    thread_id = api.thread(key)["thread"]["id"]
    _act(desk, f"/api/v1/mod/threads/{thread_id}", {"premoderated": True}, method="PATCH")

    author = browsing.context()
    page = browsing.open(key, context=author)
    kept = post_comment(page, "Held, then approved.", name="Author")
    dropped = post_comment(page, "Held, then rejected.", name="Author")
    expect(comment(page, kept).locator(".tl-pending-badge")).to_have_text("Awaiting review")

    page.reload()
    wait_loaded(page)
    for held in (kept, dropped):
        art = comment(page, held)
        expect(art).to_be_visible()
        expect(art.locator(".tl-pending-badge")).to_have_text("Awaiting review")
        expect(art.locator(".tl-you")).to_be_visible()
    expect(page.locator(".tl-count")).to_have_text("1 comment")  # held ones are not counted

    other = browsing.open(key)  # another reader: only the published comment
    expect(comment(other, first["id"])).to_be_visible()
    expect(other.locator("article.tl-comment")).to_have_count(1)

    # Approved while the author's page is open: it turns into an ordinary comment, live.
    _act(desk, f"/api/v1/mod/comments/{kept}/approve", {})
    expect(comment(page, kept).locator(".tl-pending-badge")).to_have_count(0)
    expect(page.locator(".tl-count")).to_have_text("2 comments")

    # Rejected: gone for its author too, who is told once.
    _act(desk, f"/api/v1/mod/comments/{dropped}/reject", {"reason": "Off topic"})
    expect(comment(page, dropped)).to_have_count(0)
    page.reload()
    wait_loaded(page)
    expect(comment(page, kept)).to_be_visible()
    expect(comment(page, dropped)).to_have_count(0)
    expect(page.locator(".tl-toast[role=status]")).to_have_text(
        "A moderator did not publish your comment."
    )
    page.reload()
    wait_loaded(page)
    expect(page.locator("article.tl-comment")).to_have_count(2)
