"""Fit the spam model (models/spam_ngrams.json, models/spam_combiner.json) on YouTube comments.

    .venv/bin/python tools/train_spam_model.py ../shared/data/youtube_spam_collection.csv

Trains on all five videos of the YouTube Spam Collection (Alberto, Lochter & Almeida, ICMLA
2015; CC BY 4.0). Its quality is measured leave-one-video-out (each video scored by a model
trained on the other four), printed here and by bench/moderation_eval.py.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from threadline.moderation.evaluate import roc_auc
from threadline.moderation.spam import train_spam_scorer

OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"


def leave_one_group_out(texts: list[str], labels: list[int], groups: list[str]) -> np.ndarray:
    out = np.zeros(len(texts))
    for group in sorted(set(groups)):
        train = [k for k, g in enumerate(groups) if g != group]
        scorer = train_spam_scorer(
            [texts[k] for k in train], [labels[k] for k in train], [groups[k] for k in train]
        )
        for k, g in enumerate(groups):
            if g == group:
                out[k] = scorer.text_score(texts[k])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="youtube_spam_collection.csv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with args.data.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["text"] for r in rows]
    labels = [int(r["label"]) for r in rows]
    groups = [r["video"] for r in rows]
    oof = leave_one_group_out(texts, labels, groups)
    auc = roc_auc(labels, oof)
    print(f"{len(texts)} comments, {sum(labels)} spam; leave-one-video-out ROC-AUC {auc:.4f}")
    scorer = train_spam_scorer(texts, labels, groups)
    for name, w in zip(scorer.combiner.features, scorer.combiner.weights, strict=True):
        print(f"  {name:14s} {w:+.3f}")
    source = f"{args.data.name}: {len(texts)} comments, {sum(labels)} spam, 5 videos"
    (args.out / "spam_ngrams.json").write_text(scorer.ngrams.to_json(trained_on=source))
    (args.out / "spam_combiner.json").write_text(
        scorer.combiner.to_json(trained_on=source, leave_one_video_out_roc_auc=round(auc, 4))
    )
    print(f"wrote {args.out}/spam_ngrams.json, spam_combiner.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
