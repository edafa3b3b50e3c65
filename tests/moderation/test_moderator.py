from __future__ import annotations

import time

from threadline.moderation import CommentFacts, Decision, Moderator, PolicyConfig
from threadline.moderation.signals import BANNED_WORDS, NEW_AUTHOR, SUSPECT_WORDS, find


def test_load_from_package_files() -> None:
    start = time.perf_counter()
    moderator = Moderator.load()
    assert time.perf_counter() - start < 5
    assert len(moderator.banned) > 0 and len(moderator.suspect) > 0


def test_every_scorer_speaks(moderator: Moderator) -> None:
    verdict, signals = moderator.moderate(CommentFacts("Hello there"), PolicyConfig())
    names = {s.scorer for s in signals}
    assert {"toxicity", "spam", "links", BANNED_WORDS, SUSPECT_WORDS, NEW_AUTHOR} <= names
    assert verdict.decision is Decision.PUBLISH
    assert all(s.reason for s in signals)


def test_site_word_lists(moderator: Moderator) -> None:
    site = moderator.with_word_lists(banned=["brexit"], suspect=["remoaner"])
    assert site.toxicity is moderator.toxicity
    verdict, _ = site.moderate(CommentFacts("Br3x1t again"), PolicyConfig())
    assert verdict.decision is Decision.REJECT
    verdict, signals = site.moderate(CommentFacts("typical remoaner"), PolicyConfig())
    assert verdict.decision is Decision.HOLD
    assert find(signals, SUSPECT_WORDS) is not None
    # the default lists are untouched
    verdict, _ = moderator.moderate(CommentFacts("Brexit again"), PolicyConfig())
    assert verdict.decision is Decision.PUBLISH


def test_parent_context_is_used(moderator: Moderator) -> None:
    _, signals = moderator.moderate(
        CommentFacts("I agree with you.", parent_text="What a great idea."), PolicyConfig()
    )
    assert "replying to a comment scored" in signals[0].reason
