"""A site's own words added to the packaged lists through `PolicyConfig`: they reject or hold
like packaged entries, leave other sites' decisions alone, are built once per distinct set,
and entries that could never match are refused before they are stored."""

from __future__ import annotations

import pytest

from threadline.moderation import CommentFacts, Decision, Moderator, PolicyConfig
from threadline.moderation.signals import BANNED_WORDS, SUSPECT_WORDS, find
from threadline.moderation.wordlists import WordList, entry_problem, packaged_size


def test_site_entries_add_to_the_packaged_list() -> None:
    base = WordList(["darn"])
    site = base.extended(["zorblax", "flurb*"])
    assert {m.entry for m in site.find("darn zorblax flurbery")} == {"darn", "zorblax", "flurb*"}
    assert [m.entry for m in base.find("darn zorblax")] == ["darn"]  # the base is untouched
    assert base.extended(["zorblax", "flurb*"]) is site  # built once, caches kept warm
    assert base.extended([]) is base
    assert base.extended(["other"]) is not site


@pytest.mark.parametrize(
    ("config", "text", "decision"),
    [
        (PolicyConfig(banned_words=("zorblax",)), "What a Z0RBLAX.", Decision.REJECT),
        (PolicyConfig(banned_words=("zorblax",)), "What a z*rblax.", Decision.HOLD),  # masked
        (
            PolicyConfig(banned_words=("zorblax",), reject_banned_words=False),
            "What a zorblax.",
            Decision.HOLD,
        ),
        (PolicyConfig(suspect_words=("flurb*",)), "Such flurbery.", Decision.HOLD),
        (
            PolicyConfig(suspect_words=("flurb*",), hold_suspect_words=False),
            "Such flurbery.",
            Decision.PUBLISH,
        ),
        (PolicyConfig(banned_words=("city hall",)), "Blame city hall.", Decision.REJECT),
        (PolicyConfig(), "What a zorblax.", Decision.PUBLISH),
    ],
)
def test_site_words_decide_like_packaged_ones(
    moderator: Moderator, config: PolicyConfig, text: str, decision: Decision
) -> None:
    facts = CommentFacts(text, author_approved_comments=5)
    verdict, signals = moderator.moderate(facts, config)
    assert verdict.decision is decision, (verdict, signals)


def test_packaged_words_still_apply_beside_a_sites_own(moderator: Moderator) -> None:
    config = PolicyConfig(banned_words=("zorblax",), suspect_words=("flurb",))
    _, signals = moderator.moderate(CommentFacts("You faggot."), config)
    banned = find(signals, BANNED_WORDS)
    assert banned is not None and banned.score == 1.0
    _, signals = moderator.moderate(CommentFacts("Nothing to see."), config)
    suspect = find(signals, SUSPECT_WORDS)
    assert suspect is not None and suspect.score == 0.0
    assert packaged_size("banned") == len(moderator.banned)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("zorblax", None),
        ("city hall", None),
        ("flurb*", None),
        ("Grüße", None),
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 101, "at most 100"),
        ("#tag", "“#”"),
        ("ab*", "three letters"),
        ("city hall*", "single word"),
        ("!!!", "letter or digit"),
    ],
)
def test_entries_that_cannot_match_are_named(entry: str, problem: str | None) -> None:
    found = entry_problem(entry)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
