"""The nested cross-validation of tools/train_toxicity_model.py on another fold partition.

    .venv/bin/python tools/toxicity_resplit.py ../shared/data [--salt resplit-2026:]

Folds are normally the CRC-32 of each text modulo 5. Prefixing a salt to the text before the
CRC deals the same comments into different folds: how much the nested ROC-AUC moves with the
partition alone tells how far a difference of a few thousandths can be trusted. Writes no
model. About 10 minutes on one core.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import toxicity_training
from train_toxicity_model import placeholder_scorer

from threadline.moderation.evaluate import roc_auc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the shared data folder")
    parser.add_argument("--salt", default="resplit-2026:", help="prefix for the fold CRC")
    args = parser.parse_args(argv)
    salt = args.salt.encode("utf-8")

    def salted_fold(text: str, folds: int) -> int:
        return zlib.crc32(salt + text.encode("utf-8")) % folds

    toxicity_training.fold_of = salted_fold  # the training module deals its folds with this
    scorer = placeholder_scorer()
    data = toxicity_training.TrainingSet.load(args.data, scorer)
    rows = toxicity_training.base_rows(scorer, data.texts)
    neutral = toxicity_training.base_rows(scorer, data.neutral)
    oof, _ = toxicity_training.nested_cross_validation(data, rows, neutral)
    print(f"nested ROC-AUC with folds salted {args.salt!r}: {roc_auc(data.labels, oof):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
