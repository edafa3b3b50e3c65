"""The demo newspaper in a real browser: nothing but the server is contacted and nothing goes
wrong in the console; axe-core finds no serious or critical accessibility violation in the
light and dark themes; screenshots of the demo article in both themes are saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    AXE_JS,
    SCREENSHOTS,
    Browsing,
    Page,
    comment,
    expect,
    reply_to,
    saved_screenshots,
    unavailable,
    wait_loaded,
)
from tests.live_server import LiveServer
from threadline.demo.content import HARBOUR_STREET, LIBRARY

pytestmark = pytest.mark.slow

COUNT = re.compile(r"^\d+ comments?$")


def article_path(key: str, theme: str | None = None) -> str:
    return f"/demo/{key}" + (f"?theme={theme}" if theme else "")


def test_demo_pages_contact_only_the_server_and_log_no_errors(
    browsing: Browsing, server: LiveServer
) -> None:
    context = browsing.context()
    page = context.new_page()
    front = page.goto(server.url("/"))
    assert front is not None and front.status == 200
    assert "script-src 'self'" in front.headers["content-security-policy"]
    # The front page's comment counts, filled by one request.
    expect(page.locator("[data-threadline-count]").first).to_have_text(COUNT)
    expect(page.locator("[data-threadline-count]:not([data-threadline-counted])")).to_have_count(0)

    page.locator(f"a[href='/demo/{LIBRARY.key}']").first.click()
    page.wait_for_url(re.compile(re.escape(article_path(LIBRARY.key)) + "$"))
    wait_loaded(page)
    # Post, reply, vote, sort: every request the widget makes, under the demo's strict CSP.
    form = page.locator(".tl-compose form.tl-form-new")
    form.locator("textarea.tl-input-body").fill("The new reading room looks wonderful.")
    form.locator("input.tl-input-name").fill("Demo Visitor")
    with page.expect_response(lambda r: r.request.method == "POST" and "/comments" in r.url) as p:
        form.locator("button.tl-submit").click()
    mine = p.value.json()["comment"]["id"]
    first = int(page.locator("ul.tl-list > li.tl-item").first.get_attribute("data-id") or 0)
    reply_to(page, first, "Agreed, and the opening hours are better too.")
    comment(page, first).locator("button.tl-vote-up").click()
    expect(comment(page, first).locator("button.tl-vote-up")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("select.tl-sort").select_option("top")
    expect(page.locator("select.tl-sort")).to_have_value("top")
    wait_loaded(page)
    expect(comment(page, mine)).to_be_attached()

    watch = browsing.watch(context)
    paths = {re.sub(r"\?.*$", "", url.removeprefix(server.base_url)) for url in watch.urls}
    for expected in (
        "/embed.js",
        "/static/widget.js",
        "/api/v1/counts",
        "/api/v1/threads",
        "/api/v1/threads/events",
        "/api/v1/comments",
    ):
        assert expected in paths, sorted(paths)
    assert watch.foreign() == []
    assert watch.errors == []
    assert context.cookies() == []  # local storage only
    stored: list[str] = page.evaluate("Object.keys(localStorage)")
    assert stored and all(k.startswith("threadline:") for k in stored), stored


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1]}")
    return "\n".join(lines)


def _text_brightness(page: Page) -> int:
    """The sum of R+G+B of the widget's heading colour (high on a dark theme)."""
    color: str = page.locator(".tl-count").evaluate("el => getComputedStyle(el).color")
    return sum(int(n) for n in re.findall(r"\d+", color)[:3])


@pytest.mark.parametrize(
    ("theme", "scheme", "dark"),
    [("light", "light", False), ("dark", "light", True), (None, "dark", True)],
    ids=["light", "dark", "auto-prefers-dark"],
)
def test_no_serious_accessibility_violations(
    browsing: Browsing, theme: str | None, scheme: str, dark: bool
) -> None:
    if not AXE_JS.is_file():
        unavailable(f"axe-core is not installed ({AXE_JS} is missing)")
    # The demo's CSP (script-src 'self') would refuse the injected axe script.
    context = browsing.context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    page.goto(browsing.origin + article_path(HARBOUR_STREET.key, theme))
    wait_loaded(page)
    assert (_text_brightness(page) > 384) is dark
    # Scan the states a reader meets too: an open reply form and a form error.
    first = int(page.locator("ul.tl-list > li.tl-item").first.get_attribute("data-id") or 0)
    comment(page, first).locator("button.tl-reply").click()
    form = page.locator(".tl-compose form.tl-form-new")
    form.locator("button.tl-submit").click()
    expect(form.locator(".tl-error[role=alert]")).to_have_text("Please write something first.")
    page.locator("ul.tl-list > li.tl-item").nth(1).locator("button.tl-toggle").first.click()

    violations = _axe_violations(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, "axe-core found:\n" + _describe(serious)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_the_demo_article(browsing: Browsing, theme: str) -> None:
    context = browsing.context(color_scheme=theme, width=1280, height=900)
    page = context.new_page()
    page.goto(browsing.origin + article_path(HARBOUR_STREET.key, theme))
    wait_loaded(page)
    expect(page.locator("ul.tl-list > li.tl-item").first).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")
    SCREENSHOTS.mkdir(exist_ok=True)
    box = page.locator("#threadline").bounding_box()
    assert box is not None
    top = max(0, box["y"] - 24)
    shots: dict[Path, Callable[[Path], bytes]] = {
        SCREENSHOTS / f"demo-comments-top-{theme}.png": lambda path: page.screenshot(
            path=path,
            full_page=True,
            clip={"x": 0, "y": top, "width": 1280, "height": 1200},
            animations="disabled",
        ),
        SCREENSHOTS / f"demo-article-{theme}.png": lambda path: page.screenshot(
            path=path, full_page=True, animations="disabled"
        ),
        SCREENSHOTS / f"demo-comments-{theme}.png": lambda path: page.locator(
            "#threadline"
        ).screenshot(path=path, animations="disabled"),
    }
    for path, take in shots.items():
        take(path)
        assert path.stat().st_size > 20_000, path
        saved_screenshots.append(path)
