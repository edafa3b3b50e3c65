"""Votes: one per voter identity per comment; casting the same vote again changes nothing."""

from __future__ import annotations

from dataclasses import replace

from threadline.auth import permissions
from threadline.auth.readers import AUTHOR_KEY_PREFIX
from threadline.auth.tokens import voter_digest
from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.events import VoteCast
from threadline.domain.models import Comment, CommentStatus, VoteValue
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.reader_sign_in import reader_for
from threadline.storage.gateway import Gateway

MIN_VOTER_LENGTH = 16
MAX_VOTER_LENGTH = 128


def clean_reader_id(value: str, role: str) -> str:
    """A reader's anonymous id as the widget makes it (for votes, flags, data requests),
    stripped; `role` names it in the error ("voter", "reader")."""
    value = value.strip()
    if not (MIN_VOTER_LENGTH <= len(value) <= MAX_VOTER_LENGTH) or not value.isprintable():
        raise InvalidInput(
            f"The {role} id must be {MIN_VOTER_LENGTH}–{MAX_VOTER_LENGTH} printable characters.",
            code=f"invalid_{role}",
            field=role,
        )
    # A signed-in reader votes and flags as "reader:<account>": an anonymous id spelt like
    # that would stand for the account (change its votes, reach its data).
    if value.startswith(AUTHOR_KEY_PREFIX):
        raise InvalidInput(
            f"The {role} id must not start with {AUTHOR_KEY_PREFIX!r}.",
            code=f"invalid_{role}",
            field=role,
        )
    return value


def cast_vote(
    ctx: ServiceContext,
    comment_id: int,
    value: int,
    voter: str,
    client: ClientInfo,
    reader_token: str | None = None,
) -> Comment:
    """Record a voter's vote; a signed-in reader votes as their account, whatever browser
    id came with it (one vote per account, from any device)."""
    try:
        vote = VoteValue(value)
    except ValueError as exc:
        raise InvalidInput(
            "A vote is 1 (up), -1 (down) or 0 (withdraw).", code="invalid_vote", field="value"
        ) from exc
    voter = clean_reader_id(voter, "voter")
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        thread = db.get_thread_by_id(comment.thread_id) if comment else None
        site = db.get_site_by_id(thread.site_id) if thread else None
    if (
        comment is None
        or thread is None
        or site is None
        or (comment.status is not CommentStatus.PUBLISHED)
    ):
        raise NotFound(f"There is no comment {comment_id}.", code="comment_not_found")
    reader = reader_for(ctx, site, reader_token)
    permissions.check_signed_in_if_required(site, reader)
    if reader is not None:
        voter = reader.author_key
    permissions.check_origin(site, client.origin, client.own_origin)
    ctx.limiter.allow(
        f"vote-ip:{site.id}:{client.ip}",
        site.settings.votes_per_minute_per_ip,
        "votes from your network",
    )
    digest = voter_digest(ctx.secret_key, site.slug, voter)
    now = ctx.clock()

    def job(db: Gateway) -> tuple[Comment, int]:
        current = db.lock_comment(comment_id)  # a concurrent delete is seen, not missed
        assert current is not None
        permissions.check_can_vote(current)
        updated = db.set_vote(comment_id, digest, int(vote), now)
        version = db.bump_version(thread.id, comment_id=comment_id)
        replies = db.count_visible_replies(comment_id)
        return replace(updated, reply_count=replies, version=version), version

    updated, version = ctx.store.write(job)
    ctx.bus.publish(VoteCast(site.slug, thread.key, thread.id, version, comment_id))
    return updated
