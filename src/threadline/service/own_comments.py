"""A reader's own comments in a thread, in their current state, proven by the edit tokens
their browser kept: how an author still sees a comment that waits for review after a reload
(and learns when it was approved or rejected). Nobody else's comments are ever returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from threadline.auth.tokens import hash_edit_token
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Comment, CommentStatus
from threadline.service.comments import clean_thread_key
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site

MAX_TOKENS = 50
MAX_TOKEN_LENGTH = 128


def own_comments(
    ctx: ServiceContext, site_slug: str, thread: str, tokens: Sequence[str]
) -> list[Comment]:
    """The comments of this thread whose edit tokens were sent, oldest first: published,
    pending and rejected ones (deleted ones have no token any more)."""
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
    key = clean_thread_key(thread, site)
    if not tokens:
        return []
    with ctx.store.reading() as db:
        found = db.comments_by_token_hashes(site.id, key, [hash_edit_token(t) for t in tokens])
        return [
            replace(c, reply_count=db.count_visible_replies(c.id))
            if c.status is CommentStatus.PUBLISHED
            else c
            for c in found
        ]
