"""A naive-Bayes model over character n-grams: the text part of the spam score.

Each comment becomes the set of its character 3- to 5-grams (lowercased, whitespace
collapsed, padded with a space). Training keeps, for every n-gram seen at least `min_count`
times, the log ratio of its smoothed frequency in spam and in ham comments; scoring sums
the ratios of a comment's n-grams, divided by the square root of their number so long and
short comments compare. Character n-grams catch "check out my channel", "subscribe", URLs
and their obfuscations without a word list. Trained by `tools/train_spam_model.py`; the
weights ship as JSON (`models/spam_ngrams.json`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

_SPACE = re.compile(r"\s+")
NGRAM_SIZES = (3, 4, 5)


def ngrams(text: str) -> set[str]:
    padded = " " + _SPACE.sub(" ", text.lower()).strip() + " "
    return {padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1)}


@dataclass(frozen=True, slots=True)
class NgramModel:
    weights: dict[str, float]

    def score(self, text: str) -> float:
        """Sum of the n-gram log ratios over √(number of n-grams); > 0 leans spam."""
        grams = ngrams(text)
        total = sum(map(self.weights.get, grams, repeat(0.0)))  # a generator costs ⅓ more
        return total / math.sqrt(len(grams) + 1)

    def to_json(self, **extra: object) -> str:
        data = {"ngram_sizes": list(NGRAM_SIZES), **extra, "weights": self.weights}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> NgramModel:
        data = json.loads(text)
        if tuple(data["ngram_sizes"]) != NGRAM_SIZES:
            raise ValueError(f"n-gram sizes {data['ngram_sizes']} != {NGRAM_SIZES}")
        return cls({str(k): float(v) for k, v in data["weights"].items()})


def train_ngram_model(
    texts: Sequence[str],
    labels: Iterable[int | bool],
    *,
    alpha: float = 0.5,
    min_count: int = 3,
    min_weight: float = 0.1,
) -> NgramModel:
    spam: Counter[str] = Counter()
    ham: Counter[str] = Counter()
    n_spam = n_ham = 0
    for text, label in zip(texts, labels, strict=True):
        if label:
            spam.update(ngrams(text))
            n_spam += 1
        else:
            ham.update(ngrams(text))
            n_ham += 1
    if not n_spam or not n_ham:
        raise ValueError("training needs both spam and ham comments")
    weights: dict[str, float] = {}
    for gram in spam.keys() | ham.keys():
        if spam[gram] + ham[gram] < min_count:
            continue
        w = math.log((spam[gram] + alpha) / (n_spam + 2 * alpha)) - math.log(
            (ham[gram] + alpha) / (n_ham + 2 * alpha)
        )
        if abs(w) >= min_weight:
            weights[gram] = round(w, 3)
    return NgramModel(dict(sorted(weights.items())))
