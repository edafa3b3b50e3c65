"""The use cases of readers' sign-in (service/reader_sign_in.py): who may change a site's
secret, what the audit log keeps of it, and the tokens minted for trying an integration; and
the edit deadline a reader's own comments carry to any device (service/own_comments.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.conftest import Clock
from tests.service.conftest import post
from threadline.auth import permissions
from threadline.auth.readers import Reader, verify_reader_token
from threadline.auth.tokens import hash_edit_token
from threadline.domain.errors import AuthRequired, Forbidden, InvalidInput, NotFound
from threadline.domain.models import CommentStatus, Site
from threadline.domain.moderation import Actor
from threadline.service import own_comments, reader_sign_in
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site


def test_admins_and_the_command_line_change_the_secret_moderators_do_not(
    ctx: ServiceContext, site: Site, people: dict[str, Actor]
) -> None:
    for who, refused in (
        (people["mod"], Forbidden),
        (people["staff"], NotFound),
        (people["other_mod"], NotFound),
        (None, AuthRequired),
    ):
        with pytest.raises(refused):
            reader_sign_in.new_reader_secret(ctx, "demo", who)
    assert get_site(ctx, "demo").reader_secret is None

    by_admin = reader_sign_in.new_reader_secret(ctx, "demo", people["admin"])
    by_cli = reader_sign_in.new_reader_secret(ctx, "demo", reader_sign_in.COMMAND_LINE)
    assert by_admin != by_cli and len(by_cli) >= 43
    assert get_site(ctx, "demo").reader_secret == by_cli
    reader_sign_in.remove_reader_secret(ctx, "demo", people["admin"])
    assert get_site(ctx, "demo").reader_secret is None

    with ctx.store.reading() as db:
        entries = db.audit_entries(None, limit=10)
    assert [(e.action, e.actor_name, e.before, e.after) for e in reversed(entries)] == [
        ("new_reader_secret", "Boss", {"sign_in": False}, {"sign_in": True}),
        ("new_reader_secret", "command line", {"sign_in": True}, {"sign_in": True}),
        ("remove_reader_secret", "Boss", {"sign_in": True}, {"sign_in": False}),
    ]
    assert all(by_admin not in str(e) and by_cli not in str(e) for e in entries)


def test_minted_tokens_verify_and_expire(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    with pytest.raises(InvalidInput) as caught:
        reader_sign_in.mint_reader_token(ctx, "demo", "acct-1", "Ada")
    assert caught.value.code == "sign_in_not_enabled"
    secret = reader_sign_in.new_reader_secret(ctx, "demo", reader_sign_in.COMMAND_LINE)
    token = reader_sign_in.mint_reader_token(
        ctx, "demo", "acct-1", " Ada ", "ADA@example.com", timedelta(minutes=10)
    )
    assert verify_reader_token(token, secret, "demo", clock.now) == Reader(
        "acct-1", "Ada", "ada@example.com"
    )
    assert reader_sign_in.reader_for(ctx, site, None) is None
    clock.advance(minutes=12)
    with pytest.raises(AuthRequired) as expired:
        reader_sign_in.reader_for(ctx, get_site(ctx, "demo"), token)
    assert expired.value.code == "reader_token_expired"
    for bad in ({"lifetime": timedelta(days=31)}, {"lifetime": timedelta(0)}):
        with pytest.raises(InvalidInput):
            reader_sign_in.mint_reader_token(ctx, "demo", "acct-1", "Ada", **bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        reader_sign_in.mint_reader_token(ctx, "demo", "x" * 129, "Ada")


def test_the_edit_deadline_agrees_with_the_permission_to_edit(
    ctx: ServiceContext, site: Site
) -> None:
    """What `mine` promises the widget is what PATCH/DELETE then allow, to the microsecond."""
    posted = post(ctx, "Mine to change.")
    comment, token = posted.comment, posted.edit_token
    window = timedelta(seconds=site.settings.edit_window_seconds)
    one = timedelta(microseconds=1)
    for after in (timedelta(0), window - one, window, window + one, window * 2):
        now = comment.created_at + after
        until = own_comments.editable_until(comment, site, now)
        try:
            permissions.check_owner_within_window(comment, token, hash_edit_token(token), site, now)
            allowed = True
        except Forbidden as refused:
            assert refused.code == "edit_window_closed"
            allowed = False
        assert allowed is (until is not None), after
        assert until in (None, comment.created_at + window)
    deleted = replace(comment, status=CommentStatus.DELETED)
    assert own_comments.editable_until(deleted, site, comment.created_at) is None
