"""Every access decision, in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from threadline.auth.readers import Reader
from threadline.auth.sessions import csrf_matches
from threadline.auth.tokens import token_matches
from threadline.domain.errors import AuthRequired, Conflict, Forbidden, InvalidInput, NotFound
from threadline.domain.models import Comment, CommentStatus, Site, SiteSettings, Thread
from threadline.domain.moderation import Actor, Ban, Role


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
    comment: Comment,
    token: str | None,
    token_hash: str | None,
    site: Site,
    now: datetime,
    reader: Reader | None = None,
) -> None:
    """The author may change their own comment inside the window, proven by its edit token,
    or (from any device) by signing in as the reader who wrote it."""
    if not token and reader is None:
        raise AuthRequired("Send the comment's edit token as 'Authorization: Bearer <token>'.")
    if comment.status is CommentStatus.DELETED:
        raise Conflict("This comment has been deleted.", code="comment_deleted")
    by_reader = reader is not None and comment.reader_id == reader.sub
    if not by_reader and not (token and token_matches(token, token_hash)):
        if reader is not None:
            raise _not_yours()
        raise Forbidden("The edit token does not match this comment.", code="invalid_edit_token")
    if now > edit_deadline(comment, site):
        minutes = site.settings.edit_window_seconds // 60
        raise Forbidden(
            f"Comments can only be changed within {minutes} minutes of posting.",
            code="edit_window_closed",
        )


def edit_deadline(comment: Comment, site: Site) -> datetime:
    """The last instant the author may still change the comment (the site's edit window)."""
    return comment.created_at + timedelta(seconds=site.settings.edit_window_seconds)


def _not_yours() -> Forbidden:
    return Forbidden(
        "This comment was not written by the reader you are signed in as.",
        code="not_your_comment",
    )


# -- readers signed in with the publisher's accounts (docs/sign-in.md) ------------------------


def check_signed_in_if_required(site: Site, reader: Reader | None) -> None:
    """Posting, voting and flagging on a site that takes signed-in readers only."""
    if reader is None and site.settings.sign_in_required:
        raise AuthRequired(
            "Only signed-in readers can take part in this discussion. Please sign in.",
            code="sign_in_required",
        )


def check_sign_in_settings(site: Site, settings: SiteSettings) -> None:
    """Requiring sign-in needs the site's secret: without it nobody could take part."""
    if settings.sign_in_required and site.reader_secret is None:
        raise InvalidInput(
            f"Readers cannot sign in to {site.slug!r} yet, so sign-in cannot be required; "
            f"create the site's secret first with 'threadline site sign-in {site.slug} "
            "--new-secret'.",
            code="sign_in_not_enabled",
            field="sign_in_required",
        )


def check_sign_in_can_end(site: Site) -> None:
    """The secret stays while sign-in is required: removing it would lock every reader out."""
    if site.settings.sign_in_required:
        raise InvalidInput(
            f"The site {site.slug!r} requires sign-in; turn sign_in_required off before "
            "removing its secret.",
            code="sign_in_required_on",
        )


def check_can_vote(comment: Comment) -> None:
    if comment.status is not CommentStatus.PUBLISHED:
        raise Conflict("Only published comments can be voted on.", code="comment_unavailable")


# -- the moderation pipeline ----------------------------------------------------------------


def check_not_banned(ban: Ban | None, now: datetime) -> None:
    if ban is None or not ban.active(now):
        return
    until = f" until {ban.ends_at:%Y-%m-%d %H:%M} UTC" if ban.ends_at else ""
    raise Forbidden(
        f"You cannot comment on this site{until}: your account has been banned.",
        code="author_banned",
    )


def check_not_auto_closed(site: Site, thread: Thread, now: datetime) -> None:
    days = site.settings.auto_close_days
    if days > 0 and now - thread.created_at >= timedelta(days=days):
        raise Forbidden(
            f"This discussion closed {days} days after it started.", code="thread_closed"
        )


# -- the moderation desk --------------------------------------------------------------------


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise AuthRequired("Sign in as a moderator to do this.")
    return actor


def moderated_site_ids(actor: Actor | None) -> list[int] | None:
    """The sites whose queues the actor may see: None means every site (admins)."""
    who = require_actor(actor)
    if who.is_admin:
        return None
    ids = sorted({g.site_id for g in who.grants if g.role is Role.MODERATOR and g.site_id})
    if not ids:
        raise Forbidden("Only moderators may use the moderation desk.", code="not_a_moderator")
    return ids


def check_can_moderate(actor: Actor | None, site_id: int) -> Actor:
    """Approve, reject, ban, close threads: admins, and moderators of that site."""
    who = require_actor(actor)
    if who.is_admin or who.has(Role.MODERATOR, site_id):
        return who
    # Not "forbidden": a moderator of another site is not told that this one exists.
    raise NotFound("There is no such comment or thread on your sites.", code="not_found")


def newsroom_member(actor: Actor | None, site_id: int) -> bool:
    """Comments this person writes carry a staff badge: the site's staff, moderators, admins."""
    if actor is None:
        return False
    return actor.is_admin or actor.has(Role.MODERATOR, site_id) or actor.has(Role.STAFF, site_id)


def check_can_feature(actor: Actor | None, site_id: int) -> Actor:
    """Editor's picks: moderators of the site, and its staff (journalists)."""
    who = require_actor(actor)
    if who.is_admin or who.has(Role.MODERATOR, site_id) or who.has(Role.STAFF, site_id):
        return who
    raise NotFound("There is no such comment or thread on your sites.", code="not_found")


# A site's rules (dashboard settings page, moderator API): the site's moderators see them,
# keep its word lists and lift its bans, as they do the daily desk work; the policies and
# limits themselves (pre-moderation, thresholds, edit window, rate limits …) change the
# experience of every reader of the site, so only administrators change them.


def check_can_view_site_rules(actor: Actor | None, site_id: int) -> Actor:
    """A site's settings, word lists and bans: admins, and moderators of that site."""
    return check_can_moderate(actor, site_id)


def check_can_change_settings(actor: Actor | None, site_id: int) -> Actor:
    """A site's policies and limits: administrators only (its moderators see them)."""
    who = check_can_view_site_rules(actor, site_id)
    if not who.is_admin:
        raise Forbidden(
            "Only administrators may change a site's settings; ask one to.",
            code="not_an_admin",
        )
    return who


def check_can_edit_word_lists(actor: Actor | None, site_id: int) -> Actor:
    """A site's own banned and suspect words: admins, and moderators of that site."""
    return check_can_moderate(actor, site_id)


def check_can_lift_ban(actor: Actor | None, site_id: int) -> Actor:
    """Whoever may ban an author from a site may lift the ban."""
    return check_can_moderate(actor, site_id)


def may_change_settings(actor: Actor, site_id: int) -> bool:
    """For pages: whether to offer the settings form (the check above still decides)."""
    try:
        check_can_change_settings(actor, site_id)
    except (AuthRequired, Forbidden, NotFound):
        return False
    return True


def check_is_admin(actor: Actor | None) -> Actor:
    who = require_actor(actor)
    if not who.is_admin:
        raise Forbidden("Only administrators may do this.", code="not_an_admin")
    return who


def check_can_export(actor: Actor | None) -> Actor:
    """A site's whole export (every comment with its author's email and address, in the
    import/export format): administrators only. A site's moderators see comments one at a
    time for the desk work; a bulk copy of readers' personal data is not part of it."""
    who = require_actor(actor)
    if not who.is_admin:
        raise Forbidden("Only administrators may export a site's comments.", code="not_an_admin")
    return who


def check_can_manage_webhooks(actor: Actor | None) -> Actor:
    """A site's webhooks (add, list, pause, remove, test, their deliveries): administrators
    only. A webhook carries a secret and sends the site's comments to another system, held
    and rejected ones included: a site's moderators do not decide where those go."""
    who = require_actor(actor)
    if not who.is_admin:
        raise Forbidden("Only administrators may manage webhooks.", code="not_an_admin")
    return who


def check_csrf(secret_key: str, session_hash: str, given: str | None) -> None:
    """Every state-changing request of a signed-in person carries the session's CSRF token."""
    if not csrf_matches(secret_key, session_hash, given):
        raise Forbidden(
            "The request's CSRF token is missing or wrong; reload the page and try again.",
            code="csrf_failed",
        )


def check_same_origin(origin: str | None, own_origin: str | None) -> None:
    """The moderation desk is used from our own pages only (cookies ride along otherwise).

    Hosts are compared, not schemes: behind a TLS-terminating proxy the browser says https
    where the server sees http; another site cannot send our host as its Origin."""
    if origin is None:
        return
    if own_origin is None or origin.partition("://")[2] != own_origin.partition("://")[2]:
        raise Forbidden(
            "The moderation API only answers pages of this server.", code="origin_not_allowed"
        )
