"""The moderation pipeline inside posting and editing, on real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Clock
from tests.service.conftest import CLIENT, post
from threadline.app import load_moderator
from threadline.domain.errors import Forbidden, InvalidInput
from threadline.domain.models import CommentStatus, Site, SiteSettings
from threadline.moderation import CommentFacts, PolicyConfig
from threadline.service import comments, pipeline, sites
from threadline.service.context import ServiceContext
from threadline.service.scoring import CommentScorer

CIVIL = "I disagree with the council's decision on parking fees."
HOSTILE = "You are an idiot and a moron, shut up."


def _info(ctx: ServiceContext, comment_id: int) -> Any:
    with ctx.store.reading() as db:
        return db.comment_moderation(comment_id), db.get_comment(comment_id)


def _count(ctx: ServiceContext) -> int:
    with ctx.store.reading() as db:
        thread = db.get_thread(1, "article-1")
    return thread.comment_count if thread else 0


def test_a_civil_comment_is_published_with_its_signals_stored(
    ctx: ServiceContext, site: Site
) -> None:
    posted = post(ctx, CIVIL, email="Ada@Example.com")
    assert posted.comment.status is CommentStatus.PUBLISHED
    info, _ = _info(ctx, posted.comment.id)
    assert info.decision == "publish" and info.reasons == ()
    assert info.author_key == "ada@example.com"
    scorers = {s["scorer"] for s in info.signals}
    assert {"toxicity", "spam", "banned_words", "new_author"} <= scorers
    assert all(0 <= s["score"] <= 1 and s["reason"] for s in info.signals)


def test_a_hostile_first_submission_is_nudged_and_nothing_is_stored(
    ctx: ServiceContext, site: Site
) -> None:
    with pytest.raises(InvalidInput) as caught:
        post(ctx, HOSTILE)
    assert caught.value.code == "civility_nudge"
    assert "revise" in caught.value.message
    assert _count(ctx) == 0
    with ctx.store.reading() as db:
        assert db.get_thread(site.id, "article-1") is None


def test_posting_anyway_after_the_nudge_holds_the_comment_with_reasons(
    ctx: ServiceContext, site: Site
) -> None:
    draft = comments.CommentDraft(
        "demo", "article-1", HOSTILE, post(ctx, CIVIL).comment.author, acknowledge_nudge=True
    )
    held = comments.post_comment(ctx, draft, CLIENT)
    assert held.comment.status is CommentStatus.PENDING
    info, _ = _info(ctx, held.comment.id)
    assert info.decision == "hold"
    assert any(r.startswith("Toxicity") for r in info.reasons)
    assert _count(ctx) == 1  # only the civil one counts


def test_a_banned_word_rejects_and_keeps_the_comment_for_the_rejected_queue(
    ctx: ServiceContext, site: Site
) -> None:
    ctx.scorer = CommentScorer(load_moderator().with_word_lists(banned=["zorblax"]))
    with pytest.raises(InvalidInput) as caught:
        post(ctx, "What a zorblax this council is.")
    assert caught.value.code == "comment_rejected"
    with ctx.store.reading() as db:
        rejected = db.author_comments(site.id, "reader", [CommentStatus.REJECTED])
        assert len(rejected) == 1
        info = db.comment_moderation(rejected[0].id)
    assert info is not None and info.decision == "reject"
    assert _count(ctx) == 0


def test_a_banned_author_is_refused_until_the_ban_ends(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    now = clock()
    ctx.store.write(
        lambda db: db.insert_ban(
            site.id, "troll@example.com", "abuse", None, now, now + timedelta(days=1)
        )
    )
    with pytest.raises(Forbidden) as caught:
        post(ctx, CIVIL, name="Troll", email="TROLL@example.com")
    assert caught.value.code == "author_banned"
    post(ctx, CIVIL, name="Troll", email="someone-else@example.com")
    clock.advance(days=1, seconds=1)
    assert post(ctx, CIVIL, name="Troll", email="troll@example.com").comment.status == "published"


class _Broken:
    def __init__(self, error: bool) -> None:
        self.error = error
        self.release = threading.Event()

    def moderate(self, facts: CommentFacts, config: PolicyConfig, after_nudge: bool = False) -> Any:
        if self.error:
            raise RuntimeError("model file is corrupt")
        self.release.wait(5)
        return load_moderator().moderate(facts, config, after_nudge=after_nudge)


@pytest.mark.parametrize("error", [True, False], ids=["failing", "slow"])
def test_a_failing_or_slow_scorer_holds_the_comment_and_never_loses_it(
    ctx: ServiceContext, site: Site, error: bool
) -> None:
    broken = _Broken(error)
    ctx.scorer = CommentScorer(broken, timeout_s=0.05)  # type: ignore[arg-type]
    try:
        posted = post(ctx, CIVIL)
    finally:
        broken.release.set()
        ctx.scorer.close()
    assert posted.comment.status is CommentStatus.PENDING
    info, stored = _info(ctx, posted.comment.id)
    assert stored.body == CIVIL
    assert info.reasons == (pipeline.SCORER_UNAVAILABLE,)


@pytest.mark.parametrize(
    "demo_settings", [SiteSettings(premoderate_new_authors=2)], ids=["first-two"]
)
def test_the_first_comments_of_new_authors_can_be_premoderated(
    ctx: ServiceContext, site: Site
) -> None:
    first = post(ctx, CIVIL, email="new@example.com").comment
    assert first.status is CommentStatus.PENDING
    info, _ = _info(ctx, first.id)
    assert "new authors" in info.reasons[0]
    ctx.store.write(
        lambda db: db.set_comment_status(first.id, CommentStatus.PUBLISHED, None, ctx.clock())
    )
    second = post(ctx, "The bus lanes were a good idea.", email="new@example.com").comment
    assert second.status is CommentStatus.PENDING
    ctx.store.write(
        lambda db: db.set_comment_status(second.id, CommentStatus.PUBLISHED, None, ctx.clock())
    )
    third = post(ctx, "Parking is still hard to find.", email="new@example.com").comment
    assert third.status is CommentStatus.PUBLISHED


def test_a_premoderated_thread_holds_every_comment(ctx: ServiceContext, site: Site) -> None:
    first = post(ctx, CIVIL).comment
    ctx.store.write(lambda db: db.set_thread_premoderated(first.thread_id, True))
    assert post(ctx, "Another civil remark.").comment.status is CommentStatus.PENDING
    assert post(ctx, "Elsewhere.", thread="article-2").comment.status is CommentStatus.PUBLISHED


@pytest.mark.parametrize("demo_settings", [SiteSettings(automoderation=False)], ids=["off"])
def test_without_automoderation_comments_are_not_scored(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx, HOSTILE).comment
    assert posted.status is CommentStatus.PUBLISHED
    info, _ = _info(ctx, posted.id)
    assert info.decision is None and info.signals == ()


@pytest.mark.parametrize("demo_settings", [SiteSettings(auto_close_days=3)], ids=["3-days"])
def test_threads_close_automatically_after_n_days(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    post(ctx, CIVIL)
    clock.advance(days=2, hours=23)
    post(ctx, "Still open.")
    clock.advance(hours=1)
    with pytest.raises(Forbidden) as caught:
        post(ctx, "Too late.")
    assert caught.value.code == "thread_closed"


def test_an_edit_is_scored_too_and_can_take_a_comment_off_the_page(
    ctx: ServiceContext, site: Site
) -> None:
    posted = post(ctx, CIVIL)
    assert _count(ctx) == 1
    with pytest.raises(InvalidInput) as caught:
        comments.edit_comment(ctx, posted.comment.id, HOSTILE, posted.edit_token, CLIENT)
    assert caught.value.code == "civility_nudge"
    edited = comments.edit_comment(
        ctx, posted.comment.id, HOSTILE, posted.edit_token, CLIENT, acknowledge_nudge=True
    )
    assert edited.status is CommentStatus.PENDING and edited.body == HOSTILE
    assert _count(ctx) == 0
    # Made civil again, it stays held: only a moderator puts a comment back.
    again = comments.edit_comment(ctx, posted.comment.id, CIVIL, posted.edit_token, CLIENT)
    assert again.status is CommentStatus.PENDING
    info, _ = _info(ctx, posted.comment.id)
    assert any(r.startswith("Posted anyway") or r.startswith("Toxicity") for r in info.reasons)


def test_copies_of_a_long_text_count_as_spam_but_short_replies_do_not(
    ctx: ServiceContext, site: Site
) -> None:
    for n in range(3):
        assert post(ctx, "Agreed!", name=f"R{n}").comment.status is CommentStatus.PUBLISHED
    campaign = "The new bus timetable starts on Monday and the first bus leaves at six."
    first = post(ctx, campaign, name="A").comment
    info, _ = _info(ctx, first.id)
    assert "same text" not in next(s for s in info.signals if s["scorer"] == "spam")["reason"]
    post(ctx, campaign, name="B", thread="article-2")
    third = post(ctx, campaign, name="C", thread="article-3").comment
    info, _ = _info(ctx, third.id)
    spam = next(s for s in info.signals if s["scorer"] == "spam")
    assert spam["score"] >= 0.9 and "same text posted 2 time(s)" in spam["reason"]


def test_policy_settings_are_configured_as_data(ctx: ServiceContext, site: Site) -> None:
    updated = sites.configure_site(
        ctx,
        "demo",
        changes={"toxicity_hold": "0.4", "premoderate_links": "on", "flags_to_hold": "5"},
    )
    config = pipeline.policy_for(updated.settings)
    assert (config.toxicity_hold, config.premoderation.value, config.flags_to_hold) == (
        0.4,
        "links",
        5,
    )
    for bad in ({"toxicity_hold": "1.5"}, {"spam_hold": "nan"}, {"flags_to_hold": "0"}):
        with pytest.raises(InvalidInput) as caught:
            sites.configure_site(ctx, "demo", changes=bad)
        assert caught.value.code == "invalid_setting"
    assert replace(updated.settings, toxicity_hold=0.15) == replace(
        SiteSettings(), premoderate_links=True, flags_to_hold=5
    )


@pytest.mark.parametrize(
    "demo_settings",
    [SiteSettings(comments_per_minute_per_ip=100, comments_per_minute_per_author=100)],
    ids=["loose-limits"],
)
def test_posting_velocity_holds_a_flood_when_rate_limits_are_on(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    ctx.limiter.enabled = True
    statuses = []
    for n in range(11):
        clock.advance(seconds=30)
        statuses.append(post(ctx, f"Remark {n} about the timetable.").comment.status)
    assert statuses[:4] == [CommentStatus.PUBLISHED] * 4
    assert statuses[-1] is CommentStatus.PENDING
    clock.advance(minutes=11)  # the window has passed
    assert post(ctx, "A calm remark later on.").comment.status is CommentStatus.PUBLISHED


def test_without_automoderation_comments_still_leave_their_traces_for_later(
    ctx: ServiceContext, site: Site
) -> None:
    """Automoderation off reads only what decides the status (bans, pre-moderation), but every
    comment keeps its author key and fingerprint: copies posted meanwhile still count once
    a newsroom turns the engine on, and a ban still stops a banned author."""
    sites.configure_site(ctx, "demo", changes={"automoderation": "off"})
    campaign = "The new bus timetable starts on Monday and the first bus leaves at six."
    for n, thread in enumerate(("article-1", "article-2")):
        quiet = post(ctx, campaign, name=f"Q{n}", thread=thread).comment
        info, _ = _info(ctx, quiet.id)
        assert (quiet.status, info.decision, info.signals) == (CommentStatus.PUBLISHED, None, ())
        assert info.author_key == f"q{n}"
    sites.configure_site(ctx, "demo", changes={"automoderation": "on"})
    third = post(ctx, campaign, name="C", thread="article-3").comment
    info, _ = _info(ctx, third.id)
    spam = next(s for s in info.signals if s["scorer"] == "spam")
    assert "same text posted 2 time(s)" in spam["reason"]


def test_without_automoderation_the_sites_pre_moderation_still_applies(
    ctx: ServiceContext, site: Site
) -> None:
    """Automoderation off means no scoring, not no rules: comments with links, or the first
    comments of new authors, wait for a moderator when the site says so (docs/moderation.md)."""
    sites.configure_site(ctx, "demo", changes={"automoderation": "off"})
    hostile_but_unscored = post(ctx, HOSTILE, name="Loud").comment
    assert hostile_but_unscored.status is CommentStatus.PUBLISHED  # no engine: no nudge either

    sites.configure_site(ctx, "demo", changes={"premoderate_links": "on"})
    linked = post(ctx, "Background: https://example.org/report", name="Linker").comment
    plain = post(ctx, CIVIL, name="Plain").comment
    assert (linked.status, plain.status) == (CommentStatus.PENDING, CommentStatus.PUBLISHED)
    info, _ = _info(ctx, linked.id)
    assert info.decision is None and any("links are pre-moderated" in r for r in info.reasons)

    sites.configure_site(
        ctx, "demo", changes={"premoderate_links": "off", "premoderate_new_authors": "1"}
    )
    newcomer = post(ctx, CIVIL, name="Newcomer").comment
    regular = post(ctx, CIVIL, name="Plain").comment  # one approved comment already
    assert newcomer.status is CommentStatus.PENDING
    assert regular.status is CommentStatus.PUBLISHED
    info, _ = _info(ctx, newcomer.id)
    assert any("new authors" in r for r in info.reasons)
