"""L2-regularized logistic regression in numpy: the small combiners are fitted with this.

Pure computation (Newton's method on a handful of features), used at build time by
`tools/train_*` and by `bench/moderation_eval.py` for its cross-validation; at run time only
`LogisticModel.predict` runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LogisticModel:
    features: tuple[str, ...]
    mean: Matrix  # standardization applied before the weights
    scale: Matrix
    weights: Matrix
    bias: float

    def logits(self, x: npt.ArrayLike) -> Matrix:
        z = (np.asarray(x, np.float64) - self.mean) / self.scale
        return np.asarray(z @ self.weights + self.bias, np.float64)

    def predict(self, x: npt.ArrayLike) -> Matrix:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(x))), np.float64)

    def to_json(self, **extra: Any) -> str:
        data = {
            "features": list(self.features),
            "mean": self.mean.round(8).tolist(),
            "scale": self.scale.round(8).tolist(),
            "weights": self.weights.round(8).tolist(),
            "bias": round(self.bias, 8),
            **extra,
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LogisticModel:
        data = json.loads(text)
        return cls(
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], np.float64),
            scale=np.asarray(data["scale"], np.float64),
            weights=np.asarray(data["weights"], np.float64),
            bias=float(data["bias"]),
        )


def fit_logistic(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    features: Sequence[str],
    *,
    l2: float = 10.0,
    iterations: int = 100,
    penalties: Sequence[float] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> LogisticModel:
    """Fit on standardized features by Newton's method; the bias is not penalized.

    `penalties` gives each feature its own L2 weight instead of `l2` (many weak features,
    such as a network's hidden units, can be held back more than a few strong ones);
    `sample_weight` weighs rows.
    """
    xs = np.asarray(x, np.float64)
    ys = np.asarray(y, np.float64)
    mean = xs.mean(axis=0)
    scale = xs.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(xs - mean) / scale, np.ones((len(xs), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    if penalties is not None:
        penalty[:-1] = np.asarray(penalties, np.float64)
    penalty[-1] = 0.0
    w = np.ones(len(ys)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (w * (p - ys)) + penalty * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return LogisticModel(tuple(features), mean, scale, beta[:-1].copy(), float(beta[-1]))
