"""The moderation engine: every scorer over one comment (or a batch), then the policy.

`Moderator.load()` reads the packaged models once (≈ 0.1 s); the composition root keeps
one per process and passes it where comments are posted. Sites with their own word lists
get a copy sharing the models (`with_word_lists`), or name entries to add to the lists in
their `PolicyConfig` (the dashboard's per-site lists). Everything here is pure: what the engine
cannot see (the author's history, posting velocity, duplicates, reader flags) arrives in
`CommentFacts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from threadline.moderation.authors import new_author, reader_flags
from threadline.moderation.normalize import fold, tokens
from threadline.moderation.policy import PolicyConfig, Verdict, decide
from threadline.moderation.signals import Signal
from threadline.moderation.spam import Behaviour, SpamScorer
from threadline.moderation.toxicity import ToxicityScorer
from threadline.moderation.wire import reduce_by_fields
from threadline.moderation.wordlists import WordList
from threadline.moderation.words import banned_words, suspect_words


@dataclass(frozen=True, slots=True)
class CommentFacts:
    """One comment as the engine sees it, with what the caller knows around it."""

    text: str
    parent_text: str | None = None
    # The author's earlier approved comments; None when the author is unknown.
    author_approved_comments: int | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    flags: int = 0  # distinct readers who flagged it (for re-evaluation after flags)

    __reduce__ = reduce_by_fields


class Moderator:
    def __init__(
        self,
        toxicity: ToxicityScorer,
        spam: SpamScorer,
        banned: WordList,
        suspect: WordList,
    ) -> None:
        self.toxicity = toxicity
        self.spam = spam
        self.banned = banned
        self.suspect = suspect

    @classmethod
    def load(cls) -> Moderator:
        """The packaged models and default word lists."""
        return cls(
            ToxicityScorer.from_package(),
            SpamScorer.from_package(),
            WordList.packaged("banned"),
            WordList.packaged("suspect"),
        )

    def with_word_lists(
        self, banned: Iterable[str] | None = None, suspect: Iterable[str] | None = None
    ) -> Moderator:
        """A moderator with a site's own lists (None keeps the current one), sharing models."""
        return Moderator(
            self.toxicity,
            self.spam,
            WordList(banned) if banned is not None else self.banned,
            WordList(suspect) if suspect is not None else self.suspect,
        )

    def signals_many(
        self, comments: Sequence[CommentFacts], config: PolicyConfig
    ) -> list[list[Signal]]:
        """Every scorer's signals for each comment; toxicity is computed in one batch."""
        toxicity = self.toxicity.score_many(
            [c.text for c in comments], [c.parent_text for c in comments]
        )
        banned = self.banned.extended(config.banned_words)
        suspect = self.suspect.extended(config.suspect_words)
        out = []
        for comment, tox in zip(comments, toxicity, strict=True):
            words = tokens(fold(comment.text))
            signals = [
                tox,
                *self.spam.score(comment.text, comment.behaviour, words),
                banned_words(words, banned),
                suspect_words(words, suspect),
                new_author(comment.author_approved_comments),
            ]
            if comment.flags:
                signals.append(reader_flags(comment.flags, config.flags_to_hold))
            out.append(signals)
        return out

    def signals(self, comment: CommentFacts, config: PolicyConfig) -> list[Signal]:
        return self.signals_many([comment], config)[0]

    def moderate(
        self, comment: CommentFacts, config: PolicyConfig, *, after_nudge: bool = False
    ) -> tuple[Verdict, list[Signal]]:
        signals = self.signals(comment, config)
        return decide(signals, config, after_nudge=after_nudge), signals
