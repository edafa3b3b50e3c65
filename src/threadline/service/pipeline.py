"""The moderation pipeline of the posting use cases: gather what the engine cannot see, score,
and turn the site's (and thread's) policy into a comment status with its reasons.

The engine (moderation/) is pure; what it needs from the database — the parent's text, the
author's history, posting velocity, copies of the same text — is read here, before the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from threadline.auth import readers
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Author, CommentStatus, Site, SiteSettings, SiteWordLists
from threadline.domain.moderation import Ban
from threadline.moderation import (
    Behaviour,
    CommentFacts,
    Decision,
    PolicyConfig,
    Premoderation,
    Signal,
    decide,
    fingerprint,
    should_nudge,
)
from threadline.moderation.authors import APPROVED_COUNTED, new_author
from threadline.moderation.spam import count_links, links_signal
from threadline.service.context import ServiceContext

VELOCITY_WINDOW = timedelta(minutes=10)
# Short replies ("Agreed.", "Thank you!") are naturally repeated by many readers: copies count
# as a spam signal only from this many words on.
MIN_DUPLICATE_WORDS = 6
SCORER_UNAVAILABLE = "Automatic moderation was unavailable; held for a moderator to review."
NUDGE_MESSAGE = (
    "Your comment may come across as hostile to other readers. Would you like to revise it? "
    "If you post it as it is, a moderator will review it before it appears."
)
REJECTED_MESSAGE = "Your comment was not published because it breaks this site's rules."

_STATUS = {
    Decision.PUBLISH: CommentStatus.PUBLISHED,
    Decision.HOLD: CommentStatus.PENDING,
    Decision.REJECT: CommentStatus.REJECTED,
}


def policy_for(
    settings: SiteSettings,
    thread_premoderated: bool = False,
    word_lists: SiteWordLists | None = None,
) -> PolicyConfig:
    if settings.premoderation or thread_premoderated:
        mode = Premoderation.ALL
    elif settings.premoderate_links:
        mode = Premoderation.LINKS
    elif settings.premoderate_new_authors > 0:
        mode = Premoderation.NEW_AUTHORS
    else:
        mode = Premoderation.OFF
    return PolicyConfig(
        premoderation=mode,
        new_author_comments=max(0, settings.premoderate_new_authors),
        toxicity_hold=settings.toxicity_hold,
        toxicity_nudge=settings.toxicity_nudge,
        spam_hold=settings.spam_hold,
        flags_to_hold=max(1, settings.flags_to_hold),
        hold_suspect_words=settings.hold_suspect_words,
        reject_banned_words=settings.reject_banned_words,
        banned_words=word_lists.banned if word_lists else (),
        suspect_words=word_lists.suspect if word_lists else (),
    )


@dataclass(frozen=True, slots=True)
class Surroundings:
    """What the database knows around a comment that is about to be written."""

    author_key: str
    fingerprint: str
    facts: CommentFacts
    ban: Ban | None
    thread_premoderated: bool


@dataclass(frozen=True, slots=True)
class Assessment:
    status: CommentStatus
    decision: str | None  # the engine's decision; None when it was not consulted
    reasons: tuple[str, ...]
    signals: tuple[dict[str, Any], ...]


def signal_record(signal: Signal) -> dict[str, Any]:
    return {
        "scorer": signal.scorer,
        "score": round(signal.score, 4),
        "reason": signal.reason,
        "count": signal.count,
    }


def surroundings(
    ctx: ServiceContext,
    site: Site,
    author: Author,
    body: str,
    *,
    ip: str | None,
    parent_id: int | None,
    now: datetime,
    thread_id: int | None = None,
    thread_key: str | None = None,
    exclude_id: int | None = None,
    reader_id: str | None = None,
) -> Surroundings:
    """Everything the engine needs from the database, read in one transaction; the thread
    is named by id, or by key (it may not exist yet)."""
    key = readers.key_of(author, reader_id)
    print_ = fingerprint(body)  # stored either way: later comments are compared with it
    # The author's history, the parent's text and the copies and velocity counts feed the
    # engine alone; without it (automoderation off) they are not read.
    scoring = site.settings.automoderation and ctx.scorer is not None
    substantial = len(body.split()) >= MIN_DUPLICATE_WORDS
    counted = max(APPROVED_COUNTED, site.settings.premoderate_new_authors)
    with ctx.store.reading() as db:
        ban = db.active_ban(site.id, key, now)
        if thread_id is not None:
            premoderated = db.thread_premoderated(thread_id)
        elif thread_key is not None:
            premoderated = db.thread_premoderated_by_key(site.id, thread_key)
        else:
            premoderated = False
        if not scoring:
            # Pre-moderation still applies; of the history it needs the approved count only.
            mode = policy_for(site.settings, premoderated).premoderation
            approved = (
                db.approved_comments(site.id, key, counted)
                if mode is Premoderation.NEW_AUTHORS
                else None
            )
            facts = CommentFacts(text=body, author_approved_comments=approved)
            return Surroundings(key, print_, facts, ban, premoderated)
        approved = db.approved_comments(site.id, key, counted)
        parent = db.get_comment(parent_id) if parent_id is not None else None
        # Velocity is a rate limit in another form: off with rate limits (bulk loads, tests).
        recent = db.recent_comments(key, ip, now - VELOCITY_WINDOW) if ctx.limiter.enabled else 0
        duplicates = db.fingerprint_count(print_, exclude_id) if substantial else 0
    facts = CommentFacts(
        text=body,
        parent_text=parent.body if parent is not None and parent.body else None,
        author_approved_comments=approved,
        behaviour=Behaviour(recent_comments=recent, duplicates=duplicates),
    )
    return Surroundings(key, print_, facts, ban, premoderated)


def premoderation_signals(facts: CommentFacts) -> list[Signal]:
    """The two signals pre-moderation reads, computed without the engine."""
    return [links_signal(count_links(facts.text)), new_author(facts.author_approved_comments)]


def assess(
    ctx: ServiceContext, site: Site, around: Surroundings, *, acknowledged_nudge: bool
) -> Assessment:
    """The status a new or edited comment gets, with the reasons; raises the civility nudge
    (422 civility_nudge) for a first submission that reads as hostile."""
    settings = site.settings
    config = policy_for(settings, around.thread_premoderated, site.word_lists)
    if not settings.automoderation or ctx.scorer is None:
        # No engine: the site's pre-moderation alone decides (every comment, comments with
        # links, or new authors' first comments), from signals that need no model.
        verdict = decide(premoderation_signals(around.facts), config)
        return Assessment(_STATUS[verdict.decision], None, verdict.reasons, ())
    scored = ctx.scorer.moderate(
        around.facts, config, after_nudge=acknowledged_nudge, site=site.slug
    )
    if scored is None:
        return Assessment(CommentStatus.PENDING, Decision.HOLD.value, (SCORER_UNAVAILABLE,), ())
    verdict, signals = scored
    if should_nudge(signals, config, first_submission=not acknowledged_nudge):
        raise InvalidInput(NUDGE_MESSAGE, code="civility_nudge", field="body")
    return Assessment(
        _STATUS[verdict.decision],
        verdict.decision.value,
        verdict.reasons,
        tuple(signal_record(s) for s in signals),
    )
