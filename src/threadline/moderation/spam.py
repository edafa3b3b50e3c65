"""Spam: what the text looks like, plus how the author behaves (numbers the caller passes in).

The text part is a logistic combination (`models/spam_combiner.json`) of the character
n-gram model (`spam_model`), the number of links, known spam phrases, shouting (capitals,
exclamation marks), text repeated within the comment and its length, trained by
`tools/train_spam_model.py` on the YouTube Spam Collection plus a share of news and
Wikipedia discussion comments as ham (`training_ham`): on YouTube nearly every link is
spam, while on a news site readers link their sources. Behaviour stays outside this pure function:
the caller counts the author's recent comments (posting velocity) and copies of the same
text elsewhere (`fingerprint` gives the key to count by), and says whether the honeypot
field was filled in. The spam score is the largest of the three parts, and the reason names
each part that counts.

Links: the n-gram model reads each link as the one word "http" (`without_links`), so the
characters of an address (".com/watch", "flickr", "bit.ly") do not count twice beside the
link count; and the discussion comments with links weigh LINK_HAM_WEIGHT times in the
combiner's fit, so one link in a civil comment no longer makes it look like spam (they
scored 0.20–0.77 before, 0.08–0.33 now; bench/moderation_eval.py measures the share held).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from threadline.moderation.evaluate import fold_of
from threadline.moderation.logistic import LogisticModel
from threadline.moderation.normalize import fold, tokens
from threadline.moderation.signals import HONEYPOT, LINKS, SPAM, Signal
from threadline.moderation.spam_model import NgramModel
from threadline.moderation.wire import reduce_by_fields
from threadline.moderation.wordlists import WordList

FEATURES = (
    "ngrams",
    "links",
    "phrases",
    "capitals",
    "exclamations",
    "repetition",
    "length",
)
_TLDS = (
    "com|net|org|info|biz|io|ly|me|co|tv|us|uk|ru|de|fr|tk|xyz|top|club|online|site|shop|"
    "store|app|link|click|live|pro|gl|gg|be"
)
LINK = re.compile(
    r"https?://\S+|www\.\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:" + _TLDS + r")\b(?:/\S*)?"
    r"|\b\w+\s*(?:\(|\[)?\s*dot\s*(?:\)|\])?\s*(?:com|net|org)\b",
    re.IGNORECASE,
)
# Weight of each discussion comment with links among the extra ham in the combiner's fit.
LINK_HAM_WEIGHT = 5.0
# Posting velocity: comments by the same author (or address) in the caller's window.
VELOCITY_FREE = 3
VELOCITY_MAX = 10


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the caller knows about the author's recent activity (all optional)."""

    recent_comments: int = 0  # by this author/address in the last few minutes
    duplicates: int = 0  # earlier comments with the same fingerprint, in any thread
    honeypot: bool = False  # the hidden form field a person never fills in was filled

    __reduce__ = reduce_by_fields


def count_links(text: str) -> int:
    return len(LINK.findall(text))


def links_signal(links: int) -> Signal:
    """The links a comment holds, as the policy reads them (pre-moderation of links)."""
    return Signal(LINKS, min(1.0, links / 3), f"{links} link(s)." if links else "No links.", links)


def without_links(text: str) -> str:
    """The text with every link replaced by the word "http": what the n-gram model reads."""
    return LINK.sub(" http ", text)


def fingerprint(text: str) -> str:
    """A key equal for texts that differ only in case, spacing, accents or look-alikes."""
    return hashlib.blake2b(" ".join(tokens(fold(text))).encode(), digest_size=12).hexdigest()


def repetition(words: list[str]) -> float:
    """Share of words that repeat an earlier one (0 for fewer than 6 words)."""
    if len(words) < 6:
        return 0.0
    return 1.0 - len(set(words)) / len(words)


class SpamScorer:
    def __init__(self, ngrams: NgramModel, combiner: LogisticModel, phrases: WordList) -> None:
        if combiner.features != FEATURES:
            raise ValueError(f"combiner features {combiner.features} != {FEATURES}")
        self.ngrams = ngrams
        self.combiner = combiner
        self.phrases = phrases

    @classmethod
    def from_package(
        cls, ngrams: NgramModel | None = None, combiner: LogisticModel | None = None
    ) -> SpamScorer:
        models = resources.files("threadline.moderation").joinpath("models")
        if ngrams is None:
            ngrams = NgramModel.from_json(
                models.joinpath("spam_ngrams.json").read_text(encoding="utf-8")
            )
        if combiner is None:
            combiner = LogisticModel.from_json(
                models.joinpath("spam_combiner.json").read_text(encoding="utf-8")
            )
        return cls(ngrams, combiner, WordList.packaged("spam_phrases"))

    def features(self, text: str, words: list[str] | None = None) -> list[float]:
        if words is None:
            words = tokens(fold(text))
        return self._features(text, words, len(self.phrases.find_in_tokens(words)))

    def _features(self, text: str, words: list[str], phrases: int) -> list[float]:
        letters = [c for c in text if c.isalpha()]
        capitals = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
        return [
            self.ngrams.score(without_links(text)),
            float(np.log1p(count_links(text))),
            float(np.log1p(phrases)),
            capitals,
            float(np.log1p(text.count("!"))),
            repetition(words),
            float(np.log1p(len(text))),
        ]

    def text_score(self, text: str) -> float:
        return float(self.combiner.predict(np.asarray([self.features(text)]))[0])

    def score(
        self, text: str, behaviour: Behaviour | None = None, words: list[str] | None = None
    ) -> list[Signal]:
        """The spam, links and honeypot signals for one comment (`words`: its folded tokens)."""
        behaviour = behaviour or Behaviour()
        if words is None:
            words = tokens(fold(text))
        phrases = self.phrases.find_in_tokens(words)
        features = self._features(text, words, len(phrases))
        text_score = float(self.combiner.logits(np.asarray([features]))[0])
        text_score = 1.0 / (1.0 + math.exp(-text_score))
        links = count_links(text)
        parts = [(text_score, f"text looks like spam ({text_score:.2f})")]
        if behaviour.recent_comments > VELOCITY_FREE:
            over = behaviour.recent_comments - VELOCITY_FREE
            velocity = min(1.0, over / (VELOCITY_MAX - VELOCITY_FREE))
            parts.append((velocity, f"{behaviour.recent_comments} comments in a short time"))
        if behaviour.duplicates > 0:
            duplicate = 0.6 if behaviour.duplicates == 1 else 0.9
            parts.append((duplicate, f"same text posted {behaviour.duplicates} time(s) before"))
        score = max(p[0] for p in parts)
        reasons = [r for s, r in parts if s >= 0.5] or [parts[0][1]]
        details = []
        if links:
            details.append(f"{links} link(s)")
        if phrases:
            details.append("spam phrases: " + ", ".join(sorted({m.entry for m in phrases})[:4]))
        reason = f"Spam {score:.2f}: " + "; ".join(reasons)
        if details:
            reason += " (" + "; ".join(details) + ")"
        signals = [
            Signal(SPAM, min(1.0, max(0.0, score)), reason + "."),
            links_signal(links),
        ]
        if behaviour.honeypot:
            signals.append(Signal(HONEYPOT, 1.0, "The hidden honeypot field was filled in."))
        return signals


def training_ham(texts: Iterable[str]) -> list[str]:
    """The discussion comments used as extra ham: a tenth of them, plus half of those with links.

    The other half of the comments with links stays out of training, so the benchmark can
    measure how many legitimate comments with links the spam score would hold.
    """
    return [t for t in texts if fold_of(t, 10) == 0 or (fold_of(t, 2) == 0 and count_links(t))]


def held_out_with_links(texts: Iterable[str]) -> list[str]:
    """Discussion comments with links that `training_ham` leaves out."""
    return [t for t in texts if fold_of(t, 2) == 1 and fold_of(t, 10) != 0 and count_links(t)]


def train_spam_scorer(
    texts: list[str],
    labels: list[int],
    groups: list[str],
    *,
    extra_ham: Sequence[str] = (),
    l2: float = 1.0,
) -> SpamScorer:
    """Fit the n-gram model on all texts and the combiner on out-of-group n-gram scores.

    `groups` name where each labelled text comes from (a video, a site); `extra_ham` are
    comments known not to be spam, spread over those groups. The combiner must see n-gram
    scores like those of unseen comments, so each training comment's n-gram score comes from
    a model fitted without its group.
    """
    from threadline.moderation.logistic import fit_logistic
    from threadline.moderation.spam_model import train_ngram_model

    names = sorted(set(groups))
    texts = list(texts) + list(extra_ham)
    labels = list(labels) + [0] * len(extra_ham)
    groups = list(groups) + [names[fold_of(t, len(names))] for t in extra_ham]
    plain = [without_links(t) for t in texts]
    phrases = WordList.packaged("spam_phrases")
    n = len(FEATURES)
    placeholder = LogisticModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    rows = np.zeros((len(texts), n))
    for group in names:
        inside = [g == group for g in groups]
        inner = train_ngram_model(
            [t for t, i in zip(plain, inside, strict=True) if not i],
            [y for y, i in zip(labels, inside, strict=True) if not i],
        )
        scorer = SpamScorer(inner, placeholder, phrases)
        for k, i in enumerate(inside):
            if i:
                rows[k] = scorer.features(texts[k])
    # The extra ham with links counts LINK_HAM_WEIGHT times: on YouTube nearly every link is
    # spam, and without it one link outweighed a civil text.
    weights = np.ones(len(texts))
    for k in range(len(texts) - len(extra_ham), len(texts)):
        if count_links(texts[k]):
            weights[k] = LINK_HAM_WEIGHT
    combiner = fit_logistic(rows, labels, FEATURES, l2=l2, sample_weight=weights)
    return SpamScorer(train_ngram_model(plain, labels), combiner, phrases)
