"""The WordPress WXR importer against real exports and hand-made edge cases, both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transfer.conftest import EXPORTS, import_file, snapshot
from tests.transfer.test_disqus import max_depth, rows, status_counts
from threadline.domain.models import Site
from threadline.storage.base import Store
from threadline.transfer.errors import ImportFailed
from threadline.transfer.formats import detect

REAL = [
    # file, threads, comments, skipped (pingbacks), max depth
    ("bitcoinfrance.github.io--wordpress.xml", 37, 193, 42, 14),
    ("isso--wordpress.xml", 2, 8, 0, 2),
    ("schnack-importer--wordpress.xml", 1, 2, 0, 0),
    ("wordpress-exporter.rb--wordpress.xml", 2, 5, 0, 0),
]


@pytest.mark.parametrize("case", REAL, ids=[c[0].split("--")[0] for c in REAL])
def test_real_export(store: Store, site: Site, case: tuple[str, int, int, int, int]) -> None:
    name, threads, comments, skipped, depth = case
    path = EXPORTS / name
    assert detect(path) == "wordpress"
    report = import_file(store, "wordpress", path)
    assert (report.threads_created, report.comments_added) == (threads, comments)
    assert sum(report.skipped.values()) == skipped
    assert report.orphans == 0
    assert max_depth(store) == depth
    again = import_file(store, "wordpress", path)
    assert (again.threads_created, again.comments_added, again.comments_present) == (
        0,
        0,
        comments,
    )


def test_isso_fixture_details(store: Store, site: Site) -> None:
    import_file(store, "wordpress", EXPORTS / "isso--wordpress.xml")
    found = {
        (r["key"], r["source_id"]): r
        for r in rows(
            store, "SELECT c.*, t.key FROM comments c JOIN threads t ON t.id = c.thread_id"
        )
    }
    first = found[("http://example.tld/2014/test/", "2")]
    assert first["author_email"] == "test@example.org"  # trailing newline and indent trimmed
    assert first["author_website"] == "http://example.tld/"
    assert first["ip"] == "::ffff:82.119.20.0"
    multi = found[("http://example.tld/2014/test/", "10")]
    assert (
        multi["html"]
        == "<p>When you have a comment with multiple lines:<br>WordPress exports it like this.</p>"
    )
    assert multi["created_at"] == 1654481594000000  # comment_date_gmt 2022-06-06 02:13:14
    # comment_id 11 appears in two posts: one comment in each thread.
    assert ("http://example.tld/", "11") in found
    assert found[("http://example.tld/2014/test/", "8")]["depth"] == 2


HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<item><title>Post</title><link>https://blog.example/post/</link><wp:post_id>7</wp:post_id>
<wp:post_date_gmt>2019-05-01 10:00:00</wp:post_date_gmt>
<wp:comment_status>closed</wp:comment_status>
"""


def comment(
    cid: str,
    approved: str,
    *,
    parent: str = "0",
    body: str = "Hi",
    date: str = "2019-05-02 10:00:00",
) -> str:
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[Anne]]></wp:comment_author>"
        f"<wp:comment_author_email>anne@example.org</wp:comment_author_email>"
        f"<wp:comment_author_url>javascript:alert(1)</wp:comment_author_url>"
        f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{body}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )


def write(tmp_path: Path, *comments: str, tail: str = "</item></channel></rss>") -> Path:
    path = tmp_path / "wp.xml"
    path.write_text(HEAD + "".join(comments) + tail, encoding="utf-8")
    return path


def test_states_html_and_forward_replies(store: Store, site: Site, tmp_path: Path) -> None:
    xss = 'Para one\r\n\r\n<b>two</b><script>alert(1)</script><a href="javascript:x()">a</a>'
    path = write(
        tmp_path,
        comment("5", "1", parent="1"),  # before its parent
        comment("1", "1", body=xss),
        comment("2", "0"),
        comment("3", "spam"),
        comment("4", "trash"),
        comment("6", "1", parent="99"),
    )
    report = import_file(store, "wordpress", path)
    assert report.comments_added == 6 and report.orphans == 1
    assert status_counts(store) == {"published": 3, "pending": 1, "rejected": 1, "deleted": 1}
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert found["1"]["html"] == '<p>Para one</p><p>two<a rel="nofollow ugc noopener">a</a></p>'
    assert "script" not in str(found["1"]["html"]) and "javascript" not in str(found["1"]["html"])
    assert found["1"]["author_website"] is None  # a javascript: URL is dropped
    assert found["5"]["parent_id"] == found["1"]["id"] and found["5"]["depth"] == 1
    thread = rows(store, "SELECT * FROM threads")[0]
    assert thread["closed"] == 1 and thread["key"] == "https://blog.example/post/"
    assert thread["comment_count"] == 3


@pytest.mark.parametrize(
    ("comments", "tail", "message"),
    [
        (
            [comment("1", "1")],
            "</item></channel>",
            r"wp.xml: not well-formed XML at line 9, column \d+: no element found",
        ),
        (
            [comment("1", "1", date="yesterday")],
            "</item></channel></rss>",
            r"wp.xml line 4, comment 2: invalid comment_date 'yesterday'",
        ),
        (
            [comment("1", "maybe")],
            "</item></channel></rss>",
            r"line 4, comment 2: unknown comment_approved 'maybe'",
        ),
    ],
    ids=["truncated", "invalid-date", "unknown-state"],
)
def test_malformed_input_changes_nothing(
    store: Store, site: Site, tmp_path: Path, comments: list[str], tail: str, message: str
) -> None:
    import_file(store, "wordpress", write(tmp_path, comment("0", "1")))
    before = snapshot(store)
    with pytest.raises(ImportFailed, match=message):
        import_file(store, "wordpress", write(tmp_path, comment("9", "1"), *comments, tail=tail))
    assert snapshot(store) == before
