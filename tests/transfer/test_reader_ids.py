"""A signed-in reader's account id (docs/sign-in.md) in Threadline's export format: exported,
imported back with bans and history following the account, byte-identical round trip, and
exports made before sign-in existed still read. Both backends."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from tests.storage.helpers import T0, add_thread, new_comment
from tests.transfer.conftest import export_bytes, import_records
from threadline.domain.models import Site
from threadline.storage.base import Store
from threadline.transfer.records import no_progress
from threadline.transfer.threadline_jsonl import read_stream


def _read(data: bytes):  # type: ignore[no-untyped-def]
    return read_stream(io.BytesIO(data), "export.jsonl", no_progress)


def _seed(store: Store, site: Site) -> None:
    thread = add_thread(store, site)
    signed = replace(new_comment(thread, name="Ada"), reader_id="acct-42")
    typed = new_comment(thread, name="Bo", at=T0.replace(second=5))
    store.write(lambda db: [db.insert_comment(signed), db.insert_comment(typed)])


def _comment_lines(data: bytes) -> list[dict[str, object]]:
    lines = [json.loads(x) for x in data.decode().splitlines()]
    return [x for x in lines if x["type"] == "comment"]


def test_reader_ids_round_trip(store: Store, site: Site, other_store: Store) -> None:
    _seed(store, site)
    first = export_bytes(store)
    assert [c["reader_id"] for c in _comment_lines(first)] == ["acct-42", None]
    report = import_records(other_store, _read(first))
    assert report.comments_added == 2
    assert export_bytes(other_store) == first
    with other_store.reading() as db:
        target = db.get_site("daily")
        assert target is not None
        thread = db.get_thread(target.id, "article-1")
        assert thread is not None
        by_name = {c.author.name: c for c in db.thread_comments(thread.id)}
        assert by_name["Ada"].verified and not by_name["Bo"].verified
        keys = {
            name: db.comment_moderation(c.id).author_key  # type: ignore[union-attr]
            for name, c in by_name.items()
        }
        mine = db.comments_by_reader(target.id, "article-1", "acct-42")
    # History and bans follow the account, as for comments posted live.
    assert keys == {"Ada": "reader:acct-42", "Bo": "bo@example.org"}
    assert [c.author.name for c in mine] == ["Ada"]


def test_exports_without_reader_ids_and_odd_ones_still_import(
    store: Store, site: Site, other_store: Store
) -> None:
    _seed(store, site)
    lines = export_bytes(store).decode().splitlines()
    older = [json.loads(x) for x in lines]
    for line in older:
        line.pop("reader_id", None)
    older[-1]["reader_id"] = "x" * 500  # one we would not accept live is dropped
    data = "\n".join(json.dumps(x) for x in older).encode()
    report = import_records(other_store, _read(data))
    assert report.comments_added == 2
    assert [c["reader_id"] for c in _comment_lines(export_bytes(other_store))] == [None, None]
