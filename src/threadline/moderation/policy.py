"""Policies: signals + a site's (or thread's) settings → publish, hold for review, or reject.

Pure and total: every decision carries the reasons it was taken for. The toxicity model
only ever holds a comment for a person to look at (it over-flags neutral mentions of
identity groups; see the bias check in bench/moderation_eval.py); rejection needs certainty
a model cannot give: a banned word written out in full, or the honeypot field filled in.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from threadline.moderation.signals import (
    BANNED_WORDS,
    FLAGS,
    HONEYPOT,
    LINKS,
    NEW_AUTHOR,
    SPAM,
    SUSPECT_WORDS,
    TOXICITY,
    Signal,
    find,
)
from threadline.moderation.wire import reduce_by_fields

# Chosen on the Wikipedia talk set (bench/moderation_eval.py, cross-validated scores): at
# 0.15 the toxicity score holds 1.0 % of those comments (precision 0.30, recall 0.29; the
# labels are noisy), 72 % of clearly toxic news comments (Civil Comments), and 0.13 % of
# 1,500 neutral sentences naming identity groups; the nudge at 0.12 asks 1.3 % of authors
# for a second look (0.9 % of the identity sentences).
DEFAULT_TOXICITY_HOLD = 0.15
DEFAULT_TOXICITY_NUDGE = 0.12
DEFAULT_SPAM_HOLD = 0.80


class Decision(enum.StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


class Premoderation(enum.StrEnum):
    OFF = "off"
    ALL = "all"  # every comment waits for a moderator
    NEW_AUTHORS = "new_authors"  # the first N comments of each author
    LINKS = "links"  # comments that contain a link


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    premoderation: Premoderation = Premoderation.OFF
    new_author_comments: int = 1  # N for Premoderation.NEW_AUTHORS
    toxicity_hold: float = DEFAULT_TOXICITY_HOLD
    toxicity_nudge: float = DEFAULT_TOXICITY_NUDGE
    spam_hold: float = DEFAULT_SPAM_HOLD
    flags_to_hold: int = 3
    hold_suspect_words: bool = True
    reject_banned_words: bool = True
    # The site's own entries, matched in addition to the packaged lists.
    banned_words: tuple[str, ...] = ()
    suspect_words: tuple[str, ...] = ()

    __reduce__ = reduce_by_fields

    def __post_init__(self) -> None:
        for name in ("toxicity_hold", "toxicity_nudge", "spam_hold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, not {value!r}")
        if self.new_author_comments < 0 or self.flags_to_hold < 1:
            raise ValueError("new_author_comments must be >= 0 and flags_to_hold >= 1")


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reasons: tuple[str, ...]

    __reduce__ = reduce_by_fields


def decide(
    signals: Sequence[Signal], config: PolicyConfig, *, after_nudge: bool = False
) -> Verdict:
    """The decision for one comment, with every reason that led to it (strongest first).

    `after_nudge`: the author was nudged and chose to post anyway; such a comment is held
    when its toxicity still reaches the nudge threshold.
    """
    signals = tuple(signals)
    reject: list[str] = []
    hold: list[str] = []

    banned = find(signals, BANNED_WORDS)
    if banned is not None and banned.score >= 1.0 and config.reject_banned_words:
        reject.append(banned.reason)
    elif banned is not None and banned.score > 0:
        hold.append(banned.reason)
    honeypot = find(signals, HONEYPOT)
    if honeypot is not None and honeypot.score >= 1.0:
        reject.append(honeypot.reason)
    if reject:
        return Verdict(Decision.REJECT, tuple(reject))

    toxicity = find(signals, TOXICITY)
    if toxicity is not None and toxicity.score >= config.toxicity_hold:
        hold.append(toxicity.reason)
    elif after_nudge and toxicity is not None and toxicity.score >= config.toxicity_nudge:
        hold.append(f"Posted anyway after a civility nudge. {toxicity.reason}")
    suspect = find(signals, SUSPECT_WORDS)
    if suspect is not None and suspect.score > 0 and config.hold_suspect_words:
        hold.append(suspect.reason)
    spam = find(signals, SPAM)
    if spam is not None and spam.score >= config.spam_hold:
        hold.append(spam.reason)
    flags = find(signals, FLAGS)
    if flags is not None and flags.count >= config.flags_to_hold:
        hold.append(f"{flags.reason} (holds at {config.flags_to_hold}).")

    links = find(signals, LINKS)
    author = find(signals, NEW_AUTHOR)
    match config.premoderation:
        case Premoderation.ALL:
            hold.append("Every comment is pre-moderated here.")
        case Premoderation.LINKS if links is not None and links.count > 0:
            hold.append(f"Comments with links are pre-moderated here ({links.reason[:-1]}).")
        case Premoderation.NEW_AUTHORS if (
            author is not None and author.count < config.new_author_comments
        ):
            n = config.new_author_comments
            hold.append(
                f"The first {n} comment{'s' if n != 1 else ''} of new authors "
                f"{'are' if n != 1 else 'is'} pre-moderated here ({author.reason[:-1]})."
            )
        case _:
            pass

    if hold:
        return Verdict(Decision.HOLD, tuple(hold))
    return Verdict(Decision.PUBLISH, ())


def should_nudge(
    signals: Sequence[Signal], config: PolicyConfig, *, first_submission: bool
) -> bool:
    """Whether to answer this submission with a civility nudge ("revise or post anyway").

    Only a first submission is nudged, and only when its toxicity reaches the nudge
    threshold; posting anyway is a second submission, which the policy then decides on
    (and holds, when the toxicity reaches the hold threshold). A comment that is rejected
    anyway is not nudged.
    """
    if not first_submission:
        return False
    toxicity = find(signals, TOXICITY)
    if toxicity is None or toxicity.score < config.toxicity_nudge:
        return False
    return decide(signals, config).decision is not Decision.REJECT
