"""Every access decision, in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from threadline.auth.tokens import token_matches
from threadline.domain.errors import AuthRequired, Conflict, Forbidden
from threadline.domain.models import Comment, CommentStatus, Site, Thread


def check_origin(site: Site, origin: str | None, own_origin: str | None) -> None:
    """Browsers send Origin on writes: only the site's own pages (or ours) may write to it.
    Requests without Origin come from non-browser clients, which CSRF cannot abuse."""
    if origin is None:
        return
    if origin == own_origin or origin in site.origins:
        return
    raise Forbidden(
        f"Pages on {origin} may not post to the site {site.slug!r}; "
        "add the origin to the site's allowed origins.",
        code="origin_not_allowed",
    )


def check_can_post(thread: Thread) -> None:
    if thread.closed:
        raise Forbidden("This discussion is closed to new comments.", code="thread_closed")


def check_can_reply_to(parent: Comment) -> None:
    if parent.status is not CommentStatus.PUBLISHED:
        raise Conflict(
            "The comment you are replying to is no longer available.", code="parent_unavailable"
        )


def check_owner_within_window(
    comment: Comment, token: str | None, token_hash: str | None, site: Site, now: datetime
) -> None:
    """The author may change their own comment, proven by its edit token, inside the window."""
    if not token:
        raise AuthRequired("Send the comment's edit token as 'Authorization: Bearer <token>'.")
    if comment.status is CommentStatus.DELETED:
        raise Conflict("This comment has been deleted.", code="comment_deleted")
    if not token_matches(token, token_hash):
        raise Forbidden("The edit token does not match this comment.", code="invalid_edit_token")
    window = timedelta(seconds=site.settings.edit_window_seconds)
    if now - comment.created_at > window:
        minutes = site.settings.edit_window_seconds // 60
        raise Forbidden(
            f"Comments can only be changed within {minutes} minutes of posting.",
            code="edit_window_closed",
        )


def check_can_vote(comment: Comment) -> None:
    if comment.status is not CommentStatus.PUBLISHED:
        raise Conflict("Only published comments can be voted on.", code="comment_unavailable")
