"""A linear model over word and character n-grams: a second reader beside the BiLSTM.

The network knows 20k words and reads nothing else; this model reads every word, word pair
and character 2- to 5-gram (inside words, so "idiooot", "f*cking" and "stoopid" share pieces
with their plain spellings) of the folded text. A comment becomes the set of its n-grams,
each worth 1/√(number of distinct n-grams) (so long and short comments compare), and its
score is the weighted sum plus a bias: a logit, which the toxicity combiner takes as one more
feature. Like the network, a long text is read in runs of 100 words and its largest logit
counts. The toxicity scorer passes the text followed by the repaired spellings of its
unknown words ("1d10t" → "idiot"; `ToxicityScorer.ngram_text`), at training time too. Fitted by
`tools/train_toxicity_model.py` (an NB-LR: an L2 logistic regression on columns scaled by
their log-count ratio, the scale folded into the shipped weights), shipped as JSON
(`models/toxicity_ngrams.json`).

Character n-grams are kept per distinct word in a small cache: comments repeat words, so a
long comment costs set unions rather than slicing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise, repeat

import numpy as np
import numpy.typing as npt

from threadline.moderation.normalize import fold

CHAR_SIZES = (2, 3, 4, 5)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")
_CACHE_SIZE = 50_000
_MODEL = "toxicity_ngrams.json"
WINDOW = 100  # words, as the network reads


def words(text: str) -> list[str]:
    """Folded words (letters, digits, inner apostrophes) and single punctuation marks."""
    return _WORD.findall(fold(text))


def char_ngrams(word: str) -> frozenset[str]:
    """Character n-grams of one word padded with spaces (" idiot " → " i", "id", … "ot ")."""
    padded = f" {word} "
    return frozenset(padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1))


class Analyzer:
    """Text → the set of its n-grams: "w:word", "b:word word", and character n-grams."""

    def __init__(self) -> None:
        self._chars: dict[str, frozenset[str]] = {}

    def __call__(self, text: str) -> set[str]:
        return self.grams(words(text))

    def windows(self, text: str, size: int) -> list[set[str]]:
        """The n-grams of each run of `size` words, counted from the end (as the network)."""
        ws = words(text)
        return [self.grams(ws[max(0, end - size) : end]) for end in range(len(ws), 0, -size)] or [
            set()
        ]

    def grams(self, ws: list[str]) -> set[str]:
        out = {"w:" + w for w in ws}
        out.update(f"b:{a} {b}" for a, b in pairwise(ws))
        cache = self._chars
        for w in set(ws):
            if len(w) == 1 and not w.isalnum():
                continue
            grams = cache.get(w)
            if grams is None:
                if len(cache) >= _CACHE_SIZE:
                    cache.clear()
                grams = cache[w] = char_ngrams(w)
            out |= grams
        return out


@dataclass(slots=True)
class NgramModel:
    weights: dict[str, float]
    bias: float
    analyzer: Analyzer = field(default_factory=Analyzer, repr=False, compare=False)

    def logit(self, text: str) -> float:
        """The logit of the whole text (as the model was fitted)."""
        return self._logit(self.analyzer(text))

    def window_logit(self, text: str) -> float:
        """The largest logit over runs of WINDOW words: abuse cannot hide in a long text."""
        return max(self._logit(grams) for grams in self.analyzer.windows(text, WINDOW))

    def _logit(self, grams: set[str]) -> float:
        if not grams:
            return self.bias
        # map() over a generator: a third less time, the same sum in the same order.
        total = sum(map(self.weights.get, grams, repeat(0.0)))
        return self.bias + total / math.sqrt(len(grams))

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """`window_logit` of each text."""
        return np.fromiter((self.window_logit(t) for t in texts), np.float64, count=len(texts))

    def to_json(self, **extra: object) -> str:
        data = {
            "char_sizes": list(CHAR_SIZES),
            **extra,
            "bias": round(self.bias, 6),
            "weights": {g: round(w, 4) for g, w in sorted(self.weights.items())},
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> NgramModel:
        data = json.loads(text)
        if tuple(data["char_sizes"]) != CHAR_SIZES:
            raise ValueError(f"character n-gram sizes {data['char_sizes']} != {CHAR_SIZES}")
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]))

    @classmethod
    def from_package(cls) -> NgramModel:
        """The n-gram model shipped inside the installed package."""
        folder = resources.files("threadline.moderation").joinpath("models")
        return cls.from_json(folder.joinpath(_MODEL).read_text(encoding="utf-8"))
