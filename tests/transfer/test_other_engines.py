"""Isso (SQLite database), Remark42 (backup) and Commento (JSON) importers, both backends."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from tests.transfer.conftest import EXPORTS, import_file, snapshot
from tests.transfer.test_disqus import rows, status_counts
from threadline.domain.models import Site
from threadline.storage.base import Store
from threadline.transfer.engine import Rule
from threadline.transfer.errors import ImportFailed
from threadline.transfer.formats import detect

# --- Isso ---------------------------------------------------------------------------------

ISSO_SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
"""


def isso_db(path: Path, comments: list[tuple[object, ...]]) -> Path:
    """comments: (tid, id, parent, created, mode, text, author, email, website, likes)."""
    conn = sqlite3.connect(path)
    conn.executescript(ISSO_SCHEMA)
    conn.execute("INSERT INTO threads VALUES (1, '/post/one/', 'One')")
    conn.execute("INSERT INTO threads VALUES (2, '/post/two/', NULL)")
    conn.executemany(
        "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author, email,"
        " website, likes, voters) VALUES (?, ?, ?, ?, ?, '192.0.2.0', ?, ?, ?, ?, ?, x'00')",
        comments,
    )
    conn.commit()
    conn.close()
    return path


ISSO_ROWS = [
    (
        1,
        1,
        None,
        1400000000.5,
        1,
        "Hello *world*",
        "Ann",
        "ann@example.org",
        "https://ann.example",
        3,
    ),
    (1, 2, 1, 1400000100.0, 1, "<script>alert(1)</script> reply", None, None, None, 0),
    (1, 3, 2, 1400000200.0, 2, "pending", "Bob", "undefined", "javascript:x", 0),
    (1, 4, 99, 1400000300.0, 4, "", None, None, None, 0),
    (2, 5, None, 1400000400.0, 1, "Grüße 😀", "Zoë", None, None, 0),
]


def test_isso_database(store: Store, site: Site, tmp_path: Path) -> None:
    path = isso_db(tmp_path / "comments.db", ISSO_ROWS)
    assert detect(path) == "isso"
    report = import_file(store, "isso", path, [Rule.parse("/=https://blog.example/")])
    assert (report.threads_created, report.comments_added, report.orphans) == (2, 5, 1)
    assert status_counts(store) == {"published": 3, "pending": 1, "deleted": 1}
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert found["1"]["html"] == "<p>Hello <em>world</em></p>"
    assert found["1"]["upvotes"] == 3 and found["1"]["created_at"] == 1400000000500000
    assert found["2"]["html"] == "<p>&lt;script&gt;alert(1)&lt;/script&gt; reply</p>"
    assert found["2"]["author_name"] == "Anonymous"
    assert found["3"]["depth"] == 2 and found["3"]["author_email"] is None
    assert found["3"]["author_website"] is None
    keys = {r["key"] for r in rows(store, "SELECT key FROM threads")}
    assert keys == {"https://blog.example/post/one/", "https://blog.example/post/two/"}
    again = import_file(store, "isso", path, [Rule.parse("/=https://blog.example/")])
    assert (again.comments_added, again.comments_present) == (0, 5)


def test_isso_bad_rows_change_nothing(store: Store, site: Site, tmp_path: Path) -> None:
    import_file(store, "isso", isso_db(tmp_path / "ok.db", ISSO_ROWS[:1]))
    before = snapshot(store)
    bad = isso_db(
        tmp_path / "bad.db", [*ISSO_ROWS, (2, 6, None, "not a time", 1, "x", "A", None, None, 0)]
    )
    with pytest.raises(ImportFailed, match=r"bad.db comments record 6 \(id 6\): invalid created"):
        import_file(store, "isso", bad)
    not_isso = tmp_path / "other.db"
    sqlite3.connect(not_isso).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(ImportFailed, match="not an Isso database"):
        import_file(store, "isso", not_isso)
    assert snapshot(store) == before


# --- Remark42 -----------------------------------------------------------------------------

REMARK_FILE = EXPORTS / "remark42--native_test-TestNative_Import.backup.txt"


def test_remark42_real_backup(store: Store, site: Site) -> None:
    assert detect(REMARK_FILE) == "remark42"
    report = import_file(store, "remark42", REMARK_FILE)
    assert (report.threads_created, report.comments_added, report.orphans) == (2, 2, 1)
    threads = {r["key"]: r for r in rows(store, "SELECT * FROM threads")}
    assert threads["https://radio-t.com/"]["closed"] == 1  # read_only in the header
    html = rows(store, "SELECT html FROM comments ORDER BY id")[0]["html"]
    assert html == 'some text, <a href="http://radio-t.com" rel="nofollow ugc noopener">link</a>'
    assert rows(store, "SELECT COUNT(*) AS n FROM comments WHERE ip IS NOT NULL")[0]["n"] == 0


def test_remark42_gzipped_deleted_and_votes(store: Store, site: Site, tmp_path: Path) -> None:
    lines = [
        {"version": 1, "users": [], "posts": []},
        {
            "id": "a",
            "pid": "",
            "text": "<p>x</p>",
            "user": {"name": "U"},
            "votes": {"u1": True, "u2": True, "u3": False},
            "locator": {"site": "s", "url": "https://r.example/p"},
            "time": "2019-01-01T00:00:00.123456789Z",
        },
        {
            "id": "b",
            "pid": "a",
            "text": "gone",
            "user": {"name": "V"},
            "delete": True,
            "locator": {"site": "s", "url": "https://r.example/p"},
            "time": "2019-01-02T00:00:00Z",
        },
    ]
    path = tmp_path / "backup.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    assert detect(path) == "remark42"
    report = import_file(store, "remark42", path)
    assert report.comments_added == 2
    found = {r["source_id"]: r for r in rows(store, "SELECT * FROM comments")}
    assert (found["a"]["upvotes"], found["a"]["downvotes"]) == (2, 1)
    assert found["a"]["created_at"] == 1546300800123456
    assert (
        found["b"]["status"] == "deleted" and found["b"]["body"] == "" and found["b"]["depth"] == 1
    )


def test_remark42_bad_line(store: Store, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "backup.txt"
    path.write_text(
        REMARK_FILE.read_text() + '\n{"id": "x", "locator": {"url": "u"}, "time": "now"}'
    )
    with pytest.raises(ImportFailed, match=r"backup.txt line 4: invalid time 'now'"):
        import_file(store, "remark42", path)
    assert snapshot(store) == []


# --- Commento -----------------------------------------------------------------------------


def test_commento_real_exports(store: Store, site: Site) -> None:
    path = EXPORTS / "remark42--commento.json"
    assert detect(path) == "commento"
    report = import_file(store, "commento", path)
    assert (report.threads_created, report.comments_added) == (2, 3)
    found = {str(r["source_id"])[:6]: r for r in rows(store, "SELECT * FROM comments")}
    assert found["ea5f7b"]["parent_id"] == found["7d77e3"]["id"]
    assert found["7d77e3"]["author_name"] == "User5276"
    assert found["7d77e3"]["author_email"] == "somegreatmail@gmail.com"
    assert found["e7069a"]["author_name"] == "Anonymous" and found["e7069a"]["upvotes"] == 1
    keys = {r["key"] for r in rows(store, "SELECT key FROM threads")}
    assert keys == {"https://example.com/blog/post/1", "https://example.com/blog/post/2"}
    # Every comment of this one is empty: all reported, nothing created.
    empty = import_file(store, "commento", EXPORTS / "remark42--api-commento.json")
    assert (empty.threads_created, empty.comments_added) == (0, 0)
    assert empty.skipped == {"empty comment": 7}


def test_commento_truncated(store: Store, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "commento.json"
    path.write_bytes((EXPORTS / "remark42--commento.json").read_bytes()[:700])
    with pytest.raises(ImportFailed, match=r"commento.json: invalid JSON at line \d+, column \d+"):
        import_file(store, "commento", path)
    assert snapshot(store) == []
