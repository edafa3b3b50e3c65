"""Links mailed to the address a reader gave: proof that they hold that mailbox, good for
one download or one erasure of everything given with it on one site.

A link carries a random nonce and a signature over (nonce, site, expiry) with the server's
secret; the database keeps the nonce's SHA-256 digest, the site, the email (until the link
is used or expires) and when it was used. Asking never tells whether the address is known:
the answer is the same, and mail goes out after it, only when there is something to send.
The mail is written in the reader's language (privacy_texts.py), which the link carries,
unsigned, for the page it opens.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from threadline.domain.errors import Forbidden, RateLimited
from threadline.domain.events import ThreadChanged
from threadline.domain.models import Site
from threadline.notify.mail import Mailer, MailError
from threadline.service import privacy_texts
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.privacy import (
    READER_LINK,
    ErasureReport,
    Person,
    PersonalData,
    announce,
    collect,
    erase_in,
    required_email,
)
from threadline.storage.gateway import Gateway
from threadline.storage.times import to_us

log = logging.getLogger(__name__)

LINK_PATH = "/privacy"
REQUESTS_PER_MINUTE_PER_IP = 5
# Mails per address and site: a few a minute at most, so nobody floods someone's inbox.
MAILS_PER_MINUTE_PER_ADDRESS = 1


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class LinkGrant:
    """What a valid, unused link allows: this email's data on this site, until expires_at."""

    site: Site
    email: str
    expires_at: datetime


_ERRORS = privacy_texts.ENGLISH.errors  # the page shows them in the link's language


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def _signature(secret_key: str, nonce: str, site_slug: str, expires_at: datetime) -> str:
    message = f"privacy-link\x00{nonce}\x00{site_slug}\x00{to_us(expires_at)}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """A request accepted for answering: checked, not yet looked up."""

    site_slug: str
    email: str
    base_url: str
    lifetime: timedelta
    language: str = privacy_texts.DEFAULT_LANGUAGE  # of the mail and the page it links to


def accept_request(
    ctx: ServiceContext,
    site_slug: str,
    email: str,
    client: ClientInfo,
    *,
    base_url: str,
    lifetime: timedelta,
    language: str | None = None,
) -> LinkRequest:
    """Check what can be checked without knowing anything about the address; the rest
    (`answer`) runs after the HTTP answer, so its duration tells nothing either.

    `language` is a tag ("de", "fr-CH"): its primary subtag chooses the mail's language
    among privacy_texts.LANGUAGES; anything else is English."""
    address = required_email(email)
    ctx.limiter.allow(
        f"privacy-link-ip:{client.ip}", REQUESTS_PER_MINUTE_PER_IP, "requests from your network"
    )
    chosen = privacy_texts.pick_language([language])
    return LinkRequest(site_slug, address, base_url, lifetime, chosen)


def request_link(
    ctx: ServiceContext,
    site_slug: str,
    email: str,
    client: ClientInfo,
    *,
    base_url: str,
    lifetime: timedelta,
    language: str | None = None,
) -> OutgoingMail | None:
    """Accept and prepare in one go (the mail is returned, not sent)."""
    request = accept_request(
        ctx, site_slug, email, client, base_url=base_url, lifetime=lifetime, language=language
    )
    return prepare_link(ctx, request)


def answer(ctx: ServiceContext, mailer: Mailer, request: LinkRequest) -> bool:
    """Prepare the link and mail it; False (logged) when nothing was sent."""
    mail = prepare_link(ctx, request)
    return deliver(mailer, mail) if mail else False


def prepare_link(ctx: ServiceContext, request: LinkRequest) -> OutgoingMail | None:
    """The mail to send, or None when there is nothing to send: unknown site, no comment
    given with this address there, or this address asked just now."""
    site_slug, address, lifetime = request.site_slug, request.email, request.lifetime
    with ctx.store.reading() as db:
        site = db.get_site(site_slug) if len(site_slug) <= 63 and "\x00" not in site_slug else None
        held = len(db.comments_by_email(site.id, address)) if site else 0
    if site is None or not held:
        log.info("privacy link not sent: nothing is held for that address on %r", site_slug)
        return None
    try:
        ctx.limiter.allow(
            f"privacy-link-mail:{site.id}:{address}", MAILS_PER_MINUTE_PER_ADDRESS, "links"
        )
    except RateLimited:
        log.info("privacy link not sent: one was sent to that address just now")
        return None
    now = ctx.clock()
    expires = now + lifetime
    nonce = secrets.token_urlsafe(24)
    ctx.store.write(
        lambda db: db.insert_privacy_request(_digest(nonce), site.id, address, now, expires)
    )
    token = f"{nonce}.{_signature(ctx.secret_key, nonce, site.slug, expires)}"
    words = privacy_texts.texts(request.language)
    # The language rides along unsigned: it is not secret and grants nothing.
    url = f"{request.base_url.rstrip('/')}{LINK_PATH}?token={quote(token)}&lang={words.language}"
    minutes = int(lifetime.total_seconds() // 60)
    body = words.mail_body(site=site.name, address=address, minutes=minutes, url=url)
    return OutgoingMail(address, words.subject.format(site=site.name), body)


def deliver(mailer: Mailer, mail: OutgoingMail) -> bool:
    """Send a link; a failure is logged (the request was answered already)."""
    if not mailer.configured:
        log.error(
            "a privacy link could not be mailed: no mail server is configured "
            "(set smtp_host and mail_from)"
        )
        return False
    try:
        mailer.send(mail.to, mail.subject, mail.body)
    except MailError as exc:
        log.error("a privacy link could not be mailed: %s", exc)
        return False
    return True


def _check(ctx: ServiceContext, db: Gateway, token: str, *, lock: bool) -> tuple[LinkGrant, str]:
    nonce, _, signature = token.strip().partition(".")
    invalid = Forbidden(_ERRORS["link_invalid"], code="link_invalid")
    if not nonce or not signature or len(token) > 200:
        raise invalid
    digest = _digest(nonce)
    request = db.privacy_request(digest, lock=lock)
    site = db.get_site_by_id(request.site_id) if request else None
    if request is None or site is None:
        raise invalid
    expected = _signature(ctx.secret_key, nonce, site.slug, request.expires_at)
    if not hmac.compare_digest(expected, signature):
        raise invalid
    if request.used_at is not None or request.email is None:
        raise Forbidden(_ERRORS["link_used"], code="link_used")
    if ctx.clock() >= request.expires_at:
        raise Forbidden(_ERRORS["link_expired"], code="link_expired")
    return LinkGrant(site, request.email, request.expires_at), digest


def open_link(ctx: ServiceContext, token: str) -> LinkGrant:
    """What the link allows, without using it (opening the page changes nothing: mail
    scanners that follow links must not spend them)."""
    with ctx.store.reading() as db:
        grant, _ = _check(ctx, db, token, lock=False)
    return grant


def export_by_link(ctx: ServiceContext, token: str) -> PersonalData:
    """The download; the link is spent."""
    now = ctx.clock()

    def job(db: Gateway) -> PersonalData:
        grant, digest = _check(ctx, db, token, lock=True)
        data = collect(db, grant.site, Person(email=grant.email), now)
        db.spend_privacy_request(digest, now)
        return data

    return ctx.store.write(job)


def erase_by_link(ctx: ServiceContext, token: str) -> tuple[ErasureReport, PersonalData]:
    """Erase; the link is spent in the same transaction (an erasure that fails leaves it
    usable). Returns the report and a copy of what was erased, taken just before."""
    now = ctx.clock()

    def job(db: Gateway) -> tuple[ErasureReport, PersonalData, list[ThreadChanged]]:
        grant, digest = _check(ctx, db, token, lock=True)
        person = Person(email=grant.email)
        copy = collect(db, grant.site, person, now)
        db.spend_privacy_request(digest, now)
        done = erase_in(db, ctx, grant.site, person, READER_LINK, now)
        return done.report, copy, done.events

    report, copy, events = ctx.store.write(job)
    announce(ctx, events)
    return report, copy
