"""Desk alerts: moderators and admins may ask, per site they moderate, to be mailed about
comments newly held for review or reported by readers — "as they come" (at most one mail per
`batch_minutes`), as an hourly or a daily digest, or not at all (the default).

Each wish is a row holding its high-water mark (`since_at`) and the earliest time of the next
alert (`next_at`). A background sweep (app.py) claims the wishes that are due with a lease,
so several processes never send the same alert; what an alert lists lies in the window
(since_at, cutoff], and the mark moves to the cutoff only once the mail server accepted the
mail: a restart neither loses nor repeats an alert, a failed mail is retried with what came
since. The cutoff stays SETTLE behind the clock: a write reads its time before it commits, so
a comment stamped just before a sweep may commit just after it.

Who may moderate the site is checked again at every alert: someone whose role was removed
(or whose account was disabled) gets nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from threadline.auth import permissions
from threadline.domain.errors import InvalidInput, NotFound, ThreadlineError
from threadline.domain.models import Site
from threadline.domain.moderation import Actor
from threadline.notify.mail import Mailer
from threadline.service import desk_alert_mail
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site
from threadline.storage.alert_queries import AlertWish, ClaimedAlert

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
RETRY_AFTER = timedelta(minutes=5)
LISTED = 20  # comments listed per kind in one mail; the rest are counted
BATCH = 50


class Every(enum.StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"  # as they come, batched
    HOURLY = "hourly"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class AlertSchedule:
    """When alerts may go (from the settings desk_alert_batch_minutes and _daily_hour)."""

    batch_minutes: int = 10
    daily_hour: int = 7

    def next_after(self, every: Every, now: datetime) -> datetime:
        """The earliest moment the alert after one at `now` may go."""
        if every is Every.HOURLY:
            return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if every is Every.DAILY:
            hour = min(max(self.daily_hour, 0), 23)
            today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
            return today if today > now else today + timedelta(days=1)
        return now + timedelta(minutes=max(self.batch_minutes, 0))

    def first(self, every: Every, now: datetime) -> datetime:
        """When a newly chosen wish may first send: at once, or at the digest's next time."""
        return now if every is Every.IMMEDIATE else self.next_after(every, now)


@dataclass(frozen=True, slots=True)
class SiteAlert:
    """A site the user may moderate, and how often they are alerted about it."""

    site: Site
    every: Every


# -- preferences -----------------------------------------------------------------------------


def parse_every(value: str) -> Every:
    try:
        return Every(value.strip().lower())
    except ValueError:
        known = ", ".join(e.value for e in Every)
        raise InvalidInput(
            f"Alerts come one of: {known}.", code="invalid_alert_frequency", field="every"
        ) from None


def _may_moderate(actor: Actor, site_id: int) -> bool:
    try:
        permissions.check_can_moderate(actor, site_id)
    except ThreadlineError:
        return False
    return True


def alert_sites(ctx: ServiceContext, actor: Actor | None) -> list[SiteAlert]:
    """Every site the actor may moderate (admins: every site), with their wish for it."""
    who = permissions.require_actor(actor)
    with ctx.store.reading() as db:
        sites = db.list_sites()
        wishes = {w.site_id: w for w in db.desk_alerts_of(who.user.id)}
    return [
        SiteAlert(s, Every(wishes[s.id].every) if s.id in wishes else Every.OFF)
        for s in sites
        if _may_moderate(who, s.id)
    ]


def set_alert(
    ctx: ServiceContext,
    actor: Actor | None,
    site_slug: str,
    every: str,
    schedule: AlertSchedule,
) -> Every:
    """Choose how often the actor hears about a site they moderate."""
    chosen = parse_every(every)
    who = permissions.require_actor(actor)
    site = get_site(ctx, site_slug)
    permissions.check_can_moderate(who, site.id)
    now = ctx.clock()
    wanted = None if chosen is Every.OFF else chosen.value
    first = schedule.first(chosen, now)
    ctx.store.write(lambda db: db.set_desk_alert(who.user.id, site.id, wanted, now, first))
    return chosen


def set_alert_for_email(
    ctx: ServiceContext, email: str, site_slug: str, every: str, schedule: AlertSchedule
) -> Every:
    """The same for the user who signs in with `email` (the CLI)."""
    address = email.strip().casefold()
    with ctx.store.reading() as db:
        found = db.user_with_password(address)
        grants = db.grants(found[0].id) if found else ()
    if found is None:
        raise InvalidInput(f"There is no user {address!r}.", code="user_not_found")
    actor = Actor(found[0], grants)
    try:
        return set_alert(ctx, actor, site_slug, every, schedule)
    except NotFound as exc:
        if exc.code == "site_not_found":
            raise
        raise InvalidInput(
            f"{address} does not moderate the site {site_slug!r}; grant them the role first.",
            code="not_a_moderator",
        ) from None


# -- sending ---------------------------------------------------------------------------------


@dataclass
class AlertReport:
    sent: int = 0
    quiet: int = 0  # nothing new, or the user may no longer moderate the site
    failed: int = 0


def send_due(
    ctx: ServiceContext,
    mailer: Mailer,
    base_url: str,
    schedule: AlertSchedule,
    keep_going: Callable[[], bool] = lambda: True,
) -> AlertReport:
    """Send every alert that is due now (one claimed batch after another)."""
    report = AlertReport()
    while keep_going():
        now = ctx.clock()
        claimed = _claim(ctx, now)
        for claim in claimed:
            if not keep_going():  # stopping: the rest waits for its lease, then a sweep
                break
            try:
                _alert(ctx, mailer, base_url, schedule, claim, now, report)
            except Exception as exc:  # logged; retried later with what is new by then
                log.warning(
                    "a desk alert for user %d on site %d could not be mailed: %s",
                    claim.wish.user_id,
                    claim.wish.site_id,
                    exc,
                )
                _retry(ctx, claim, now + RETRY_AFTER)
                report.failed += 1
        if len(claimed) < BATCH:
            break
    return report


def _claim(ctx: ServiceContext, now: datetime) -> list[ClaimedAlert]:
    return ctx.store.write(lambda db: db.claim_desk_alerts(now, now + LEASE, BATCH))


def _retry(ctx: ServiceContext, claim: ClaimedAlert, at: datetime) -> None:
    ctx.store.write(lambda db: db.retry_desk_alert(claim, at))


def _alert(
    ctx: ServiceContext,
    mailer: Mailer,
    base_url: str,
    schedule: AlertSchedule,
    claim: ClaimedAlert,
    now: datetime,
    report: AlertReport,
) -> None:
    wish: AlertWish = claim.wish
    every = Every(wish.every)
    cutoff = max(wish.since_at, now - SETTLE)
    with ctx.store.reading() as db:
        user = db.get_user(wish.user_id)
        site = db.get_site_by_id(wish.site_id)
        actor = Actor(user, db.grants(user.id)) if user is not None else None
        allowed = (
            actor is not None
            and site is not None
            and not actor.user.disabled
            and _may_moderate(actor, site.id)
        )
        new = db.new_for_desk(wish.site_id, wish.since_at, cutoff, LISTED) if allowed else None
    if new is None or not (new.held_total or new.reported_total):
        # Nothing to tell (or no one to tell it to): the window is done with. "As they come"
        # looks again at the next sweep; a digest at its next time.
        later = now if every is Every.IMMEDIATE else schedule.next_after(every, now)
        ctx.store.write(lambda db: db.finish_desk_alert(claim, cutoff, later, None))
        if not allowed:
            log.info("no desk alert for user %d: they no longer moderate site %d", *_who(wish))
        report.quiet += 1
        return
    assert actor is not None and site is not None
    mail = desk_alert_mail.compose(actor.user, site, every.value, wish.since_at, new, base_url)
    mailer.send(mail.to, mail.subject, mail.body)
    ctx.store.write(
        lambda db: db.finish_desk_alert(claim, cutoff, schedule.next_after(every, now), now)
    )
    report.sent += 1


def _who(wish: AlertWish) -> tuple[int, int]:
    return wish.user_id, wish.site_id
