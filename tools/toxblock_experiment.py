"""Does a second Jigsaw network (PyPI `tox-block` 0.1.2) help the toxicity combiner? (issue #4)

The run of 1 Dec 2026 (figures in docs/benchmarks.md, "Moderation models"; ≈ 50 min on the
shared 2-core machine, two processes at a time):

    W=/tmp/tb/tox_block-0.1.2-py3-none-any.whl   # pip download --no-deps tox-block==0.1.2
    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.15.1 h5py
    mkdir -p /tmp/tbx
    /tmp/tfvenv/bin/python tools/convert_toxblock_model.py $W --out /tmp/tbm32
    /tmp/tfvenv/bin/python tools/toxblock_features.py verify /tmp/tbm32 $W \
        --data ../shared/data/wiki_talk_cat_large.csv
    .venv/bin/python tools/toxblock_features.py features /tmp/tbm32 ../shared/data \
        --out /tmp/tbx/toxblock_features.npz
    for salt in "" resplit-2026: third-2026:; do   # 21 min each here, two at a time
        .venv/bin/python tools/toxblock_experiment.py ngrams ../shared/data --salt "$salt" \
            --out "/tmp/tbx/ng_${salt%:}.npz"
    done
    .venv/bin/python tools/toxblock_experiment.py evaluate ../shared/data \
        /tmp/tbx/ng_.npz /tmp/tbx/ng_resplit-2026.npz /tmp/tbx/ng_third-2026.npz \
        --toxblock /tmp/tbx/toxblock_features.npz [--no-hidden]

The nested cross-validation of `tools/train_toxicity_model.py` (`toxicity_training`), split in
two stages so that the expensive part runs once per fold partition and both designs share it:

* `ngrams`: for each outer fold and each n-gram candidate, the out-of-fold n-gram logits of
  the training rows (inner folds), the neutral examples' logits and the held-out fold's
  logits from the model fitted on the training rows — exactly what `fit_selected` and
  `nested_cross_validation` compute — saved to an .npz (21 min a partition on the busy
  machine, where the whole nested run takes ≈ 10 min alone).
  `--salt` deals the comments into other folds, as `tools/toxicity_resplit.py` does.
* `evaluate`: the combiner's selection and fit per outer fold, as `fit_selected` does it, for
  (a) the features shipped before issue #4 (the package's without its `toxblock_*` logits)
  and (b) the same plus tox-block's six logits and 50 hidden units (`--toxblock`, from
  `tools/toxblock_features.py`), whose penalty the inner cross-validation chooses among
  `HIDDEN_PENALTIES` as it does for the packaged network's hidden units (`--no-hidden`: its
  logits only, the design shipped since). Prints the nested ROC-AUC of both per partition and, for
  the first, the paired bootstrap interval of (b) − (a).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import toxicity_training
from toxicity_training import (
    COMBINER_L2,
    FOLDS,
    HIDDEN,
    HIDDEN_PENALTIES,
    NGRAM,
    NGRAM_CANDIDATES,
    TrainingSet,
    base_rows,
    neutral_weights,
)
from train_toxicity_model import placeholder_scorer

from threadline.moderation.evaluate import roc_auc
from threadline.moderation.logistic import LogisticModel, fit_logistic
from threadline.moderation.toxicity import FEATURES

TOXBLOCK_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
# Design (a) is the design shipped before issue #4: the package's features without the
# tox-block logits it has carried since (the features file supplies them for design (b)).
BEFORE = np.array([not name.startswith("toxblock_") for name in FEATURES])
FEATURES_BEFORE = tuple(name for name, kept in zip(FEATURES, BEFORE, strict=True) if kept)


def load_data(data_dir: Path, salt: str) -> TrainingSet:
    """The training set with its folds dealt by CRC-32 of `salt` + text ("" = the usual)."""
    prefix = salt.encode("utf-8")

    def salted_fold(text: str, folds: int) -> int:
        return zlib.crc32(prefix + text.encode("utf-8")) % folds

    toxicity_training.fold_of = salted_fold  # TrainingSet.load deals its folds with this
    return TrainingSet.load(data_dir, placeholder_scorer())


def ngram_stage(data: TrainingSet) -> dict[str, np.ndarray]:
    """N-gram logits per outer fold and candidate, as the nested cross-validation fits them.

    `logits[f, c]` holds, for the training rows of outer fold f, their out-of-fold logits
    (inner folds) and, for the held-out rows, the logits of the model fitted on all the
    training rows; `neutral[f, c]` the neutral examples' logits from that model.
    """
    n, m = len(data.labels), len(data.neutral)
    logits = np.zeros((FOLDS, len(NGRAM_CANDIDATES), n))
    neutral = np.zeros((FOLDS, len(NGRAM_CANDIDATES), m))
    for f in range(FOLDS):
        test = data.folds == f
        within = ~test
        for c, config in enumerate(NGRAM_CANDIDATES):
            logits[f, c] = data.out_of_fold_ngrams(within, config)
            model = data.model(within, config)
            logits[f, c, test] = data.logits(model, test)
            neutral[f, c] = data.neutral_logits(model)
        data._cache.clear()
        print(f"outer fold {f} done {time.strftime('%H:%M:%S')}", flush=True)
    return {"labels": data.labels, "folds": data.folds, "logits": logits, "neutral": neutral}


class Design:
    """A combiner's feature set: the shipped rows plus optional extra columns."""

    def __init__(self, rows: np.ndarray, neutral: np.ndarray, names: Sequence[str]) -> None:
        self.rows = rows
        self.neutral = neutral
        self.names = tuple(names)
        extra = self.names[len(FEATURES_BEFORE) :]
        self.hidden = np.concatenate([HIDDEN[BEFORE], np.zeros(len(extra), bool)])
        self.extra_hidden = np.array(
            [False] * len(FEATURES_BEFORE) + [n.startswith("tb_hidden_") for n in extra]
        )

    def penalty_grid(self) -> list[tuple[float, ...]]:
        """(hidden-unit penalty[, tox-block hidden-unit penalty]) candidates."""
        if not self.extra_hidden.any():
            return [(p,) for p in HIDDEN_PENALTIES]
        return list(itertools.product(HIDDEN_PENALTIES, HIDDEN_PENALTIES))

    def penalties(self, choice: tuple[float, ...]) -> np.ndarray:
        out = np.where(self.hidden, choice[0], COMBINER_L2)
        if len(choice) > 1:
            out = np.where(self.extra_hidden, choice[1], out)
        return out

    def fit(
        self, x: np.ndarray, y: np.ndarray, neutral: np.ndarray, choice: tuple[float, ...]
    ) -> LogisticModel:
        """`toxicity_training.fit_combiner`, with this design's features and penalties."""
        return fit_logistic(
            np.vstack([x, neutral]),
            np.concatenate([y, np.zeros(len(neutral))]),
            self.names,
            penalties=self.penalties(choice).tolist(),
            sample_weight=np.concatenate([np.ones(len(y)), neutral_weights(len(neutral))]),
        )


def nested(design: Design, cache: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold probabilities: per outer fold, `fit_selected`'s choice and fit, then score."""
    y, folds = cache["labels"], cache["folds"]
    out = np.zeros(len(y))
    chosen = []
    for f in range(FOLDS):
        test = folds == f
        within = ~test
        inner_folds = sorted(set(folds[within].tolist()))
        scores: dict[tuple[int, tuple[float, ...]], float] = {}
        for c in range(len(NGRAM_CANDIDATES)):
            x = design.rows.copy()
            x[:, NGRAM] = cache["logits"][f, c]
            neutral = design.neutral.copy()
            neutral[:, NGRAM] = cache["neutral"][f, c]
            for choice in design.penalty_grid():
                inner = np.zeros(len(y))
                for g in inner_folds:
                    held = within & (folds == g)
                    train = within & ~held
                    model = design.fit(x[train], y[train], neutral, choice)
                    inner[held] = model.predict(x[held])
                scores[(c, choice)] = roc_auc(y[within], inner[within])
        c, choice = max(scores, key=lambda k: scores[k])
        x = design.rows.copy()
        x[:, NGRAM] = cache["logits"][f, c]
        neutral = design.neutral.copy()
        neutral[:, NGRAM] = cache["neutral"][f, c]
        out[test] = design.fit(x[within], y[within], neutral, choice).predict(x[test])
        chosen.append(f"fold {f}: {NGRAM_CANDIDATES[c]}, penalties {choice}")
    return out, chosen


def paired_bootstrap(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, rounds: int = 2000, seed: int = 2026
) -> tuple[float, float]:
    """95 % interval of ROC-AUC(b) − ROC-AUC(a), comments resampled with replacement."""
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        k = rng.integers(0, len(y), len(y))
        if 0 < y[k].sum() < len(k):
            diffs.append(roc_auc(y[k], b[k]) - roc_auc(y[k], a[k]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(low), float(high)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    ngrams = sub.add_parser("ngrams", help="the n-gram stage of one partition")
    ngrams.add_argument("data", type=Path, help="the shared data folder")
    ngrams.add_argument("--salt", default="", help='prefix for the fold CRC ("" = usual)')
    ngrams.add_argument("--out", type=Path, required=True)
    evaluate = sub.add_parser("evaluate", help="designs (a) and (b) on saved n-gram stages")
    evaluate.add_argument("data", type=Path, help="the shared data folder")
    evaluate.add_argument("caches", type=Path, nargs="+", help="outputs of `ngrams`")
    evaluate.add_argument("--toxblock", type=Path, required=True)
    evaluate.add_argument("--no-hidden", action="store_true", help="tox-block logits only")
    evaluate.add_argument("--save", type=Path, help="write the out-of-fold scores here")
    args = parser.parse_args(argv)

    if args.stage == "ngrams":
        print(f"n-gram stage, salt {args.salt!r}, from {time.strftime('%H:%M:%S')}", flush=True)
        stage = ngram_stage(load_data(args.data, args.salt))
        np.savez(args.out, salt=np.array(args.salt), **stage)  # type: ignore[arg-type]
        return 0

    scorer = placeholder_scorer()
    data = load_data(args.data, "")
    rows = base_rows(scorer, data.texts)[:, BEFORE]
    neutral = base_rows(scorer, data.neutral)[:, BEFORE]
    with np.load(args.toxblock) as tb:
        tb_rows = np.hstack([tb["logits"], tb["hidden"]])
        tb_neutral = np.hstack([tb["neutral_logits"], tb["neutral_hidden"]])
        width = tb["hidden"].shape[1]
    names = [f"tb_{label}" for label in TOXBLOCK_LABELS]
    if args.no_hidden:
        tb_rows, tb_neutral = tb_rows[:, :6], tb_neutral[:, :6]
    else:
        names += [f"tb_hidden_{k:02d}" for k in range(width)]
    designs = {
        "a": Design(rows, neutral, FEATURES_BEFORE),
        "b": Design(
            np.hstack([rows, tb_rows]),
            np.vstack([neutral.T, tb_neutral.T]).T,
            FEATURES_BEFORE + tuple(names),
        ),
    }
    saved: dict[str, np.ndarray] = {}
    for cache_path in args.caches:
        with np.load(cache_path) as npz:
            cache = {k: npz[k] for k in npz.files}
        y = cache["labels"]
        if not np.array_equal(y, data.labels):
            raise SystemExit(f"{cache_path}: labels differ from the data folder's")
        salt = str(cache["salt"])
        results = {}
        for name, design in designs.items():
            start = time.perf_counter()
            oof, chosen = nested(design, cache)
            results[name] = oof
            saved[f"{name}_{salt or 'usual'}"] = oof
            print(
                f"salt {salt!r} design ({name}): nested ROC-AUC {roc_auc(y, oof):.4f} "
                f"({time.perf_counter() - start:.0f} s); " + "; ".join(chosen),
                flush=True,
            )
        if cache_path == args.caches[0]:
            low, high = paired_bootstrap(y, results["a"], results["b"])
            gain = roc_auc(y, results["b"]) - roc_auc(y, results["a"])
            print(
                f"salt {salt!r}: (b) - (a) = {gain:+.4f}, "
                f"95 % bootstrap interval [{low:+.4f}, {high:+.4f}]"
            )
    if args.save:
        np.savez(args.save, labels=data.labels, **saved)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
