"""What changed in a thread after a given version: the source of live updates and of their
replay after a reconnect (Last-Event-ID).

Every change to a thread bumps its version and stamps the comment it touched with that
version, so "everything after version v" is one indexed query that returns each changed
comment in its latest state: nothing is missed, and nothing stale is replayed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from threadline.domain.models import Comment, CommentStatus
from threadline.service.context import ServiceContext


class ChangeKind(enum.StrEnum):
    SHOWN = "comment"  # new or changed, and published: readers see its current state
    # No longer visible: deleted by its author, rejected, or held for review after it was
    # shown (readers' flags reached flags_to_hold, or an edit was held).
    REMOVED = "deleted"


@dataclass(frozen=True, slots=True)
class LiveChange:
    version: int
    kind: ChangeKind
    comment: Comment


@dataclass(frozen=True, slots=True)
class ThreadChanges:
    version: int  # the thread's version in the same snapshot as `changes`
    changes: list[LiveChange]


def live_kind(status: CommentStatus, status_changed: bool = False) -> ChangeKind | None:
    """What readers are told about a comment in this state. A pending comment's content never
    goes out; one that was taken off the page (its status changed after it was written) goes
    out as a removal, while one held from the start is not announced at all."""
    if status is CommentStatus.PUBLISHED:
        return ChangeKind.SHOWN
    if status in (CommentStatus.DELETED, CommentStatus.REJECTED):
        return ChangeKind.REMOVED
    if status is CommentStatus.PENDING and status_changed:
        return ChangeKind.REMOVED
    return None


def changes_since(
    ctx: ServiceContext, site_slug: str, key: str, after: int | None
) -> ThreadChanges:
    """Changes to the thread (site, normalized key) after version `after`, oldest first;
    `after=None` asks only for the current version."""
    with ctx.store.reading() as db:
        version, found = db.changes_since(site_slug, key, after)
    changes = []
    for change in found:
        kind = live_kind(change.comment.status, change.status_changed)
        if kind is not None:
            changes.append(LiveChange(change.version, kind, change.comment))
    return ThreadChanges(version, changes)


def thread_versions(
    ctx: ServiceContext, threads: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The current version of each (site slug, normalized key) that exists."""
    by_site: dict[str, list[str]] = {}
    for site_slug, key in threads:
        by_site.setdefault(site_slug, []).append(key)
    found: dict[tuple[str, str], int] = {}
    with ctx.store.reading() as db:
        for site_slug, keys in by_site.items():
            for key, version in db.thread_versions(site_slug, keys).items():
                found[(site_slug, key)] = version
    return found
