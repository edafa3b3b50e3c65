"""The external scorer configured as a server setting, through the real ASGI app: a held
answer holds the comment (201, pending), a failing scorer never costs the comment."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from tests.api.support import COMMENTS, page_json
from tests.moderation.scorer_server import ScorerServer, scorer_server
from threadline.service.sites import add_site


@pytest.fixture(scope="module")
def server() -> Iterator[ScorerServer]:
    with scorer_server() as running:
        yield running


def _client(make_client: Callable[..., TestClient], url: str, **settings: object) -> TestClient:
    client = make_client(rate_limits=False, external_scorer_url=url, **settings)
    add_site(client.app.state.threadline.ctx, "demo", "Demo News")  # type: ignore[attr-defined]
    return client


def _post(client: TestClient, body: str) -> dict[str, object]:
    payload = {"site": "demo", "thread": "article-1", "body": body, "author": {"name": "Ada"}}
    response = client.post(COMMENTS, json=payload)
    assert response.status_code == 201, response.text
    comment: dict[str, object] = response.json()["comment"]
    return comment


def test_the_configured_scorer_is_asked_and_can_hold(
    make_client: Callable[..., TestClient], server: ScorerServer
) -> None:
    client = _client(make_client, server.url("/ok"))
    assert _post(client, "Buses should run every ten minutes.")["status"] == "published"
    assert _post(client, "Pineapple belongs on the council's menu.")["status"] == "pending"
    assert [c["html"] for c in page_json(client)["comments"]] == [
        "<p>Buses should run every ten minutes.</p>"
    ]
    assert server.requests[-1]["site"] == "demo"


def test_a_failing_scorer_costs_no_comment(
    make_client: Callable[..., TestClient], server: ScorerServer
) -> None:
    lenient = _client(make_client, server.url("/garbage"))
    assert _post(lenient, "Buses should run every ten minutes.")["status"] == "published"


def test_a_desk_can_hold_while_its_scorer_fails(
    make_client: Callable[..., TestClient], server: ScorerServer
) -> None:
    strict = _client(make_client, server.url("/error"), external_scorer_hold_on_failure=True)
    assert _post(strict, "Buses should run every ten minutes.")["status"] == "pending"
