"""Readers' data rights: download everything held about a person, or erase it.

A person is found four ways, each proving something different:
- edit tokens (the widget keeps them): each proves authorship of one comment;
- the reader's voter id (the widget's, too): proves their votes and reports;
- the token of a reader signed in with the publisher's account (docs/sign-in.md), which
  the widget sends along: every comment, vote and report of that account on the site,
  written from any device;
- an email address, proven by a link mailed to it (privacy_links.py) or vouched for by an
  administrator (dashboard, CLI): every comment given with that email on the site.

Erasure is one transaction: each comment of theirs loses everything personal and becomes a
deleted shell (a placeholder while replies hang below), or — when the site's policy
`erasure_keeps_replied_comments` says so and others replied — keeps its text under
"Anonymous"; each change bumps its thread's version (caches and live pages follow). Their
votes are withdrawn, their reports kept without who made them, bans and audit entries naming
them are scrubbed, and the erasure itself is audited under a keyed pseudonym.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from threadline.auth import permissions
from threadline.auth.readers import Reader, account_key
from threadline.auth.tokens import token_matches, voter_digest
from threadline.domain.errors import InvalidInput
from threadline.domain.events import CommentDeleted, CommentEdited, ThreadChanged, VoteCast
from threadline.domain.models import CommentStatus, Site
from threadline.domain.moderation import Actor
from threadline.service import webhook_events
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.reader_sign_in import reader_for
from threadline.service.sites import get_site
from threadline.service.votes import clean_reader_id
from threadline.storage.gateway import Gateway
from threadline.storage.privacy_queries import HeldComment
from threadline.text.checks import clean_email

FORMAT = "threadline-personal-data/1"
MAX_TOKENS = 500  # edit tokens in one request (a widget keeps at most a few hundred)


# -- what a download holds --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonalThread:
    key: str
    title: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class PersonalComment:
    id: int
    thread: PersonalThread
    parent_id: int | None
    status: str
    name: str
    email: str | None
    website: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    ip: str | None
    user_agent: str | None
    # "Email me when someone replies" is on for this comment.
    notify_replies: bool = False


@dataclass(frozen=True, slots=True)
class PersonalVote:
    comment_id: int
    thread_key: str
    value: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PersonalFlag:
    comment_id: int
    thread_key: str
    reason: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything Threadline holds about one person on one site (docs/privacy.md)."""

    format: str
    site: str
    generated_at: datetime
    # "email" (link, dashboard, CLI), "edit_tokens" (the widget: edit tokens and voter id),
    # or "reader_account" (the widget of a signed-in reader: the account, and whatever edit
    # tokens and voter id proved besides).
    identified_by: str
    email: str | None
    reader_account: str | None  # the signed-in reader's account id (the token's sub)
    # What they gave with their comments, each value once.
    names: list[str]
    emails: list[str]
    websites: list[str]
    comments: list[PersonalComment]
    votes: list[PersonalVote]
    flags: list[PersonalFlag]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ErasureReport:
    site: str
    comments_removed: int  # now deleted shells (placeholders where replies hang below)
    comments_anonymized: int  # text kept under "Anonymous" (site policy)
    votes_withdrawn: int
    flags_anonymized: int
    bans_lifted: int
    audit_entries_scrubbed: int


@dataclass(frozen=True, slots=True)
class Person:
    """Whose data, as proven: an email, verified comment ids, a signed-in reader's account
    id; digests for votes and flags (a browser's voter id, an account's)."""

    email: str | None = None
    comment_ids: tuple[int, ...] = ()
    voters: tuple[str, ...] = ()
    flaggers: tuple[str, ...] = ()
    reader_id: str | None = None

    @property
    def identified_by(self) -> str:
        if self.email is not None:
            return "email"
        return "edit_tokens" if self.reader_id is None else "reader_account"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who exercised the right, for the audit log."""

    name: str
    user_id: int | None = None


READER_TOKENS = Requester("reader (edit tokens)")
READER_ACCOUNT = Requester("reader (signed in)")
READER_LINK = Requester("reader (emailed link)")
COMMAND_LINE = Requester("command line")

_EMAIL_NOTE = (
    "Votes and reports are tied to an anonymous id kept by the browser that cast them, not to "
    "an email address; use 'Your data' under the comments in that browser to include them."
)
_TOKEN_NOTE = (
    "Only comments whose edit keys this browser still holds are included; ask for a link by "
    "email to cover every comment given with your address."
)
_ACCOUNT_NOTE = (
    "Every comment, vote and report of your account on this site is included, from any "
    "device; of what you wrote without signing in, only the comments whose edit keys this "
    "browser still holds and the votes and reports it made. Ask for a link by email to "
    "cover every comment given with your address."
)
_NOTES = {"email": _EMAIL_NOTE, "edit_tokens": _TOKEN_NOTE, "reader_account": _ACCOUNT_NOTE}


def pseudonym(secret_key: str, site_slug: str, email: str) -> str:
    """A person's name in the audit log: keyed, so the log never holds the email itself,
    yet the same email on the same site always gives the same pseudonym."""
    return "person:" + voter_digest(secret_key, site_slug, "privacy\x00" + email)[:24]


def clean_reader(reader: str | None) -> str | None:
    if reader is None or not reader.strip():
        return None
    return clean_reader_id(reader, "reader")


def required_email(email: str) -> str:
    cleaned = clean_email(email)
    if cleaned is None:
        raise InvalidInput("Give the email address.", code="invalid_email", field="email")
    return cleaned


# -- collecting -------------------------------------------------------------------------


def _unique(values: Sequence[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _held_comments(db: Gateway, site: Site, person: Person) -> list[HeldComment]:
    """The person's comments by every proof they gave, each once, oldest first."""
    found: dict[int, HeldComment] = {}
    if person.email is not None:
        found.update((c.id, c) for c in db.comments_by_email(site.id, person.email))
    if person.comment_ids:
        found.update((c.id, c) for c in db.comments_by_ids(site.id, person.comment_ids))
    if person.reader_id is not None:
        key = account_key(person.reader_id)
        by_account = db.comments_by_reader_account(site.id, person.reader_id, key)
        found.update((c.id, c) for c in by_account)
    return [found[i] for i in sorted(found)]


def collect(db: Gateway, site: Site, person: Person, now: datetime) -> PersonalData:
    """The download, read through `db` (a reader's snapshot, or inside a write job)."""
    held = [c for c in _held_comments(db, site, person) if c.status != "deleted" or c.body]
    comments = [
        PersonalComment(
            id=c.id,
            thread=PersonalThread(c.thread_key, c.thread_title, c.thread_url),
            parent_id=c.parent_id,
            status=c.status,
            name=c.author_name,
            email=c.author_email,
            website=c.author_website,
            body=c.body,
            created_at=c.created_at,
            edited_at=c.edited_at,
            upvotes=c.upvotes,
            downvotes=c.downvotes,
            ip=c.ip,
            user_agent=c.user_agent,
            notify_replies=c.notify_replies,
        )
        for c in held
    ]
    votes = [
        PersonalVote(v.comment_id, v.thread_key, v.value, v.updated_at)
        for voter in person.voters
        for v in db.votes_by_voter(site.id, voter)
    ]
    flags = [
        PersonalFlag(f.comment_id, f.thread_key, f.reason, f.note, f.created_at)
        for flagger in person.flaggers
        for f in db.flags_by_reader(site.id, flagger)
    ]
    return PersonalData(
        format=FORMAT,
        site=site.slug,
        generated_at=now,
        identified_by=person.identified_by,
        email=person.email,
        reader_account=person.reader_id,
        names=_unique([c.author_name for c in held]),
        emails=_unique([c.author_email for c in held]),
        websites=_unique([c.author_website for c in held]),
        comments=comments,
        votes=votes,
        flags=flags,
        notes=[_NOTES[person.identified_by]],
    )


# -- erasing ----------------------------------------------------------------------------


@dataclass
class _Erasure:
    """What one erasure job changed: the report, and the events to announce after commit."""

    report: ErasureReport
    events: list[ThreadChanged]


def erase_in(
    db: Gateway,
    ctx: ServiceContext,
    site: Site,
    person: Person,
    requester: Requester,
    now: datetime,
) -> _Erasure:
    """Erase inside a write job (the caller's transaction): all of it, or nothing."""
    keys_of: dict[int, str] = {}  # thread id -> key, for the events
    events: list[ThreadChanged] = []

    def thread_key(thread_id: int) -> str:
        if thread_id not in keys_of:
            thread = db.get_thread_by_id(thread_id)
            assert thread is not None
            keys_of[thread_id] = thread.key
        return keys_of[thread_id]

    held = _held_comments(db, site, person)
    keep_replied = site.settings.erasure_keeps_replied_comments
    removed = anonymized = 0
    for c in sorted(held, key=lambda h: h.id):  # one lock order for every erasure
        current = db.lock_comment(c.id)
        assert current is not None
        keep = keep_replied and current.status is not CommentStatus.DELETED and db.has_replies(c.id)
        db.erase_comment(c.id, keep_text=keep, now=now)
        if current.status is CommentStatus.DELETED:  # deleted before: only its key was left
            db.bump_version(c.thread_id, comment_id=c.id)
        elif keep:
            anonymized += 1
            version = db.bump_version(c.thread_id, comment_id=c.id)
            events.append(
                CommentEdited(site.slug, thread_key(c.thread_id), c.thread_id, version, c.id)
            )
        else:
            removed += 1
            # Receivers that keep a copy drop it; the payload is built when sent, from the
            # erased row: no name, no text.
            webhook_events.record_status(db, site, CommentStatus.DELETED, now, c.id, c.thread_id)
            delta = -1 if current.status is CommentStatus.PUBLISHED else 0
            version = db.bump_version(c.thread_id, published_delta=delta, comment_id=c.id)
            events.append(
                CommentDeleted(site.slug, thread_key(c.thread_id), c.thread_id, version, c.id)
            )

    withdrawn = 0
    cast = [(v, voter) for voter in person.voters for v in db.votes_by_voter(site.id, voter)]
    for v, voter in sorted(cast, key=lambda cast_by: cast_by[0].comment_id):
        db.lock_comment(v.comment_id)
        if db.withdraw_vote(v.comment_id, voter):
            withdrawn += 1
            version = db.bump_version(v.thread_id, comment_id=v.comment_id)
            events.append(VoteCast(site.slug, v.thread_key, v.thread_id, version, v.comment_id))
    flags = sum(db.anonymize_flags(site.id, flagger) for flagger in person.flaggers)

    emails = _unique([person.email, *(c.author_email for c in held)])
    # Ban and author keys: case-folded email, else name (service/pipeline.py:author_key) —
    # a name only for their comments given without an email, never someone else's — and the
    # account of a signed-in reader's comments, or the one they proved by signing in.
    accounts = _unique(
        [
            account_key(person.reader_id) if person.reader_id else None,
            *(account_key(c.reader_id) for c in held if c.reader_id),
        ]
    )
    keys = _unique(
        [
            *(e.casefold() for e in emails),
            *(c.author_name.casefold() for c in held if not c.author_email and not c.reader_id),
            *accounts,
        ]
    )
    who = pseudonym(ctx.secret_key, site.slug, _pseudonym_source(person, emails, accounts))
    bans = sum(db.scrub_bans(site.id, key, who, now) for key in keys)
    for email in emails:
        db.forget_privacy_requests(site.id, email)
    # Specific strings are scrubbed from any audit entry of the site; names only from
    # entries about their comments (elsewhere the same word may mean something else).
    strong = [*emails, *(c.ip for c in held), *(c.author_website for c in held)]
    scrubbed = db.scrub_audit(
        site.id,
        [s for s in strong if s],
        [c.id for c in held],
        about=_unique([*(c.author_name for c in held), *keys, *(c.user_agent for c in held)]),
        # An account's key is as specific as an email, but a prefix of other accounts' keys.
        whole=accounts,
    )
    report = ErasureReport(site.slug, removed, anonymized, withdrawn, flags, bans, scrubbed)
    db.insert_audit(
        now=now,
        actor_id=requester.user_id,
        actor_name=requester.name,
        site_id=site.id,
        action="privacy_erase",
        target_type="person",
        target_id=who,
        before={},
        after={
            "comments_removed": removed,
            "comments_anonymized": anonymized,
            "votes_withdrawn": withdrawn,
            "flags_anonymized": flags,
            "bans_lifted": bans,
        },
        reason="",
    )
    return _Erasure(report, events)


def _pseudonym_source(person: Person, emails: Sequence[str], accounts: Sequence[str]) -> str:
    """What names the person in the audit log, keyed: their email when known (the same
    pseudonym as an erasure by that email), else their account, else their comments."""
    if emails:
        return emails[0]
    return accounts[0] if accounts else str(sorted(person.comment_ids))


def run_erasure(
    ctx: ServiceContext, site: Site, person: Person, requester: Requester
) -> ErasureReport:
    now = ctx.clock()
    done = ctx.store.write(lambda db: erase_in(db, ctx, site, person, requester, now))
    announce(ctx, done.events)
    return done.report


def announce(ctx: ServiceContext, events: Sequence[ThreadChanged]) -> None:
    for event in events:
        ctx.bus.publish(event)


# -- by edit tokens (the widget) ----------------------------------------------------------


def _voting_ids(
    ctx: ServiceContext, site: Site, reader: str | None, account: Reader | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The digests votes and flags are stored under (service/votes.py, flags.py): the
    browser's voter id's, and the signed-in account's (it votes as its author key)."""
    ids = [i for i in (reader, account.author_key if account else None) if i]
    return (
        tuple(voter_digest(ctx.secret_key, site.slug, i) for i in ids),
        tuple(voter_digest(ctx.secret_key, site.slug, "flag\x00" + i) for i in ids),
    )


def _person_from_tokens(
    ctx: ServiceContext,
    site_slug: str,
    tokens: Sequence[tuple[int, str]],
    reader: str | None,
    client: ClientInfo,
    reader_token: str | None,
) -> tuple[Site, Person, list[int]]:
    """The site, the person the tokens, reader id and sign-in prove, and the ids whose token
    did not match (already erased or deleted, or not theirs). A sign-in that cannot be
    verified is refused (401), never ignored: the reader would miss what they asked for."""
    site = get_site(ctx, site_slug)
    permissions.check_origin(site, client.origin, client.own_origin)
    if len(tokens) > MAX_TOKENS:
        raise InvalidInput(f"Send at most {MAX_TOKENS} edit tokens.", code="too_many_tokens")
    reader = clean_reader(reader)
    account = reader_for(ctx, site, reader_token)
    ctx.limiter.allow(
        f"privacy-ip:{site.id}:{client.ip}",
        site.settings.comments_per_minute_per_ip,
        "requests from your network",
    )
    wanted = {cid: token for cid, token in tokens}
    with ctx.store.reading() as db:
        found = {c.id: c for c in db.comments_by_ids(site.id, list(wanted))}
    proven = sorted(
        cid
        for cid, token in wanted.items()
        if cid in found and token_matches(token, found[cid].edit_token_hash)
    )
    voters, flaggers = _voting_ids(ctx, site, reader, account)
    person = Person(
        comment_ids=tuple(proven),
        voters=voters,
        flaggers=flaggers,
        reader_id=account.sub if account else None,
    )
    return site, person, sorted(set(wanted) - set(proven))


def export_by_tokens(
    ctx: ServiceContext,
    site_slug: str,
    tokens: Sequence[tuple[int, str]],
    reader: str | None,
    client: ClientInfo,
    reader_token: str | None = None,
) -> tuple[PersonalData, list[int]]:
    """The download the widget proves: by edit tokens and voter id, and with the token of a
    signed-in reader (`Threadline-Reader`) everything of that account on the site."""
    site, person, unmatched = _person_from_tokens(
        ctx, site_slug, tokens, reader, client, reader_token
    )
    with ctx.store.reading() as db:
        return collect(db, site, person, ctx.clock()), unmatched


def erase_by_tokens(
    ctx: ServiceContext,
    site_slug: str,
    tokens: Sequence[tuple[int, str]],
    reader: str | None,
    client: ClientInfo,
    reader_token: str | None = None,
) -> tuple[ErasureReport, list[int]]:
    """Erase what export_by_tokens would download; by an account, its bans are lifted too."""
    site, person, unmatched = _person_from_tokens(
        ctx, site_slug, tokens, reader, client, reader_token
    )
    requester = READER_TOKENS if person.reader_id is None else READER_ACCOUNT
    return run_erasure(ctx, site, person, requester), unmatched


# -- by email, for administrators (dashboard and CLI) -------------------------------------


def requester_for(actor: Actor | None) -> Requester:
    """Only administrators exercise a reader's rights for them (they vouch for the email)."""
    who = permissions.check_is_admin(actor)
    return Requester(who.user.display_name, who.user.id)


def export_by_email(
    ctx: ServiceContext, site_slug: str, email: str, requester: Requester
) -> PersonalData:
    site = get_site(ctx, site_slug)
    address = required_email(email)
    now = ctx.clock()

    def job(db: Gateway) -> PersonalData:
        # Downloads are audited too (who looked at whose data), in the same transaction.
        data = collect(db, site, Person(email=address), now)
        db.insert_audit(
            now=now,
            actor_id=requester.user_id,
            actor_name=requester.name,
            site_id=site.id,
            action="privacy_export",
            target_type="person",
            target_id=pseudonym(ctx.secret_key, site.slug, address),
            before={},
            after={"comments": len(data.comments)},
        )
        return data

    return ctx.store.write(job)


def erase_by_email(
    ctx: ServiceContext, site_slug: str, email: str, requester: Requester
) -> ErasureReport:
    site = get_site(ctx, site_slug)
    return run_erasure(ctx, site, Person(email=required_email(email)), requester)


def count_by_email(ctx: ServiceContext, site_slug: str, email: str) -> int:
    """How many comments an erasure by this email would touch (for confirmations)."""
    site = get_site(ctx, site_slug)
    with ctx.store.reading() as db:
        return len(db.comments_by_email(site.id, required_email(email)))
