"""Readers' sign-in with the publisher's accounts (docs/sign-in.md): the site's secret
(created, rotated, removed: administrators and the command line, audited without the secret),
tokens minted for trying an integration, and the reader a request's token names.

Verifying a token needs no query: the secret comes with the site's row, which every write
reads anyway. A request without a token costs nothing here.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from threadline.auth import permissions
from threadline.auth.readers import (
    MAX_NAME_LENGTH,
    MAX_SUB_LENGTH,
    Reader,
    is_reader_id,
    sign_reader_token,
    verify_reader_token,
)
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Site
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site
from threadline.service.webhooks import COMMAND_LINE, CommandLine, Manager
from threadline.storage.gateway import Gateway
from threadline.text.checks import clean_email, clean_text

# COMMAND_LINE: whoever runs `threadline site sign-in` acts as an administrator.
__all__ = [
    "COMMAND_LINE",
    "mint_reader_token",
    "new_reader_secret",
    "reader_for",
    "remove_reader_secret",
]

MAX_LIFETIME = timedelta(days=30)


def _who(actor: Manager, site_id: int) -> tuple[int | None, str]:
    """(user id, name) of whoever may change the site's sign-in, for the audit log."""
    if isinstance(actor, CommandLine):
        return None, actor.name
    who = permissions.check_can_change_settings(actor, site_id)
    return who.user.id, who.user.display_name


def _state(site: Site) -> dict[str, Any]:
    """Sign-in as the audit log keeps it: whether it is on, never the secret."""
    return {"sign_in": site.reader_secret is not None}


def _set_secret(
    ctx: ServiceContext, slug: str, actor: Manager, secret: str | None, action: str
) -> None:
    site = get_site(ctx, slug)
    who = _who(actor, site.id)

    def job(db: Gateway) -> None:
        current = db.lock_site(site.id)
        assert current is not None
        if secret is None:
            permissions.check_sign_in_can_end(current)
        updated = db.set_site_reader_secret(site.id, secret)
        db.insert_audit(
            now=ctx.clock(),
            actor_id=who[0],
            actor_name=who[1],
            site_id=site.id,
            action=action,
            target_type="site",
            target_id=str(site.id),
            before=_state(current),
            after=_state(updated),
        )

    ctx.store.write(job)


def new_reader_secret(ctx: ServiceContext, slug: str, actor: Manager) -> str:
    """Create the site's secret, or replace it (tokens signed with the old one stop working
    at once); returns it: the only time it is shown."""
    secret = secrets.token_urlsafe(32)
    _set_secret(ctx, slug, actor, secret, "new_reader_secret")
    return secret


def remove_reader_secret(ctx: ServiceContext, slug: str, actor: Manager) -> None:
    """Turn sign-in off; refused while the site requires it (sign_in_required_on)."""
    _set_secret(ctx, slug, actor, None, "remove_reader_secret")


def mint_reader_token(
    ctx: ServiceContext,
    slug: str,
    sub: str,
    name: str,
    email: str | None = None,
    lifetime: timedelta = timedelta(hours=1),
) -> str:
    """A token as the publisher's server would sign it, for trying an integration (CLI) and
    for the demo newspaper."""
    site = get_site(ctx, slug)
    if site.reader_secret is None:
        raise InvalidInput(
            f"Sign-in is not enabled for {slug!r}; create its secret first with "
            f"'threadline site sign-in {slug} --new-secret'.",
            code="sign_in_not_enabled",
        )
    if not timedelta(seconds=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInput(
            "A token lives from one second to 30 days.", code="invalid_lifetime", field="lifetime"
        )
    # What the server would refuse is refused here, with the reason.
    if not is_reader_id(sub):
        raise InvalidInput(
            f"An account id has 1–{MAX_SUB_LENGTH} printable characters.",
            code="invalid_reader_id",
            field="sub",
        )
    clean_name = clean_text(name, "name", max_length=MAX_NAME_LENGTH, multiline=False)
    now = ctx.clock()
    return sign_reader_token(
        site.reader_secret, site.slug, sub, clean_name, clean_email(email), now + lifetime, now
    )


def reader_for(ctx: ServiceContext, site: Site, token: str | None) -> Reader | None:
    """The signed-in reader a request's token names (401 when it cannot be verified); None
    without a token, at no cost."""
    if token is None:
        return None
    return verify_reader_token(token, site.reader_secret, site.slug, ctx.clock())
