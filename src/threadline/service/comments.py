"""Posting, editing, deleting and fetching single comments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from threadline.auth import permissions, readers
from threadline.auth.ratelimit import Check
from threadline.auth.readers import Reader
from threadline.auth.tokens import hash_edit_token, new_edit_token
from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.events import (
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    ReplyPublished,
)
from threadline.domain.keys import MAX_KEY_LENGTH, normalize_thread_key
from threadline.domain.models import (
    Author,
    Comment,
    CommentStatus,
    NewComment,
    Site,
    Thread,
)
from threadline.domain.moderation import Actor
from threadline.domain.tree import placeholder, visible_tree
from threadline.service import pipeline, privacy_texts, webhook_events
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.reader_sign_in import reader_for
from threadline.service.sites import get_site
from threadline.storage.gateway import Gateway
from threadline.text.checks import clean_email, clean_text, clean_url

MAX_NAME_LENGTH = 64
MAX_TITLE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class CommentDraft:
    site: str
    thread: str
    body: str
    # None only with a reader token: a signed-in reader's name and email come from it.
    author: Author | None
    parent_id: int | None = None
    title: str | None = None
    url: str | None = None
    # The author saw the civility nudge and posts anyway (the comment is then held).
    acknowledge_nudge: bool = False
    # Who is signed in to the dashboard in the posting browser, if anyone: a member of the
    # site's newsroom gets a staff badge on the comment.
    actor: Actor | None = None
    # "Email me when someone replies" (needs the author's email), and the language of those
    # mails (a tag such as "de" or "fr-CH"; anything but en/de/fr means English).
    notify_replies: bool = False
    language: str | None = None
    # The `Threadline-Reader` token of a reader signed in with the publisher's account.
    reader_token: str | None = None


@dataclass(frozen=True, slots=True)
class PostedComment:
    comment: Comment
    thread: Thread
    edit_token: str


@dataclass(frozen=True, slots=True)
class CommentInContext:
    comment: Comment
    ancestors: list[Comment]
    thread: Thread
    site: Site


def clean_thread_key(raw: str, site: Site) -> str:
    key = clean_text(raw, "thread key", max_length=MAX_KEY_LENGTH, multiline=False)
    return normalize_thread_key(key, keep_query=site.settings.keep_url_query)


def _clean_author(author: Author) -> Author:
    return Author(
        name=clean_text(author.name, "name", max_length=MAX_NAME_LENGTH, multiline=False),
        email=clean_email(author.email),
        website=clean_url(author.website, "website"),
    )


def _clean_body(body: str, site: Site) -> str:
    return clean_text(body, "comment", max_length=site.settings.max_comment_length, multiline=True)


def _author_of(draft: CommentDraft, reader: Reader | None) -> Author:
    if reader is not None:
        # The publisher vouches for the name and email; the website is the reader's own.
        website = draft.author.website if draft.author is not None else None
        return Author(reader.name, reader.email, clean_url(website, "website"))
    if draft.author is None:
        raise InvalidInput("Give your name to comment.", code="invalid_input", field="author")
    return _clean_author(draft.author)


def post_comment(ctx: ServiceContext, draft: CommentDraft, client: ClientInfo) -> PostedComment:
    site = get_site(ctx, draft.site)
    reader = reader_for(ctx, site, draft.reader_token)
    permissions.check_signed_in_if_required(site, reader)
    key = clean_thread_key(draft.thread, site)
    author = _author_of(draft, reader)
    reader_id = reader.sub if reader is not None else None
    if draft.notify_replies and author.email is None:
        raise InvalidInput(
            "Give your email address to be told about replies.",
            code="email_required_for_notifications",
            field="notify_replies",
        )
    body = _clean_body(draft.body, site)
    title = (
        clean_text(draft.title, "title", max_length=MAX_TITLE_LENGTH, multiline=False)
        if draft.title and draft.title.strip()
        else None
    )
    url = clean_url(draft.url, "url")

    permissions.check_origin(site, client.origin, client.own_origin)
    settings = site.settings
    ctx.limiter.allow_all(
        [
            Check(
                f"post-ip:{site.id}:{client.ip}",
                settings.comments_per_minute_per_ip,
                "comments from your network",
            ),
            Check(
                f"post-author:{site.id}:{readers.key_of(author, reader_id)}",
                settings.comments_per_minute_per_author,
                "comments from you",
            ),
        ]
    )

    now = ctx.clock()
    around = pipeline.surroundings(
        ctx,
        site,
        author,
        body,
        ip=client.ip,
        parent_id=draft.parent_id,
        thread_key=key,
        now=now,
        reader_id=reader_id,
    )
    permissions.check_not_banned(around.ban, now)
    assessment = pipeline.assess(ctx, site, around, acknowledged_nudge=draft.acknowledge_nudge)
    status = assessment.status

    html = ctx.renderer.render(body)  # once, at write time, outside the write transaction
    token = new_edit_token()
    staff = draft.actor if permissions.newsroom_member(draft.actor, site.id) else None
    staff_id = staff.user.id if staff is not None else None

    published = 1 if status is CommentStatus.PUBLISHED else 0

    def job(db: Gateway) -> tuple[Comment, Thread, bool]:
        # Two statements for a new discussion's comment, three for a reply: the parent is
        # kept from changing first (shared: replies to it do not wait for each other), then
        # the thread moves to its next version, then the comment goes in with that version
        # and its moderation record. A failed check rolls the job's savepoint back, the new
        # thread included.
        parent = db.keep_comment(draft.parent_id) if draft.parent_id is not None else None
        thread = db.open_thread_for_comment(site.id, key, title, url, now, published)
        if draft.parent_id is not None:
            if parent is None or parent.thread_id != thread.id:
                raise InvalidInput(
                    "The comment you are replying to is not in this discussion.",
                    code="parent_not_in_thread",
                    field="parent_id",
                )
            permissions.check_can_reply_to(parent)
        permissions.check_can_post(thread)
        permissions.check_not_auto_closed(site, thread, now)
        comment = db.insert_comment(
            NewComment(
                thread_id=thread.id,
                parent_id=draft.parent_id,
                depth=parent.depth + 1 if parent is not None else 0,
                status=status,
                author=author,
                body=body,
                html=html,
                created_at=now,
                edit_token_hash=hash_edit_token(token),
                ip=client.ip,
                user_agent=client.user_agent,
                version=thread.version,
                author_key=around.author_key,
                fingerprint=around.fingerprint,
                decision=assessment.decision,
                reasons=assessment.reasons,
                signals=assessment.signals,
                reader_id=reader_id,
            )
        )
        if staff_id is not None:
            comment = db.set_comment_author_user(comment.id, staff_id)
        if draft.notify_replies:
            db.subscribe_replies(comment.id, privacy_texts.pick_language([draft.language]))
        webhook_events.record_status(db, site, status, now, comment.id, thread.id)
        asked = parent is not None and parent.notify_replies
        if asked and status is CommentStatus.PUBLISHED:
            # The mail is due durably with the reply itself (service/mail_outbox.py sends it);
            # a comment whose parent did not ask costs nothing here.
            db.enqueue_reply_mail(comment.id, now)
        return comment, thread, asked

    comment, thread, parent_asked = ctx.store.write(job)
    ctx.bus.publish(CommentPosted(site.slug, thread.key, thread.id, thread.version, comment.id))
    # Only when the parent's author asked: the cue that wakes the outbox's sender.
    if status is CommentStatus.PUBLISHED and parent_asked:
        ctx.bus.publish(ReplyPublished(site.slug, comment.id))
    if status is CommentStatus.REJECTED:  # kept for the moderators' Rejected queue
        raise InvalidInput(pipeline.REJECTED_MESSAGE, code="comment_rejected", field="body")
    return PostedComment(comment, thread, token)


def _load_owned(ctx: ServiceContext, comment_id: int) -> tuple[Comment, Thread, Site, str | None]:
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        thread = db.get_thread_by_id(comment.thread_id) if comment else None
        site = db.get_site_by_id(thread.site_id) if thread else None
        token_hash = db.edit_token_hash(comment_id) if comment else None
    if comment is None or thread is None or site is None:
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    return comment, thread, site, token_hash


@dataclass(frozen=True)
class _OwnedChange:
    """An edit or delete its author is allowed to make (checked before the transaction)."""

    comment: Comment
    thread: Thread
    site: Site
    reader: Reader | None
    now: datetime

    def recheck(self, db: Gateway, token: str | None) -> Comment:
        """The comment locked in the writing transaction and checked again: a concurrent
        delete of it, which waited for the lock, must win."""
        current = db.lock_comment(self.comment.id)
        assert current is not None
        permissions.check_owner_within_window(
            current, token, db.edit_token_hash(current.id), self.site, self.now, self.reader
        )
        return current


def _authorise_change(
    ctx: ServiceContext,
    comment_id: int,
    token: str | None,
    client: ClientInfo,
    reader_token: str | None,
) -> _OwnedChange:
    """The author's own comment, proven theirs (edit token or sign-in) and inside its edit
    window, from an allowed page; spends one of the address's changes."""
    comment, thread, site, token_hash = _load_owned(ctx, comment_id)
    reader = reader_for(ctx, site, reader_token)
    now = ctx.clock()
    permissions.check_origin(site, client.origin, client.own_origin)
    permissions.check_owner_within_window(comment, token, token_hash, site, now, reader)
    ctx.limiter.allow(
        f"edit-ip:{site.id}:{client.ip}",
        site.settings.comments_per_minute_per_ip * 2,
        "changes from your network",
    )
    return _OwnedChange(comment, thread, site, reader, now)


def edit_comment(
    ctx: ServiceContext,
    comment_id: int,
    body: str,
    token: str | None,
    client: ClientInfo,
    acknowledge_nudge: bool = False,
    reader_token: str | None = None,
) -> Comment:
    """Change a comment's text: its author, by the edit token or signed in (any device)."""
    change = _authorise_change(ctx, comment_id, token, client, reader_token)
    comment, thread, site, now = change.comment, change.thread, change.site, change.now
    clean = _clean_body(body, site)
    around = pipeline.surroundings(
        ctx,
        site,
        comment.author,
        clean,
        ip=client.ip,
        parent_id=comment.parent_id,
        thread_id=thread.id,
        now=now,
        exclude_id=comment_id,
        reader_id=comment.reader_id,
    )
    permissions.check_not_banned(around.ban, now)
    assessment = pipeline.assess(ctx, site, around, acknowledged_nudge=acknowledge_nudge)
    html = ctx.renderer.render(clean)

    def job(db: Gateway) -> tuple[Comment, int]:
        current = change.recheck(db, token)
        updated = db.update_comment_body(comment_id, clean, html, now)
        delta = 0
        # An edit can take a comment off the page (held or rejected), never put one back.
        if assessment.status is not CommentStatus.PUBLISHED and current.status in (
            CommentStatus.PUBLISHED,
            CommentStatus.PENDING,
        ):
            if current.status is CommentStatus.PUBLISHED:
                delta = -1
            if assessment.status is not current.status:
                updated = db.set_comment_status(comment_id, assessment.status, None, now)
                webhook_events.record_status(
                    db, site, assessment.status, now, comment_id, thread.id
                )
        # Findings are replaced unless the comment stays held for its earlier reasons.
        stays_held = current.status is not CommentStatus.PUBLISHED
        if (assessment.decision is not None or assessment.reasons) and not (
            stays_held and assessment.status is CommentStatus.PUBLISHED
        ):
            db.set_comment_moderation(
                comment_id,
                author_key=around.author_key,
                fingerprint=around.fingerprint,
                decision=assessment.decision,
                reasons=assessment.reasons,
                signals=assessment.signals,
            )
        version = db.bump_version(thread.id, published_delta=delta, comment_id=comment_id)
        webhook_events.record(
            db,
            site,
            webhook_events.WebhookEvent.COMMENT_EDITED,
            now,
            comment_id=comment_id,
            thread_id=thread.id,
        )
        replies = db.count_visible_replies(comment_id)
        return replace(updated, reply_count=replies, version=version), version

    updated, version = ctx.store.write(job)
    ctx.bus.publish(CommentEdited(site.slug, thread.key, thread.id, version, comment_id))
    return updated


def delete_comment(
    ctx: ServiceContext,
    comment_id: int,
    token: str | None,
    client: ClientInfo,
    reader_token: str | None = None,
) -> None:
    """Delete a comment: its author, by the edit token or signed in (any device)."""
    change = _authorise_change(ctx, comment_id, token, client, reader_token)
    thread, site, now = change.thread, change.site, change.now

    def job(db: Gateway) -> int:
        current = change.recheck(db, token)
        was_published = current.status is CommentStatus.PUBLISHED
        db.mark_deleted(comment_id, now)
        webhook_events.record_status(db, site, CommentStatus.DELETED, now, comment_id, thread.id)
        return db.bump_version(
            thread.id, published_delta=-1 if was_published else 0, comment_id=comment_id
        )

    version = ctx.store.write(job)
    ctx.bus.publish(CommentDeleted(site.slug, thread.key, thread.id, version, comment_id))


def get_comment_in_context(ctx: ServiceContext, comment_id: int) -> CommentInContext:
    """A published comment with its ancestors (removed ones as placeholders), for permalinks.

    Reply counts come from the same tree logic as thread pages, so both always agree.
    """
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        if comment is None or comment.status is not CommentStatus.PUBLISHED:
            raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
        thread = db.get_thread_by_id(comment.thread_id)
        site = db.get_site_by_id(thread.site_id) if thread else None
        ancestors = db.ancestors(comment_id)
        # Visibility needs the whole tree's shape, not its text.
        children = visible_tree(db.thread_comment_shapes(comment.thread_id))
    assert thread is not None and site is not None

    def shown(c: Comment) -> Comment:
        visible = c if c.status is CommentStatus.PUBLISHED else placeholder(c)
        return replace(visible, reply_count=len(children.get(c.id, [])))

    return CommentInContext(shown(comment), [shown(a) for a in ancestors], thread, site)
