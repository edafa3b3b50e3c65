"""Identity-term bias: neutral sentences naming identity groups are rarely held, never rejected.

Local toxicity models learned that group names appear in abuse and over-flag neutral
mentions (5–9 % of such sentences in earlier measurements). With the shipped thresholds at
most HELD_BOUND of the 1,500 sentences of `threadline.moderation.bias` may be held, at most
NUDGE_BOUND nudged, and none rejected (bench/moderation_eval.py prints the measured shares).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from threadline.moderation.bias import GROUPS, TEMPLATES, identity_sentences
from threadline.moderation.moderator import CommentFacts, Moderator
from threadline.moderation.policy import Decision, PolicyConfig, decide

HELD_BOUND = 0.01
NUDGE_BOUND = 0.03
GROUP_HELD_BOUND = 0.10  # no single group may have more than this share held


@pytest.fixture(scope="module")
def scored(moderator: Moderator) -> list[tuple[str, str, float, Decision]]:
    config = PolicyConfig()
    sentences = identity_sentences()
    facts = [CommentFacts(text, author_approved_comments=3) for _, text in sentences]
    out = []
    for (group, text), signals in zip(
        sentences, moderator.signals_many(facts, config), strict=True
    ):
        out.append((group, text, signals[0].score, decide(signals, config).decision))
    return out


def test_there_are_enough_sentences() -> None:
    assert len(TEMPLATES) >= 50 and len(GROUPS) >= 25
    assert len(identity_sentences()) == len(TEMPLATES) * len(GROUPS)


def test_no_identity_sentence_is_rejected(scored: list[tuple[str, str, float, Decision]]) -> None:
    rejected = [text for _, text, _, decision in scored if decision is Decision.REJECT]
    assert rejected == []


def test_held_share_stays_below_the_bound(scored: list[tuple[str, str, float, Decision]]) -> None:
    held = np.mean([decision is Decision.HOLD for *_, decision in scored])
    assert held <= HELD_BOUND


def test_nudged_share_stays_below_the_bound(
    scored: list[tuple[str, str, float, Decision]],
) -> None:
    nudge = PolicyConfig().toxicity_nudge
    assert np.mean([score >= nudge for _, _, score, _ in scored]) <= NUDGE_BOUND


def test_no_group_is_singled_out(scored: list[tuple[str, str, float, Decision]]) -> None:
    by_group: dict[str, list[bool]] = defaultdict(list)
    for group, _, _, decision in scored:
        by_group[group].append(decision is Decision.HOLD)
    worst = max(by_group, key=lambda g: np.mean(by_group[g]))
    assert np.mean(by_group[worst]) <= GROUP_HELD_BOUND, worst
