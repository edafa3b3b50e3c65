"""GET /api/v1/threads: tree order under each sort, cursor pagination, ETag/304, gzip, and a
page cache that never serves a page older than the last write."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from tests.api.support import THREADS, bearer, comment_url, page_json, thread_page
from tests.conftest import app_clock, post
from threadline.domain.models import SiteSettings
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, configure_site


@dataclass
class Seeded:
    ids: dict[str, int]

    def names(self, comments: list[dict]) -> list[str]:  # type: ignore[type-arg]
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[c["id"]] for c in comments]


def _vote(client: TestClient, comment_id: int, value: int, voter: str) -> None:
    response = client.post(
        comment_url(comment_id, "/vote"), json={"value": value, "voter": f"voter-{voter:0>16}"}
    )
    assert response.status_code == 200, response.text


def seed(client: TestClient) -> Seeded:
    """Seven top-level comments a minute apart, a small subtree, and votes that reorder them.

    r1 ── a ── c          scores: r3 +3, r5 +2, r0 +1, r6 -1, b +1, others 0
       └─ b
    r4 ── d
    """
    clock = app_clock(client)
    ids: dict[str, int] = {}
    for i in range(7):
        clock.advance(minutes=1)
        ids[f"r{i}"] = post(client, f"root {i}")["comment"]["id"]
    for name, parent in (("a", "r1"), ("b", "r1"), ("c", "a"), ("d", "r4")):
        clock.advance(minutes=1)
        ids[name] = post(client, f"reply {name}", parent_id=ids[parent])["comment"]["id"]
    for name, values in (("r3", [1, 1, 1]), ("r5", [1, 1]), ("r0", [1]), ("r6", [-1]), ("b", [1])):
        for n, value in enumerate(values):
            _vote(client, ids[name], value, f"{name}{n}")
    return Seeded(ids)


EXPECTED = {
    "oldest": ["r0", "r1", "a", "c", "b", "r2", "r3", "r4", "d", "r5", "r6"],
    "newest": ["r6", "r5", "r4", "d", "r3", "r2", "r1", "b", "a", "c", "r0"],
    "top": ["r3", "r5", "r0", "r1", "b", "a", "c", "r2", "r4", "d", "r6"],
}


def _walk(client: TestClient, sort: str, limit: int) -> list[list[dict]]:  # type: ignore[type-arg]
    pages = []
    cursor = None
    while True:
        params: dict[str, object] = {"sort": sort, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = page_json(client, **params)
        pages.append(page["comments"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "pagination does not end"


def test_sort_orders_siblings_at_every_depth_and_pages_have_no_duplicates_or_gaps(
    client: TestClient,
) -> None:
    seeded = seed(client)
    assert seeded.names(page_json(client)["comments"]) == EXPECTED["oldest"], "default sort"
    for sort, expected in EXPECTED.items():
        page = page_json(client, sort=sort)
        assert seeded.names(page["comments"]) == expected, sort
        assert page["next_cursor"] is None
        by_name = {seeded.names([c])[0]: c for c in page["comments"]}
        depths = {n: c["depth"] for n, c in by_name.items()}
        assert depths == dict.fromkeys(["r0", "r1", "r2", "r3", "r4", "r5", "r6"], 0) | {
            "a": 1,
            "b": 1,
            "c": 2,
            "d": 1,
        }
        replies = [by_name[n]["reply_count"] for n in ("r1", "a", "r4", "r0")]
        assert replies == [2, 1, 1, 0]
        assert [by_name[n]["score"] for n in ("r3", "r5", "r6", "b")] == [3, 2, -1, 1]

        pages = _walk(client, sort, limit=2)
        roots_per_page = [sum(1 for c in p if c["depth"] == 0) for p in pages]
        assert roots_per_page == [2, 2, 2, 1], sort
        assert all(p[0]["depth"] == 0 for p in pages), "a page starts at a top-level comment"
        walked = [name for p in pages for name in seeded.names(p)]
        assert walked == expected, sort
        assert len(set(walked)) == len(walked) == 11
        for limit in (1, 3):
            again = [n for p in _walk(client, sort, limit) for n in seeded.names(p)]
            assert again == expected, (sort, limit)


def test_a_comment_posted_between_pages_is_neither_repeated_nor_lost(client: TestClient) -> None:
    seeded = seed(client)
    first = page_json(client, limit=3)
    assert seeded.names(first["comments"]) == ["r0", "r1", "a", "c", "b", "r2"]
    app_clock(client).advance(hours=1)
    seeded.ids["late"] = post(client, "late")["comment"]["id"]
    rest = page_json(client, limit=100, cursor=first["next_cursor"])
    assert seeded.names(rest["comments"]) == ["r3", "r4", "d", "r5", "r6", "late"]
    assert rest["next_cursor"] is None


def test_a_cursor_is_tied_to_its_sort_order(client: TestClient) -> None:
    seed(client)
    cursor = page_json(client, sort="top", limit=2)["next_cursor"]
    assert isinstance(cursor, str) and len(cursor) < 200
    response = thread_page(client, sort="newest", limit=2, cursor=cursor)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_cursor"


def _small_pages(client: TestClient, comments: int) -> ServiceContext:
    """A site 'small' with pages of 3, and its thread 'article-1' with `comments` comments."""
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    add_site(ctx, "small", "Small Pages", settings=SiteSettings(page_size=3))
    app_clock(client)
    for i in range(comments):
        post(client, f"comment {i}", site="small")
    return ctx


def test_page_size_defaults_to_the_sites_page_size(client: TestClient) -> None:
    _small_pages(client, 4)
    page = page_json(client, site="small")
    assert [c["html"] for c in page["comments"]] == [f"<p>comment {i}</p>" for i in range(3)]
    rest = page_json(client, site="small", cursor=page["next_cursor"])
    assert [c["html"] for c in rest["comments"]] == ["<p>comment 3</p>"]
    assert rest["next_cursor"] is None
    assert len(page_json(client, site="small", limit=4)["comments"]) == 4


def test_thread_fields_title_url_and_count(client: TestClient) -> None:
    key = "https://news.example/2026/story"
    post(client, "no title yet", thread=key)
    post(client, "sets it", thread=key, title="The Story", url="https://news.example/2026/story")
    post(client, "does not replace it", thread=key, title="Another title")
    page = page_json(client, key)
    thread = page["thread"]
    assert isinstance(thread["id"], int)
    assert thread == {
        "id": thread["id"],
        "site": "demo",
        "key": key,
        "title": "The Story",
        "url": "https://news.example/2026/story",
        "closed": False,
        "comment_count": 3,
    }


def test_url_keys_are_normalized_so_every_link_finds_one_thread(client: TestClient) -> None:
    post(client, "via a tracking link", thread="HTTPS://News.Example:443/story?utm_source=x#c1")
    page = page_json(client, "https://news.example/story")
    assert page["thread"]["key"] == "https://news.example/story"
    assert [c["html"] for c in page["comments"]] == ["<p>via a tracking link</p>"]
    assert page_json(client, "https://news.example/other")["comments"] == []


@pytest.mark.parametrize("key", ["https://news.example:abc/a", "http://[::1/story"])
def test_url_keys_too_malformed_to_normalize_are_used_as_given(
    client: TestClient, key: str
) -> None:
    post(client, "still works", thread=key)
    page = page_json(client, key)
    assert page["thread"]["key"] == key
    assert [c["html"] for c in page["comments"]] == ["<p>still works</p>"]
    counts = client.post("/api/v1/counts", json={"site": "demo", "keys": [key]})
    assert counts.json() == {"counts": {key: 1}}


def test_a_thread_without_comments_is_an_empty_page_not_an_error(client: TestClient) -> None:
    page = page_json(client, "never-commented")
    assert page == {
        "thread": {
            "id": None,
            "site": "demo",
            "key": "never-commented",
            "title": None,
            "url": None,
            "closed": False,
            "comment_count": 0,
        },
        "comments": [],
        "next_cursor": None,
    }


# -- ETag / 304 and the page cache --------------------------------------------------------------


def test_etag_names_the_thread_version_and_if_none_match_gets_304(client: TestClient) -> None:
    first = post(client, "one")
    response = thread_page(client)
    assert response.status_code == 200
    etag = response.headers["etag"]
    match = re.fullmatch(r'W/"(\d+)-(\d+)-(\d+)"', etag)  # thread id, page size, version
    assert match is not None, etag
    assert int(match.group(1)) == response.json()["thread"]["id"]
    assert int(match.group(2)) == 50  # the default page size
    assert int(match.group(3)) == 1  # the version after one comment
    assert response.headers["cache-control"] == "no-cache"
    assert "Accept-Encoding" in response.headers["vary"]

    not_modified = client.get(
        THREADS, params={"site": "demo", "key": "article-1"}, headers={"If-None-Match": etag}
    )
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    listed = client.get(
        THREADS,
        params={"site": "demo", "key": "article-1"},
        headers={"If-None-Match": f'W/"0-0", {etag}'},
    )
    assert listed.status_code == 304
    other = client.get(
        THREADS, params={"site": "demo", "key": "article-1"}, headers={"If-None-Match": 'W/"1-0"'}
    )
    assert other.status_code == 200

    post(client, "two", parent_id=first["comment"]["id"])
    after = client.get(
        THREADS, params={"site": "demo", "key": "article-1"}, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert [c["html"] for c in after.json()["comments"]] == ["<p>one</p>", "<p>two</p>"]


def _html(client: TestClient) -> list[tuple[str, int]]:
    return [(c["html"], c["score"]) for c in page_json(client)["comments"]]


def test_every_kind_of_write_invalidates_the_cached_page(client: TestClient) -> None:
    app_clock(client)
    first = post(client, "first")
    cid, token = first["comment"]["id"], first["edit_token"]
    assert _html(client) == [("<p>first</p>", 0)]
    assert _html(client) == [("<p>first</p>", 0)]  # served from the cache

    second = post(client, "second")
    assert _html(client) == [("<p>first</p>", 0), ("<p>second</p>", 0)]

    edited = client.patch(comment_url(cid), json={"body": "first, edited"}, headers=bearer(token))
    assert edited.status_code == 200
    assert _html(client) == [("<p>first, edited</p>", 0), ("<p>second</p>", 0)]

    _vote(client, cid, 1, "cache")
    assert _html(client) == [("<p>first, edited</p>", 1), ("<p>second</p>", 0)]

    deleted = client.delete(
        comment_url(second["comment"]["id"]), headers=bearer(second["edit_token"])
    )
    assert deleted.status_code == 204
    assert _html(client) == [("<p>first, edited</p>", 1)]
    assert page_json(client)["thread"]["comment_count"] == 1


def test_another_process_write_is_seen_once_the_cached_version_is_rechecked(
    client: TestClient, make_client: Callable[..., TestClient]
) -> None:
    other = make_client(rate_limits=False, cache_revalidate_ms=0)  # same database, own cache
    post(client, "from process one")
    assert [c["html"] for c in page_json(other)["comments"]] == ["<p>from process one</p>"]
    post(client, "second write, elsewhere")
    assert [c["html"] for c in page_json(other)["comments"]] == [
        "<p>from process one</p>",
        "<p>second write, elsewhere</p>",
    ]


# -- gzip -------------------------------------------------------------------------------------


def _raw(client: TestClient, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    with client.stream(
        "GET",
        THREADS,
        params={"site": "demo", "key": "article-1"},
        headers={"Accept-Encoding": accept_encoding},
    ) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join(response.iter_raw())


def test_large_pages_are_gzipped_when_the_client_accepts_gzip(client: TestClient) -> None:
    for i in range(12):
        post(client, f"Comment number {i} says something long enough to be worth compressing.")
    plain_headers, plain = _raw(client, "identity")
    assert "content-encoding" not in plain_headers
    assert len(plain) > 1024
    zipped_headers, zipped = _raw(client, "gzip, deflate")
    assert zipped_headers["content-encoding"] == "gzip"
    assert zipped_headers["etag"] == plain_headers["etag"]
    assert len(zipped) < len(plain)
    assert gzip.decompress(zipped) == plain


def test_small_pages_are_sent_as_they_are(client: TestClient) -> None:
    post(client, "short")
    headers, body = _raw(client, "gzip")
    assert "content-encoding" not in headers
    assert b"<p>short</p>" in body


def test_a_refused_gzip_is_not_sent(client: TestClient) -> None:
    for i in range(12):
        post(client, f"Comment number {i} says something long enough to be worth compressing.")
    for refusal in ("gzip;q=0", "gzip;q=0, *", "*;q=0", "deflate"):
        headers, body = _raw(client, refusal)
        assert "content-encoding" not in headers, refusal
        assert body.startswith(b'{"thread":')


def test_if_none_match_star_and_weak_comparison_get_304(client: TestClient) -> None:
    post(client, "hello")
    first = thread_page(client)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    for header in ("*", etag[2:], f'"nope", {etag}'):
        again = client.get(
            THREADS, params={"site": "demo", "key": "article-1"}, headers={"If-None-Match": header}
        )
        assert again.status_code == 304, header
        assert again.headers["etag"] == etag
    stale = client.get(
        THREADS, params={"site": "demo", "key": "article-1"}, headers={"If-None-Match": '"0-0"'}
    )
    assert stale.status_code == 200


def test_a_changed_page_size_reaches_cached_pages_and_their_etags(
    make_client: Callable[..., TestClient],
) -> None:
    """A newsroom changing the page size (from the dashboard, the CLI or another process)
    sees readers get pages of the new size once the cached page is re-checked — not the old
    pages, nor a 304 for the old ETag."""
    client = make_client(rate_limits=False, cache_revalidate_ms=0)
    ctx = _small_pages(client, 5)
    first = thread_page(client, site="small")
    assert len(first.json()["comments"]) == 3
    configure_site(ctx, "small", changes={"page_size": "5"})
    again = client.get(
        THREADS,
        params={"site": "small", "key": "article-1"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 200
    assert len(again.json()["comments"]) == 5
    assert again.headers["etag"] != first.headers["etag"]
