"""Reading threads and counts, and managing sites, through the use cases."""

from __future__ import annotations

import pytest

from threadline.domain.errors import AlreadyExists, InvalidInput, NotFound
from threadline.domain.models import Site, SiteSettings
from threadline.domain.tree import SortOrder
from threadline.service import sites, threads
from threadline.service.context import ServiceContext
from threadline.service.secrets import server_secret
from threadline.service.threads import read_page, resolve

from .conftest import post


def test_unknown_thread_reads_as_empty(ctx: ServiceContext, site: Site) -> None:
    ref = resolve(ctx, "demo", "never-commented")
    page = read_page(ctx, ref, SortOrder.OLDEST, 50, None)
    assert (page.thread, page.comments, page.next_cursor) == (None, [], None)
    assert threads.thread_version(ctx, ref) == 0


def test_resolve_normalizes_keys_per_site(ctx: ServiceContext, site: Site) -> None:
    assert resolve(ctx, "demo", " HTTPS://News.Example/a?x=1#c ").key == "https://news.example/a"
    sites.add_site(ctx, "keeps", "Keeps", settings=SiteSettings(keep_url_query=True))
    assert resolve(ctx, "keeps", "HTTPS://News.Example/a?x=1#c").key == "https://news.example/a?x=1"
    with pytest.raises(NotFound):
        resolve(ctx, "nope", "a")


def test_pages_and_versions(ctx: ServiceContext, site: Site) -> None:
    ids = [post(ctx, f"c{i}").comment.id for i in range(5)]
    ref = resolve(ctx, "demo", "article-1")
    assert threads.thread_version(ctx, ref) == 5
    first = read_page(ctx, ref, SortOrder.NEWEST, 2, None)
    assert [c.id for c in first.comments] == ids[::-1][:2]
    assert first.next_cursor is not None
    second = read_page(ctx, ref, SortOrder.NEWEST, 2, first.next_cursor)
    assert [c.id for c in second.comments] == ids[::-1][2:4]
    with pytest.raises(InvalidInput) as caught:
        read_page(ctx, ref, SortOrder.OLDEST, 2, first.next_cursor)
    assert caught.value.code == "invalid_cursor"
    with pytest.raises(InvalidInput):
        read_page(ctx, ref, SortOrder.NEWEST, 2, first.next_cursor[:-3] + "!!!")


def test_comment_counts(ctx: ServiceContext, site: Site) -> None:
    post(ctx, thread="https://news.example/a")
    post(ctx, thread="https://news.example/a")
    post(ctx, thread="b")
    keys = ["https://NEWS.example/a#comments", "b", "c", "https://news.example/a"]
    assert threads.comment_counts(ctx, "demo", keys) == {
        "https://NEWS.example/a#comments": 2,
        "b": 1,
        "c": 0,
        "https://news.example/a": 2,
    }
    many = [f"k{i}" for i in range(threads.MAX_COUNT_KEYS)]
    assert set(threads.comment_counts(ctx, "demo", many).values()) == {0}
    with pytest.raises(InvalidInput) as caught:
        threads.comment_counts(ctx, "demo", [*many, "one-too-many"])
    assert caught.value.code == "too_many_keys"
    with pytest.raises(NotFound):
        threads.comment_counts(ctx, "nope", ["a"])


def test_add_site_validates_and_normalizes(ctx: ServiceContext) -> None:
    made = sites.add_site(
        ctx,
        "daily-news",
        "  Daily News ",
        ["HTTPS://Daily.Example:443/", "https://daily.example", "http://localhost:8080/x"],
    )
    assert made.name == "Daily News"
    assert made.origins == ("https://daily.example", "http://localhost:8080")
    assert sites.get_site(ctx, "daily-news") == made
    assert [s.slug for s in sites.list_sites(ctx)] == ["daily-news"]
    with pytest.raises(AlreadyExists):
        sites.add_site(ctx, "daily-news", "Again")
    for slug in ["", "Daily", "-x", "a" * 64, "with space"]:
        with pytest.raises(InvalidInput) as caught:
            sites.add_site(ctx, slug, "Name")
        assert caught.value.code == "invalid_slug"
    with pytest.raises(InvalidInput):
        sites.add_site(ctx, "ok", "   ")
    with pytest.raises(InvalidInput) as bad_origin:
        sites.add_site(ctx, "ok", "Ok", ["news.example"])
    assert bad_origin.value.code == "invalid_origin"
    assert [s.slug for s in sites.list_sites(ctx)] == ["daily-news"]


def test_server_secret_is_generated_once_and_shared(ctx: ServiceContext) -> None:
    assert server_secret(ctx.store, "configured") == "configured"
    generated = server_secret(ctx.store, "")
    assert len(generated) >= 40
    assert server_secret(ctx.store, "") == generated
