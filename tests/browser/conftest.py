"""Browser tests: Playwright's sync API driving Debian's Chromium (headless) against a real
`threadline serve --demo` process on a free port, one fresh SQLite database per test module.

One browser serves the whole package; each test gets fresh browser contexts (its own
localStorage, i.e. a new reader) and a thread key of its own. Every page of every test is
watched: a request to any origin but the server's, or a console error, fails the test.

Prerequisites (`bash scripts/browser-deps.sh`): /usr/bin/chromium, the Python package
playwright, and axe-core under tests/browser/axe/node_modules. Missing ones skip the tests
locally and fail them in CI (CI=true).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.live_server import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.support import Api, Browsing


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    from tests.browser import support

    if not (support.CHROMIUM.is_file() and os.access(support.CHROMIUM, os.X_OK)):
        support.unavailable(f"no Chromium at {support.CHROMIUM}")
    with support.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(support.CHROMIUM),
                headless=True,
                args=support.CHROMIUM_ARGS,
            )
        except Exception as exc:  # the browser is there but does not start
            support.unavailable(f"Chromium at {support.CHROMIUM} did not start: {exc}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`threadline serve --demo`, rate limits off, on a fresh database for this module."""
    from tests.browser.support import start_server

    live = start_server(tmp_path_factory.mktemp("browser-server"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def api(server: LiveServer) -> Iterator[Api]:
    from tests.browser.support import Api

    client = Api(server)
    yield client
    client.close()


@pytest.fixture
def browsing(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Browsing]:
    from tests.browser.support import Browsing

    session = Browsing(browser, server, request.node.name)
    yield session
    problems = session.close()
    if problems:
        pytest.fail("the pages of this test misbehaved:\n  " + "\n  ".join(problems))


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    from tests.browser.support import thread_key

    return thread_key(request.node.name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    support = sys.modules.get("tests.browser.support")  # imported only if the tests ran
    saved = getattr(support, "saved_screenshots", [])
    if saved:
        terminalreporter.write_sep("-", "browser screenshots (tests/browser/test_demo_site.py)")
        for path in saved:
            terminalreporter.write_line(str(path))
