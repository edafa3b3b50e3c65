"""A reader's own comments in a thread, in their current state, proven by the edit tokens
their browser kept, or by signing in with the publisher's account (from any device): how an
author still sees a comment that waits for review after a reload (and learns when it was
approved or rejected). Nobody else's comments are ever returned.

Because each one is proven to be the requester's, it comes with what only its author may see:
the Markdown they wrote and when the edit window closes, so that any device can offer Edit
and Delete for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from threadline.auth import permissions
from threadline.auth.tokens import hash_edit_token
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Comment, CommentStatus, Site
from threadline.service.comments import clean_thread_key
from threadline.service.context import ServiceContext
from threadline.service.reader_sign_in import reader_for
from threadline.service.sites import get_site

MAX_TOKENS = 50
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True, slots=True)
class OwnComment:
    """One of the reader's comments (its Markdown source is `comment.body`), and when they can
    no longer edit or delete it: None once the window has closed."""

    comment: Comment
    editable_until: datetime | None


def own_comments(
    ctx: ServiceContext,
    site_slug: str,
    thread: str,
    tokens: Sequence[str],
    reader_token: str | None = None,
) -> list[OwnComment]:
    """The comments of this thread whose edit tokens were sent, and those of the signed-in
    reader, oldest first, each once: published, pending and rejected ones (deleted ones have
    neither token nor reader any more)."""
    if len(tokens) > MAX_TOKENS:
        raise InvalidInput(
            f"Send at most {MAX_TOKENS} edit tokens.", code="too_many_tokens", field="tokens"
        )
    if any(not 1 <= len(t) <= MAX_TOKEN_LENGTH for t in tokens):
        raise InvalidInput(
            f"An edit token has 1–{MAX_TOKEN_LENGTH} characters.",
            code="invalid_token",
            field="tokens",
        )
    site = get_site(ctx, site_slug)
    reader = reader_for(ctx, site, reader_token)
    key = clean_thread_key(thread, site)
    if not tokens and reader is None:
        return []
    with ctx.store.reading() as db:
        found = (
            db.comments_by_token_hashes(site.id, key, [hash_edit_token(t) for t in tokens])
            if tokens
            else []
        )
        if reader is not None:
            known = {c.id for c in found}
            mine = db.comments_by_reader(site.id, key, reader.sub)
            found = sorted([*found, *(c for c in mine if c.id not in known)], key=lambda c: c.id)
        counted = [
            replace(c, reply_count=db.count_visible_replies(c.id))
            if c.status is CommentStatus.PUBLISHED
            else c
            for c in found
        ]
    now = ctx.clock()
    return [OwnComment(c, editable_until(c, site, now)) for c in counted]


def editable_until(comment: Comment, site: Site, now: datetime) -> datetime | None:
    """When the site's edit window closes for this comment, or None when it has closed (or the
    comment is deleted): `permissions.edit_deadline`, the instant up to which a change is
    allowed."""
    closes = permissions.edit_deadline(comment, site)
    return None if comment.deleted or now > closes else closes
