"""Remapping rules: parsing, rules files, on import, and `remap_site` on stored threads
(key changes, merges, refusals, audit), on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Clock
from tests.transfer.conftest import SITE, export_bytes, import_file, snapshot
from tests.transfer.test_disqus import post, rows, thread, write
from threadline.domain.errors import Conflict, InvalidInput, NotFound
from threadline.domain.models import Site
from threadline.storage.base import Store
from threadline.transfer.remapping import remap_site
from threadline.transfer.rules import Rule, parse_rules_file, read_rules, remap


def test_rules_prefix_regex_and_first_match() -> None:
    rules = [
        Rule.parse("http://old.example/=https://new.example/"),
        Rule.regex(r"https?://blog\.example/(\d{4})/\d\d/", r"https://new.example/\1/"),
        Rule.parse("http://old.example/x=never"),  # shadowed by the first rule
    ]
    assert remap("http://old.example/x/1", rules) == "https://new.example/x/1"
    assert remap("https://blog.example/2014/05/slug/", rules) == "https://new.example/2014/slug/"
    assert remap("https://elsewhere.example/", rules) == "https://elsewhere.example/"
    assert Rule.parse("a=b=c") == Rule("a", "b=c")  # split at the first "="
    with pytest.raises(InvalidInput, match="is not OLD-PREFIX=NEW-PREFIX"):
        Rule.parse("=x")
    with pytest.raises(InvalidInput, match="not a valid regex"):
        Rule.regex("(", "x")
    bad_group = Rule.regex("a", r"\2")
    with pytest.raises(InvalidInput, match="regex rule 'a'"):
        remap("abc", [bad_group])


def test_rules_file_format(tmp_path: Path) -> None:
    path = tmp_path / "moved.txt"
    path.write_text(
        "# the 2019 move\n"
        "\n"
        "http://old.example/   https://new.example/\n"
        "  http://a.example/=https://b.example/?x=1  \n"
        "regex ^https?://blog\\.example/(\\d+)/ https://new.example/\\1/  \n",
        encoding="utf-8",
    )
    rules = read_rules(path)
    assert [r.describe() for r in rules] == [
        "http://old.example/=https://new.example/",
        "http://a.example/=https://b.example/?x=1",
        "regex ^https?://blog\\.example/(\\d+)/ https://new.example/\\1/",
    ]
    for bad, message in [
        ("a b c\n", "moved.txt line 1: expected: OLD NEW"),
        ("# ok\nregex (\n", "moved.txt line 2: expected: regex PATTERN REPLACEMENT"),
        ("regex ( x\n", "moved.txt line 1: '\\(' is not a valid regex"),
        ("justone\n", "moved.txt line 1: 'justone' is not OLD-PREFIX=NEW-PREFIX"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            parse_rules_file(bad.splitlines(), "moved.txt")


def test_import_with_regex_rules_normalizes_keys(store: Store, site: Site, tmp_path: Path) -> None:
    path = write(tmp_path, thread("t", "HTTP://Blog.Example:80/2014/05/a#c"), post("1", "t"))
    rules = [Rule.regex(r"http://blog\.example/(\d+)/\d+/", r"https://News.example/\1/")]
    import_file(store, "disqus", path, rules)
    found = rows(store, "SELECT key, url FROM threads")
    # Rules see the key normalized (as stored keys are); the result is normalized again.
    assert found == [
        {"key": "https://news.example/2014/a", "url": "HTTP://Blog.Example:80/2014/05/a#c"}
    ]


def test_imported_comments_have_author_keys(store: Store, site: Site, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        thread("t", "https://d.example/a"),
        post("1", "t", name="Ann"),
        post("2", "t", name="ZOË", deleted=True),
        '<post dsq:id="3"><message>x</message><createdAt>2020-01-02T03:04:05Z</createdAt>'
        '<author><name> Straße </name></author><thread dsq:id="t"/></post>\n',
    )
    import_file(store, "disqus", path)
    keys = {r["source_id"]: r["author_key"] for r in rows(store, "SELECT * FROM comments")}
    # Email when there is one, else the name — case-folded as live comments (bans, history).
    assert keys == {"1": "ann@example.org", "2": None, "3": "strasse"}


# -- remapping stored threads ---------------------------------------------------------------


def _import(store: Store, tmp_path: Path, *parts: str, name: str = "export.xml") -> None:
    import_file(store, "disqus", write(tmp_path, *parts, name=name))


def _threads(store: Store) -> dict[str, dict[str, object]]:
    return {str(r["key"]): r for r in rows(store, "SELECT * FROM threads")}


MOVE = [Rule.parse("http://old.example/=https://new.example/")]


def test_remap_rewrites_keys_and_urls_and_audits(store: Store, site: Site, tmp_path: Path) -> None:
    _import(
        store,
        tmp_path,
        thread("a", "http://old.example/a"),
        thread("b", "https://other.example/b"),
        post("1", "a"),
        post("2", "b"),
    )
    before = _threads(store)
    dry = remap_site(store, SITE, MOVE, clock=Clock(), dry_run=True)
    assert dry.lines() == [
        "key: http://old.example/a → https://new.example/a",
        "url: http://old.example/a → https://new.example/a",
        "2 threads: would change 1 keys and 1 URLs, 0 threads merged into others "
        "(dry run: nothing was changed)",
    ]
    assert _threads(store) == before
    done = remap_site(store, SITE, MOVE, clock=Clock())
    assert done.lines()[-1] == "2 threads: changed 1 keys and 1 URLs, 0 threads merged into others"
    after = _threads(store)
    assert set(after) == {"https://new.example/a", "https://other.example/b"}
    moved = after["https://new.example/a"]
    assert (
        moved["url"] == "https://new.example/a"
        and moved["id"] == before["http://old.example/a"]["id"]
    )
    assert int(moved["version"]) > int(before["http://old.example/a"]["version"])  # type: ignore[call-overload]
    audit = rows(store, "SELECT * FROM audit_log")
    assert len(audit) == 1 and audit[0]["action"] == "remap_threads"
    assert audit[0]["actor_id"] is None and "command line" in str(audit[0]["actor_name"])
    assert "http://old.example/=https://new.example/" in str(audit[0]["before_state"])
    # Running it again changes nothing more; the old export imported again with the same
    # rules finds the thread by its origin.
    again = remap_site(store, SITE, MOVE, clock=Clock())
    assert (again.keys, again.urls, again.merges) == ([], [], [])
    report = import_file(
        store, "disqus", write(tmp_path, thread("a", "http://old.example/a"), post("1", "a"))
    )
    assert (report.threads_created, report.comments_added) == (0, 0)


def test_remap_merges_into_the_thread_already_at_the_new_key(
    store: Store, site: Site, tmp_path: Path
) -> None:
    # The archive (Disqus, old domain) and the new site's own discussion of the same article.
    _import(
        store,
        tmp_path,
        thread("old", "http://old.example/a"),
        post("1", "old"),
        post("2", "old", "1"),
        post("3", "old", deleted=True),
    )
    _import(
        store,
        tmp_path,
        thread("new", "https://new.example/a"),
        post("9", "new"),
        name="new.xml",
    )
    live = _threads(store)["https://new.example/a"]
    report = remap_site(store, SITE, MOVE, clock=Clock())
    assert report.merges == [("http://old.example/a", "https://new.example/a", 3)]
    assert "merged: http://old.example/a into https://new.example/a (3 comments)" in (
        report.lines()
    )
    after = _threads(store)
    assert list(after) == ["https://new.example/a"]
    kept = after["https://new.example/a"]
    assert kept["id"] == live["id"] and kept["comment_count"] == 3  # 1, 2 and 9 published
    comments = rows(store, "SELECT * FROM comments ORDER BY id")
    assert {c["thread_id"] for c in comments} == {live["id"]}
    by_source = {c["source_id"]: c for c in comments}
    assert by_source["2"]["parent_id"] == by_source["1"]["id"]  # the tree moves whole
    assert all(c["changed_version"] == kept["version"] for c in comments if c["source_id"] != "9")
    # The thread kept takes the merged one's origin only where it has none: re-importing the
    # archive with the rule adds nothing.
    again = import_file(
        store,
        "disqus",
        write(tmp_path, thread("old", "http://old.example/a"), post("1", "old")),
        MOVE,
    )
    assert again.comments_added == 0


def test_remap_merges_two_old_threads_into_the_oldest(
    store: Store, site: Site, tmp_path: Path
) -> None:
    _import(
        store,
        tmp_path,
        thread("x", "http://old.example/a"),
        thread("y", "https://old.example/a"),
        post("1", "x"),
        post("2", "y"),
    )
    first = _threads(store)["http://old.example/a"]["id"]
    rules = [Rule.regex("https?://old.example/", "https://new.example/")]
    report = remap_site(store, SITE, rules, clock=Clock())
    assert report.merges == [("https://old.example/a", "https://new.example/a", 1)]
    after = _threads(store)
    assert list(after) == ["https://new.example/a"]
    assert after["https://new.example/a"]["id"] == first
    assert after["https://new.example/a"]["comment_count"] == 2


def test_remap_swaps_keys_without_colliding(store: Store, site: Site, tmp_path: Path) -> None:
    _import(
        store,
        tmp_path,
        thread("a", "https://d.example/a"),
        thread("b", "https://d.example/b"),
        post("1", "a"),
        post("2", "b"),
    )
    ids = {k: t["id"] for k, t in _threads(store).items()}
    rules = [
        Rule.parse("https://d.example/a=https://d.example/b"),
        Rule.parse("https://d.example/b=https://d.example/a"),
    ]
    report = remap_site(store, SITE, rules, clock=Clock())
    assert report.merges == [] and len(report.keys) == 2
    after = {k: t["id"] for k, t in _threads(store).items()}
    assert after == {
        "https://d.example/b": ids["https://d.example/a"],
        "https://d.example/a": ids["https://d.example/b"],
    }


def test_remap_refusals_change_nothing(store: Store, site: Site, tmp_path: Path) -> None:
    # The same export imported twice under different keys: merging would duplicate comments.
    _import(store, tmp_path, thread("t", "http://old.example/a"), post("1", "t"))
    import_file(
        store,
        "disqus",
        write(tmp_path, thread("t", "http://old.example/a"), post("1", "t")),
        [Rule.parse("http://old.example/=https://new.example/")],
    )
    assert len(_threads(store)) == 1  # found by origin: not imported twice
    # Forget the origin, then import again: a second copy under the new key.
    store.write(lambda db: db._exec("UPDATE threads SET source = NULL, source_id = NULL"))
    import_file(
        store,
        "disqus",
        write(tmp_path, thread("t", "http://old.example/a"), post("1", "t")),
        MOVE,
    )
    assert len(_threads(store)) == 2
    before = snapshot(store)
    exported = export_bytes(store)
    with pytest.raises(Conflict, match="both hold comment disqus:1"):
        remap_site(store, SITE, MOVE, clock=Clock())
    with pytest.raises(InvalidInput, match="without a usable key"):
        remap_site(store, SITE, [Rule.parse("http://old.example/a=")], clock=Clock())
    with pytest.raises(InvalidInput, match="at least one rule"):
        remap_site(store, SITE, [], clock=Clock())
    with pytest.raises(NotFound):
        remap_site(store, "nope", MOVE, clock=Clock())
    assert snapshot(store) == before and export_bytes(store) == exported
    assert rows(store, "SELECT * FROM audit_log") == []


def test_the_documented_rules_file_parses() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "export-format.md").read_text("utf-8")
    block = doc.split("## Remapping rules", 1)[1].split("```", 2)[1]
    rules = parse_rules_file(block.splitlines(), "moved-urls.txt")
    assert len(rules) == 3
    assert remap("http://old.example/a", rules) == "https://daily.example/a"
    assert remap("https://daily.example/2019/05/slug", rules) == "https://daily.example/2019/slug"
