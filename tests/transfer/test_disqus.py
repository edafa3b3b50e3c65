"""The Disqus importer against real exports and hand-made edge cases, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transfer.conftest import EXPORTS, export_bytes, import_file, snapshot
from threadline.domain.models import CommentStatus, Site
from threadline.storage.base import Store
from threadline.transfer.engine import Rule
from threadline.transfer.errors import ImportFailed
from threadline.transfer.formats import detect


def rows(store: Store, sql: str) -> list[dict[str, object]]:
    with store.reading() as db:
        return [dict(r) for r in db._all(sql)]


def status_counts(store: Store) -> dict[str, int]:
    found = rows(store, "SELECT status, COUNT(*) AS n FROM comments GROUP BY status")
    return {str(r["status"]): int(r["n"]) for r in found}  # type: ignore[call-overload]


def max_depth(store: Store) -> int:
    return int(rows(store, "SELECT MAX(depth) AS d FROM comments")[0]["d"])  # type: ignore[call-overload]


# --- real exports -----------------------------------------------------------------------------

REAL = [
    # file, threads, comments, skipped, deleted, rejected, max depth
    ("benbalter.github.com--comments.xml", 87, 1145, 0, 15, 33, 8),
    ("disqus-to-github-issues-go--evanlin_20210517.xml", 57, 189, 0, 8, 13, 6),
    ("plain-html-from-disqus--disqus.xml", 35, 125, 0, 21, 7, 4),
    ("disqus2duoshuo--disqus.xml", 7, 17, 6, 11, 0, 1),
    ("isso--disqus.xml", 2, 5, 1, 1, 0, 1),
    ("schnack--disqus.xml", 2, 5, 0, 0, 0, 3),
]


@pytest.mark.parametrize("case", REAL, ids=[c[0].split("--")[0] for c in REAL])
def test_real_export(
    store: Store, site: Site, case: tuple[str, int, int, int, int, int, int]
) -> None:
    name, threads, comments, skipped, deleted, rejected, depth = case
    path = EXPORTS / name
    assert detect(path) == "disqus"
    report = import_file(store, "disqus", path)
    assert (report.threads_created, report.comments_added) == (threads, comments)
    assert sum(report.skipped.values()) == skipped
    counts = status_counts(store)
    assert counts.get("deleted", 0) == deleted
    assert counts.get("rejected", 0) == rejected
    assert max_depth(store) == depth
    # Deleted comments keep no personal data; spam is never published.
    assert not rows(
        store,
        "SELECT id FROM comments WHERE status = 'deleted' "
        "AND (author_name <> '' OR body <> '' OR author_email IS NOT NULL)",
    )
    # Counts match what the thread pages show.
    assert not rows(
        store,
        "SELECT id FROM threads t WHERE comment_count <> (SELECT COUNT(*) FROM comments c "
        "WHERE c.thread_id = t.id AND c.status = 'published')",
    )
    # Idempotent: the same file again adds nothing.
    before = export_bytes(store)
    again = import_file(store, "disqus", path)
    assert (again.threads_created, again.comments_added) == (0, 0)
    assert again.comments_present == comments
    assert export_bytes(store) == before


def test_isso_fixture_details(store: Store, site: Site) -> None:
    import_file(store, "disqus", EXPORTS / "isso--disqus.xml")
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert set(found) == {"4", "5", "8", "9", "11"}
    assert found["5"]["parent_id"] == found["4"]["id"] and found["5"]["depth"] == 1
    assert found["5"]["html"] == "<p>Hello, World.</p>"
    assert found["4"]["author_email"] == "foo@bar.com" and found["4"]["ip"] == "127.0.0.1"
    assert found["11"]["parent_id"] == found["9"]["id"]  # reply to a deleted comment kept
    threads = {r["key"] for r in rows(store, "SELECT key FROM threads")}
    assert threads == {
        "http://example.org/",
        "http://localhost:4000/blog/2013/02/12/redacted/index.html",
    }


def test_not_well_formed_real_file(store: Store, site: Site) -> None:
    before = snapshot(store)
    with pytest.raises(
        ImportFailed, match=r"remark42--disqus.xml: not well-formed XML at line 1, column 1"
    ):
        import_file(store, "disqus", EXPORTS / "remark42--disqus.xml")
    assert snapshot(store) == before


# --- hand-made edge cases -------------------------------------------------------------------

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


def thread(tid: str, link: str, *, deleted: bool = False, closed: bool = False) -> str:
    return (
        f'<thread dsq:id="{tid}"><id>{tid}</id><link>{link}</link><title>T &amp;amp; {tid}</title>'
        f"<createdAt>2020-01-01T00:00:00Z</createdAt><isClosed>{str(closed).lower()}</isClosed>"
        f"<isDeleted>{str(deleted).lower()}</isDeleted></thread>\n"
    )


def post(
    pid: str,
    tid: str,
    parent: str | None = None,
    *,
    message: str = "<p>hi</p>",
    at: str = "2020-01-02T03:04:05Z",
    deleted: bool = False,
    spam: bool = False,
    name: str = "Ann",
) -> str:
    return (
        f'<post dsq:id="{pid}"><message><![CDATA[{message}]]></message>'
        f"<createdAt>{at}</createdAt><isDeleted>{str(deleted).lower()}</isDeleted>"
        f"<isSpam>{str(spam).lower()}</isSpam>"
        f"<author><name>{name}</name><email>{name.lower()}@example.org</email></author>"
        f'<thread dsq:id="{tid}"/>'
        + (f'<parent dsq:id="{parent}"/>' if parent else "")
        + "</post>\n"
    )


def write(tmp_path: Path, *parts: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "".join(parts) + "</disqus>\n", encoding="utf-8")
    return path


def test_deep_nesting_and_replies_before_parents(store: Store, site: Site, tmp_path: Path) -> None:
    chain = [post("1", "t")] + [post(str(i), "t", str(i - 1)) for i in range(2, 61)]
    chain.reverse()  # every reply comes before its parent
    report = import_file(
        store, "disqus", write(tmp_path, thread("t", "https://d.example/a"), *chain)
    )
    assert report.comments_added == 60 and report.orphans == 0
    assert max_depth(store) == 59
    depth = {
        r["source_id"]: r["depth"] for r in rows(store, "SELECT source_id, depth FROM comments")
    }
    assert depth["1"] == 0 and depth["30"] == 29


def test_orphans_cycles_duplicates(store: Store, site: Site, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        thread("t", "https://d.example/a"),
        post("1", "t"),
        post("2", "t", "404"),  # parent not in the file
        post("3", "t", "4"),  # 3 and 4 reply to each other
        post("4", "t", "3"),
        post("5", "t", "5"),  # replies to itself
        post("1", "t"),  # the same post twice
        post("6", "t", "3"),
    )
    report = import_file(store, "disqus", path)
    assert report.comments_added == 6 and report.comments_present == 1
    assert report.orphans == 2  # 2, and 5 (itself is no parent)
    assert report.cycles_broken == 1
    assert any("parent 404 not found" in e for e in report.orphan_examples)
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert found["2"]["parent_id"] is None and found["2"]["depth"] == 0
    assert {found["3"]["depth"], found["4"]["depth"]} == {0, 1}
    assert found["6"]["depth"] == found["3"]["depth"] + 1


def test_states_unicode_and_html(store: Store, site: Site, tmp_path: Path) -> None:
    xss = (
        '<p onmouseover="steal()">Hi <script>alert(1)</script><img src=x onerror=alert(2)>'
        '<a href="javascript:alert(3)">click</a> <a href="https://ok.example">ok</a></p>'
    )
    path = write(
        tmp_path,
        thread("t", "HTTPS://D.example:443/a#frag"),
        thread("gone", "https://d.example/gone", deleted=True),
        thread("c", "https://d.example/closed", closed=True),
        post("1", "t", message=xss, name="Zoë 😀 李"),
        post("2", "t", spam=True, message="<p>buy now</p>"),
        post("3", "t", deleted=True, message="<p>secret</p>"),
        post("4", "gone"),
        post("5", "c", at="2020-01-02T03:04:05.123+02:00"),
    )
    report = import_file(store, "disqus", path)
    assert report.comments_added == 4
    assert report.skipped == {
        "thread deleted in Disqus": 1,
        "its thread was skipped (thread deleted in Disqus)": 1,
    }
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    html = str(found["1"]["html"])
    assert "script" not in html and "onerror" not in html and "javascript" not in html
    assert "onmouseover" not in html and "<img" not in html
    assert '<a href="https://ok.example" rel="nofollow ugc noopener">ok</a>' in html
    assert found["1"]["author_name"] == "Zoë 😀 李"
    assert found["2"]["status"] == CommentStatus.REJECTED.value
    assert found["3"]["status"] == "deleted" and found["3"]["body"] == ""
    assert found["5"]["created_at"] == 1577927045123000  # 01:04:05.123 UTC
    threads = {r["key"]: r for r in rows(store, "SELECT * FROM threads")}
    assert set(threads) == {"https://d.example/a", "https://d.example/closed"}
    assert threads["https://d.example/closed"]["closed"] == 1
    assert threads["https://d.example/a"]["title"] == "T & t"
    assert threads["https://d.example/a"]["comment_count"] == 1


def test_updated_export_adds_only_what_is_new(store: Store, site: Site, tmp_path: Path) -> None:
    t = thread("t", "https://d.example/a")
    import_file(store, "disqus", write(tmp_path, t, post("1", "t"), post("2", "t", "1")))
    report = import_file(
        store,
        "disqus",
        write(tmp_path, t, post("1", "t"), post("2", "t", "1"), post("3", "t", "2")),
    )
    assert (report.threads_created, report.threads_existing) == (0, 1)
    assert (report.comments_added, report.comments_present) == (1, 2)
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert found["3"]["parent_id"] == found["2"]["id"] and found["3"]["depth"] == 2
    assert rows(store, "SELECT comment_count FROM threads")[0]["comment_count"] == 3


def test_map_rules_remap_keys_and_urls(store: Store, site: Site, tmp_path: Path) -> None:
    path = write(tmp_path, thread("t", "http://old.example/2010/a"), post("1", "t"))
    rules = [Rule.parse("http://old.example/=https://new.example/blog/")]
    import_file(store, "disqus", path, rules)
    found = rows(store, "SELECT key, url FROM threads")
    assert found == [
        {"key": "https://new.example/blog/2010/a", "url": "https://new.example/blog/2010/a"}
    ]


BAD = {
    "truncated": (
        HEAD + thread("t", "https://d.example/a") + post("1", "t")[:60],
        r"line 4, column",
    ),
    "latin-1 bytes": (None, r"line 4, column \d+: not well-formed \(invalid token\)"),
    "invalid date": (
        HEAD
        + thread("t", "https://d.example/a")
        + post("1", "t")
        + post("2", "t", at="2020-13-45")
        + "</disqus>",
        r"export.xml line 5: invalid createdAt '2020-13-45'",
    ),
    "wrong root": ("<?xml version='1.0'?><rss><channel/></rss>", "not a Disqus export"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_input_changes_nothing(
    store: Store, site: Site, tmp_path: Path, case: str
) -> None:
    import_file(
        store, "disqus", write(tmp_path, thread("t", "https://d.example/a"), post("0", "t"))
    )
    before = snapshot(store)
    text, message = BAD[case]
    path = tmp_path / "export.xml"
    if text is None:
        path.write_bytes(
            (HEAD + thread("t", "https://d.example/a")).encode()
            + post("1", "t", name="Jos\xe9").encode("latin-1")
            + b"</disqus>"
        )
    else:
        path.write_text(text)
    with pytest.raises(ImportFailed, match=message):
        import_file(store, "disqus", path)
    assert snapshot(store) == before
