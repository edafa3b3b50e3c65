"""The dashboard in Chromium against a real `threadline serve`: sign in, then keyboard-only
queue work (a approves, r + a reason + Enter rejects) under the strict CSP, with no console
errors. Skipped locally (failed in CI) without Chromium/Playwright, like tests/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.browser import support
from tests.live_server import LiveServer, cli_environ, run_cli

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("dashboard")
    live = support.start_server(tmp)
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp / "data"), THREADLINE_SECRET_KEY="s")
    url = live.database_url
    configured = run_cli(["site", "configure", "demo", "--set", "premoderation=on"], env, url)
    assert configured.returncode == 0, configured.stderr
    created = run_cli(
        ["user", "create-admin", "desk@example.com", "--name", "Desk", "--password-stdin"],
        env,
        url,
        input=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    yield live
    live.stop()


def _post(server: LiveServer, body: str) -> int:
    response = httpx2.post(
        server.url("/api/v1/comments"),
        json={"site": "demo", "thread": "dash-1", "body": body, "author": {"name": "Reader"}},
        trust_env=False,
    )
    assert response.status_code == 201, response.text
    comment_id: int = response.json()["comment"]["id"]
    return comment_id


def _shown(server: LiveServer) -> list[int]:
    page: dict[str, Any] = httpx2.get(
        server.url("/api/v1/threads"), params={"site": "demo", "key": "dash-1"}, trust_env=False
    ).json()
    return [c["id"] for c in page["comments"]]


def test_keyboard_only_queue_work(server: LiveServer, tmp_path: Path) -> None:
    if not (support.CHROMIUM.is_file()):
        support.unavailable(f"no Chromium at {support.CHROMIUM}")
    kept = _post(server, "A thoughtful remark about the bus lanes.")
    dropped = _post(server, "Buy followers cheap, visit my page.")
    errors: list[str] = []
    with support.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(support.CHROMIUM), headless=True, args=support.CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url("/admin/login"))
            # The email field has autofocus; typing before Chromium has applied it loses keys.
            support.expect(page.locator("input[name=email]")).to_be_focused()
            page.keyboard.type("desk@example.com")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url("**/admin/queue/pending")
            cards = page.locator("article.card")
            assert cards.count() == 2
            # Newest first: the spam-like one is on top and focused; j moves to the next.
            assert page.evaluate("document.activeElement.dataset.id") == str(dropped)
            page.keyboard.press("j")
            assert page.evaluate("document.activeElement.dataset.id") == str(kept)
            page.keyboard.press("a")
            page.wait_for_url("**/admin/queue/pending?done=*")
            assert page.locator("article.card").count() == 1
            page.keyboard.press("r")
            assert page.evaluate("document.activeElement.name") == "reason"
            page.keyboard.press("ArrowDown")  # "Spam or advertising"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "Spam or advertising" in page.locator("[role=status]").inner_text()
            assert page.locator("article.card").count() == 0
        finally:
            browser.close()
    assert errors == []
    assert _shown(server) == [kept]
