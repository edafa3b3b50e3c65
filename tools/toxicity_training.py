"""Build-time helpers shared by tools/train_toxicity_model.py and bench/moderation_eval.py.

Fitting the n-gram model needs scikit-learn and SciPy (the `dev` extra), at build and
benchmark time only; the package itself scores with numpy alone.

The n-gram model is an NB-LR (Wang & Manning 2012, "Baselines and Bigrams"): each n-gram
column is scaled by its log-count ratio (how much more often it occurs in toxic than in
civil training comments) before the L2 logistic regression, and the fitted weights are
multiplied back by that ratio, so the shipped model is an ordinary linear model over the
same n-grams (`NgramModel`).

The design is chosen by cross-validation inside the training rows (`fit_selected`): each
candidate n-gram setting (`NGRAM_CANDIDATES`: regularization C, weight of the Davidson
tweets) gets out-of-fold n-gram logits over the training rows (inner folds), and each
combiner setting (`HIDDEN_PENALTIES`: how hard the first network's 50 hidden units are held
back; tox-block's six logits, like the other features, keep COMBINER_L2) is cross-validated
on them over the same inner folds; the pair with the best inner ROC-AUC is fitted on all
the training rows. The honest estimate is nested: for each of 5 outer
folds (CRC-32 of the text) this whole selection and fit runs without that fold, which it
then scores.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from neutral_examples import SHORT_REPLIES, neutral_examples
from scipy.sparse import csr_matrix, diags  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from threadline.moderation.evaluate import fold_of, roc_auc
from threadline.moderation.logistic import LogisticModel, fit_logistic
from threadline.moderation.ngrams import Analyzer, NgramModel
from threadline.moderation.toxicity import FEATURES, ToxicityScorer

FOLDS = 5
COMBINER_L2 = 10.0  # as the first combiner; ≈ scikit-learn C = 0.1 on standardized features
NB_ALPHA = 1.0  # smoothing of the n-gram counts in the log-count ratio
# N-gram weights smaller than this are dropped (in the cross-validation too): 0.1 keeps
# ≈ 60k of ≈ 630k with about the same out-of-fold ROC-AUC.
PRUNE = 0.1
# Weight of each neutral example in the combiner's fit: the few short replies five times
# each (a bare "lol" otherwise still scored 0.18), the many identity sentences a fifth each.
SHORT_WEIGHT = 5.0
IDENTITY_WEIGHT = 0.2
# Weight of each neutral example as a negative in the n-gram regression. Without them the
# NB-LR learnt the slurs of the Davidson tweets ("queer", "gay", "black" as insults): a
# neutral "I am a queer man." was held.
NEUTRAL_NGRAM_WEIGHT = 1.0
NGRAM = FEATURES.index("ngrams")
HIDDEN = np.array([name.startswith("hidden_") for name in FEATURES])  # the first network's


@dataclass(frozen=True)
class NgramConfig:
    """How the n-gram regression is fitted: its C and the weight of each extra positive."""

    c: float = 100.0
    civil_weight: float = 1.0
    davidson_weight: float = 1.0

    def __str__(self) -> str:
        return f"C={self.c:g}, Davidson weight {self.davidson_weight:g}"


# Candidates tried by the inner cross-validation (found on an exploratory 4-fold run, see
# docs/moderation.md): C 30 or 100 (10 was the fixed earlier choice), the Davidson tweets
# at full weight or 0.3 (their 20k tweets outnumber the Wikipedia positives 100 to 1).
NGRAM_CANDIDATES = tuple(
    NgramConfig(c=c, davidson_weight=d) for c in (30.0, 100.0) for d in (1.0, 0.3)
)
# L2 penalty on the hidden units' combiner weights (the other features keep COMBINER_L2):
# 10 as before, 300, or 1e4, which in effect leaves them out.
HIDDEN_PENALTIES = (10.0, 300.0, 1e4)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def extra_toxic(data: Path) -> tuple[list[str], list[str]]:
    """Toxic comments from outside the Wikipedia set, used as extra positives.

    (Civil Comments rated clearly toxic by every span rater, tweets labelled hate or
    offensive.) Their clean counterparts are not used: the Civil Comments sample has no
    clean comments (all were rated toxic once), and tweets as negatives taught the model
    Twitter style rather than civility; the Wikipedia comments of the training folds are
    the negatives.
    """
    civil = read_csv(data / "civil_comments_toxic_spans.csv")
    tweets = read_csv(data / "davidson_hate_offensive.csv")
    return (
        [r["text"] for r in civil if float(r["frac_not_toxic"]) == 0.0],
        [r["text"] for r in tweets if r["label"] == "1"],
    )


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


def log_count_ratio(
    x: csr_matrix, y: np.ndarray, weight: np.ndarray, alpha: float = NB_ALPHA
) -> np.ndarray:
    """Per column: log of its smoothed share among toxic rows over that among civil rows.

    Counts are of rows containing the n-gram (weighted), so the ratio is > 0 for n-grams
    more common in toxic comments.
    """
    present = (x != 0).astype(np.float64)
    toxic = alpha + np.asarray(present.T @ (weight * y)).ravel()
    civil = alpha + np.asarray(present.T @ (weight * (1 - y))).ravel()
    return np.asarray(np.log(toxic / toxic.sum()) - np.log(civil / civil.sum()), np.float64)


def fit_ngrams(
    x: csr_matrix,
    y: np.ndarray,
    c: float = 100.0,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """NB-LR on n-gram rows: (weights per column of `x`, bias).

    The regression sees each column scaled by its log-count ratio; the returned weights
    include that scale, so `x @ weights + bias` is the fitted logit.
    """
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    ratio = log_count_ratio(x, y, weight)
    model = LogisticRegression(C=c, solver="liblinear", max_iter=2000, tol=1e-5)
    model.fit(x @ diags(ratio), y, sample_weight=weight)
    return np.asarray(model.coef_[0]) * ratio, float(model.intercept_[0])


@dataclass
class TrainingSet:
    """Wikipedia comments (labelled), extra toxic comments, neutral examples, as n-grams.

    The neutral examples (`neutral_examples`) are negatives in every fold, for the n-gram
    model (weight NEUTRAL_NGRAM_WEIGHT) and for the combiner (`neutral_weights`).
    """

    texts: list[str]
    labels: np.ndarray  # Wikipedia comments only
    folds: np.ndarray
    civil: int  # extra positives from Civil Comments (first), then the Davidson tweets
    extra: int
    neutral: list[str]
    grams: GramMatrix

    repaired: list[str]  # what the n-gram model reads (`ngram_text`): texts, extras, neutrals
    _cache: dict[tuple[NgramConfig, bytes], NgramModel] = field(default_factory=dict)

    @classmethod
    def load(cls, data: Path, scorer: ToxicityScorer) -> TrainingSet:
        rows = read_csv(data / "wiki_talk_cat_large.csv")
        texts = [r["text"] for r in rows]
        civil, tweets = extra_toxic(data)
        neutral = neutral_examples()
        repaired = [scorer.ngram_text(t) for t in texts + civil + tweets + neutral]
        return cls(
            texts,
            np.array([int(r["label"]) for r in rows]),
            np.array([fold_of(t, FOLDS) for t in texts]),
            len(civil),
            len(civil) + len(tweets),
            neutral,
            GramMatrix(repaired),
            repaired,
        )

    def _fit(self, train: np.ndarray, config: NgramConfig) -> tuple[np.ndarray, float]:
        """The n-gram regression on the Wikipedia rows `train` (bool mask), the extra
        positives and the neutral examples (as negatives)."""
        n = len(self.labels)
        n_neutral = len(self.neutral)
        rows = np.concatenate([np.flatnonzero(train), np.arange(n, n + self.extra + n_neutral)])
        y = np.concatenate([self.labels[train], np.ones(self.extra), np.zeros(n_neutral)])
        weight = np.concatenate(
            [
                np.ones(int(train.sum())),
                np.full(self.civil, config.civil_weight),
                np.full(self.extra - self.civil, config.davidson_weight),
                np.full(n_neutral, NEUTRAL_NGRAM_WEIGHT),
            ]
        )
        keep = weight > 0
        return fit_ngrams(self.grams.matrix[rows[keep]], y[keep], config.c, weight[keep])

    def model(self, train: np.ndarray, config: NgramConfig) -> NgramModel:
        """The n-gram model fitted on the rows `train` plus the extras, small weights pruned."""
        key = (config, np.packbits(train).tobytes())
        if key not in self._cache:
            weights, bias = self._fit(train, config)
            kept = {
                self.grams.names[j]: float(w)
                for j, w in enumerate(weights.tolist())
                if w and abs(w) >= PRUNE
            }
            self._cache[key] = NgramModel(kept, bias)
        return self._cache[key]

    def logits(self, model: NgramModel, rows: np.ndarray) -> np.ndarray:
        """Logits of the Wikipedia rows `rows` (bool mask), scored as the package scores
        (`NgramModel.logits`: windows of 100 words)."""
        return model.logits([self.repaired[k] for k in np.flatnonzero(rows)])

    def neutral_logits(self, model: NgramModel) -> np.ndarray:
        return model.logits(self.repaired[len(self.labels) + self.extra :])

    def out_of_fold_ngrams(self, within: np.ndarray, config: NgramConfig) -> np.ndarray:
        """N-gram logits for the rows in `within`, each from a model fitted without its fold."""
        out = np.zeros(len(self.labels))
        for f in sorted(set(self.folds[within].tolist())):
            held = within & (self.folds == f)
            out[held] = self.logits(self.model(within & ~held, config), held)
        return out


def base_rows(scorer: ToxicityScorer, texts: Sequence[str]) -> np.ndarray:
    """The combiner's rows with the n-gram column left at 0 (filled in per fold)."""
    rows = scorer.features(texts)
    rows[:, NGRAM] = 0.0
    return rows


def neutral_weights(n: int) -> np.ndarray:
    weights = np.full(n, IDENTITY_WEIGHT)
    weights[: len(SHORT_REPLIES)] = SHORT_WEIGHT
    return weights


def fit_combiner(
    x: np.ndarray,
    y: np.ndarray,
    neutral: np.ndarray | None = None,
    hidden_penalty: float = COMBINER_L2,
) -> LogisticModel:
    """The combiner on rows `x` (labels `y`) plus the neutral rows (`neutral_examples`).

    Every feature has the L2 penalty COMBINER_L2 but the first network's hidden units,
    which have `hidden_penalty`.
    """
    penalties = np.where(HIDDEN, hidden_penalty, COMBINER_L2)
    if neutral is None or not len(neutral):
        return fit_logistic(x, y, FEATURES, penalties=penalties)
    return fit_logistic(
        np.vstack([x, neutral]),
        np.concatenate([y, np.zeros(len(neutral))]),
        FEATURES,
        penalties=penalties,
        sample_weight=np.concatenate([np.ones(len(y)), neutral_weights(len(neutral))]),
    )


@dataclass
class Selected:
    """The design picked by the inner cross-validation and its models fitted on `within`."""

    config: NgramConfig
    hidden_penalty: float
    ngrams: NgramModel
    combiner: LogisticModel
    inner_auc: dict[tuple[NgramConfig, float], float]

    def describe(self) -> str:
        return f"{self.config}, hidden-unit penalty {self.hidden_penalty:g}"


def fit_selected(
    data: TrainingSet,
    rows: np.ndarray,
    neutral_rows: np.ndarray,
    within: np.ndarray,
    candidates: Sequence[NgramConfig] = NGRAM_CANDIDATES,
    hidden_penalties: Sequence[float] = HIDDEN_PENALTIES,
) -> Selected:
    """Choose the design by cross-validation inside `within` (bool mask), then fit on it.

    For each n-gram candidate: out-of-fold n-gram logits over `within` (its folds as
    inner folds) and the neutral rows' logits from the model fitted on all of `within`;
    for each hidden-unit penalty, the combiner cross-validated over the same inner folds.
    Nothing outside `within` is read, labels included.
    """
    inner_folds = sorted(set(data.folds[within].tolist()))
    y = data.labels
    scores: dict[tuple[NgramConfig, float], float] = {}
    prepared: dict[NgramConfig, tuple[np.ndarray, np.ndarray]] = {}
    for config in candidates:
        x = rows.copy()
        x[within, NGRAM] = data.out_of_fold_ngrams(within, config)[within]
        neutral = neutral_rows.copy()
        neutral[:, NGRAM] = data.neutral_logits(data.model(within, config))
        prepared[config] = (x, neutral)
        for penalty in hidden_penalties:
            out = np.zeros(len(y))
            for f in inner_folds:
                test = within & (data.folds == f)
                train = within & ~test
                out[test] = fit_combiner(x[train], y[train], neutral, penalty).predict(x[test])
            scores[(config, penalty)] = roc_auc(y[within], out[within])
    config, penalty = max(scores, key=lambda k: scores[k])
    x, neutral = prepared[config]
    return Selected(
        config,
        penalty,
        data.model(within, config),
        fit_combiner(x[within], y[within], neutral, penalty),
        scores,
    )


def nested_cross_validation(
    data: TrainingSet,
    rows: np.ndarray,
    neutral_rows: np.ndarray,
    progress: Callable[[str], None] = print,
) -> tuple[np.ndarray, list[Selected]]:
    """Out-of-fold toxicity probabilities, every part (design choice included) fitted
    without the scored fold; and the design chosen in each outer fold."""
    out = np.zeros(len(data.labels))
    chosen = []
    for f in range(FOLDS):
        test = data.folds == f
        selected = fit_selected(data, rows, neutral_rows, ~test)
        x = rows[test].copy()
        x[:, NGRAM] = data.logits(selected.ngrams, test)
        out[test] = selected.combiner.predict(x)
        chosen.append(selected)
        data._cache.clear()
        progress(f"outer fold {f}: {selected.describe()}")
    return out, chosen


def fit_shipped(data: TrainingSet, rows: np.ndarray, neutral_rows: np.ndarray) -> Selected:
    """The shipped design, n-gram model and combiner, chosen and fitted on every row."""
    return fit_selected(data, rows, neutral_rows, np.ones(len(data.labels), bool))
