"""Fit the toxicity n-gram model and combiner (models/toxicity_ngrams.json, _combiner.json).

    .venv/bin/python tools/train_toxicity_model.py ../shared/data [--skip-cv]

Needs scikit-learn and SciPy (the `dev` extra) for the n-gram regression; the package
scores with numpy alone.

* The n-gram model (`threadline.moderation.ngrams`) is an NB-LR: an L2 logistic regression
  over word, word-pair and character n-grams, each scaled by its log-count ratio
  (`toxicity_training.fit_ngrams`), fitted on the Wikipedia talk comments
  (`wiki_talk_cat_large.csv`) plus toxic comments from the Civil Comments sample and the
  Davidson tweets as extra positives (`toxicity_training.extra_toxic`).
* The combiner is a logistic regression over the first BiLSTM's six logits and 50 hidden
  units, word-list counts, surface features, the n-gram logit and the second BiLSTM's
  (tox-block's) six logits (`threadline.moderation.toxicity.FEATURES`), fitted on the
  Wikipedia comments with out-of-fold n-gram logits (each from a model fitted without that
  comment's fold), since unseen comments get such logits.
* The n-gram model's C and Davidson weight and the combiner's penalty on the first
  network's hidden units are chosen by cross-validation within the rows being fitted
  (`toxicity_training.fit_selected`).

Quality: nested 5-fold cross-validation (folds by CRC-32 of the text): every comment is
scored by an n-gram model and a combiner, chosen and fitted without it; printed here and
repeated by bench/moderation_eval.py. The shipped models are then chosen and fitted on all
rows.
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
    COMBINER_L2,
    IDENTITY_WEIGHT,
    PRUNE,
    SHORT_WEIGHT,
    TrainingSet,
    base_rows,
    fit_shipped,
    nested_cross_validation,
)

OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"


def placeholder_scorer() -> ToxicityScorer:
    """The packaged networks and word lists with empty combiner and n-gram model."""
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
        oof, _ = nested_cross_validation(data, rows, neutral)
        auc = round(roc_auc(y, oof), 4)
        print(f"nested cross-validated ROC-AUC {auc:.4f}")
    shipped = fit_shipped(data, rows, neutral)
    ngrams, combiner, config = shipped.ngrams, shipped.combiner, shipped.config
    print(f"chosen by 5-fold cross-validation on all rows: {shipped.describe()}")
    for (candidate, penalty), inner in sorted(shipped.inner_auc.items(), key=lambda kv: -kv[1]):
        print(f"  {inner:.4f}  {candidate}, hidden-unit penalty {penalty:g}")
    source = (
        f"wiki_talk_cat_large.csv ({len(y)} comments, {int(y.sum())} toxic) + {data.civil} "
        f"clearly toxic comments from civil_comments_toxic_spans.csv (weight "
        f"{config.civil_weight:g}) and {data.extra - data.civil} hate/offensive tweets from "
        f"davidson_hate_offensive.csv (weight {config.davidson_weight:g}) as extra positives; "
        f"{len(data.neutral)} neutral examples (tools/neutral_examples.py) as negatives"
    )
    (args.out / "toxicity_ngrams.json").write_text(
        ngrams.to_json(
            trained_on=source,
            n_weights=len(ngrams.weights),
            fitted=f"NB-LR (log-count-ratio scaled L2 logistic regression), weights |w| >= {PRUNE}",
            c=config.c,
            civil_weight=config.civil_weight,
            davidson_weight=config.davidson_weight,
        )
    )
    (args.out / "toxicity_combiner.json").write_text(
        combiner.to_json(
            trained_on=(
                f"wiki_talk_cat_large.csv: {len(y)} comments, {int(y.sum())} toxic; "
                f"{len(data.neutral)} neutral examples (tools/neutral_examples.py), "
                f"weighted {SHORT_WEIGHT} (short replies) and {IDENTITY_WEIGHT} (identity)"
            ),
            l2=COMBINER_L2,
            hidden_unit_l2=shipped.hidden_penalty,
            nested_cross_validated_roc_auc=auc,
        )
    )
    for name, w in zip(FEATURES, combiner.weights, strict=True):
        if not name.startswith("hidden_"):
            print(f"  {name:22s} {w:+.3f}")
    print(
        f"wrote {args.out}/toxicity_ngrams.json ({len(ngrams.weights):,} weights), "
        "toxicity_combiner.json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
