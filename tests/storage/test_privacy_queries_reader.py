"""The query behind a signed-in reader's data rights (docs/privacy.md) on both backends:
every comment of an account on a site — any thread, any status, the shells its author
deleted — and nobody else's, found through the indexes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from threadline.domain.models import CommentStatus, Thread
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway

from .helpers import T0, add_site, add_thread, new_comment

ACCOUNT, KEY = "acct-1", "reader:acct-1"


def _by(store: Store, thread: Thread, reader: str | None, key: str, **kw: Any) -> int:
    new = replace(new_comment(thread, **kw), reader_id=reader, author_key=key)
    return store.write(lambda db: db.insert_comment(new)).id


def test_every_comment_of_the_account_on_the_site_and_no_one_elses(store: Store) -> None:
    site, elsewhere = add_site(store), add_site(store, "other")
    one, two = add_thread(store, site), add_thread(store, site, "article-2")
    first = _by(store, one, ACCOUNT, KEY)
    held = _by(store, two, ACCOUNT, KEY, status=CommentStatus.PENDING)
    shell = _by(store, two, ACCOUNT, KEY)
    store.write(lambda db: db.mark_deleted(shell, T0))  # loses its reader, keeps its key
    _by(store, one, "acct-12", "reader:acct-12")  # a longer account id
    _by(store, one, None, "typed:reader:acct-1")  # a name typed to look like it
    _by(store, add_thread(store, elsewhere), ACCOUNT, KEY)  # the account on another site
    erased = _by(store, one, ACCOUNT, KEY)
    store.write(lambda db: db.erase_comment(erased, keep_text=False, now=T0))

    with store.reading() as db:
        found = db.comments_by_reader_account(site.id, ACCOUNT, KEY)
    assert [c.id for c in found] == [first, held, shell]
    assert [(c.thread_key, c.status, c.reader_id) for c in found] == [
        ("article-1", "published", ACCOUNT),
        ("article-2", "pending", ACCOUNT),
        ("article-2", "deleted", None),
    ]


def _plan(db: Gateway, sql: str, params: dict[str, Any], dialect: str) -> str:
    if dialect == "sqlite":
        return " ".join(str(r["detail"]) for r in db._all("EXPLAIN QUERY PLAN " + sql, params))
    # A handful of rows: the planner would scan; forbid that to see which indexes it can use.
    db._exec("SET enable_seqscan = off")
    try:
        return " ".join(str(r["QUERY PLAN"]) for r in db._all("EXPLAIN " + sql, params))
    finally:
        db._exec("RESET enable_seqscan")


def test_the_account_is_found_through_the_partial_index(
    store: Store, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    site = add_site(store)
    _by(store, add_thread(store, site), ACCOUNT, KEY)
    ran: list[tuple[str, dict[str, Any]]] = []
    real = Gateway._all

    def recording(db: Gateway, sql: str, params: Any = None) -> list[Any]:
        ran.append((sql, dict(params or {})))
        return real(db, sql, params)

    with store.reading() as db:
        monkeypatch.setattr(Gateway, "_all", recording)
        db.comments_by_reader_account(site.id, ACCOUNT, KEY)
        monkeypatch.setattr(Gateway, "_all", real)
        [(sql, params)] = ran
        plan = _plan(db, sql, params, backend)
    assert "comments_by_reader" in plan, plan
    assert "comments_by_author" in plan, plan  # the deleted shells, by their key
