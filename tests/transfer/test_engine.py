"""The import engine's bulk path: secondary indexes rebuilt at the end of a large import,
and back as they were when it fails; parents linked at insert or settled after."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.transfer.conftest import import_file, snapshot
from tests.transfer.test_disqus import post, rows, thread, write
from threadline.auth import readers
from threadline.domain.models import Author, CommentStatus, Site, TransferComment
from threadline.storage.base import Store
from threadline.storage.transfer_queries import comment_row
from threadline.transfer import engine
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, PreparedComment


def _indexes(store: Store, backend: str) -> list[object]:
    if backend == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    else:
        sql = (  # this test's schema only: other tests' run meanwhile
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'comments' "
            "AND schemaname = current_schema() ORDER BY 1"
        )
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows(store, sql)]


def _posts(n: int) -> list[str]:
    # Half of them replies to an earlier post, a few to a later one (settled afterwards).
    out = []
    for i in range(1, n + 1):
        parent = (
            str(i - 3) if i > 3 and i % 2 else (str(i + 6) if i % 7 == 0 and i + 6 <= n else None)
        )
        out.append(post(str(i), f"t{i % 3}", parent, name=f"Reader{i % 5}"))
    return out


def test_bulk_import_rebuilds_indexes(
    store: Store, site: Site, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(store, backend)
    monkeypatch.setattr(engine, "BULK_INDEX_ROWS", 10)
    monkeypatch.setattr(engine, "BATCH", 7)
    threads = [thread(f"t{i}", f"https://d.example/{i}") for i in range(3)]
    report = import_file(store, "disqus", write(tmp_path, *threads, *_posts(60)))
    assert report.comments_added == 60 and report.orphans == 0
    assert _indexes(store, backend) == before
    # The tree is whole: every reply under its parent, one level deeper.
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    by_id = {r["id"]: r for r in found.values()}
    for r in found.values():
        if r["parent_source_id"] is None:
            assert r["parent_id"] is None and r["depth"] == 0
        else:
            parent = by_id[r["parent_id"]]
            assert parent["source_id"] == r["parent_source_id"]
            assert r["depth"] == parent["depth"] + 1
    if backend == "sqlite":  # importing the same file again adds nothing: no rebuild either
        pages = rows(store, "SELECT name, rootpage FROM sqlite_master WHERE type = 'index'")
        again = import_file(store, "disqus", write(tmp_path, *threads, *_posts(60)))
        assert again.comments_added == 0
        assert rows(store, "SELECT name, rootpage FROM sqlite_master WHERE type = 'index'") == pages
    # Indexed lookups see the new rows (the author index, rebuilt).
    assert len(rows(store, "SELECT id FROM comments WHERE author_key = 'reader1@example.org'"))
    counts = rows(store, "SELECT key, comment_count, version FROM threads ORDER BY key")
    assert [c["comment_count"] for c in counts] == [20, 20, 20]
    assert all(
        r["changed_version"]
        == next(t["version"] for t in counts if t["key"].endswith(r["thread_key"]))
        for r in rows(
            store,
            "SELECT c.changed_version, SUBSTR(t.key, 19) AS thread_key FROM comments c "
            "JOIN threads t ON t.id = c.thread_id",
        )
    )


def test_failed_bulk_import_leaves_everything_as_it_was(
    store: Store, site: Site, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(
        store, "disqus", write(tmp_path, thread("t0", "https://d.example/0"), post("x", "t0"))
    )
    before, indexes = snapshot(store), _indexes(store, backend)
    monkeypatch.setattr(engine, "BULK_INDEX_ROWS", 5)
    monkeypatch.setattr(engine, "BATCH", 5)
    bad = post("61", "t0", at="2020-13-45T00:00:00Z")  # after the indexes were dropped
    path = write(
        tmp_path, *[thread(f"t{i}", f"https://d.example/{i}") for i in range(3)], *_posts(60), bad
    )
    with pytest.raises(ImportFailed, match="invalid createdAt"):
        import_file(store, "disqus", path)
    assert snapshot(store) == before
    assert _indexes(store, backend) == indexes


def test_migration_0007_gives_earlier_imports_author_keys(
    store: Store, site: Site, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        thread("t", "https://d.example/a"),
        post("1", "t", name="Ann"),
        post("2", "t", name="Bob", deleted=True),
        '<post dsq:id="3"><message>x</message><createdAt>2020-01-02T03:04:05Z</createdAt>'
        '<author><name> Zed </name></author><thread dsq:id="t"/></post>\n',
    )
    import_file(store, "disqus", path)
    # As an import made before imports set author keys left them; then migrate again.
    store.write(
        lambda db: (
            db._exec("UPDATE comments SET author_key = NULL"),
            db._exec("DELETE FROM schema_migrations WHERE version = 7"),
        )
    )
    assert store.migrate() == ["0007_imported_author_keys"]
    keys = {r["source_id"]: r["author_key"] for r in rows(store, "SELECT * FROM comments")}
    assert keys == {"1": "ann@example.org", "2": None, "3": "zed"}


def test_threads_without_comments_are_not_kept(store: Store, site: Site, tmp_path: Path) -> None:
    # A thread already here (say, a live one) is adopted even without comments in the file.
    store.write(
        lambda db: db._exec(
            "INSERT INTO threads (site_id, key, created_at) VALUES (:site, :key, 0)",
            {"site": site.id, "key": "https://d.example/live"},
        )
    )
    path = write(
        tmp_path,
        thread("a", "https://d.example/a"),
        thread("empty", "https://d.example/empty"),
        thread("live", "https://d.example/live"),
        thread("spam-only", "https://d.example/s"),
        post("1", "a"),
        post("2", "spam-only", spam=True),
    )
    report = import_file(store, "disqus", path)
    assert (report.threads_created, report.threads_existing) == (2, 1)
    keys = sorted(str(r["key"]) for r in rows(store, "SELECT key FROM threads"))
    assert keys == ["https://d.example/a", "https://d.example/live", "https://d.example/s"]
    again = import_file(store, "disqus", path)
    assert (again.threads_created, again.comments_added) == (0, 0)
    assert len(rows(store, "SELECT id FROM threads")) == 3


def test_counts_when_a_later_batch_finds_comments_already_there(
    store: Store, site: Site, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts are tallied as batches go in whole; once one finds a comment already stored,
    the tally is dropped and the counts come from the table: the same numbers either way."""
    monkeypatch.setattr(engine, "BATCH", 4)
    first = [thread("t0", "https://d.example/0"), thread("t1", "https://d.example/1")]
    import_file(store, "disqus", write(tmp_path, *first, post("3", "t1")))
    posts = [post(str(i), f"t{i % 2}", spam=i == 5) for i in range(1, 12)]  # "3" is there
    report = import_file(store, "disqus", write(tmp_path, *first, *posts))
    assert (report.comments_added, report.comments_present) == (10, 1)
    counts = rows(store, "SELECT key, comment_count, version FROM threads ORDER BY key")
    # t0: 2 4 6 8 10 (published); t1: 1 3 5 7 9 11, 5 is spam.
    assert [(c["comment_count"], c["version"]) for c in counts] == [(5, 1), (5, 2)]


@pytest.mark.parametrize(
    "markup", [engine.Markup.HTML, engine.Markup.TEXT_HTML, engine.Markup.MARKDOWN]
)
def test_rows_built_directly_match_the_prepared_comment(markup: engine.Markup) -> None:
    """prepare_records builds each row without building the comment again; it must be
    comment_row(prepare(…)) all the same, whether the HTML is sanitized there or later."""
    renderers = engine.Renderers(engine.Renderer())
    long_body = "<p>" + "a <b>bold</b> <script>x()</script> word " * 20 + "</p>"
    comments = [
        TransferComment(
            "disqus",
            "7",
            parent_source,
            parent_id,
            CommentStatus.PUBLISHED,
            Author(" Ann  Lee ", email, website),
            body,
            "",
            datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
            edited,
            upvotes=2,
            downvotes=1,
            ip="192.0.2.1",
            user_agent="UA",
        )
        for body in ("<p>short</p>", long_body)
        for email, website in ((None, None), ("Ann@Example.org", "https://ann.example"))
        for parent_source, parent_id in ((None, None), ("disqus", "3"))
        for edited in (None, datetime(2021, 1, 1, tzinfo=UTC))
    ]
    for c in comments:
        prepared = engine.prepare(c, markup, renderers)
        expected = comment_row(prepared, readers.key_of(prepared.author))
        record = CommentIn("t", c, markup, "here")
        for defer in (False, True):
            (ready,) = engine.prepare_records([record], renderers, defer_html=defer)
            assert isinstance(ready, PreparedComment)
            assert engine.finish_row(ready.row, renderers) == expected
