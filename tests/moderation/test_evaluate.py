from __future__ import annotations

import numpy as np
import pytest

from threadline.moderation.evaluate import fold_of, precision_recall_at, roc_auc
from threadline.moderation.logistic import LogisticModel, fit_logistic


def test_roc_auc() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert roc_auc([0, 1, 0, 1], [0.1, 0.4, 0.5, 0.8]) == 0.75
    with pytest.raises(ValueError):
        roc_auc([1, 1], [0.1, 0.2])


def test_precision_recall_at() -> None:
    pr = precision_recall_at([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.2], 0.5)
    assert (pr.precision, pr.recall, pr.flagged, pr.flagged_share) == (0.5, 0.5, 2, 0.5)


def test_fold_of_is_stable() -> None:
    assert fold_of("hello", 5) == fold_of("hello", 5)
    assert {fold_of(str(k), 5) for k in range(100)} == set(range(5))


def test_fit_logistic_learns_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.3, size=400) > 0).astype(int)
    model = fit_logistic(x, y, ["a", "b"], l2=1.0)
    assert model.weights[0] > 0 > model.weights[1]
    assert roc_auc(y, model.predict(x)) > 0.95
    again = LogisticModel.from_json(model.to_json(note="test"))
    assert np.allclose(again.predict(x), model.predict(x))


def test_fit_logistic_penalties_hold_features_back() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + x[:, 1] + rng.normal(scale=0.3, size=400) > 0).astype(int)
    free = fit_logistic(x, y, ["a", "b"], l2=1.0)
    held = fit_logistic(x, y, ["a", "b"], penalties=[1.0, 1e6])
    assert abs(held.weights[1]) < 0.01 < abs(free.weights[1])
    assert held.weights[0] > 0


def test_fit_logistic_sample_weight_counts_rows() -> None:
    x = np.array([[0.0], [0.0], [1.0], [1.0]])
    y = np.array([0, 1, 0, 1])
    plain = fit_logistic(x, y, ["a"], l2=0.0)
    assert np.allclose(plain.predict(x), 0.5, atol=1e-6)
    # Positives weighted three times: the fitted probability is the weighted share, 3/4.
    weighted = fit_logistic(x, y, ["a"], l2=0.0, sample_weight=[1.0, 3.0, 1.0, 3.0])
    assert np.allclose(weighted.predict(x), 0.75, atol=1e-6)
