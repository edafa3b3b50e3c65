"""What every scorer returns: a named score in 0..1 with a reason a moderator can read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from threadline.moderation.wire import reduce_by_fields

# Scorer names: the policy and the JSON output refer to signals by these.
TOXICITY = "toxicity"
SPAM = "spam"
LINKS = "links"
BANNED_WORDS = "banned_words"
SUSPECT_WORDS = "suspect_words"
NEW_AUTHOR = "new_author"
FLAGS = "flags"
HONEYPOT = "honeypot"


@dataclass(frozen=True, slots=True)
class Signal:
    """One scorer's finding about one comment.

    `score` is in 0..1 (higher = more reason to hold); `reason` is a sentence for the
    moderation queue; `count` is what the scorer counted, where it counts something (links,
    matched words, reader flags, the author's earlier approved comments).
    """

    scorer: str
    score: float
    reason: str
    count: int = 0

    __reduce__ = reduce_by_fields

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"{self.scorer}: score {self.score!r} is outside 0..1")


def find(signals: Sequence[Signal], scorer: str) -> Signal | None:
    """The first signal of the named scorer, or None."""
    return next((s for s in signals if s.scorer == scorer), None)
