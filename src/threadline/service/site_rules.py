"""A site's rules as the desk keeps them: its settings (every policy and limit), its own word
lists, and the bans in force (with lifting one).

Access is decided by auth/permissions.py (moderators of the site see everything here, keep
its word lists and lift its bans; administrators also change its settings). Every change is
one write job that reads the site under a lock, writes it and records the audit entry
(who, before → after, why) in the same transaction. The posting pipeline reads the site
afresh for every comment, so a change applies from the next comment on, on every instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from threadline.auth import permissions
from threadline.domain.errors import Conflict, InvalidInput, NotFound
from threadline.domain.models import Site, SiteSettings
from threadline.domain.moderation import Actor, Ban
from threadline.moderation.wordlists import entry_problem, packaged_size
from threadline.service.context import ServiceContext
from threadline.service.moderation import audit_action, clean_reason
from threadline.service.sites import get_site, parse_setting
from threadline.storage.gateway import Gateway

WORD_LISTS = ("banned", "suspect")
MAX_SITE_WORDS = 1000  # entries per list and site
MAX_BANS_SHOWN = 500


@dataclass(frozen=True, slots=True)
class SiteRules:
    """A site's settings and word lists, and what the person looking may change."""

    site: Site
    can_change_settings: bool
    packaged_banned: int  # entries of the packaged lists, which a site's lists add to
    packaged_suspect: int


@dataclass(frozen=True, slots=True)
class BanListing:
    ban: Ban
    banned_by: str | None  # the moderator's display name; None when no one signed in did


class SettingsInvalid(InvalidInput):
    """Every refused setting with why, so a form can show each beside its field."""

    def __init__(self, errors: Mapping[str, str], code: str = "invalid_setting") -> None:
        self.errors = dict(errors)
        message = "Settings refused: " + " ".join(self.errors.values())
        super().__init__(message, code, next(iter(errors)))


def _site_for(
    ctx: ServiceContext,
    actor: Actor | None,
    slug: str,
    check: Callable[[Actor | None, int], Actor],
) -> tuple[Site, Actor]:
    """The site and the actor allowed by `check`; a site one may not see is not found, in
    the same words as one that does not exist (moderators of other sites learn nothing)."""
    permissions.require_actor(actor)
    try:
        site = get_site(ctx, slug)
        who = check(actor, site.id)
    except NotFound:
        raise NotFound(
            f"There is no site {slug!r} among the sites you moderate.", code="site_not_found"
        ) from None
    return site, who


def site_rules(ctx: ServiceContext, actor: Actor | None, slug: str) -> SiteRules:
    site, who = _site_for(ctx, actor, slug, permissions.check_can_view_site_rules)
    return SiteRules(
        site,
        permissions.may_change_settings(who, site.id),
        packaged_size("banned"),
        packaged_size("suspect"),
    )


def sites_to_keep(ctx: ServiceContext, actor: Actor | None) -> list[Site]:
    """The sites whose rules the actor sees (every site for admins)."""
    ids = permissions.moderated_site_ids(actor)
    with ctx.store.reading() as db:
        sites = db.list_sites()
    return [s for s in sites if ids is None or s.id in ids]


# -- settings -------------------------------------------------------------------------------


def typed_settings(changes: Mapping[str, str]) -> dict[str, Any]:
    """Settings from text (forms, CLI), typed and bounded per field; every refused one is
    reported at once (SettingsInvalid)."""
    typed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in changes.items():
        try:
            typed[name] = parse_setting(name, raw)
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise SettingsInvalid(errors)
    return typed


def change_settings(
    ctx: ServiceContext,
    actor: Actor | None,
    slug: str,
    changes: Mapping[str, str],
    reason: str = "",
) -> Site:
    """Change some of a site's settings (values as text, typed per field). Only the fields
    whose value differs are written and audited; nothing differing writes nothing."""
    site, who = _site_for(ctx, actor, slug, permissions.check_can_change_settings)
    why = clean_reason(reason)
    typed = typed_settings(changes)

    def job(db: Gateway) -> Site:
        current = db.lock_site(site.id)
        assert current is not None
        was = asdict(current.settings)
        changed = {k: v for k, v in typed.items() if was[k] != v}
        if not changed:
            return current
        settings = replace(current.settings, **changed)
        try:  # against the site as locked: a secret removed meanwhile is seen
            permissions.check_sign_in_settings(current, settings)
        except InvalidInput as exc:
            field = exc.field or "sign_in_required"
            raise SettingsInvalid({field: exc.message}, exc.code) from None
        updated = db.set_site_settings(site.id, settings)
        audit_action(
            db,
            ctx,
            who,
            site.id,
            "change_settings",
            ("site", site.id),
            {k: was[k] for k in changed},
            changed,
            why,
        )
        return updated

    return ctx.store.write(job)


def settings_as_text(settings: SiteSettings) -> dict[str, str]:
    """Each setting as a form shows it (booleans as on/off)."""
    out = {}
    for f in fields(SiteSettings):
        value = getattr(settings, f.name)
        out[f.name] = ("on" if value else "off") if isinstance(value, bool) else str(value)
    return out


# -- word lists -----------------------------------------------------------------------------


def clean_word_list(entries: Iterable[str], list_name: str) -> tuple[str, ...]:
    """A site's list as given: entries trimmed, blank ones dropped, repeats (ignoring case)
    kept once, each checked to be matchable; at most MAX_SITE_WORDS."""
    kept: dict[str, str] = {}
    for raw in entries:
        entry = " ".join(raw.split())
        if not entry:
            continue
        problem = entry_problem(entry)
        if problem:
            raise InvalidInput(
                f"Cannot use {entry!r}: {problem}", code="invalid_word", field=list_name
            )
        kept.setdefault(entry.casefold(), entry)
    if len(kept) > MAX_SITE_WORDS:
        raise InvalidInput(
            f"A site's {list_name} list has at most {MAX_SITE_WORDS} entries.",
            code="too_many_words",
            field=list_name,
        )
    return tuple(kept.values())


def set_word_lists(
    ctx: ServiceContext,
    actor: Actor | None,
    slug: str,
    *,
    banned: Sequence[str] | None = None,
    suspect: Sequence[str] | None = None,
    reason: str = "",
) -> Site:
    """Replace a site's own banned and/or suspect words (None keeps that list)."""
    site, who = _site_for(ctx, actor, slug, permissions.check_can_edit_word_lists)
    why = clean_reason(reason)
    given = {
        name: clean_word_list(entries, name)
        for name, entries in (("banned", banned), ("suspect", suspect))
        if entries is not None
    }

    def job(db: Gateway) -> Site:
        current = db.lock_site(site.id)
        assert current is not None
        was = current.word_lists
        changed = {k: v for k, v in given.items() if getattr(was, k) != v}
        if not changed:
            return current
        updated = db.set_site_word_lists(site.id, replace(was, **changed))
        audit_action(
            db,
            ctx,
            who,
            site.id,
            "change_word_lists",
            ("site", site.id),
            {k: list(getattr(was, k)) for k in changed},
            {k: list(v) for k, v in changed.items()},
            why,
        )
        return updated

    return ctx.store.write(job)


# -- bans -----------------------------------------------------------------------------------


def active_bans(ctx: ServiceContext, actor: Actor | None, slug: str) -> list[BanListing]:
    """The site's bans in force, newest first, with who imposed each."""
    site, _ = _site_for(ctx, actor, slug, permissions.check_can_view_site_rules)
    with ctx.store.reading() as db:
        rows = db.active_bans(site.id, ctx.clock(), limit=MAX_BANS_SHOWN)
    return [BanListing(ban, by) for ban, by in rows]


def lift_ban(ctx: ServiceContext, actor: Actor | None, ban_id: int, reason: str = "") -> Ban:
    """End a ban early; the author may comment again from their next comment on."""
    permissions.require_actor(actor)
    with ctx.store.reading() as db:
        ban = db.get_ban(ban_id)
    missing = NotFound(f"There is no ban {ban_id} on the sites you moderate.", "ban_not_found")
    if ban is None:
        raise missing
    try:
        who = permissions.check_can_lift_ban(actor, ban.site_id)
    except NotFound:
        raise missing from None
    why = clean_reason(reason)
    now = ctx.clock()

    def job(db: Gateway) -> Ban:
        lifted = db.lift_ban(ban_id, now) if ban.active(now) else None
        if lifted is None:
            raise Conflict("This ban is no longer in force.", code="ban_not_active")
        audit_action(
            db,
            ctx,
            who,
            ban.site_id,
            "lift_ban",
            ("ban", ban_id),
            {"author": ban.author_key, "ends_at": _iso(ban.ends_at), "lifted": False},
            {"author": ban.author_key, "ends_at": _iso(ban.ends_at), "lifted": True},
            why,
        )
        return lifted

    return ctx.store.write(job)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
