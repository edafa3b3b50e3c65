"""Thread keys: one article, one thread, whatever link the reader came by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.domain.keys import article_page, normalize_thread_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("article-1", "article-1"),
        ("  article-1\t", "article-1"),
        ("Article-1", "Article-1"),  # opaque ids keep their case
        ("ftp://Example.org/A", "ftp://Example.org/A"),  # only http(s) is a URL key
        ("HTTPS://News.Example.COM/Politics/Story", "https://news.example.com/Politics/Story"),
        ("https://news.example.com", "https://news.example.com/"),
        ("https://news.example.com/a#comments", "https://news.example.com/a"),
        ("https://news.example.com/a?utm_source=x", "https://news.example.com/a"),
        ("https://news.example.com:443/a", "https://news.example.com/a"),
        ("http://news.example.com:80/a", "http://news.example.com/a"),
        ("http://news.example.com:443/a", "http://news.example.com:443/a"),
        ("https://news.example.com:80/a", "https://news.example.com:80/a"),
        ("https://news.example.com:8443/a", "https://news.example.com:8443/a"),
        ("https://news.example.com/a/", "https://news.example.com/a/"),  # paths stay as sent
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_thread_key(raw) == expected


def test_query_is_kept_only_when_the_site_keeps_it() -> None:
    url = "https://news.example.com/story?id=7#top"
    assert normalize_thread_key(url, keep_query=True) == "https://news.example.com/story?id=7"
    assert normalize_thread_key(url, keep_query=False) == "https://news.example.com/story"


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert normalize_thread_key("http://[2001:DB8::1]:8080/a") == "http://[2001:db8::1]:8080/a"
    assert normalize_thread_key("https://[::1]:443/a") == "https://[::1]/a"


@pytest.mark.parametrize(
    "raw",
    ["https://news.example.com:99999/a", "https://news.example.com:port/a", "http://[::1/a"],
)
def test_malformed_url_keys_do_not_crash(raw: str) -> None:
    # Not a link any reader can follow: kept as an opaque (trimmed) key rather than an error.
    assert normalize_thread_key(f" {raw} ") == raw


URLS = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    st.sampled_from(["news.example.com", "NEWS.example.com", "[::1]", "127.0.0.1"]),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.sampled_from(["", "/", "/a", "/A/b/"]),
    st.sampled_from(["", "?q=1", "?"]),
    st.sampled_from(["", "#x", "#"]),
)


@given(URLS, st.booleans())
def test_normalizing_is_idempotent(url: str, keep_query: bool) -> None:
    once = normalize_thread_key(url, keep_query)
    assert normalize_thread_key(once, keep_query) == once
    assert "#" not in once
    assert once.startswith(("http://", "https://"))


@given(st.text(max_size=40))
def test_any_text_normalizes_without_error_and_normalizing_again_changes_nothing(key: str) -> None:
    for text in (key, "https://" + key, "HTTP://" + key):
        once = normalize_thread_key(text)
        assert isinstance(once, str) and once == once.strip()
        assert normalize_thread_key(once) == once  # one article, one key, however it is met


@pytest.mark.parametrize(
    ("key", "url", "page"),
    [
        ("https://news.example/a", None, "https://news.example/a"),
        ("article-42", "https://news.example/b#comments", "https://news.example/b"),
        ("https://news.example/a", "https://news.example/moved", "https://news.example/moved"),
        ("article-42", None, None),  # an id and no URL: nothing to link to
        ("ftp://news.example/a", None, None),
    ],
)
def test_article_page_is_the_url_else_a_url_key_without_fragment(
    key: str, url: str | None, page: str | None
) -> None:
    assert article_page(key, url) == page
