"""The moderation desk's use cases: queues, and every action a moderator takes.

Each action: access decided by auth/permissions.py → one write job that changes the comment
(or thread), stamps the thread's version on it and writes the audit entry, all in the same
transaction → events after commit, so the page cache and live readers follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from threadline.auth import permissions, readers
from threadline.domain.errors import Conflict, InvalidInput, NotFound, ThreadlineError
from threadline.domain.events import CommentModerated, ReplyPublished, ThreadModerated
from threadline.domain.models import Comment, CommentStatus, Site, Thread
from threadline.domain.moderation import Actor, AuditEntry, Ban, Queue, QueueItem
from threadline.service import webhook_events
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site
from threadline.storage.gateway import Gateway

MAX_QUEUE_PAGE = 100
MAX_BULK = 200
MAX_REASON_LENGTH = 500
# The reasons a moderator picks from when rejecting (free text is accepted too).
REJECT_REASONS = (
    "Abusive or hateful",
    "Spam or advertising",
    "Off topic",
    "Misinformation",
    "Personal information",
    "Other",
)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    site: str | None = None
    thread: str | None = None
    author: str | None = None
    text: str | None = None
    before_id: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Target:
    comment: Comment
    thread: Thread
    site: Site


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    comment_id: int
    ok: bool
    code: str | None = None
    status: str | None = None


def clean_reason(text: str | None) -> str:
    value = " ".join((text or "").split())
    if len(value) > MAX_REASON_LENGTH:
        raise InvalidInput(
            f"A reason has at most {MAX_REASON_LENGTH} characters.",
            code="reason_too_long",
            field="reason",
        )
    return value


def audit_action(
    db: Gateway,
    ctx: ServiceContext,
    actor: Actor,
    site_id: int,
    action: str,
    target: tuple[str, int],
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
) -> None:
    db.insert_audit(
        now=ctx.clock(),
        actor_id=actor.user.id,
        actor_name=actor.user.display_name,
        site_id=site_id,
        action=action,
        target_type=target[0],
        target_id=str(target[1]),
        before=before,
        after=after,
        reason=reason,
    )


def _target(ctx: ServiceContext, actor: Actor | None, comment_id: int) -> tuple[Target, Actor]:
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        thread = db.get_thread_by_id(comment.thread_id) if comment else None
        site = db.get_site_by_id(thread.site_id) if thread else None
    permissions.require_actor(actor)
    if comment is None or thread is None or site is None:
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    return Target(comment, thread, site), permissions.check_can_moderate(actor, site.id)


# -- queues ---------------------------------------------------------------------------------


def queue(
    ctx: ServiceContext, actor: Actor | None, which: Queue, f: QueueFilter
) -> list[QueueItem]:
    """A queue's cards, newest first, limited to the sites the actor moderates."""
    site_ids = permissions.moderated_site_ids(actor)
    if f.site:
        site = get_site(ctx, f.site)
        permissions.check_can_moderate(actor, site.id)
        site_ids = [site.id]
    limit = max(1, min(f.limit, MAX_QUEUE_PAGE))
    with ctx.store.reading() as db:
        rows = db.moderation_queue(
            which,
            site_ids,
            thread_key=f.thread,
            author=f.author,
            text=f.text,
            before_id=f.before_id,
            limit=limit,
        )
        items = []
        site_of = {s.slug: s.id for s in db.list_sites()}
        for comment, info, site_slug, key, title in rows:
            parent = db.get_comment(comment.parent_id) if comment.parent_id else None
            history = db.author_history(site_of[site_slug], info.author_key or "")
            items.append(QueueItem(comment, info, site_slug, key, title, parent, history))
    return items


def audit_log(
    ctx: ServiceContext,
    actor: Actor | None,
    *,
    site: str | None = None,
    action: str | None = None,
    target_id: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    site_ids = permissions.moderated_site_ids(actor)
    if site:
        found = get_site(ctx, site)
        permissions.check_can_moderate(actor, found.id)
        site_ids = [found.id]
    with ctx.store.reading() as db:
        return db.audit_entries(
            site_ids,
            action=action,
            target_id=target_id,
            before_id=before_id,
            limit=max(1, min(limit, 1000)),
        )


# -- comment actions ------------------------------------------------------------------------


def _set_status(
    ctx: ServiceContext,
    actor: Actor | None,
    comment_id: int,
    status: CommentStatus,
    action: str,
    reason: str,
) -> Comment:
    target, who = _target(ctx, actor, comment_id)
    now = ctx.clock()

    def job(db: Gateway) -> tuple[Comment, int, bool]:
        current = db.lock_comment(comment_id)
        assert current is not None
        if current.status is CommentStatus.DELETED:
            raise Conflict("This comment was deleted by its author.", code="comment_deleted")
        was = current.status is CommentStatus.PUBLISHED
        now_published = status is CommentStatus.PUBLISHED
        updated = db.set_comment_status(comment_id, status, who.user.id, now)
        if status is not current.status:
            webhook_events.record_status(db, target.site, status, now, comment_id, target.thread.id)
        version = db.bump_version(
            target.thread.id,
            published_delta=int(now_published) - int(was),
            comment_id=comment_id,
        )
        audit_action(
            db,
            ctx,
            who,
            target.site.id,
            action,
            ("comment", comment_id),
            {"status": current.status.value},
            {"status": status.value},
            reason,
        )
        shown_now = now_published and not was
        if shown_now and current.parent_id is not None:
            # A held reply approved: its mail is due with the approval (if the parent asked).
            db.enqueue_approved_reply_mail(comment_id, current.parent_id, now)
        return replace(updated, version=version), version, shown_now

    updated, version, shown_now = ctx.store.write(job)
    ctx.bus.publish(
        CommentModerated(target.site.slug, target.thread.key, target.thread.id, version, comment_id)
    )
    if shown_now and updated.parent_id is not None:  # a held reply approved: wake the outbox
        ctx.bus.publish(ReplyPublished(target.site.slug, comment_id))
    return updated


def approve(ctx: ServiceContext, actor: Actor | None, comment_id: int, reason: str = "") -> Comment:
    return _set_status(
        ctx, actor, comment_id, CommentStatus.PUBLISHED, "approve", clean_reason(reason)
    )


def reject(ctx: ServiceContext, actor: Actor | None, comment_id: int, reason: str) -> Comment:
    why = clean_reason(reason)
    if not why:
        raise InvalidInput(
            "Say why the comment is rejected.", code="reason_required", field="reason"
        )
    return _set_status(ctx, actor, comment_id, CommentStatus.REJECTED, "reject", why)


def feature(
    ctx: ServiceContext, actor: Actor | None, comment_id: int, featured: bool = True
) -> Comment:
    """Editor's pick: moderators of the site and its staff."""
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        thread = db.get_thread_by_id(comment.thread_id) if comment else None
    permissions.require_actor(actor)
    if comment is None or thread is None:
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    who = permissions.check_can_feature(actor, thread.site_id)
    if comment.status is not CommentStatus.PUBLISHED:
        raise Conflict("Only published comments can be featured.", code="comment_unavailable")
    site_slug = get_site_slug(ctx, thread.site_id)

    def job(db: Gateway) -> int:
        info = db.comment_moderation(comment_id)
        assert info is not None
        db.set_featured(comment_id, featured)
        audit_action(
            db,
            ctx,
            who,
            thread.site_id,
            "feature" if featured else "unfeature",
            ("comment", comment_id),
            {"featured": info.featured},
            {"featured": featured},
        )
        return db.bump_version(thread.id, comment_id=comment_id)

    version = ctx.store.write(job)
    ctx.bus.publish(CommentModerated(site_slug, thread.key, thread.id, version, comment_id))
    return replace(comment, featured=featured)


def get_site_slug(ctx: ServiceContext, site_id: int) -> str:
    with ctx.store.reading() as db:
        site = db.get_site_by_id(site_id)
    assert site is not None
    return site.slug


@dataclass(frozen=True, slots=True)
class BanResult:
    ban: Ban
    rejected: list[int]


def ban_author(
    ctx: ServiceContext,
    actor: Actor | None,
    comment_id: int,
    reason: str,
    days: int | None = None,
    reject_comments: bool = False,
) -> BanResult:
    """Ban the author of a comment from its site (for `days`, or for good); optionally reject
    every comment of theirs on the site that is still shown or waiting."""
    target, who = _target(ctx, actor, comment_id)
    why = clean_reason(reason)
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("A ban lasts 1 to 3650 days, or for good.", code="invalid_days")
    with ctx.store.reading() as db:
        info = db.comment_moderation(comment_id)
    key = (info.author_key if info else None) or readers.key_of(
        target.comment.author, target.comment.reader_id
    )
    if not key:
        raise Conflict("This comment's author is no longer known.", code="author_unknown")
    now = ctx.clock()
    ends = now + timedelta(days=days) if days else None

    def job(db: Gateway) -> tuple[Ban, list[tuple[int, Thread, int]]]:
        ban = db.insert_ban(target.site.id, key, why, who.user.id, now, ends)
        audit_action(
            db,
            ctx,
            who,
            target.site.id,
            "ban",
            ("author", comment_id),
            {},
            {"author": key, "ends_at": ends.isoformat() if ends else None},
            why,
        )
        changed: list[tuple[int, Thread, int]] = []
        if reject_comments:
            waiting = (CommentStatus.PUBLISHED, CommentStatus.PENDING)
            for c in db.author_comments(target.site.id, key, waiting):
                current = db.lock_comment(c.id)
                assert current is not None
                db.set_comment_status(c.id, CommentStatus.REJECTED, who.user.id, now)
                webhook_events.record_status(
                    db, target.site, CommentStatus.REJECTED, now, c.id, c.thread_id
                )
                delta = -1 if current.status is CommentStatus.PUBLISHED else 0
                version = db.bump_version(c.thread_id, published_delta=delta, comment_id=c.id)
                audit_action(
                    db,
                    ctx,
                    who,
                    target.site.id,
                    "reject",
                    ("comment", c.id),
                    {"status": current.status.value},
                    {"status": "rejected"},
                    f"Author banned: {why}" if why else "Author banned.",
                )
                thread = db.get_thread_by_id(c.thread_id)
                assert thread is not None
                changed.append((c.id, thread, version))
        return ban, changed

    ban, changed = ctx.store.write(job)
    for cid, thread, version in changed:
        ctx.bus.publish(CommentModerated(target.site.slug, thread.key, thread.id, version, cid))
    return BanResult(ban, [cid for cid, _, _ in changed])


BULK_ACTIONS: dict[str, Callable[[ServiceContext, Actor | None, int, str], Comment]] = {
    "approve": approve,
    "reject": reject,
}


def bulk(
    ctx: ServiceContext, actor: Actor | None, action: str, ids: Sequence[int], reason: str = ""
) -> list[BulkOutcome]:
    """One action on many comments; each succeeds or fails on its own (with its error code)."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(
            f"Bulk actions: {', '.join(BULK_ACTIONS)}.", code="invalid_action", field="action"
        )
    if not ids or len(ids) > MAX_BULK:
        raise InvalidInput(f"Send 1 to {MAX_BULK} comment ids.", code="invalid_ids", field="ids")
    permissions.moderated_site_ids(actor)
    run = BULK_ACTIONS[action]
    out = []
    for comment_id in dict.fromkeys(ids):
        try:
            done = run(ctx, actor, comment_id, reason)
        except ThreadlineError as exc:
            out.append(BulkOutcome(comment_id, False, exc.code))
        else:
            out.append(BulkOutcome(comment_id, True, status=done.status.value))
    return out


# -- thread actions -------------------------------------------------------------------------


def _thread_target(
    ctx: ServiceContext, actor: Actor | None, thread_id: int
) -> tuple[Thread, Site, Actor]:
    with ctx.store.reading() as db:
        thread = db.get_thread_by_id(thread_id)
        site = db.get_site_by_id(thread.site_id) if thread else None
    permissions.require_actor(actor)
    if thread is None or site is None:
        raise NotFound(f"There is no thread {thread_id}.", code="thread_not_found")
    return thread, site, permissions.check_can_moderate(actor, site.id)


@dataclass(frozen=True, slots=True)
class ThreadState:
    """A thread as its tools show it."""

    thread: Thread
    site: Site
    premoderated: bool


def thread_state(ctx: ServiceContext, actor: Actor | None, thread_id: int) -> ThreadState:
    thread, site, _ = _thread_target(ctx, actor, thread_id)
    with ctx.store.reading() as db:
        premoderated = db.thread_premoderated(thread_id)
    return ThreadState(thread, site, premoderated)


def find_thread(ctx: ServiceContext, actor: Actor | None, site_slug: str, key: str) -> int:
    """The id of a site's thread named by its key (the queues' thread filter)."""
    permissions.require_actor(actor)
    missing = NotFound(f"There is no thread {key!r} on your sites.", code="thread_not_found")
    try:
        site = get_site(ctx, site_slug)
        permissions.check_can_moderate(actor, site.id)
    except NotFound:
        raise missing from None
    with ctx.store.reading() as db:
        thread = db.get_thread(site.id, key) if "\x00" not in key else None
    if thread is None:
        raise missing
    return thread.id


def set_thread_closed(
    ctx: ServiceContext, actor: Actor | None, thread_id: int, closed: bool, reason: str = ""
) -> Thread:
    _, site, who = _thread_target(ctx, actor, thread_id)
    why = clean_reason(reason)

    def job(db: Gateway) -> Thread:
        current = db.get_thread_by_id(thread_id)
        assert current is not None
        db.set_thread_closed(thread_id, closed)
        if closed != current.closed:
            event = webhook_events.WebhookEvent
            webhook_events.record(
                db,
                site,
                event.THREAD_CLOSED if closed else event.THREAD_REOPENED,
                ctx.clock(),
                thread_id=thread_id,
            )
        audit_action(
            db,
            ctx,
            who,
            site.id,
            "close_thread" if closed else "reopen_thread",
            ("thread", thread_id),
            {"closed": current.closed},
            {"closed": closed},
            why,
        )
        updated = db.get_thread_by_id(thread_id)
        assert updated is not None
        return updated

    updated = ctx.store.write(job)
    ctx.bus.publish(ThreadModerated(site.slug, updated.key, updated.id, updated.version))
    return updated


def set_thread_premoderated(
    ctx: ServiceContext, actor: Actor | None, thread_id: int, on: bool, reason: str = ""
) -> Thread:
    thread, site, who = _thread_target(ctx, actor, thread_id)
    why = clean_reason(reason)

    def job(db: Gateway) -> None:
        before = db.thread_premoderated(thread_id)
        db.set_thread_premoderated(thread_id, on)
        audit_action(
            db,
            ctx,
            who,
            site.id,
            "premoderate_thread" if on else "unpremoderate_thread",
            ("thread", thread_id),
            {"premoderated": before},
            {"premoderated": on},
            why,
        )

    ctx.store.write(job)
    return thread


def moderate_thread(
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: int,
    *,
    closed: bool | None = None,
    premoderated: bool | None = None,
    reason: str = "",
) -> Thread:
    """Thread tools in one call: close/reopen, pre-moderate or not; the thread as it is now."""
    thread, _, _ = _thread_target(ctx, actor, thread_id)
    if closed is not None:
        thread = set_thread_closed(ctx, actor, thread_id, closed, reason)
    if premoderated is not None:
        set_thread_premoderated(ctx, actor, thread_id, premoderated, reason)
    return thread
