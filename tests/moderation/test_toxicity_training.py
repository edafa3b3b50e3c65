"""The build-time n-gram fitting (tools/toxicity_training.py) matches what the package scores."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from threadline.moderation.ngrams import NgramModel

pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from toxicity_training import GramMatrix, fit_ngrams

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
