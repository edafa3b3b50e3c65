"""Build-time helpers shared by tools/train_toxicity_model.py and bench/moderation_eval.py.

Fitting the n-gram model needs scikit-learn and SciPy (the `dev` extra), at build and
benchmark time only; the package itself scores with numpy alone.

The honest estimate is nested: for each of 5 outer folds (CRC-32 of the text) the n-gram
model and the combiner are fitted without that fold, and the combiner is fitted on n-gram
scores that are themselves out-of-fold (inner folds), as the shipped combiner is.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from neutral_examples import SHORT_REPLIES, neutral_examples
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from threadline.moderation.evaluate import fold_of
from threadline.moderation.logistic import LogisticModel, fit_logistic
from threadline.moderation.ngrams import Analyzer, NgramModel
from threadline.moderation.toxicity import FEATURES, ToxicityScorer

FOLDS = 5
COMBINER_L2 = 10.0  # as the first combiner; ≈ scikit-learn C = 0.1 on standardized features
NGRAM_C = 10.0  # scikit-learn C of the n-gram logistic regression (rows are unit length)
# N-gram weights smaller than this are dropped (in the cross-validation too): 0.1 keeps
# ≈ 60k of ≈ 680k with the same out-of-fold ROC-AUC, a third of the memory of 0.02.
PRUNE = 0.1
# Weight of each neutral example in the combiner's fit: the few short replies five times
# each (a bare "lol" otherwise still scored 0.18), the many identity sentences a fifth each.
SHORT_WEIGHT = 5.0
IDENTITY_WEIGHT = 0.2
NGRAM = FEATURES.index("ngrams")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def extra_toxic(data: Path) -> list[str]:
    """Toxic comments from outside the Wikipedia set, used as extra positives.

    Civil Comments rated clearly toxic by every span rater, and the tweets labelled hate or
    offensive. Their clean counterparts are not used: the Civil Comments sample has no clean
    comments (all were rated toxic once), and tweets as negatives taught the model Twitter
    style rather than civility; the Wikipedia comments of the training folds are the
    negatives.
    """
    civil = read_csv(data / "civil_comments_toxic_spans.csv")
    tweets = read_csv(data / "davidson_hate_offensive.csv")
    return [r["text"] for r in civil if float(r["frac_not_toxic"]) == 0.0] + [
        r["text"] for r in tweets if r["label"] == "1"
    ]


class GramMatrix:
    """Comments as rows of a sparse matrix over every n-gram seen (value 1/√distinct)."""

    def __init__(self, texts: Sequence[str]) -> None:
        analyzer = Analyzer()
        index: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            grams = analyzer(text)
            value = 1.0 / math.sqrt(len(grams)) if grams else 0.0
            for g in grams:
                indices.append(index.setdefault(g, len(index)))
            values.extend([value] * len(grams))
            indptr.append(len(indices))
        self.names = list(index)
        self.matrix = csr_matrix(
            (np.asarray(values), np.asarray(indices), np.asarray(indptr)),
            shape=(len(texts), len(index)),
        )


def fit_ngrams(x: csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
    """L2 logistic regression on n-gram rows: (weights per column, bias)."""
    model = LogisticRegression(C=NGRAM_C, max_iter=1000, tol=1e-5)
    model.fit(x, y)
    return np.asarray(model.coef_[0]), float(model.intercept_[0])


@dataclass
class TrainingSet:
    """Wikipedia comments (labelled), extra toxic comments, neutral examples, as n-grams.

    The neutral examples (`neutral_examples`) train the combiner only, in every fold
    (`neutral_weights`); the n-gram model never sees them, so their n-gram logits are
    those of unseen texts.
    """

    texts: list[str]
    labels: np.ndarray  # Wikipedia comments only
    folds: np.ndarray
    extra: int
    neutral: list[str]
    grams: GramMatrix

    repaired: list[str]  # what the n-gram model reads (`ngram_text`): texts, extras, neutrals

    @classmethod
    def load(cls, data: Path, scorer: ToxicityScorer) -> TrainingSet:
        rows = read_csv(data / "wiki_talk_cat_large.csv")
        texts = [r["text"] for r in rows]
        extra = extra_toxic(data)
        neutral = neutral_examples()
        repaired = [scorer.ngram_text(t) for t in texts + extra + neutral]
        return cls(
            texts,
            np.array([int(r["label"]) for r in rows]),
            np.array([fold_of(t, FOLDS) for t in texts]),
            len(extra),
            neutral,
            GramMatrix(repaired),
            repaired,
        )

    def _fit(self, train: np.ndarray) -> tuple[np.ndarray, float]:
        """The n-gram regression on the Wikipedia rows `train` (bool mask) plus the extras."""
        n = len(self.labels)
        rows = np.concatenate([np.flatnonzero(train), np.arange(n, n + self.extra)])
        y = np.concatenate([self.labels[train], np.ones(self.extra)])
        return fit_ngrams(self.grams.matrix[rows], y)

    def ngram_logits(self, train: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fit without the rows outside `train`; logits of the rows `score` and the neutrals.

        Scored as the package scores (`NgramModel.logits`: windows of 100 words), by the
        model pruned as shipped.
        """
        model = self._model(train, PRUNE)
        return (
            model.logits([self.repaired[k] for k in np.flatnonzero(score)]),
            model.logits(self.repaired[len(self.labels) + self.extra :]),
        )

    def _model(self, train: np.ndarray, prune: float) -> NgramModel:
        weights, bias = self._fit(train)
        kept = {
            self.grams.names[j]: float(w)
            for j, w in enumerate(weights.tolist())
            if w and abs(w) >= prune
        }
        return NgramModel(kept, bias)

    def out_of_fold_ngrams(self, within: np.ndarray) -> np.ndarray:
        """N-gram logits for the rows in `within`, each from a model fitted without its fold."""
        out = np.zeros(len(self.labels))
        for f in sorted(set(self.folds[within].tolist())):
            held = within & (self.folds == f)
            out[held] = self.ngram_logits(within & ~held, held)[0]
        return out

    def model(self) -> NgramModel:
        """The n-gram model fitted on every row plus the extras, small weights pruned."""
        return self._model(np.ones(len(self.labels), bool), PRUNE)


def base_rows(scorer: ToxicityScorer, texts: Sequence[str]) -> np.ndarray:
    """The combiner's rows with the n-gram column left at 0 (filled in per fold)."""
    rows = scorer.features(texts)
    rows[:, NGRAM] = 0.0
    return rows


def neutral_weights(n: int) -> np.ndarray:
    weights = np.full(n, IDENTITY_WEIGHT)
    weights[: len(SHORT_REPLIES)] = SHORT_WEIGHT
    return weights


def fit_combiner(x: np.ndarray, y: np.ndarray, neutral: np.ndarray | None = None) -> LogisticModel:
    """The combiner on rows `x` (labels `y`) plus the neutral rows (`neutral_examples`)."""
    if neutral is None or not len(neutral):
        return fit_logistic(x, y, FEATURES, l2=COMBINER_L2)
    return fit_logistic(
        np.vstack([x, neutral]),
        np.concatenate([y, np.zeros(len(neutral))]),
        FEATURES,
        l2=COMBINER_L2,
        sample_weight=np.concatenate([np.ones(len(y)), neutral_weights(len(neutral))]),
    )


def nested_cross_validation(
    data: TrainingSet,
    rows: np.ndarray,
    neutral_rows: np.ndarray,
    progress: Callable[[str], None] = print,
) -> np.ndarray:
    """Out-of-fold toxicity probabilities, every part fitted without the scored fold."""
    out = np.zeros(len(data.labels))
    for f in range(FOLDS):
        test = data.folds == f
        train = ~test
        x = rows.copy()
        x[train, NGRAM] = data.out_of_fold_ngrams(train)[train]
        x[test, NGRAM], neutral_logits = data.ngram_logits(train, test)
        neutral = neutral_rows.copy()
        neutral[:, NGRAM] = neutral_logits
        out[test] = fit_combiner(x[train], data.labels[train], neutral).predict(x[test])
        progress(f"outer fold {f} done")
    return out


def fit_shipped(
    data: TrainingSet, rows: np.ndarray, neutral_rows: np.ndarray
) -> tuple[NgramModel, LogisticModel]:
    """The shipped n-gram model (all rows) and combiner (on out-of-fold n-gram logits)."""
    x = rows.copy()
    x[:, NGRAM] = data.out_of_fold_ngrams(np.ones(len(data.labels), bool))
    ngrams = data.model()
    neutral = neutral_rows.copy()
    neutral[:, NGRAM] = ngrams.logits(data.repaired[len(data.labels) + data.extra :])
    return ngrams, fit_combiner(x, data.labels, neutral)
