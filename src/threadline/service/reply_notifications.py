""" "Email me when someone replies": the mail to a parent's author when a reply to their
comment becomes visible to readers, and the signed link that turns those mails off.

The mail is due from the transaction that made the reply visible (a row in the outbox,
written by that transaction) and goes out after the HTTP answer, from the outbox
(mail_outbox.py): a slow or failing mail server never slows or fails a request, and a crash
or a mail server that is down delays the mail, never loses it. Sent only when the parent's author
opted in, still has an email (an erasure removes it), is not the reply's own author, and
the parent is not deleted; never for imported replies or held/rejected ones (a held reply
approved later sends then); once per reply (a reply hidden by flags and approved again is
not mailed about again). At most MAILS_PER_HOUR_PER_ADDRESS per address and site.

The unsubscribe link needs no database row: its token names (site, email) and carries an
HMAC over them with the server's secret. Opening it changes nothing (mail scanners follow
links); confirming turns notifications off for every comment of that address on the site.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

from threadline.domain.errors import Forbidden, RateLimited
from threadline.domain.keys import article_page
from threadline.domain.models import Site
from threadline.service import reply_texts
from threadline.service.context import ServiceContext
from threadline.service.privacy_links import OutgoingMail
from threadline.storage.gateway import Gateway
from threadline.storage.notification_queries import ReplyNotice

log = logging.getLogger(__name__)

UNSUBSCRIBE_PATH = "/notifications/unsubscribe"
MAILS_PER_HOUR_PER_ADDRESS = 10
EXCERPT_LENGTH = 300
MAX_TOKEN_LENGTH = 600

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url), ![alt](src)
_MARKUP = re.compile(r"(^|\s)(#{1,6}|>+|[-*+]|\d+\.)\s+|[*_`~]+", re.MULTILINE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Whom a valid unsubscribe link names."""

    site: Site
    email: str


def excerpt(markdown: str, limit: int = EXCERPT_LENGTH) -> str:
    """Plain text from a comment's Markdown source, on one line, cut at a word near `limit`."""
    text = _LINK.sub(r"\1", markdown)
    text = _MARKUP.sub(r"\1", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2 :]:  # end at a word, unless that loses half the excerpt
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


# -- the link ----------------------------------------------------------------------------------


def _signature(secret_key: str, site_slug: str, email: str) -> str:
    message = f"reply-unsubscribe\x00{site_slug}\x00{email}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(secret_key: str, site_slug: str, email: str) -> str:
    address = email.lower()
    named = base64.urlsafe_b64encode(f"{site_slug}\x00{address}".encode()).decode().rstrip("=")
    return f"{named}.{_signature(secret_key, site_slug, address)}"


def unsubscribe_url(base_url: str, token: str, language: str) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={quote(token)}&lang={language}"


def _read_token(ctx: ServiceContext, db: Gateway, token: str) -> Subscriber:
    invalid = Forbidden("This unsubscribe link is not valid.", code="link_invalid")
    named, _, signature = token.strip().partition(".")
    if not named or not signature or len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(named + "=" * (-len(named) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid from None
    site_slug, sep, email = raw.partition("\x00")
    if not sep or not email:
        raise invalid
    if not hmac.compare_digest(_signature(ctx.secret_key, site_slug, email), signature):
        raise invalid
    site = db.get_site(site_slug)
    if site is None:
        raise invalid
    return Subscriber(site, email)


def open_unsubscribe(ctx: ServiceContext, token: str) -> Subscriber:
    """Whom the link names, without changing anything."""
    with ctx.store.reading() as db:
        return _read_token(ctx, db, token)


def unsubscribe(ctx: ServiceContext, token: str) -> tuple[Subscriber, int]:
    """Turn reply notifications off for every comment of the link's address on its site;
    how many comments had them on (0 when done already: confirming twice is fine)."""

    def job(db: Gateway) -> tuple[Subscriber, int]:
        who = _read_token(ctx, db, token)
        return who, db.unsubscribe_replies(who.site.id, who.email)

    return ctx.store.write(job)


# -- the mail ----------------------------------------------------------------------------------


def _wanted(notice: ReplyNotice) -> str | None:
    """Why no mail is due for this reply, or None when one is."""
    if notice.reply_imported:
        return "the reply was imported"
    if notice.reply_status != "published":
        return "the reply is not published"
    if notice.reply_notified:
        return "a mail about it went out already"
    if not notice.parent_notify:
        return "the parent's author did not ask for it"
    if not notice.parent_email:
        return "the parent carries no email"
    if notice.parent_status == "deleted":
        return "the parent was deleted"
    if notice.reply_email and notice.reply_email.lower() == notice.parent_email.lower():
        return "the reply is by the parent's own author"
    return None


@dataclass(frozen=True, slots=True)
class DueMail:
    """The mail about a reply, and the site whose hourly cap per address it counts against."""

    site_id: int
    mail: OutgoingMail


def due_mail(ctx: ServiceContext, reply_id: int, base_url: str) -> DueMail | None:
    """The mail about this reply as things stand now, or None when none is due (logged at
    debug). Changes nothing: the outbox (mail_outbox.py) decides when it goes."""
    with ctx.store.reading() as db:
        notice = db.reply_notice(reply_id)
    if notice is None:
        return None
    why_not = _wanted(notice)
    if why_not is not None:
        log.debug("no reply notification for comment %d: %s", reply_id, why_not)
        return None
    address = (notice.parent_email or "").lower()
    words = reply_texts.texts(notice.parent_lang)
    token = unsubscribe_token(ctx.secret_key, notice.site_slug, address)
    # The article's page, else this server.
    page = article_page(notice.thread_key, notice.thread_url) or base_url.rstrip("/") + "/"
    body = words.body.format(
        site=notice.site_name,
        name=notice.reply_author,
        excerpt=excerpt(notice.reply_body),
        url=f"{page}#comment-{notice.reply_id}",
        unsubscribe=unsubscribe_url(base_url, token, words.language),
    )
    subject = words.subject.format(site=notice.site_name, name=notice.reply_author)
    return DueMail(notice.site_id, OutgoingMail(address, subject, body))


def prepare(ctx: ServiceContext, reply_id: int, base_url: str) -> OutgoingMail | None:
    """The mail about this reply, or None when none is due."""
    due = due_mail(ctx, reply_id, base_url)
    return due.mail if due is not None else None


def within_hourly_cap(ctx: ServiceContext, due: DueMail) -> bool:
    """Counts this mail against its address's hourly cap on the site; False when over it."""
    try:
        ctx.limiter.allow(
            f"reply-mail:{due.site_id}:{due.mail.to}",
            MAILS_PER_HOUR_PER_ADDRESS,
            "reply notifications",
            window_s=3600.0,
        )
    except RateLimited:
        return False
    return True
