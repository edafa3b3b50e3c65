"""Fit the spam model (models/spam_ngrams.json, models/spam_combiner.json).

    .venv/bin/python tools/train_spam_model.py ../shared/data

Spam and ham: the YouTube Spam Collection (Alberto, Lochter & Almeida, ICMLA 2015; CC BY
4.0), all five videos. Extra ham: a share of the Wikipedia talk and Civil Comments news
comments (`threadline.moderation.spam.training_ham`), because on YouTube nearly every link
is spam while news readers link their sources. Quality is measured leave-one-video-out
(each video scored by a model trained on the other four plus the extra ham), printed here
and by bench/moderation_eval.py, with the share of held-out discussion comments with links
that the spam score would hold.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from threadline.moderation.evaluate import roc_auc
from threadline.moderation.policy import DEFAULT_SPAM_HOLD
from threadline.moderation.spam import (
    SpamScorer,
    held_out_with_links,
    train_spam_scorer,
    training_ham,
    without_links,
)

OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"
DISCUSSIONS = ("wiki_talk_cat_large.csv", "civil_comments_toxic_spans.csv")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load(data: Path) -> tuple[list[str], list[int], list[str], list[str], list[str]]:
    """YouTube texts, labels, videos; the extra ham; held-out discussion comments with links."""
    rows = read(data / "youtube_spam_collection.csv")
    discussions = [r["text"] for name in DISCUSSIONS for r in read(data / name)]
    return (
        [r["text"] for r in rows],
        [int(r["label"]) for r in rows],
        [r["video"] for r in rows],
        training_ham(discussions),
        held_out_with_links(discussions),
    )


def train(texts: list[str], labels: list[int], groups: list[str], ham: list[str]) -> SpamScorer:
    return train_spam_scorer(texts, labels, groups, extra_ham=ham)


def leave_one_video_out(
    texts: list[str], labels: list[int], groups: list[str], ham: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Combined and n-gram-only scores, each video scored by a model trained without it."""
    combined, ngrams = np.zeros(len(texts)), np.zeros(len(texts))
    for video in sorted(set(groups)):
        train_idx = [k for k, g in enumerate(groups) if g != video]
        scorer = train(
            [texts[k] for k in train_idx],
            [labels[k] for k in train_idx],
            [groups[k] for k in train_idx],
            ham,
        )
        for k, g in enumerate(groups):
            if g == video:
                combined[k] = scorer.text_score(texts[k])
                ngrams[k] = scorer.ngrams.score(without_links(texts[k]))
    return combined, ngrams


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    texts, labels, groups, ham, links = load(args.data)
    combined, _ = leave_one_video_out(texts, labels, groups, ham)
    auc = roc_auc(labels, combined)
    print(f"{len(texts)} YouTube comments ({sum(labels)} spam) + {len(ham)} discussion ham")
    print(f"leave-one-video-out ROC-AUC {auc:.4f}")
    scorer = train(texts, labels, groups, ham)
    held = np.mean([scorer.text_score(t) >= DEFAULT_SPAM_HOLD for t in links])
    print(f"held-out discussion comments with links held: {held:.1%} of {len(links)}")
    for name, w in zip(scorer.combiner.features, scorer.combiner.weights, strict=True):
        print(f"  {name:14s} {w:+.3f}")
    source = (
        f"youtube_spam_collection.csv ({len(texts)} comments, {sum(labels)} spam, 5 videos)"
        f" + {len(ham)} ham from {', '.join(DISCUSSIONS)}"
    )
    (args.out / "spam_ngrams.json").write_text(scorer.ngrams.to_json(trained_on=source))
    (args.out / "spam_combiner.json").write_text(
        scorer.combiner.to_json(trained_on=source, leave_one_video_out_roc_auc=round(auc, 4))
    )
    print(f"wrote {args.out}/spam_ngrams.json, spam_combiner.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
