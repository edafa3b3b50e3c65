"""Readers' flags: one per reader identity per comment; enough of them take a published
comment off the page until a moderator looks at it."""

from __future__ import annotations

from dataclasses import dataclass

from threadline.auth import permissions
from threadline.auth.tokens import voter_digest
from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.events import CommentModerated
from threadline.domain.models import CommentStatus
from threadline.domain.moderation import FlagReason
from threadline.service import webhook_events
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.reader_sign_in import reader_for
from threadline.service.votes import clean_reader_id
from threadline.storage.gateway import Gateway
from threadline.text.checks import clean_text

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class FlagResult:
    comment_id: int
    recorded: bool  # False: this reader had flagged the comment already
    held: bool  # the flags took the comment off the page


def flag_comment(
    ctx: ServiceContext,
    comment_id: int,
    reason: str,
    reader: str,
    note: str | None,
    client: ClientInfo,
    reader_token: str | None = None,
) -> FlagResult:
    """Record a reader's flag; a signed-in reader flags as their account (once per comment,
    from any device)."""
    try:
        why = FlagReason(reason)
    except ValueError:
        known = ", ".join(r.value for r in FlagReason)
        raise InvalidInput(
            f"A flag's reason is one of: {known}.", code="invalid_flag_reason", field="reason"
        ) from None
    reader = clean_reader_id(reader, "reader")
    text = (
        clean_text(note, "note", max_length=MAX_NOTE_LENGTH, multiline=True)
        if note and note.strip()
        else None
    )
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        thread = db.get_thread_by_id(comment.thread_id) if comment else None
        site = db.get_site_by_id(thread.site_id) if thread else None
    if comment is None or thread is None or site is None:
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    if comment.status is not CommentStatus.PUBLISHED:
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    signed_in = reader_for(ctx, site, reader_token)
    permissions.check_signed_in_if_required(site, signed_in)
    if signed_in is not None:
        reader = signed_in.author_key
    permissions.check_origin(site, client.origin, client.own_origin)
    ctx.limiter.allow(
        f"flag-ip:{site.id}:{client.ip}",
        site.settings.votes_per_minute_per_ip,
        "flags from your network",
    )
    digest = voter_digest(ctx.secret_key, site.slug, "flag\x00" + reader)
    hold_at = max(1, site.settings.flags_to_hold)
    now = ctx.clock()

    def job(db: Gateway) -> tuple[bool, int | None]:
        current = db.lock_comment(comment_id)
        assert current is not None
        count = db.insert_flag(comment_id, digest, why, text, now)
        if count is None:
            return False, None
        webhook_events.record(
            db,
            site,
            webhook_events.WebhookEvent.COMMENT_FLAGGED,
            now,
            comment_id=comment_id,
            thread_id=thread.id,
        )
        info = db.comment_moderation(comment_id)
        assert info is not None
        unreviewed = count - info.reviewed_flag_count
        if current.status is not CommentStatus.PUBLISHED or unreviewed < hold_at:
            return True, None
        # Held for review; the flags count as seen: the card is in the Pending queue.
        db.set_comment_status(comment_id, CommentStatus.PENDING, None, now)
        webhook_events.record_status(db, site, CommentStatus.PENDING, now, comment_id, thread.id)
        reason_text = f"Flagged by {unreviewed} readers (holds at {hold_at})."
        db.set_moderation_reasons(comment_id, [*info.reasons, reason_text])
        return True, db.bump_version(thread.id, published_delta=-1, comment_id=comment_id)

    recorded, version = ctx.store.write(job)
    if version is not None:
        ctx.bus.publish(CommentModerated(site.slug, thread.key, thread.id, version, comment_id))
    return FlagResult(comment_id, recorded, version is not None)
