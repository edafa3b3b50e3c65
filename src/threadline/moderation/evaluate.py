"""Metrics for scorers against labels: ROC-AUC, precision/recall at a threshold, folds.

Pure functions on arrays, shared by the build-time training scripts, the benchmark, and
(later) a report of each scorer against moderators' decisions.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann–Whitney U, ties counted half)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC-AUC needs both positive and negative labels")
    order = np.argsort(s, kind="mergesort")
    _, inverse, counts = np.unique(s[order], return_inverse=True, return_counts=True)
    average_rank = np.bincount(inverse, weights=np.arange(1, len(s) + 1)) / counts
    ranks = np.empty(len(s))
    ranks[order] = average_rank[inverse]
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    threshold: float
    precision: float
    recall: float
    flagged: int
    flagged_share: float


def precision_recall_at(
    labels: npt.ArrayLike, scores: npt.ArrayLike, threshold: float
) -> PrecisionRecall:
    y = np.asarray(labels, dtype=bool)
    flagged = np.asarray(scores, dtype=np.float64) >= threshold
    hits = int((flagged & y).sum())
    n_flagged = int(flagged.sum())
    return PrecisionRecall(
        threshold=threshold,
        precision=hits / n_flagged if n_flagged else float("nan"),
        recall=hits / int(y.sum()) if y.any() else float("nan"),
        flagged=n_flagged,
        flagged_share=n_flagged / len(y) if len(y) else 0.0,
    )


def fold_of(text: str, folds: int) -> int:
    """A stable fold for a text (CRC-32 of its UTF-8), the same on every machine and run."""
    return zlib.crc32(text.encode("utf-8")) % folds
