"""Domain objects → response structs."""

from __future__ import annotations

from datetime import datetime

from msgspec import structs

from threadline.api.schemas import AuthorOut, CommentOut, OwnCommentOut, ThreadOut
from threadline.domain.models import Comment, CommentStatus, Site, Thread


def comment_out(c: Comment) -> CommentOut:
    deleted = c.deleted
    return CommentOut(
        id=c.id,
        parent_id=c.parent_id,
        depth=c.depth,
        author=None if deleted else AuthorOut(c.author.name, c.author.website, c.verified),
        html="" if deleted else c.html,
        created_at=c.created_at,
        edited_at=c.edited_at,
        score=c.score,
        upvotes=c.upvotes,
        downvotes=c.downvotes,
        reply_count=c.reply_count,
        deleted=deleted,
        status=c.status.value,
        # Only a comment on the page is a pick: a placeholder or a held one shows no badge.
        featured=c.featured and c.status is CommentStatus.PUBLISHED,
        staff=c.staff and not deleted,
        version=c.version,
    )


def own_comment_out(c: Comment, editable_until: datetime | None) -> OwnCommentOut:
    """The public shape plus what only the comment's proven author may see (POST
    /comments/mine): its Markdown source and when its edit window closes."""
    public = structs.asdict(comment_out(c))  # shallow: `author` stays an AuthorOut
    return OwnCommentOut(**public, source=c.body, editable_until=editable_until)


def thread_out(site: Site, key: str, thread: Thread | None) -> ThreadOut:
    if thread is None:
        return ThreadOut(None, site.slug, key, None, None, False, 0)
    return ThreadOut(
        thread.id,
        site.slug,
        thread.key,
        thread.title,
        thread.url,
        thread.closed,
        thread.comment_count,
    )
