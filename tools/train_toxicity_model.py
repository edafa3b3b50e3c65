"""Fit the toxicity n-gram model and combiner (models/toxicity_ngrams.json, _combiner.json).

    .venv/bin/python tools/train_toxicity_model.py ../shared/data

Needs scikit-learn and SciPy (the `dev` extra) for the n-gram regression; the package
scores with numpy alone.

* The n-gram model (`threadline.moderation.ngrams`) is an L2 logistic regression over word,
  word-pair and character n-grams, fitted on the Wikipedia talk comments
  (`wiki_talk_cat_large.csv`) plus toxic comments from the Civil Comments sample and the
  Davidson tweets as extra positives (`toxicity_training.extra_toxic`).
* The combiner is a logistic regression over the BiLSTM's six logits and 50 hidden units,
  word-list counts, surface features and the n-gram logit
  (`threadline.moderation.toxicity.FEATURES`), fitted on the Wikipedia comments with
  out-of-fold n-gram logits (each from a model fitted without that comment's fold), since
  unseen comments get such logits.

Quality: nested 5-fold cross-validation (folds by CRC-32 of the text): every comment is
scored by an n-gram model and a combiner fitted without it; printed here and repeated by
bench/moderation_eval.py. The shipped models are then fitted on all rows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from threadline.moderation.evaluate import roc_auc
from threadline.moderation.logistic import LogisticModel
from threadline.moderation.ngrams import NgramModel
from threadline.moderation.toxicity import FEATURES, ToxicityScorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toxicity_training import (
    IDENTITY_WEIGHT,
    NGRAM,
    SHORT_WEIGHT,
    TrainingSet,
    base_rows,
    fit_shipped,
    nested_cross_validation,
)

OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"


def placeholder_scorer() -> ToxicityScorer:
    """The packaged network and word lists with empty combiner and n-gram model."""
    n = len(FEATURES)
    combiner = LogisticModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    return ToxicityScorer.from_package(combiner=combiner, ngrams=NgramModel({}, 0.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--skip-cv", action="store_true", help="fit only, no nested CV")
    args = parser.parse_args(argv)
    scorer = placeholder_scorer()
    data = TrainingSet.load(args.data, scorer)
    y = data.labels
    print(f"{len(y)} Wikipedia comments ({int(y.sum())} toxic) + {data.extra} extra toxic")
    rows = base_rows(scorer, data.texts)
    neutral = base_rows(scorer, data.neutral)
    auc = None
    if not args.skip_cv:
        oof = nested_cross_validation(data, rows, neutral)
        auc = round(roc_auc(y, oof), 4)
        print(f"nested cross-validated ROC-AUC {auc:.4f}")
    ngrams, combiner = fit_shipped(data, rows, neutral)
    source = (
        f"wiki_talk_cat_large.csv ({len(y)} comments, {int(y.sum())} toxic) + {data.extra} "
        "toxic comments from civil_comments_toxic_spans.csv and davidson_hate_offensive.csv"
    )
    (args.out / "toxicity_ngrams.json").write_text(
        ngrams.to_json(trained_on=source, n_weights=len(ngrams.weights))
    )
    (args.out / "toxicity_combiner.json").write_text(
        combiner.to_json(
            trained_on=(
                f"wiki_talk_cat_large.csv: {len(y)} comments, {int(y.sum())} toxic; "
                f"{len(data.neutral)} neutral examples (tools/neutral_examples.py), "
                f"weighted {SHORT_WEIGHT} (short replies) and {IDENTITY_WEIGHT} (identity)"
            ),
            l2=10.0,
            nested_cross_validated_roc_auc=auc,
        )
    )
    for name, w in zip(FEATURES[: NGRAM + 1], combiner.weights, strict=False):
        print(f"  {name:14s} {w:+.3f}")
    print(
        f"wrote {args.out}/toxicity_ngrams.json ({len(ngrams.weights):,} weights), "
        "toxicity_combiner.json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
