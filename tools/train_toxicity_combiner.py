"""Fit the toxicity combiner (models/toxicity_combiner.json) on the Wikipedia talk set.

    .venv/bin/python tools/train_toxicity_combiner.py ../shared/data/wiki_talk_cat_large.csv

The combiner is a logistic regression over 13 features (the network's six logits, word-list
counts, surface features; see `threadline.moderation.toxicity.FEATURES`). No other labelled
set here matches comment moderation well enough to fit it on (the tweets and the all-toxic
Civil Comments sample transfer poorly: their best word models reach 0.57–0.68 on this set),
so it is fitted on this set, and its quality is measured by 5-fold cross-validation (folds by
CRC-32 of the text): every comment is scored by a combiner that never saw it. The shipped
weights are then refitted on all rows. `bench/moderation_eval.py` repeats the same
cross-validation, so its figures never come from weights that saw the comments they score.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from threadline.moderation.evaluate import fold_of, roc_auc
from threadline.moderation.logistic import LogisticModel, fit_logistic
from threadline.moderation.toxicity import FEATURES, ToxicityScorer

OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"
FOLDS = 5
L2 = 10.0


def placeholder() -> LogisticModel:
    n = len(FEATURES)
    return LogisticModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


def cross_validated(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities: each row scored by a combiner fitted without its fold."""
    out = np.zeros(len(y))
    for f in range(FOLDS):
        train = folds != f
        out[~train] = fit_logistic(x[train], y[train], FEATURES, l2=L2).predict(x[~train])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="wiki_talk_cat_large.csv")
    parser.add_argument("--out", type=Path, default=OUT / "toxicity_combiner.json")
    args = parser.parse_args(argv)
    with args.data.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["text"] for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    folds = np.array([fold_of(t, FOLDS) for t in texts])

    scorer = ToxicityScorer.from_package(combiner=placeholder())
    x = scorer.features(texts)
    oof = cross_validated(x, y, folds)
    auc = roc_auc(y, oof)
    print(f"{len(y)} comments, {int(y.sum())} toxic; out-of-fold ROC-AUC {auc:.4f}")
    model = fit_logistic(x, y, FEATURES, l2=L2)
    for name, w in zip(FEATURES, model.weights, strict=True):
        print(f"  {name:14s} {w:+.3f}")
    args.out.write_text(
        model.to_json(
            trained_on=f"{args.data.name}: {len(y)} comments, {int(y.sum())} toxic",
            l2=L2,
            cross_validated_roc_auc=round(auc, 4),
        )
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
