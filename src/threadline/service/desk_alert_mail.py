"""The words of a desk alert: a plain-text mail to a moderator listing what is new for their
site's desk, each comment with a link to its queue in the dashboard. English only: these are
staff mails."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from threadline.domain.models import Site
from threadline.domain.moderation import User
from threadline.service.privacy_links import OutgoingMail
from threadline.service.reply_notifications import excerpt
from threadline.storage.alert_queries import NewForDesk, WaitingComment

ALERTS_PATH = "/admin/alerts"
EXCERPT_LENGTH = 200
EVERY_WORDS = {
    "immediate": "as they come",
    "hourly": "an hourly digest",
    "daily": "a daily digest",
}


def queue_url(base_url: str, queue: str, site: Site, thread_key: str | None = None) -> str:
    query = {"site": site.slug} | ({"thread": thread_key} if thread_key else {})
    return f"{base_url.rstrip('/')}/admin/queue/{queue}?{urlencode(query)}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def subject(site: Site, new: NewForDesk) -> str:
    parts = []
    if new.held_total:
        parts.append(_plural(new.held_total, "comment held", "comments held") + " for review")
    if new.reported_total:
        parts.append(_plural(new.reported_total, "comment reported", "comments reported"))
    return f"[{site.name}] " + ", ".join(parts)


def _item(c: WaitingComment, site: Site, queue: str, base_url: str, why: str) -> str:
    article = c.thread_title or c.thread_url or c.thread_key
    reasons = "; ".join(c.reasons) or "no reason recorded"
    return (
        f"- #{c.comment_id} by {c.author_name} on “{article}”\n"
        f"  {excerpt(c.body, EXCERPT_LENGTH)}\n"
        f"  {why}: {reasons}\n"
        f"  {queue_url(base_url, queue, site, c.thread_key)}\n"
    )


def _section(
    title: str,
    items: list[WaitingComment],
    total: int,
    site: Site,
    queue: str,
    base_url: str,
    why: str,
) -> str:
    if not total:
        return ""
    listed = "\n".join(_item(c, site, queue, base_url, why) for c in items)
    more = ""
    if total > len(items):
        more = f"\n… and {total - len(items)} more: {queue_url(base_url, queue, site)}\n"
    return f"{title} ({total}):\n\n{listed}{more}\n"


def compose(
    user: User, site: Site, every: str, since: datetime, new: NewForDesk, base_url: str
) -> OutgoingMail:
    held = _section(
        "Held for review", new.held, new.held_total, site, "pending", base_url, "Held because"
    )
    reported = _section(
        "Reported by readers",
        new.reported,
        new.reported_total,
        site,
        "reported",
        base_url,
        "Reports",
    )
    body = (
        f"Hello {user.display_name},\n\n"
        f"New for the desk of {site.name} since {since:%Y-%m-%d %H:%M} UTC:\n\n"
        f"{held}{reported}"
        f"You get this mail because you asked for desk alerts about {site.name} "
        f"({EVERY_WORDS.get(every, every)}). Change or stop them here:\n"
        f"{base_url.rstrip('/')}{ALERTS_PATH}\n\n"
        "-- Threadline\n"
    )
    return OutgoingMail(user.email, subject(site, new), body)
