"""The storage contract: every query behaves the same on SQLite and PostgreSQL.

`store` is parametrized over both backends (a fresh file / a fresh schema per test).
"""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from threadline.domain.errors import AlreadyExists
from threadline.domain.models import Author, Comment, CommentStatus, SiteSettings
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway
from threadline.storage.migrations import Migration, available
from threadline.storage.postgres import PostgresStore
from threadline.storage.sqlite import SQLiteStore

from .helpers import T0, add_comment, add_site, add_thread, later, new_comment, raw_row

# -- sites -------------------------------------------------------------------------------


def test_insert_site_round_trips(store: Store) -> None:
    settings = SiteSettings(edit_window_seconds=60, premoderation=True, keep_url_query=True)
    site = store.write(
        lambda db: db.insert_site(
            "daily", "The Daily", ["https://daily.example", "https://m.daily.example"], settings, T0
        )
    )
    assert site.id > 0
    assert (site.slug, site.name) == ("daily", "The Daily")
    assert site.origins == ("https://daily.example", "https://m.daily.example")
    assert site.settings == settings
    assert site.created_at == T0
    with store.reading() as db:
        assert db.get_site("daily") == site
        assert db.get_site_by_id(site.id) == site
        assert db.get_site("weekly") is None
        assert db.get_site_by_id(site.id + 1000) is None


def test_duplicate_slug_is_already_exists_and_keeps_the_first(store: Store) -> None:
    first = add_site(store, "daily")
    with pytest.raises(AlreadyExists) as caught:
        store.write(lambda db: db.insert_site("daily", "Impostor", (), SiteSettings(), later(1)))
    assert caught.value.code == "already_exists"
    # The failed write left the writer usable and the first site untouched.
    second = add_site(store, "weekly")
    with store.reading() as db:
        assert db.get_site("daily") == first
        assert [s.slug for s in db.list_sites()] == ["daily", "weekly"]
    assert second.id != first.id


def test_list_sites_is_sorted_by_slug(store: Store) -> None:
    for slug in ["zeta", "alpha", "mid"]:
        add_site(store, slug)
    with store.reading() as db:
        assert [s.slug for s in db.list_sites()] == ["alpha", "mid", "zeta"]


def test_unknown_site_settings_keys_are_ignored(store: Store) -> None:
    site = add_site(store)
    # A setting written by a newer version (or removed since) must not break reading.
    store.write(
        lambda db: db._exec(
            "UPDATE sites SET settings = :s WHERE id = :id",
            {"s": '{"page_size": 7, "from_the_future": true}', "id": site.id},
        )
    )
    with store.reading() as db:
        loaded = db.get_site_by_id(site.id)
    assert loaded is not None and loaded.settings == SiteSettings(page_size=7)


# -- threads -----------------------------------------------------------------------------


def test_upsert_thread_creates_once(store: Store) -> None:
    site = add_site(store)
    created = store.write(lambda db: db.upsert_thread(site.id, "a-1", "Title", None, T0))
    again = store.write(lambda db: db.upsert_thread(site.id, "a-1", "Other", None, later(5)))
    assert again.id == created.id
    assert created.title == again.title == "Title"
    assert (created.version, created.comment_count, created.closed) == (0, 0, False)
    assert again.created_at == T0
    with store.reading() as db:
        assert db.get_thread(site.id, "a-1") == again
        assert db.get_thread_by_id(created.id) == again
        assert db.get_thread(site.id, "a-2") is None


def test_upsert_thread_fills_missing_title_and_url_only(store: Store) -> None:
    site = add_site(store)
    bare = store.write(lambda db: db.upsert_thread(site.id, "k", None, None, T0))
    assert (bare.title, bare.url) == (None, None)
    titled = store.write(lambda db: db.upsert_thread(site.id, "k", "Title", None, T0))
    assert (titled.title, titled.url) == ("Title", None)
    full = store.write(lambda db: db.upsert_thread(site.id, "k", "New", "https://x.example/k", T0))
    assert (full.title, full.url) == ("Title", "https://x.example/k")
    kept = store.write(lambda db: db.upsert_thread(site.id, "k", None, None, T0))
    assert (kept.title, kept.url) == ("Title", "https://x.example/k")


def test_thread_keys_are_unique_per_site(store: Store) -> None:
    one, two = add_site(store, "one"), add_site(store, "two")
    a = add_thread(store, one, "shared")
    b = add_thread(store, two, "shared")
    c = add_thread(store, one, "Shared")  # keys are case-sensitive
    assert len({a.id, b.id, c.id}) == 3
    with store.reading() as db:
        assert db.get_thread(two.id, "shared") == b


def test_versions_and_comment_counts(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    with store.reading() as db:
        assert db.thread_version(thread.site_id, thread.key) == 0
        assert db.thread_version(thread.site_id, "nope") is None
    assert store.write(lambda db: db.bump_version(thread.id)) == 1
    assert store.write(lambda db: db.bump_version(thread.id, published_delta=1)) == 2
    assert store.write(lambda db: db.bump_version(thread.id, published_delta=1)) == 3
    assert store.write(lambda db: db.bump_version(thread.id, published_delta=-1)) == 4
    with store.reading() as db:
        current = db.get_thread_by_id(thread.id)
        assert db.thread_version(thread.site_id, thread.key) == 4
    assert current is not None
    assert (current.version, current.comment_count) == (4, 1)


def test_closing_a_thread_bumps_its_version(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    assert store.write(lambda db: db.set_thread_closed(thread.id, True)) == 1
    with store.reading() as db:
        closed = db.get_thread_by_id(thread.id)
    assert closed is not None and closed.closed is True
    assert store.write(lambda db: db.set_thread_closed(thread.id, False)) == 2
    with store.reading() as db:
        reopened = db.get_thread_by_id(thread.id)
    assert reopened is not None and reopened.closed is False


# -- comments ----------------------------------------------------------------------------


def test_insert_and_get_comment(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    new = new_comment(thread, at=later(0.000001), body="Hi *there*", token_hash="abc123")
    inserted = store.write(lambda db: db.insert_comment(new))
    assert inserted.id > 0
    assert inserted.thread_id == thread.id
    assert (inserted.parent_id, inserted.depth) == (None, 0)
    assert inserted.status is CommentStatus.PUBLISHED
    assert inserted.author == Author("Reader", "reader@example.org", "https://example.org/me")
    assert (inserted.body, inserted.html) == ("Hi *there*", "<p>Hi *there*</p>")
    assert inserted.created_at == later(0.000001)  # microseconds survive
    assert inserted.edited_at is None
    assert (inserted.upvotes, inserted.downvotes, inserted.reply_count) == (0, 0, 0)
    with store.reading() as db:
        assert db.get_comment(inserted.id) == inserted
        assert db.get_comment(inserted.id + 1000) is None
        assert db.edit_token_hash(inserted.id) == "abc123"
        assert db.edit_token_hash(inserted.id + 1000) is None
    row = raw_row(store, "SELECT ip, user_agent FROM comments WHERE id = :id", id=inserted.id)
    assert (row["ip"], row["user_agent"]) == ("203.0.113.9", "TestBrowser/1.0")


@pytest.mark.parametrize(
    "moment",
    [
        # Float arithmetic (timestamp() * 1e6) gets these one microsecond wrong.
        "2004-08-18T21:38:28.398913+00:00",  # imported archives reach back this far
        "2038-05-03T22:45:04.426243+00:00",
        "2040-02-17T09:48:42.249860+00:00",
        "1970-01-01T00:00:00.000001+00:00",
        "2026-03-01T12:00:00.999999+00:00",
    ],
)
def test_times_round_trip_to_the_microsecond(store: Store, moment: str) -> None:
    at = datetime.fromisoformat(moment)
    thread = add_thread(store, add_site(store))
    comment = add_comment(store, thread, at=at)
    store.write(lambda db: db.update_comment_body(comment.id, "x", "<p>x</p>", at))
    with store.reading() as db:
        stored = db.get_comment(comment.id)
    assert stored is not None
    assert stored.created_at == at and stored.edited_at == at


def test_author_without_email_or_website(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    new = replace(new_comment(thread), author=Author("Anon"))
    inserted = store.write(lambda db: db.insert_comment(new))
    assert inserted.author == Author("Anon", None, None)


def test_thread_comments_lists_every_status_of_that_thread_only(store: Store) -> None:
    site = add_site(store)
    thread, other = add_thread(store, site, "a"), add_thread(store, site, "b")
    made = [
        add_comment(store, thread, status=status, at=later(i))
        for i, status in enumerate(CommentStatus)
    ]
    add_comment(store, other)
    with store.reading() as db:
        listed = db.thread_comments(thread.id)
        assert db.thread_comments(thread.id + 1000) == []
    assert sorted(listed, key=lambda c: c.id) == made


def test_comment_shapes_carry_order_fields_and_the_version_of_the_last_change(
    store: Store,
) -> None:
    site = add_site(store)
    thread, other = add_thread(store, site, "a"), add_thread(store, site, "b")
    top = add_comment(store, thread)
    reply = add_comment(store, thread, top, status=CommentStatus.PENDING, at=later(1))
    add_comment(store, other)
    store.write(lambda db: db.set_vote(top.id, "voter-1", 1, later(2)))
    version = store.write(lambda db: db.bump_version(thread.id, comment_id=top.id))
    with store.reading() as db:
        shapes = sorted(db.thread_comment_shapes(thread.id), key=lambda s: s.id)
        assert db.thread_comment_shapes(thread.id + 1000) == []
    assert [(s.id, s.parent_id, s.status) for s in shapes] == [
        (top.id, None, CommentStatus.PUBLISHED),
        (reply.id, top.id, CommentStatus.PENDING),
    ]
    assert shapes[0].created_us == top.created_us and shapes[1].created_us == reply.created_us
    assert (shapes[0].upvotes, shapes[0].downvotes, shapes[0].score) == (1, 0, 1)
    assert shapes[0].changed_version == version
    assert shapes[1].changed_version < version


def test_display_comments_by_id_leave_out_source_and_email(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    made = [add_comment(store, thread, at=later(i)) for i in range(450)]  # > one IN (...) chunk
    wanted = [c.id for c in made[::2]] + [10_000_000]
    with store.reading() as db:
        shown = {c.id: c for c in db.display_comments(wanted)}
        assert db.display_comments([]) == []
    assert sorted(shown) == [c.id for c in made[::2]]
    sample = shown[made[10].id]
    assert sample.html == made[10].html and sample.author.name == made[10].author.name
    assert sample.body == "" and sample.author.email is None


def test_ancestors_top_level_first(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    chain = [add_comment(store, thread)]
    for i in range(1, 6):
        chain.append(add_comment(store, thread, chain[-1], at=later(i)))
    sibling = add_comment(store, thread, chain[2], at=later(10))
    with store.reading() as db:
        assert db.ancestors(chain[0].id) == []
        assert db.ancestors(chain[5].id) == chain[:5]
        assert db.ancestors(sibling.id) == chain[:3]
        assert db.ancestors(10_000) == []


def test_ancestors_include_removed_comments(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    top = add_comment(store, thread)
    middle = add_comment(store, thread, top)
    leaf = add_comment(store, thread, middle)
    store.write(lambda db: db.mark_deleted(middle.id, later(1)))
    with store.reading() as db:
        got = db.ancestors(leaf.id)
    assert [c.id for c in got] == [top.id, middle.id]
    assert got[1].status is CommentStatus.DELETED


def test_lock_comment_reads_the_current_comment(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    comment = add_comment(store, thread)

    def job(db: Gateway) -> tuple[object, object, object]:
        before = db.lock_comment(comment.id)
        db.mark_deleted(comment.id, later(1))
        return before, db.lock_comment(comment.id), db.lock_comment(comment.id + 1000)

    before, after, missing = store.write(job)
    assert before == comment
    assert isinstance(after, Comment) and after.status is CommentStatus.DELETED
    assert missing is None


def test_update_comment_body(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    original = add_comment(store, thread, body="Before")
    updated = store.write(
        lambda db: db.update_comment_body(original.id, "After", "<p>After</p>", later(30))
    )
    assert (updated.body, updated.html, updated.edited_at) == ("After", "<p>After</p>", later(30))
    assert replace(updated, body="Before", html="<p>Before</p>", edited_at=None) == original
    with store.reading() as db:
        assert db.get_comment(original.id) == updated
        assert db.edit_token_hash(original.id) == "hash"


def test_mark_deleted_clears_personal_data(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    comment = add_comment(store, thread, name="Alice", body="Secret")
    deleted = store.write(lambda db: db.mark_deleted(comment.id, later(60)))
    assert deleted.status is CommentStatus.DELETED
    assert deleted.author == Author("", None, None)
    assert (deleted.body, deleted.html) == ("", "")
    assert deleted.edited_at == later(60)
    assert (deleted.id, deleted.thread_id, deleted.created_at) == (
        comment.id,
        thread.id,
        comment.created_at,
    )
    row = raw_row(
        store,
        "SELECT author_name, author_email, author_website, body, html, ip, user_agent, "
        "edit_token_hash FROM comments WHERE id = :id",
        id=comment.id,
    )
    assert dict(row) == {
        "author_name": "",
        "author_email": None,
        "author_website": None,
        "body": "",
        "html": "",
        "ip": None,
        "user_agent": None,
        "edit_token_hash": None,
    }
    with store.reading() as db:
        assert db.edit_token_hash(comment.id) is None


def test_count_visible_replies(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    top = add_comment(store, thread)
    add_comment(store, thread, top)
    add_comment(store, thread, top)
    add_comment(store, thread, top, status=CommentStatus.PENDING)
    removed = add_comment(store, thread, top)
    store.write(lambda db: db.mark_deleted(removed.id, later(1)))
    with store.reading() as db:
        assert db.count_visible_replies(top.id) == 2
        assert db.count_visible_replies(removed.id) == 0
    # A removed reply stays (as a placeholder) while a published comment hangs below it.
    kept = add_comment(store, thread, top)
    middle = add_comment(store, thread, kept, status=CommentStatus.PENDING)
    add_comment(store, thread, middle)
    add_comment(store, thread, middle)
    store.write(lambda db: db.mark_deleted(kept.id, later(2)))
    with store.reading() as db:
        assert db.count_visible_replies(top.id) == 3
        assert db.count_visible_replies(kept.id) == 1
        assert db.count_visible_replies(middle.id) == 2


# -- votes -------------------------------------------------------------------------------


def _recount(store: Store, comment_id: int) -> tuple[int, int]:
    row = raw_row(
        store,
        "SELECT COALESCE(SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END), 0) AS up, "
        "COALESCE(SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END), 0) AS down "
        "FROM votes WHERE comment_id = :id",
        id=comment_id,
    )
    return int(row["up"]), int(row["down"])


def _vote(comment_id: int, voter: str, value: int, step: int, db: Gateway) -> Comment:
    return db.set_vote(comment_id, voter, value, later(step))


def test_vote_sequence_tallies(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    comment = add_comment(store, thread)
    steps = [(1, (1, 0)), (-1, (0, 1)), (0, (0, 0)), (1, (1, 0)), (1, (1, 0)), (0, (0, 0))]
    for i, (value, expected) in enumerate(steps):
        voted = store.write(partial(_vote, comment.id, "voter-a", value, i))
        assert (voted.upvotes, voted.downvotes) == expected, f"step {i}: vote {value}"
        assert _recount(store, comment.id) == expected
    row = raw_row(store, "SELECT COUNT(*) AS n FROM votes WHERE comment_id = :id", id=comment.id)
    assert int(row["n"]) == 1  # one row per voter, whatever the history


def test_random_votes_always_equal_a_recount(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    comments = [add_comment(store, thread, at=later(i)) for i in range(3)]
    rng = random.Random(20260301)
    for step in range(150):
        target = rng.choice(comments)
        voter = f"voter-{rng.randrange(6)}"
        value = rng.choice([1, -1, 0])
        voted = store.write(partial(_vote, target.id, voter, value, step))
        assert (voted.upvotes, voted.downvotes) == _recount(store, target.id), f"step {step}"
    with store.reading() as db:
        for c in comments:
            stored = db.get_comment(c.id)
            assert stored is not None
            assert (stored.upvotes, stored.downvotes) == _recount(store, c.id)


def test_votes_of_one_comment_do_not_touch_another(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    a, b = add_comment(store, thread), add_comment(store, thread)
    store.write(lambda db: db.set_vote(a.id, "v", 1, T0))
    store.write(lambda db: db.set_vote(b.id, "v", -1, T0))
    with store.reading() as db:
        got_a, got_b = db.get_comment(a.id), db.get_comment(b.id)
    assert got_a is not None and (got_a.upvotes, got_a.downvotes, got_a.score) == (1, 0, 1)
    assert got_b is not None and (got_b.upvotes, got_b.downvotes, got_b.score) == (0, 1, -1)


# -- counts ------------------------------------------------------------------------------


def test_comment_counts_across_chunks(store: Store) -> None:
    site, other = add_site(store, "daily"), add_site(store, "weekly")
    expected: dict[str, int] = {}

    def create_threads(db: Gateway) -> None:
        for i in range(450):
            key = f"story-{i}"
            if i % 3 == 0:
                continue  # never commented: counts as 0
            thread = db.upsert_thread(site.id, key, None, None, T0)
            count = i % 5
            db.bump_version(thread.id, published_delta=count) if count else None
            expected[key] = count
        foreign = db.upsert_thread(other.id, "story-3", None, None, T0)
        db.bump_version(foreign.id, published_delta=99)

    store.write(create_threads)
    keys = [f"story-{i}" for i in range(450)] + ["story-1", "missing"]
    with store.reading() as db:
        counts = db.comment_counts(site.id, keys)
        assert db.comment_counts(site.id, []) == {}
    assert set(counts) == {f"story-{i}" for i in range(450)} | {"missing"}
    for key, value in counts.items():
        assert value == expected.get(key, 0), key
    assert counts["story-3"] == 0  # the other site's thread with that key does not count
    assert counts["story-449"] == 4


# -- server values -----------------------------------------------------------------------


def test_ensure_server_value_first_value_wins(store: Store) -> None:
    with store.reading() as db:
        assert db.server_value("secret_key") is None
    assert store.write(lambda db: db.ensure_server_value("secret_key", "first")) == "first"
    assert store.write(lambda db: db.ensure_server_value("secret_key", "second")) == "first"
    assert store.write(lambda db: db.ensure_server_value("other", "x")) == "x"
    with store.reading() as db:
        assert db.server_value("secret_key") == "first"
        assert db.server_value("other") == "x"


def test_ping(store: Store) -> None:
    with store.reading() as db:
        assert db.ping() is True


# -- migrations --------------------------------------------------------------------------


def test_migrate_twice_applies_nothing_the_second_time(store: Store) -> None:
    # The fixture's store is already migrated.
    assert store.migrate() == []
    assert store.migrate() == []
    with store.reading() as db:
        rows = db._all("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    expected = [(m.version, m.name) for m in available(store.backend)]
    assert [(r["version"], r["name"]) for r in rows] == expected
    assert all(r["applied_at"] > 0 for r in rows)


def _unmigrated(backend: str, url: str) -> Store:
    if backend == "sqlite":
        return SQLiteStore(url)
    return PostgresStore(url, pool_size=2)


def test_fresh_database_applies_every_migration_once(backend: str, database_url: str) -> None:
    store = _unmigrated(backend, database_url)
    try:
        names = [f"{m.version:04d}_{m.name}" for m in available(backend)]
        assert names, "no migrations found"
        assert store.migrate() == names
        assert store.migrate() == []
        # And the schema works.
        assert add_site(store).slug == "daily"
    finally:
        store.close()
    reopened = _unmigrated(backend, database_url)
    try:
        assert reopened.migrate() == []
        with reopened.reading() as db:
            assert [s.slug for s in db.list_sites()] == ["daily"]
    finally:
        reopened.close()


def _migrate_together(stores: list[Store]) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(len(stores))
    applied: list[str] = []
    errors: list[BaseException] = []

    def run(s: Store) -> None:
        start.wait()
        try:
            applied.extend(s.migrate())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(applied), errors


def test_instances_migrating_together_apply_each_migration_once(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    """Several server workers start at once on a new database: none may fail."""
    # The race is timing-dependent: on SQLite (cheap fresh files) try several new databases.
    urls = (
        [f"sqlite:///{tmp_path / f'race-{i}.db'}" for i in range(12)]
        if backend == "sqlite"
        else [database_url]
    )
    expected = [f"{m.version:04d}_{m.name}" for m in available(backend)]
    for url in urls:
        stores = [_unmigrated(backend, url) for _ in range(4)]
        try:
            applied, errors = _migrate_together(stores)
        finally:
            for s in stores:
                s.close()
        assert errors == [], url
        assert applied == expected, url


def test_a_failing_migration_leaves_no_trace(
    backend: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _unmigrated(backend, database_url)
    try:
        store.migrate()
        broken = Migration(
            9999, "broken", "CREATE TABLE half_done (id INTEGER);\nSELECT * FROM no_such_table;"
        )
        module = f"threadline.storage.{backend}"
        monkeypatch.setattr(f"{module}.pending", lambda backend, applied: [broken])
        with pytest.raises(Exception, match="no_such_table"):
            store.migrate()
        with store.reading() as db:
            versions = [r["version"] for r in db._all("SELECT version FROM schema_migrations")]
            assert 9999 not in versions
            with pytest.raises(Exception, match="half_done"):
                db._all("SELECT * FROM half_done")
    finally:
        store.close()


def test_opening_a_thread_for_a_comment_creates_it_or_moves_it_on(store: Store) -> None:
    """One statement does what upsert_thread + bump_version did: a new thread starts at
    version 1 with the comment counted if published; an existing one moves on by one."""
    site = add_site(store)
    first = store.write(
        lambda db: db.open_thread_for_comment(site.id, "story", "Title", None, T0, 1)
    )
    assert (first.version, first.comment_count, first.title, first.url) == (1, 1, "Title", None)
    again = store.write(
        lambda db: db.open_thread_for_comment(site.id, "story", "Other", "https://e.x/s", T0, 0)
    )
    assert again.id == first.id
    # A held comment moves the version (its author sees it) but not the published count;
    # the title stays, a missing URL is filled in.
    assert (again.version, again.comment_count, again.title) == (2, 1, "Title")
    assert again.url == "https://e.x/s"
    with store.reading() as db:
        assert db.get_thread_by_id(first.id) == again


def test_a_comment_is_inserted_with_its_version_and_moderation_record(store: Store) -> None:
    site = add_site(store)
    thread = add_thread(store, site)
    new = replace(
        new_comment(thread),
        version=7,
        author_key="reader",
        fingerprint="f" * 16,
        decision="hold",
        reasons=("Looks like spam.",),
        signals=({"scorer": "spam", "score": 0.9, "reason": None, "count": 0},),
    )
    comment = store.write(lambda db: db.insert_comment(new))
    with store.reading() as db:
        info = db.comment_moderation(comment.id)
    assert info is not None
    assert (info.decision, info.reasons) == ("hold", ("Looks like spam.",))
    assert info.author_key == "reader"
    assert info.signals == ({"scorer": "spam", "score": 0.9, "reason": None, "count": 0},)
    sql = "SELECT changed_version, fingerprint FROM comments WHERE id = :id"
    row = raw_row(store, sql, id=comment.id)
    assert (row["changed_version"], row["fingerprint"]) == (7, "f" * 16)
    # Without them (the defaults), nothing is recorded.
    plain = store.write(lambda db: db.insert_comment(new_comment(thread)))
    with store.reading() as db:
        bare = db.comment_moderation(plain.id)
    assert bare is not None and (bare.decision, bare.reasons, bare.signals) == (None, (), ())
    assert raw_row(store, sql, id=plain.id)["changed_version"] == 0


def test_a_site_changed_by_another_instance_is_read_as_changed(
    store: Store, backend: str, database_url: str
) -> None:
    """Built sites are reused by their row (storage/gateway._site): a change made through
    another store (another server process) is seen on the next read, never a stale copy."""
    site = add_site(store)
    other_site = add_site(store, "other")
    with store.reading() as db:
        assert db.get_site("daily") == site
    other = _unmigrated(backend, database_url)
    try:
        changed = replace(site.settings, max_comment_length=123)
        other.write(lambda db: db.update_site(site.id, "The Daily", site.origins, changed))
    finally:
        other.close()
    with store.reading() as db:
        fresh = db.get_site("daily")
        assert fresh is not None and fresh.settings.max_comment_length == 123
        assert db.get_site("other") == other_site  # the two sites are never confused
        assert db.get_site_by_id(site.id) == fresh
