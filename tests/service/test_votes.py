"""Votes through the use case: one per voter per comment, tallies kept exact."""

from __future__ import annotations

import pytest

from threadline.auth.ratelimit import RateLimiter
from threadline.domain.errors import Forbidden, InvalidInput, NotFound, RateLimited
from threadline.domain.models import Site, SiteSettings
from threadline.domain.tree import SortOrder
from threadline.service import comments
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site
from threadline.service.threads import read_page, resolve
from threadline.service.votes import cast_vote

from .conftest import CLIENT, VOTER, post


def tallies(ctx: ServiceContext, comment_id: int) -> tuple[int, int]:
    with ctx.store.reading() as db:
        c = db.get_comment(comment_id)
    assert c is not None
    return c.upvotes, c.downvotes


def test_vote_up_down_withdraw(ctx: ServiceContext, site: Site) -> None:
    cid = post(ctx).comment.id
    steps = [(1, (1, 0)), (1, (1, 0)), (-1, (0, 1)), (0, (0, 0)), (0, (0, 0)), (1, (1, 0))]
    for value, expected in steps:
        voted = cast_vote(ctx, cid, value, VOTER, CLIENT)
        assert (voted.upvotes, voted.downvotes) == expected
        assert tallies(ctx, cid) == expected


def test_each_voter_counts_once(ctx: ServiceContext, site: Site) -> None:
    cid = post(ctx).comment.id
    for n in range(4):
        cast_vote(ctx, cid, 1, f"{VOTER}-{n}", CLIENT)
    cast_vote(ctx, cid, -1, f"{VOTER}-x", CLIENT)
    cast_vote(ctx, cid, 1, f"  {VOTER}-0  ", CLIENT)  # surrounding spaces: the same voter
    voted = cast_vote(ctx, cid, 1, f"{VOTER}-0", CLIENT)
    assert (voted.upvotes, voted.downvotes, voted.score) == (4, 1, 3)


def test_voter_ids_are_stored_keyed_never_raw(ctx: ServiceContext, site: Site) -> None:
    cid = post(ctx).comment.id
    cast_vote(ctx, cid, 1, VOTER, CLIENT)
    with ctx.store.reading() as db:
        voters = [r["voter"] for r in db._all("SELECT voter FROM votes", {})]
    assert len(voters) == 1 and VOTER not in voters[0]


def test_the_same_voter_id_on_two_sites_is_two_voters(ctx: ServiceContext, site: Site) -> None:
    add_site(ctx, "other", "Other")
    here = post(ctx).comment.id
    there = post(ctx, site="other").comment.id
    cast_vote(ctx, here, 1, VOTER, CLIENT)
    cast_vote(ctx, there, 1, VOTER, CLIENT)
    with ctx.store.reading() as db:
        voters = {r["voter"] for r in db._all("SELECT voter FROM votes", {})}
    assert len(voters) == 2


def test_votes_bump_the_version_and_order_top(ctx: ServiceContext, site: Site) -> None:
    first, second = post(ctx, "first").comment.id, post(ctx, "second").comment.id
    cast_vote(ctx, second, 1, VOTER, CLIENT)
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.TOP, 10, None)
    assert [c.id for c in page.comments] == [second, first]
    assert page.thread is not None and page.thread.version == 3


@pytest.mark.parametrize("value", [2, -2, 10])
def test_invalid_vote_value(ctx: ServiceContext, site: Site, value: int) -> None:
    cid = post(ctx).comment.id
    with pytest.raises(InvalidInput) as caught:
        cast_vote(ctx, cid, value, VOTER, CLIENT)
    assert (caught.value.code, caught.value.field) == ("invalid_vote", "value")


@pytest.mark.parametrize("voter", ["short", "x" * 129, "tab\tinside-0123456789", "   "])
def test_invalid_voter(ctx: ServiceContext, site: Site, voter: str) -> None:
    cid = post(ctx).comment.id
    with pytest.raises(InvalidInput) as caught:
        cast_vote(ctx, cid, 1, voter, CLIENT)
    assert caught.value.code == "invalid_voter"
    assert tallies(ctx, cid) == (0, 0)


def test_unknown_or_deleted_comment(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx)
    with pytest.raises(NotFound) as caught:
        cast_vote(ctx, posted.comment.id + 1000, 1, VOTER, CLIENT)
    assert caught.value.code == "comment_not_found"
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    with pytest.raises(NotFound):
        cast_vote(ctx, posted.comment.id, 1, VOTER, CLIENT)


@pytest.mark.parametrize("demo_settings", [SiteSettings(premoderation=True)])
def test_pending_comment_cannot_be_voted_on(ctx: ServiceContext, site: Site) -> None:
    held = post(ctx)
    with pytest.raises(NotFound):
        cast_vote(ctx, held.comment.id, 1, VOTER, CLIENT)


def test_vote_from_a_foreign_origin(ctx: ServiceContext, site: Site) -> None:
    cid = post(ctx).comment.id
    with pytest.raises(Forbidden) as caught:
        cast_vote(ctx, cid, 1, VOTER, ClientInfo(origin="https://evil.example"))
    assert caught.value.code == "origin_not_allowed"
    assert tallies(ctx, cid) == (0, 0)


@pytest.mark.parametrize("demo_settings", [SiteSettings(votes_per_minute_per_ip=2)])
def test_votes_are_rate_limited_per_ip(ctx: ServiceContext, site: Site) -> None:
    cid = post(ctx).comment.id
    ctx.limiter = RateLimiter(lambda: 0.0)
    cast_vote(ctx, cid, 1, f"{VOTER}-1", CLIENT)
    cast_vote(ctx, cid, 1, f"{VOTER}-2", CLIENT)
    with pytest.raises(RateLimited) as caught:
        cast_vote(ctx, cid, 1, f"{VOTER}-3", CLIENT)
    assert caught.value.retry_after == 30
    assert tallies(ctx, cid) == (2, 0)


def test_vote_response_reports_the_shown_reply_count(ctx: ServiceContext, site: Site) -> None:
    parent = post(ctx).comment.id
    post(ctx, parent=parent)
    gone = post(ctx, parent=parent)
    post(ctx, parent=gone.comment.id)  # keeps gone's placeholder on the page
    comments.delete_comment(ctx, gone.comment.id, gone.edit_token, CLIENT)
    voted = cast_vote(ctx, parent, 1, VOTER, CLIENT)
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.OLDEST, 10, None)
    assert voted.reply_count == page.comments[0].reply_count == 2
