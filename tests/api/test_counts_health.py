"""POST /api/v1/counts and GET /healthz."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.api.support import COUNTS, bearer, comment_url
from tests.conftest import post


def test_counts_answers_each_key_as_sent_with_published_comments_only(client: TestClient) -> None:
    post(client, "a1", thread="https://news.example/a")
    post(client, "a2", thread="https://news.example/a")
    doomed = post(client, "b1", thread="b")
    post(client, "b2", thread="b")
    gone = client.delete(comment_url(doomed["comment"]["id"]), headers=bearer(doomed["edit_token"]))
    assert gone.status_code == 204
    response = client.post(
        COUNTS,
        json={
            "site": "demo",
            "keys": ["https://NEWS.example/a?utm_source=feed#comments", "b", "nothing-here"],
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "counts": {
            "https://NEWS.example/a?utm_source=feed#comments": 2,
            "b": 1,
            "nothing-here": 0,
        }
    }


def test_counts_of_no_keys_and_of_many_keys(client: TestClient) -> None:
    post(client, "x", thread="k-250")
    assert client.post(COUNTS, json={"site": "demo", "keys": []}).json() == {"counts": {}}
    keys = [f"k-{i}" for i in range(500)]
    counts = client.post(COUNTS, json={"site": "demo", "keys": keys}).json()["counts"]
    assert len(counts) == 500
    assert counts["k-250"] == 1
    assert sum(counts.values()) == 1


def test_counts_are_per_site(client: TestClient) -> None:
    from threadline.service.sites import add_site

    add_site(client.app.state.threadline.ctx, "other", "Other")  # type: ignore[attr-defined]
    post(client, "on demo", thread="shared-key")
    other = client.post(COUNTS, json={"site": "other", "keys": ["shared-key"]})
    assert other.json() == {"counts": {"shared-key": 0}}


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    post(client, "hello")
    health = client.head("/healthz")
    assert (health.status_code, health.content) == (200, b"")
    page = client.head("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    assert (page.status_code, page.content) == (200, b"")
    assert page.headers["etag"].startswith('W/"')


def test_healthz_fails_once_the_store_is_closed(make_client: Callable[..., TestClient]) -> None:
    app = make_client(rate_limits=False).app
    app.state.threadline.ctx.store.close()  # type: ignore[attr-defined]
    # A fresh client: its requests run on worker threads that never read before.
    response = TestClient(app, raise_server_exceptions=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
