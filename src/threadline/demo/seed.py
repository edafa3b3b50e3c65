"""Seed the demo discussions through the service layer, once.

Seeding is idempotent: a thread that already has a version (anything was ever written to it)
is left alone. Rate limits are switched off for the seeding context only, and a clock that
walks through the discussion's timeline gives every comment a realistic age. The demo site
gets a reader secret once (the demo newspaper signs a demo reader in with it, api/static.py);
an existing one is kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from threadline.auth.ratelimit import RateLimiter
from threadline.demo.content import ARTICLES, DEMO_SITE, Article
from threadline.demo.discussion import DISCUSSIONS, DemoComment
from threadline.domain.errors import AlreadyExists
from threadline.domain.models import Author
from threadline.domain.moderation import Actor, Role
from threadline.domain.tree import SortOrder
from threadline.service import accounts, comments, moderation, reader_sign_in, threads, votes
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import get_site

SEEDER = ClientInfo(user_agent="threadline demo seeder")
# The demo desk's moderator removes the abusive comment. Nobody knows the account's random
# password: it exists so the removal is a real, audited moderator action.
DESK_EMAIL = "desk@demo.threadline.invalid"
REMOVAL_REASON = "Personal attack"


def _desk_editor(ctx: ServiceContext, site: str) -> Actor:
    with contextlib.suppress(AlreadyExists):
        accounts.create_user(ctx, DESK_EMAIL, "Demo desk", secrets.token_urlsafe(24))
    return accounts.grant_role(ctx, DESK_EMAIL, Role.MODERATOR, site)


@dataclass
class _Timeline:
    """A settable clock: the seeder moves it to each event's moment."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class SeedReport:
    seeded: tuple[str, ...]  # thread keys written now
    skipped: tuple[str, ...]  # thread keys that already had a discussion
    comments: int
    votes: int


def seed_demo(ctx: ServiceContext, site: str = DEMO_SITE) -> SeedReport:
    """Write each demo discussion whose thread does not exist yet; the site must exist."""
    give_reader_secret(ctx, site)
    now = ctx.clock()
    seeded: list[str] = []
    skipped: list[str] = []
    posted = cast = 0
    for article in ARTICLES:
        discussion = DISCUSSIONS.get(article.key, ())
        if not discussion:
            continue
        ref = threads.resolve(ctx, site, article.key)
        if threads.thread_version(ctx, ref) > 0:
            skipped.append(article.key)
            continue
        published = now - timedelta(minutes=article.published_minutes_ago)
        n_comments, n_votes = _seed_thread(ctx, site, article, discussion, published, now)
        posted += n_comments
        cast += n_votes
        seeded.append(article.key)
    return SeedReport(tuple(seeded), tuple(skipped), posted, cast)


def give_reader_secret(ctx: ServiceContext, site: str = DEMO_SITE) -> bool:
    """Turn reader sign-in on for the demo site, unless it is on: replacing the secret would
    sign out every demo reader. Whether a secret was made now."""
    if get_site(ctx, site).reader_secret is not None:
        return False
    # Seeding runs from `threadline serve --demo`: the command line's change, audited as such.
    reader_sign_in.new_reader_secret(ctx, site, reader_sign_in.COMMAND_LINE)
    return True


def seeded_at(ctx: ServiceContext, site: str = DEMO_SITE) -> datetime:
    """When the demo discussions were seeded (now, if they have not been): the moment all
    the demo articles' ages count back from, so dates and comment ages agree."""
    for article in ARTICLES:
        discussion = DISCUSSIONS.get(article.key, ())
        if not discussion:
            continue
        ref = threads.resolve(ctx, site, article.key)
        page = threads.read_page(ctx, ref, SortOrder.OLDEST, 1, None)
        if page.thread is not None:
            first = min(c.minutes for c in discussion)
            return page.thread.created_at + timedelta(minutes=article.published_minutes_ago - first)
    return ctx.clock()


def published_at(seeded: datetime, article: Article) -> datetime:
    return seeded - timedelta(minutes=article.published_minutes_ago)


def _seed_thread(
    ctx: ServiceContext,
    site: str,
    article: Article,
    discussion: tuple[DemoComment, ...],
    published: datetime,
    now: datetime,
) -> tuple[int, int]:
    clock = _Timeline(published)
    # Curated content, not readers' posts: no rate limits, and the moderation engine (which
    # would hold a civil comment for a spam phrase like "visit") is not consulted.
    seeding = dataclasses.replace(
        ctx, limiter=RateLimiter(time.monotonic, enabled=False), clock=clock, scorer=None
    )
    ids: dict[str, int] = {}
    tokens: dict[str, str] = {}

    def post(c: DemoComment) -> None:
        draft = comments.CommentDraft(
            site=site,
            thread=article.key,
            body=c.body,
            author=Author(c.author, website=c.website),
            parent_id=ids[c.parent] if c.parent else None,
            title=article.title,
        )
        done = comments.post_comment(seeding, draft, SEEDER)
        ids[c.ref] = done.comment.id
        tokens[c.ref] = done.edit_token

    # (minute, order within the minute, what, comment): replies come after their parents.
    timeline: list[tuple[int, int, str, DemoComment]] = []
    for c in discussion:
        timeline.append((c.minutes, 0, "post", c))
        if c.edited:
            timeline.append((c.edited[0], 1, "edit", c))
        if c.deleted_at is not None:
            timeline.append((c.deleted_at, 2, "delete", c))
    for minute, _, what, c in sorted(timeline, key=lambda event: event[:2]):
        clock.now = published + timedelta(minutes=minute)
        if what == "post":
            post(c)
        elif what == "edit" and c.edited:
            comments.edit_comment(seeding, ids[c.ref], c.edited[1], tokens[c.ref], SEEDER)
        else:
            desk = _desk_editor(seeding, site)
            moderation.reject(seeding, desk, ids[c.ref], REMOVAL_REASON)

    # Votes arrive afterwards from many readers; concurrent calls share group commits.
    clock.now = now
    ballots = [
        (ids[c.ref], value, f"demo-reader-{article.key[:40]}-{value:+d}-{i:04d}")
        for c in discussion
        if c.deleted_at is None
        for value, count in ((1, c.up), (-1, c.down))
        for i in range(count)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda b: votes.cast_vote(seeding, b[0], b[1], b[2], SEEDER), ballots))
    return len(discussion), len(ballots)
