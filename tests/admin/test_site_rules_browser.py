"""A site's rules and a thread's tools in Chromium against a real `threadline serve`: change a
setting (and see a refused one beside its field), add a banned word and see the next post
rejected, lift a ban, close a thread — under the strict CSP, with no console errors.
Skipped locally (failed in CI) without Chromium/Playwright, like tests/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2
import pytest

from tests.browser import support
from tests.live_server import LiveServer, cli_environ, run_cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("site-rules")
    live = support.start_server(tmp)
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp / "data"), THREADLINE_SECRET_KEY="s")
    created = run_cli(
        ["user", "create-admin", "desk@example.com", "--name", "Desk", "--password-stdin"],
        env,
        live.database_url,
        input=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not support.CHROMIUM.is_file():
        support.unavailable(f"no Chromium at {support.CHROMIUM}")
    with support.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(support.CHROMIUM), headless=True, args=support.CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Desk:
    page: Page
    errors: list[str] = field(default_factory=list)  # console and page errors

    def refused_once(self) -> None:
        """A refused form answers 400, which Chromium logs as a failed load: expected once."""
        expected = [e for e in self.errors if "status of 400" in e]
        assert len(expected) == 1, self.errors
        self.errors.remove(expected[0])


@pytest.fixture
def desk(browser: Browser, server: LiveServer) -> Iterator[Desk]:
    """A signed-in admin's page; console errors and page errors fail the test."""
    context = browser.new_context()
    page = context.new_page()
    signed = Desk(page)
    errors = signed.errors
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url("/admin/login"))
    page.get_by_label("Email").fill("desk@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/queue/pending")
    yield signed
    context.close()
    assert errors == []


def _post(server: LiveServer, body: str, thread: str, name: str = "Reader") -> httpx2.Response:
    return httpx2.post(
        server.url("/api/v1/comments"),
        json={"site": "demo", "thread": thread, "body": body, "author": {"name": name}},
        trust_env=False,
    )


def _error_code(response: httpx2.Response) -> str:
    body: dict[str, Any] = response.json()
    code: str = body["error"]["code"]
    return code


def _open_settings(page: Page) -> None:
    page.get_by_role("link", name="Sites").click()
    page.get_by_role("row", name="demo").get_by_role("link", name="Settings").click()
    page.wait_for_url("**/admin/sites/demo/settings")


def test_change_a_setting(desk: Desk, server: LiveServer, tmp_path: Path) -> None:
    page = desk.page
    _open_settings(page)
    box = page.get_by_label("Pre-moderate comments with links")
    assert not box.is_checked()
    box.check()
    page.get_by_label("Hold at toxicity").fill("7")  # out of range: refused beside the field
    page.get_by_role("button", name="Save settings").click()
    field_error = page.locator("#e-toxicity_hold")
    assert "from 0 to 1" in field_error.inner_text()
    assert page.get_by_label("Hold at toxicity").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Pre-moderate comments with links").is_checked()  # kept as typed
    desk.refused_once()
    page.get_by_label("Hold at toxicity").fill("0.2")
    page.locator("form.settings").get_by_label("Why (for the audit log)").fill("Election week")
    page.get_by_role("button", name="Save settings").click()
    assert "Saved the settings." in page.get_by_role("status").inner_text()
    assert page.get_by_label("Pre-moderate comments with links").is_checked()
    assert page.get_by_label("Hold at toxicity").input_value() == "0.2"
    held = _post(server, "Read https://example.org/report before you judge.", "rules-1")
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"
    page.get_by_role("link", name="Audit log").first.click()
    assert "change_settings" in page.locator("table").inner_text()
    # Undo, so the other tests' comments publish without links in mind.
    _open_settings(page)
    page.get_by_label("Pre-moderate comments with links").uncheck()
    page.get_by_role("button", name="Save settings").click()
    assert "Saved the settings." in page.get_by_role("status").inner_text()


def test_add_a_banned_word_then_a_post_is_rejected(desk: Desk, server: LiveServer) -> None:
    page = desk.page
    assert _post(server, "The zorblax council met again.", "rules-2").status_code == 201
    _open_settings(page)
    page.get_by_label("Banned words").fill("zorblax")
    page.locator("form.words").get_by_label("Why (for the audit log)").fill("New insult")
    page.get_by_role("button", name="Save word lists").click()
    assert "Saved the word lists." in page.get_by_role("status").inner_text()
    assert page.get_by_label("Banned words").input_value() == "zorblax"
    rejected = _post(server, "The z0rblax council met again.", "rules-2")
    assert rejected.status_code == 422 and _error_code(rejected) == "comment_rejected"


def test_lift_a_ban(desk: Desk, server: LiveServer) -> None:
    page = desk.page
    comment = _post(server, "First!", "rules-3", name="Troll").json()["comment"]["id"]
    page.goto(server.url("/admin/queue/recent?author=troll"))
    card = page.locator(f'article.card[data-id="{comment}"]')
    card.get_by_role("button", name="Ban author").click()
    assert "Banned the author" in page.get_by_role("status").inner_text()
    assert _error_code(_post(server, "Again!", "rules-3", name="Troll")) == "author_banned"
    _open_settings(page)
    page.get_by_role("link", name="Bans").click()
    row = page.get_by_role("row", name="troll")
    assert "Desk" in row.inner_text() and "Banned from the dashboard" in row.inner_text()
    row.get_by_label("Why").fill("Apologised by email")
    row.get_by_role("button", name="Lift ban").click()
    assert "Lifted the ban on troll." in page.get_by_role("status").inner_text()
    assert page.get_by_text("No bans in force.").is_visible()
    assert _post(server, "Sorry, all.", "rules-3", name="Troll").status_code == 201


def test_close_a_thread_from_the_dashboard(desk: Desk, server: LiveServer) -> None:
    page = desk.page
    assert _post(server, "A calm first remark.", "rules-4").status_code == 201
    page.goto(server.url("/admin/queue/recent"))
    page.get_by_label("Site").fill("demo")
    page.get_by_label("Thread").fill("rules-4")
    page.get_by_role("button", name="Filter").click()
    page.locator("p.thread-link").get_by_role("link", name="Thread tools").click()
    page.wait_for_url("**/admin/threads/*")
    page.locator("form.close").get_by_label("Why").fill("Off the rails")
    page.get_by_role("button", name="Close thread").click()
    assert "Closed the thread." in page.get_by_role("status").inner_text()
    assert "Closed" in page.locator(".thread-state").inner_text()
    refused = _post(server, "One more?", "rules-4")
    assert refused.status_code == 403 and _error_code(refused) == "thread_closed"
    # Reopened from a card's own link to its thread's tools.
    page.goto(server.url("/admin/queue/recent"))
    page.locator("article.card").first.get_by_role("link", name="Thread tools").click()
    page.get_by_role("button", name="Reopen thread").click()
    assert "Reopened the thread." in page.get_by_role("status").inner_text()
    assert _post(server, "One more?", "rules-4").status_code == 201
