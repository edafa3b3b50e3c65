"""The storage of readers' sign-in (docs/sign-in.md) on both backends: a site's secret, a
comment's reader and the query for a reader's own comments."""

from __future__ import annotations

from dataclasses import replace

from threadline.domain.models import Thread
from threadline.storage.base import Store

from .helpers import T0, add_comment, add_site, add_thread, new_comment, raw_row


def test_a_sites_secret_is_kept_changed_and_removed(store: Store) -> None:
    site = add_site(store)
    assert site.reader_secret is None
    on = store.write(lambda db: db.set_site_reader_secret(site.id, "first-secret"))
    assert on.reader_secret == "first-secret"
    with store.reading() as db:
        assert db.get_site("daily") == on  # a site rebuilt from its changed row
        assert db.get_site_by_id(site.id).reader_secret == "first-secret"  # type: ignore[union-attr]
    rotated = store.write(lambda db: db.set_site_reader_secret(site.id, "second-secret"))
    with store.reading() as db:
        assert db.get_site("daily").reader_secret == "second-secret"  # type: ignore[union-attr]
        assert [s.reader_secret for s in db.list_sites()] == ["second-secret"]
    assert rotated.settings == site.settings
    off = store.write(lambda db: db.set_site_reader_secret(site.id, None))
    assert off.reader_secret is None
    assert "secret" not in repr(rotated)  # never in a log line by accident


def test_a_comment_keeps_its_reader_everywhere_it_is_read(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    signed = store.write(
        lambda db: db.insert_comment(replace(new_comment(thread, name="Ada"), reader_id="acct-1"))
    )
    typed = add_comment(store, thread, name="Bo")
    assert (signed.reader_id, signed.verified) == ("acct-1", True)
    assert (typed.reader_id, typed.verified) == (None, False)
    with store.reading() as db:
        assert db.get_comment(signed.id).reader_id == "acct-1"  # type: ignore[union-attr]
        shown = {c.id: c.verified for c in db.thread_display_comments(thread.id)}
        assert shown == {signed.id: True, typed.id: False}
        assert [c.verified for c in db.display_comments([signed.id])] == [True]
        _, changes = db.changes_since("daily", "article-1", -1)
        assert {c.comment.id: c.comment.reader_id for c in changes} == {
            signed.id: "acct-1",
            typed.id: None,
        }
        [exported, _] = db.export_comments(thread.site_id, "article-1")
    assert exported.reader_id == "acct-1"


def test_a_readers_own_comments_are_found_by_account_in_one_thread(store: Store) -> None:
    site = add_site(store)
    one, two = add_thread(store, site), add_thread(store, site, "article-2")

    def by(thread: Thread, reader: str | None) -> int:
        new = replace(new_comment(thread), reader_id=reader)
        return store.write(lambda db: db.insert_comment(new)).id

    first = by(one, "acct-1")
    by(one, "acct-2")
    by(two, "acct-1")
    by(one, None)
    last = by(one, "acct-1")
    with store.reading() as db:
        found = db.comments_by_reader(site.id, "article-1", "acct-1")
        assert [c.id for c in found] == [first, last]
        assert db.comments_by_reader(site.id, "article-1", "nobody") == []
        assert db.comments_by_reader(site.id, "missing", "acct-1") == []


def test_deleting_or_erasing_a_comment_forgets_its_reader(store: Store) -> None:
    thread = add_thread(store, add_site(store))

    def signed() -> int:
        return store.write(
            lambda db: db.insert_comment(replace(new_comment(thread), reader_id="acct-1"))
        ).id

    deleted, erased = signed(), signed()
    store.write(lambda db: db.mark_deleted(deleted, T0))
    store.write(lambda db: db.erase_comment(erased, keep_text=True, now=T0))
    for comment_id in (deleted, erased):
        row = raw_row(store, "SELECT reader_id FROM comments WHERE id = :id", id=comment_id)
        assert row["reader_id"] is None
    with store.reading() as db:
        assert db.comments_by_reader(thread.site_id, "article-1", "acct-1") == []
