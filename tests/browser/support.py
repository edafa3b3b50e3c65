"""What the browser tests share: Playwright (sync API) on Debian's Chromium, a test page that
embeds the widget for any thread key, the Threadline HTTP API for seeding, and small
helpers that drive the widget through its documented DOM hooks (widget/README.md).

Importing this module skips the importing test module when Playwright is missing (locally)
or fails it (in CI, CI=true): `scripts/browser-deps.sh` installs everything.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import httpx2
import pytest

from tests.live_server import LiveServer, cli_environ
from threadline.api.static import DEMO_CSP

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HERE = Path(__file__).parent
CHROMIUM = Path(os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = HERE / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
INSTALL_HINT = "run `bash scripts/browser-deps.sh` to install Chromium, Playwright and axe-core"
TEST_PAGE_PATH = "/__browser-test__/page"
SITE = "demo"
CSP = DEMO_CSP  # the test page is served under the demo pages' strict policy
TIMEOUT_MS = 15_000
saved_screenshots: list[Path] = []  # listed at the end of the run (conftest.py)


def unavailable(what: str) -> NoReturn:
    """A missing prerequisite: a failure in CI, a clear skip locally."""
    message = f"{what}; {INSTALL_HINT}"
    if IN_CI:
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Locator,
        Page,
        Playwright,
        Request,
        Response,
        Route,
        expect,
        sync_playwright,
    )
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the machine
    unavailable(f"the Python package playwright is not installed ({exc})")

expect.set_options(timeout=TIMEOUT_MS)

__all__ = [
    "Browser",
    "BrowserContext",
    "Locator",
    "Page",
    "Playwright",
    "expect",
    "sync_playwright",
]


# ---- the server and its API ------------------------------------------------------------------


def start_server(tmp: Path, *, rate_limits: bool = False) -> LiveServer:
    """`threadline serve --demo` on a fresh SQLite database in `tmp`."""
    env = cli_environ(
        THREADLINE_RATE_LIMITS="on" if rate_limits else "off",
        THREADLINE_DATA_DIR=str(tmp / "data"),
        THREADLINE_SECRET_KEY="browser-test-secret",
    )
    server = LiveServer(f"sqlite:///{tmp / 'threadline.db'}", env, tmp / "server.log", ["--demo"])
    return server.start()


class Api:
    """The server's JSON API, for seeding and for checking what the widget did."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx2.Client(trust_env=False, timeout=10.0)  # never through a proxy

    def close(self) -> None:
        self.http.close()

    def post_response(
        self, key: str, body: str, name: str = "Api Reader", parent_id: int | None = None
    ) -> httpx2.Response:
        payload: dict[str, Any] = {
            "site": SITE,
            "thread": key,
            "body": body,
            "author": {"name": name},
        }
        if parent_id is not None:
            payload["parent_id"] = parent_id
        return self.http.post(self.server.url("/api/v1/comments"), json=payload)

    def post(
        self, key: str, body: str, name: str = "Api Reader", parent_id: int | None = None
    ) -> dict[str, Any]:
        """Post a comment; it must be published at once. Returns the comment."""
        response = self.post_response(key, body, name, parent_id)
        assert response.status_code == 201, response.text
        comment: dict[str, Any] = response.json()["comment"]
        assert comment["status"] == "published", comment
        return comment

    def vote(self, comment_id: int, value: int, voter: str) -> dict[str, Any]:
        response = self.http.post(
            self.server.url(f"/api/v1/comments/{comment_id}/vote"),
            json={"value": value, "voter": voter},
        )
        assert response.status_code == 200, response.text
        comment: dict[str, Any] = response.json()["comment"]
        return comment

    def thread(self, key: str, sort: str = "oldest", limit: int = 200) -> dict[str, Any]:
        response = self.http.get(
            self.server.url("/api/v1/threads"),
            params={"site": SITE, "key": key, "sort": sort, "limit": str(limit)},
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def comments(self, key: str) -> dict[int, dict[str, Any]]:
        return {c["id"]: c for c in self.thread(key)["comments"]}


_keys = itertools.count(1)


def thread_key(name: str) -> str:
    """A thread key of its own for each test (tests sharing a server never see each other)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return f"bt-{slug}-{next(_keys)}"


# ---- pages -------------------------------------------------------------------------------------


def _test_page(title: str, key: str, attrs: dict[str, str]) -> str:
    data = "".join(f' data-{name}="{value}"' for name, value in attrs.items())
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/demo/favicon.svg" type="image/svg+xml">
</head>
<body>
<main>
<h1>{title}</h1>
<p><a href="#threadline">Jump to the comments</a></p>
<div id="threadline" data-site="{SITE}" data-thread="{key}"{data}></div>
</main>
<script src="/embed.js" async></script>
</body>
</html>"""


@dataclass
class Watch:
    """What one browser context did: console errors, uncaught exceptions, every URL fetched."""

    origin: str
    errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    allowed_errors: re.Pattern[str] | None = None

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")

    def on_request(self, request: Request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        """Requests to anywhere but the server (data: URLs fetch nothing)."""
        found = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "about", "blob"):
                continue
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                found.append(url)
        return found

    def unexpected_errors(self) -> list[str]:
        pattern = self.allowed_errors
        return [e for e in self.errors if pattern is None or not pattern.search(e)]


class Browsing:
    """Opens browser contexts (one per reader) and pages on the live server; closes them all
    and checks, for every page of the test, that nothing was requested from another origin
    and that no console error happened."""

    def __init__(self, browser: Browser, server: LiveServer, test_name: str) -> None:
        self.browser = browser
        self.server = server
        self.origin = server.base_url
        self.test_name = test_name
        self.contexts: list[tuple[BrowserContext, Watch]] = []

    def context(
        self,
        *,
        color_scheme: str | None = None,
        bypass_csp: bool = False,
        width: int = 1100,
        height: int = 900,
        allowed_errors: str | None = None,
    ) -> BrowserContext:
        """A fresh reader (own localStorage), with the test page routed on the server's origin."""
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,  # type: ignore[arg-type]
            bypass_csp=bypass_csp,
            reduced_motion="reduce",
            locale="en-GB",
            timezone_id="UTC",
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        allowed = re.compile(allowed_errors) if allowed_errors else None
        watch = Watch(self.origin, allowed_errors=allowed)
        context.on("request", watch.on_request)
        context.on("page", lambda page: self._watch_page(page, watch))
        context.route(self.origin + TEST_PAGE_PATH + "*", self._serve_test_page)
        self.contexts.append((context, watch))
        return context

    @staticmethod
    def _watch_page(page: Page, watch: Watch) -> None:
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)

    def _serve_test_page(self, route: Route) -> None:
        query = dict(
            pair.split("=", 1) for pair in urlsplit(route.request.url).query.split("&") if pair
        )
        key = query.pop("key")
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
            body=_test_page(f"Browser test: {self.test_name}", key, query),
        )

    def test_page_url(self, key: str, **attrs: str | int) -> str:
        """The address of a page embedding the widget for `key`; attrs become data-* on
        #threadline (page_size=20 → data-page-size="20")."""
        params = {"key": key} | {k.replace("_", "-"): str(v) for k, v in attrs.items()}
        return self.origin + TEST_PAGE_PATH + "?" + urlencode(params)

    def open(
        self,
        key: str,
        *,
        context: BrowserContext | None = None,
        fragment: str = "",
        wait: bool = True,
        **attrs: str | int,
    ) -> Page:
        """A page with the widget for `key`, once its first page of comments has loaded."""
        page = (context or self.context()).new_page()
        page.goto(self.test_page_url(key, **attrs) + fragment)
        if wait:
            wait_loaded(page)
        return page

    def open_path(self, path: str, *, context: BrowserContext | None = None) -> Page:
        page = (context or self.context()).new_page()
        page.goto(self.origin + path)
        return page

    def watch(self, context: BrowserContext) -> Watch:
        """What a context opened by `context()` has done so far."""
        return next(w for c, w in self.contexts if c is context)

    def close(self) -> list[str]:
        """Close everything; the problems found on the way (empty when all was well)."""
        problems: list[str] = []
        for context, watch in self.contexts:
            context.close()
            problems += [f"request to another origin: {url}" for url in watch.foreign()]
            problems += watch.unexpected_errors()
        self.contexts.clear()
        return problems


# ---- the widget --------------------------------------------------------------------------------


def wait_loaded(page: Page) -> None:
    """The widget rendered its first page (the list is no longer busy, the count is shown)."""
    expect(page.locator("ul.tl-list")).to_be_attached()
    expect(page.locator("ul.tl-list")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".tl-count")).to_have_text(re.compile(r"^\d+ comments?$"))


def comment(page: Page, comment_id: int) -> Locator:
    return page.locator(f"article#comment-{comment_id}")


def item(page: Page, comment_id: int) -> Locator:
    return page.locator(f"li.tl-item[data-id='{comment_id}']")


def top_level_ids(page: Page) -> list[int]:
    ids: list[int] = page.locator("ul.tl-list > li.tl-item").evaluate_all(
        "items => items.map(li => Number(li.dataset.id))"
    )
    return ids


def score(page: Page, comment_id: int) -> Locator:
    return comment(page, comment_id).locator(".tl-score")


def fill_form(form: Locator, body: str, name: str | None = None) -> None:
    form.locator("textarea.tl-input-body").fill(body)
    if name is not None:
        form.locator("input.tl-input-name").fill(name)


def submit_answer(page: Page, form: Locator) -> Response:
    """Click the form's submit button; the server's answer to the POST it sent."""
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/comments") and r.request.method == "POST"
    ) as posted:
        form.locator("button.tl-submit").click()
    return posted.value


def submit_form(page: Page, form: Locator) -> dict[str, Any]:
    """Click the form's submit button; the comment the server answered with."""
    response = submit_answer(page, form)
    assert response.status == 201, response.text()
    data: dict[str, Any] = response.json()["comment"]
    return data


def axe_serious(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical WCAG 2.1 A/AA violations, by axe-core."""
    if not AXE_JS.is_file():
        unavailable(f"axe-core is not installed ({AXE_JS} is missing)")
    page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def post_comment(page: Page, body: str, name: str = "Browser Reader") -> int:
    """Write and post a top-level comment through the new-comment form; its id."""
    form = page.locator(".tl-compose form.tl-form-new")
    fill_form(form, body, name)
    posted = submit_form(page, form)
    expect(comment(page, posted["id"])).to_be_visible()
    return int(posted["id"])


def reply_to(page: Page, parent_id: int, body: str, name: str | None = None) -> int:
    """Open the reply form under a comment, post the reply, return its id."""
    comment(page, parent_id).locator("button.tl-reply").click()
    form = item(page, parent_id).locator(":scope > .tl-replyslot form.tl-form-reply")
    expect(form.locator("textarea.tl-input-body")).to_be_focused()
    fill_form(form, body, name)
    posted = submit_form(page, form)
    replies = item(page, parent_id).locator(":scope > ul.tl-replies")
    expect(replies.locator(f":scope > li.tl-item[data-id='{posted['id']}']")).to_be_attached()
    expect(comment(page, posted["id"])).to_be_visible()
    return int(posted["id"])


DEEP_ACTIVE = """el => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a === el;
}"""

DESCRIBE_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (!a) return "(nothing)";
  const names = typeof a.className === "string" ? a.className.split(" ").filter(Boolean) : [];
  const cls = names.map((n) => "." + n).join("");
  return a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") + cls;
}"""


def focused(page: Page) -> str:
    """The element that has the keyboard focus, even inside the shadow root (for messages)."""
    described: str = page.evaluate(DESCRIBE_ACTIVE)
    return described


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 60) -> int:
    """Press Tab (Shift+Tab) until `target` has the focus; how many presses it took."""
    key = "Shift+Tab" if backwards else "Tab"
    path: list[str] = []
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if target.evaluate(DEEP_ACTIVE):
            return presses
        path.append(focused(page))
    raise AssertionError(f"{key} never reached the target; focus went: {' → '.join(path)}")


def score_is(value: int) -> re.Pattern[str]:
    """The score's text: a visually hidden "Score: " label, then the number."""
    return re.compile(rf"^Score:\s*{value}$")
