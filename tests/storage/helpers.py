"""Small builders shared by the storage tests (all writes go through store.write)."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from threadline.domain.models import (
    Author,
    Comment,
    CommentStatus,
    NewComment,
    Site,
    SiteSettings,
    Thread,
)
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def add_site(store: Store, slug: str = "daily", origins: tuple[str, ...] = ()) -> Site:
    return store.write(lambda db: db.insert_site(slug, slug.title(), origins, SiteSettings(), T0))


def add_thread(store: Store, site: Site, key: str = "article-1") -> Thread:
    return store.write(lambda db: db.upsert_thread(site.id, key, None, None, T0))


def new_comment(
    thread: Thread,
    parent: Comment | None = None,
    *,
    at: datetime = T0,
    status: CommentStatus = CommentStatus.PUBLISHED,
    name: str = "Reader",
    body: str = "Hello",
    token_hash: str = "hash",
) -> NewComment:
    return NewComment(
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        status=status,
        author=Author(name, f"{name.lower()}@example.org", "https://example.org/me"),
        body=body,
        html=f"<p>{body}</p>",
        created_at=at,
        edit_token_hash=token_hash,
        ip="203.0.113.9",
        user_agent="TestBrowser/1.0",
    )


def add_comment(store: Store, thread: Thread, parent: Comment | None = None, **kw: Any) -> Comment:
    new = new_comment(thread, parent, **kw)

    def job(db: Gateway) -> Comment:
        comment = db.insert_comment(new)
        db.bump_version(thread.id, published_delta=int(new.status is CommentStatus.PUBLISHED))
        return comment

    return store.write(job)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def raw_row(store: Store, sql: str, **params: Any) -> Any:
    """One row by SQL straight from the database, to check what the gateway cannot show."""
    with store.reading() as db:
        return db._one(sql, params)


def writer_turn_is_free(url: str) -> bool:
    """Whether SQLite writers' lock file (storage/sqlite._WriteTurn) can be taken right now
    (and let go again): False while a writer holds its turn."""
    fd = os.open(url.removeprefix("sqlite:///") + "-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock taken here
    return True
