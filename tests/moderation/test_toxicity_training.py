"""The build-time n-gram fitting (tools/toxicity_training.py) matches what the package scores."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from threadline.moderation.ngrams import NgramModel

pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from scipy.sparse import csr_matrix, diags
from sklearn.linear_model import LogisticRegression
from toxicity_training import (
    FOLDS,
    GramMatrix,
    NgramConfig,
    TrainingSet,
    fit_ngrams,
    fit_selected,
    log_count_ratio,
)

from threadline.moderation.toxicity import FEATURES

TEXTS = [
    "You are a stupid idiot.",
    "Thanks for the thoughtful article!",
    "ＳＨＵＴ up, moron",
    "",
    "the council meets on tuesday",
]


def test_training_rows_give_the_logits_the_package_computes() -> None:
    grams = GramMatrix(TEXTS)
    weights = np.random.default_rng(0).normal(size=len(grams.names))
    model = NgramModel(dict(zip(grams.names, weights.tolist(), strict=True)), bias=-0.5)
    trained = grams.matrix @ weights - 0.5
    assert np.allclose(trained, [model.logit(t) for t in TEXTS])


def test_fitted_weights_separate_the_training_texts() -> None:
    texts = [f"you {w} idiot" for w in ("stupid", "dumb", "silly")] + [
        f"thanks for the {w} article" for w in ("long", "fine", "good")
    ]
    y = np.array([1, 1, 1, 0, 0, 0])
    grams = GramMatrix(texts)
    weights, bias = fit_ngrams(grams.matrix, y)
    model = NgramModel(dict(zip(grams.names, weights.tolist(), strict=True)), bias)
    assert model.logit("what an idiot") > model.logit("thanks for the article")


def test_log_count_ratio_is_positive_for_toxic_ngrams_and_negative_for_civil_ones() -> None:
    # columns: only in toxic rows, only in civil rows, in both alike
    x = csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]], float))
    y = np.array([1.0, 1.0, 0.0, 0.0])
    ratio = log_count_ratio(x, y, np.ones(4), alpha=1.0)
    # toxic counts 1+2, 1+0, 1+2 (sum 7); civil counts 1+0, 1+2, 1+2 (sum 7)
    assert np.allclose(ratio, [np.log(3 / 1), np.log(1 / 3), 0.0])
    weighted = log_count_ratio(x, y, np.array([1.0, 0.0, 1.0, 1.0]), alpha=1.0)
    assert weighted[0] < ratio[0]  # a weight-0 row counts for nothing


def test_fit_ngrams_returns_weights_on_the_unscaled_columns() -> None:
    texts = [f"you {w} idiot" for w in ("stupid", "dumb", "silly", "awful")] + [
        f"thanks for the {w} article" for w in ("long", "fine", "good", "short")
    ]
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0], float)
    x = GramMatrix(texts).matrix
    weights, bias = fit_ngrams(x, y, c=10.0)
    ratio = log_count_ratio(x, y, np.ones(len(y)))
    scaled = LogisticRegression(C=10.0, solver="liblinear", max_iter=2000, tol=1e-5)
    scaled.fit(x @ diags(ratio), y)
    assert np.allclose(x @ weights + bias, scaled.decision_function(x @ diags(ratio)))


def _tiny_training_set() -> tuple[TrainingSet, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    rude = ["idiot", "moron", "stupid", "loser", "dumb"]
    calm = ["article", "source", "edit", "page", "thanks", "cite", "section", "talk"]
    texts, labels = [], []
    for k in range(100):
        toxic = k % 3 == 0
        pool = rude + calm if toxic else calm
        texts.append(" ".join(rng.choice(pool, 6).tolist()) + f" n{k}")
        labels.append(int(toxic))
    extra = ["you idiot", "stupid moron", "dumb loser"]
    neutral = ["lol", "He is gay.", "hello"]
    repaired = texts + extra + neutral
    data = TrainingSet(
        texts=texts,
        labels=np.array(labels),
        folds=np.arange(100) % FOLDS,
        civil=1,
        extra=len(extra),
        neutral=neutral,
        grams=GramMatrix(repaired),
        repaired=repaired,
    )
    rows = rng.normal(size=(100, len(FEATURES)))
    return data, rows, rng.normal(size=(len(neutral), len(FEATURES)))


def test_fit_selected_picks_the_best_inner_pair_and_reads_nothing_outside_within() -> None:
    data, rows, neutral = _tiny_training_set()
    within = data.folds != 0
    candidates = (NgramConfig(c=1.0), NgramConfig(c=100.0, davidson_weight=0.0))
    selected = fit_selected(data, rows, neutral, within, candidates, (10.0, 1e4))
    assert len(selected.inner_auc) == 4
    assert selected.inner_auc[(selected.config, selected.hidden_penalty)] == max(
        selected.inner_auc.values()
    )
    assert selected.ngrams.logit("you stupid idiot") > selected.ngrams.logit("thanks edit page")

    # Changing the held-out rows (labels and features) changes nothing that was fitted.
    altered = TrainingSet(
        texts=data.texts,
        labels=np.where(within, data.labels, 1 - data.labels),
        folds=data.folds,
        civil=data.civil,
        extra=data.extra,
        neutral=data.neutral,
        grams=data.grams,
        repaired=data.repaired,
    )
    shuffled = rows.copy()
    shuffled[~within] = 0.0
    again = fit_selected(altered, shuffled, neutral, within, candidates, (10.0, 1e4))
    assert again.inner_auc == selected.inner_auc
    assert again.ngrams.weights == selected.ngrams.weights
    assert np.array_equal(again.combiner.weights, selected.combiner.weights)
