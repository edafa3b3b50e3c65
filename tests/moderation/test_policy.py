"""Table-driven policy decisions."""

from __future__ import annotations

import pytest

from threadline.moderation.authors import new_author, reader_flags
from threadline.moderation.policy import (
    Decision,
    PolicyConfig,
    Premoderation,
    decide,
    should_nudge,
)
from threadline.moderation.signals import (
    BANNED_WORDS,
    HONEYPOT,
    LINKS,
    SPAM,
    SUSPECT_WORDS,
    TOXICITY,
    Signal,
)


def sig(scorer: str, score: float, count: int = 0) -> Signal:
    return Signal(scorer, score, f"{scorer} {score}.", count)


CLEAN = [
    sig(TOXICITY, 0.01),
    sig(SPAM, 0.05),
    sig(LINKS, 0.0),
    sig(BANNED_WORDS, 0.0),
    sig(SUSPECT_WORDS, 0.0),
    new_author(10),
]


def with_(*extra: Signal) -> list[Signal]:
    names = {s.scorer for s in extra}
    return [s for s in CLEAN if s.scorer not in names] + list(extra)


DEFAULT = PolicyConfig()


@pytest.mark.parametrize(
    ("signals", "config", "decision", "reason_part"),
    [
        (CLEAN, DEFAULT, Decision.PUBLISH, None),
        (with_(sig(BANNED_WORDS, 1.0, 1)), DEFAULT, Decision.REJECT, "banned_words"),
        (with_(sig(BANNED_WORDS, 0.5, 1)), DEFAULT, Decision.HOLD, "banned_words"),
        (
            with_(sig(BANNED_WORDS, 1.0, 1)),
            PolicyConfig(reject_banned_words=False),
            Decision.HOLD,
            "banned_words",
        ),
        (with_(sig(HONEYPOT, 1.0)), DEFAULT, Decision.REJECT, "honeypot"),
        (with_(sig(SUSPECT_WORDS, 1.0, 1)), DEFAULT, Decision.HOLD, "suspect_words"),
        (
            with_(sig(SUSPECT_WORDS, 1.0, 1)),
            PolicyConfig(hold_suspect_words=False),
            Decision.PUBLISH,
            None,
        ),
        # A model alone never rejects, however sure it is.
        (with_(sig(TOXICITY, 1.0)), DEFAULT, Decision.HOLD, "toxicity"),
        (with_(sig(TOXICITY, 0.5)), PolicyConfig(toxicity_hold=0.6), Decision.PUBLISH, None),
        (with_(sig(SPAM, 1.0)), DEFAULT, Decision.HOLD, "spam"),
        (with_(sig(SPAM, 0.5)), DEFAULT, Decision.PUBLISH, None),
        (with_(reader_flags(2, 3)), DEFAULT, Decision.PUBLISH, None),
        (with_(reader_flags(3, 3)), DEFAULT, Decision.HOLD, "Flagged by 3 readers"),
        (with_(reader_flags(1, 1)), PolicyConfig(flags_to_hold=1), Decision.HOLD, "holds at 1"),
        (CLEAN, PolicyConfig(premoderation=Premoderation.ALL), Decision.HOLD, "Every comment"),
        (CLEAN, PolicyConfig(premoderation=Premoderation.LINKS), Decision.PUBLISH, None),
        (
            with_(sig(LINKS, 0.3, 1)),
            PolicyConfig(premoderation=Premoderation.LINKS),
            Decision.HOLD,
            "links",
        ),
        (
            with_(new_author(None)),
            PolicyConfig(premoderation=Premoderation.NEW_AUTHORS),
            Decision.HOLD,
            "first 1 comment of new authors is",
        ),
        (
            with_(new_author(2)),
            PolicyConfig(premoderation=Premoderation.NEW_AUTHORS, new_author_comments=3),
            Decision.HOLD,
            "first 3 comments",
        ),
        (
            with_(new_author(3)),
            PolicyConfig(premoderation=Premoderation.NEW_AUTHORS, new_author_comments=3),
            Decision.PUBLISH,
            None,
        ),
        (with_(new_author(None)), DEFAULT, Decision.PUBLISH, None),
        # Rejection wins over holds, and says why.
        (
            with_(sig(BANNED_WORDS, 1.0, 1), sig(TOXICITY, 0.9), sig(SPAM, 0.9)),
            PolicyConfig(premoderation=Premoderation.ALL),
            Decision.REJECT,
            "banned_words",
        ),
    ],
)
def test_decide(
    signals: list[Signal], config: PolicyConfig, decision: Decision, reason_part: str | None
) -> None:
    verdict = decide(signals, config)
    assert verdict.decision is decision
    if reason_part is None:
        assert verdict.reasons == ()
    else:
        assert any(reason_part in r for r in verdict.reasons), verdict.reasons


def test_all_hold_reasons_are_kept() -> None:
    verdict = decide(with_(sig(TOXICITY, 0.9), sig(SPAM, 0.95), sig(SUSPECT_WORDS, 1, 1)), DEFAULT)
    assert verdict.decision is Decision.HOLD
    assert len(verdict.reasons) == 3


def test_decide_without_signals_publishes() -> None:
    assert decide([], DEFAULT).decision is Decision.PUBLISH


@pytest.mark.parametrize(
    ("toxicity", "first", "nudge"),
    [
        (0.05, True, False),
        (DEFAULT.toxicity_nudge, True, True),
        (0.9, True, True),
        (0.9, False, False),  # "post anyway": never nudged twice
    ],
)
def test_should_nudge(toxicity: float, first: bool, nudge: bool) -> None:
    signals = with_(sig(TOXICITY, toxicity))
    assert should_nudge(signals, DEFAULT, first_submission=first) is nudge


def test_no_nudge_for_what_is_rejected_anyway() -> None:
    signals = with_(sig(TOXICITY, 0.9), sig(BANNED_WORDS, 1.0, 1))
    assert not should_nudge(signals, DEFAULT, first_submission=True)


def test_posting_anyway_after_a_nudge_holds() -> None:
    between = (DEFAULT.toxicity_nudge + DEFAULT.toxicity_hold) / 2
    signals = with_(sig(TOXICITY, between))
    assert decide(signals, DEFAULT).decision is Decision.PUBLISH
    after = decide(signals, DEFAULT, after_nudge=True)
    assert after.decision is Decision.HOLD
    assert "civility nudge" in after.reasons[0]
    assert decide(CLEAN, DEFAULT, after_nudge=True).decision is Decision.PUBLISH


@pytest.mark.parametrize(
    "kwargs",
    [{"toxicity_hold": 1.5}, {"toxicity_nudge": -0.1}, {"flags_to_hold": 0}],
)
def test_config_is_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PolicyConfig(**kwargs)  # type: ignore[arg-type]


def test_signal_score_is_validated() -> None:
    with pytest.raises(ValueError):
        Signal(TOXICITY, 1.2, "too much")
