"""With rate limits on, a reader who posts too often sees the API's message in the form,
and keeps what they typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import Api, Browsing, expect, start_server
from tests.live_server import LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's own server, with the write limits on (the demo site's defaults)."""
    live = start_server(tmp_path_factory.mktemp("browser-ratelimited"), rate_limits=True)
    yield live
    live.stop()


def test_rate_limit_error_is_shown_and_the_text_kept(
    browsing: Browsing, api: Api, key: str
) -> None:
    # The failed POST is reported by Chromium itself as a failed resource load.
    context = browsing.context(allowed_errors=r"status of 429 \(Too Many Requests\)")
    page = browsing.open(key, context=context)
    form = page.locator(".tl-compose form.tl-form-new")
    text = form.locator("textarea.tl-input-body")
    name = form.locator("input.tl-input-name")

    # Use up this network's allowance through the API (same address as the browser).
    statuses = [
        api.post_response(
            key, f"Filler comment {i} about the ferry.", name=f"Filler {i}"
        ).status_code
        for i in range(10)
    ]
    assert 429 in statuses, statuses

    typed = "A long, carefully written comment\n\nthat must **not** be lost."
    text.fill(typed)
    name.fill("Patient Reader")
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/comments") and r.request.method == "POST"
    ) as answered:
        form.locator("button.tl-submit").click()
    response = answered.value
    assert response.status == 429
    message = response.json()["error"]["message"]
    assert message.startswith("Too many comments from your network")

    error = form.locator(".tl-error[role=alert]")
    expect(error).to_have_text(message)
    expect(text).to_have_value(typed)
    expect(name).to_have_value("Patient Reader")
    expect(form.locator("button.tl-submit")).to_be_enabled()
    expect(form.locator("button.tl-submit")).to_have_text("Post comment")
    # The filler comments that did get through wait behind the live button; none is ours.
    accepted = statuses.count(201)
    expect(page.locator("button.tl-new")).to_have_text(f"{accepted} new comments — show")
    expect(page.locator("li.tl-own")).to_have_count(0)
