"""Threadline's own JSON Lines format: lossless round trip, idempotent import, strict reading,
every line valid against the published JSON Schema. Both backends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from tests.storage.helpers import T0, add_comment, add_thread
from tests.transfer.conftest import (
    export_bytes,
    import_file,
    import_records,
    snapshot,
)
from threadline.domain.models import CommentStatus, Site
from threadline.storage.base import Store
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import no_progress
from threadline.transfer.threadline_jsonl import read

SCHEMA = Path(__file__).parents[2] / "docs" / "export-format.schema.json"


def seed(store: Store, site: Site) -> None:
    """A native tree: root → reply → reply-to-reply, a deleted comment with a live reply,
    a pending one, votes, an edit, unicode and HTML-ish text."""
    t1 = add_thread(store, site, "https://daily.example/a/1")
    t2 = add_thread(store, site, "article-ü-2")
    root = add_comment(store, t1, body="Root **bold** 😀 naïve", name="Zoë")
    reply = add_comment(store, t1, root, at=T0 + timedelta(seconds=5), name="Bob")
    add_comment(store, t1, reply, at=T0 + timedelta(seconds=9), body="deeper")
    gone = add_comment(store, t1, at=T0 + timedelta(seconds=1), name="Gone")
    add_comment(store, t1, gone, at=T0 + timedelta(seconds=2), body="orphan-to-be")
    add_comment(store, t2, status=CommentStatus.PENDING, body="held")
    add_comment(store, t2, at=T0, body="same time, later id")

    def job(db):  # type: ignore[no-untyped-def]
        db.mark_deleted(gone.id, T0 + timedelta(minutes=1))
        db.update_comment_body(reply.id, "edited", "<p>edited</p>", T0 + timedelta(minutes=2))
        db.set_vote(root.id, "voter-a", 1, T0)
        db.set_vote(root.id, "voter-b", -1, T0)
        db.set_vote(reply.id, "voter-a", 1, T0)

    store.write(job)


def test_round_trip_is_byte_identical(store: Store, site: Site, other_store: Store) -> None:
    seed(store, site)
    first = export_bytes(store)
    lines = first.decode().splitlines()
    assert len(lines) == 1 + 2 + 7
    report = import_records(other_store, read_bytes(first, store))
    assert (report.threads_created, report.comments_added) == (2, 7)
    assert report.orphans == 0 and not report.skipped
    assert export_bytes(other_store) == first
    # Importing it again adds nothing; the export stays the same.
    again = import_records(other_store, read_bytes(first, store))
    assert (again.threads_created, again.comments_added, again.comments_present) == (0, 0, 7)
    assert export_bytes(other_store) == first


def read_bytes(data: bytes, store: Store):  # type: ignore[no-untyped-def]
    import io

    from threadline.transfer.threadline_jsonl import read_stream

    return read_stream(io.BytesIO(data), "export.jsonl", no_progress)


def test_the_tree_counts_and_votes_survive(store: Store, site: Site, other_store: Store) -> None:
    seed(store, site)
    import_records(other_store, read_bytes(export_bytes(store), store))
    with other_store.reading() as db:
        thread = db.get_thread(1, "https://daily.example/a/1") or db.get_thread(
            db.get_site("daily").id,
            "https://daily.example/a/1",  # type: ignore[union-attr]
        )
        assert thread is not None
        comments = sorted(db.thread_comments(thread.id), key=lambda c: c.created_at)
        depths = {c.body: c.depth for c in comments}
        assert thread.comment_count == 4  # published ones
        assert thread.version > 0
    assert depths["deeper"] == 2 and depths["edited"] == 1 and depths["orphan-to-be"] == 1
    root = comments[0]
    assert (root.upvotes, root.downvotes) == (1, 1)
    deleted = [c for c in comments if c.status is CommentStatus.DELETED]
    assert len(deleted) == 1 and deleted[0].author.name == "" and deleted[0].body == ""


def test_one_thread_export(store: Store, site: Site) -> None:
    seed(store, site)
    data = export_bytes(store, thread="article-ü-2").decode().splitlines()
    assert [json.loads(x)["type"] for x in data] == ["export", "thread", "comment", "comment"]


def test_every_line_matches_the_schema(store: Store, site: Site) -> None:
    seed(store, site)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for line in export_bytes(store).decode().splitlines():
        jsonschema.validate(json.loads(line), schema)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [*lines[:4], "{not json", *lines[4:]], "line 5, column 2: invalid JSON"),
        (lambda lines: [lines[0].replace('"version":1', '"version":9'), *lines[1:]], "line 1"),
        (lambda lines: [*lines[:3], lines[3].replace("T12:00", "T25:00"), *lines[4:]], "line 4"),
        (lambda lines: [*lines, '{"type":"surprise"}'], "unknown record type"),
        (lambda lines: [lines[0], lines[2], *lines[3:]], "line 2: a comment before any thread"),
    ],
    ids=["bad-json", "version", "bad-date", "unknown-type", "comment-first"],
)
def test_malformed_input_changes_nothing(
    store: Store,
    site: Site,
    other_store: Store,
    tmp_path: Path,
    damage,
    message,  # type: ignore[no-untyped-def]
) -> None:
    seed(store, site)
    lines = export_bytes(store).decode().splitlines()
    # Something already there must survive a failed import untouched.
    first_half = "\n".join(lines[:3]) + "\n"
    import_records(other_store, read_bytes(first_half.encode(), store))
    before = snapshot(other_store)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(damage(lines)) + "\n")
    with pytest.raises(ImportFailed, match=message) as failure:
        import_file(other_store, "threadline", bad)
    assert "bad.jsonl" in failure.value.message
    assert snapshot(other_store) == before


def test_html_in_the_file_is_sanitized_again(store: Store, site: Site) -> None:
    seed(store, site)
    lines = export_bytes(store).decode().splitlines()
    evil = json.loads(lines[2])
    evil["html"] = '<p onclick="x()">hi<script>alert(1)</script><a href="javascript:x">l</a></p>'
    evil["id"] = "999"
    data = "\n".join([lines[0], lines[1], json.dumps(evil)]) + "\n"
    import_records(store, read_bytes(data.encode(), store))
    with store.reading() as db:
        row = db._one("SELECT html FROM comments WHERE source_id = '999'")
    assert row["html"] == '<p>hi<a rel="nofollow ugc noopener">l</a></p>'


def test_not_utf8(site: Site, store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(
        b'{"type":"export","format":"threadline","version":1,"site":{"slug":"d","name":"D"}}\n'
        b'{"type":"thread","key":"caf\xe9","title":null,"url":null,"closed":false,'
        b'"created_at":"2020-01-01T00:00:00.000000Z","source":null}\n'
    )
    with pytest.raises(ImportFailed, match=r"latin1.jsonl line 2: not UTF-8"):
        list(read(bad, no_progress))
