"""Moderation quality and cost, measured on the labelled sets in ../shared/data.

    .venv/bin/python bench/moderation_eval.py [--data ../shared/data] [--quick]
        [--only cost,toxicity,spam,bias]

Prints, on one CPU core (BLAS limited to one thread):
* toxicity ROC-AUC on the Wikipedia talk set (all / labelled without / with the parent as
  context) next to Perspective's, for the packaged network alone and for the combined score.
  The n-gram model and the combiner were fitted on this set, so their figures here come from
  nested 5-fold cross-validation (`tools/toxicity_training.py`, which needs scikit-learn from
  the `dev` extra): every comment is scored by an n-gram model and a combiner whose settings
  were chosen by an inner cross-validation and which were fitted without it, the combiner
  on out-of-fold n-gram logits. Paired bootstrap intervals for the
  difference to Perspective;
* the shipped scorer on Civil Comments (news comments: clearly toxic vs. judged not toxic
  by every span rater); its n-gram part saw the clearly toxic ones as positives, so the
  network alone is printed beside it as the untouched reference;
* precision/recall at the shipped hold and nudge thresholds;
* spam ROC-AUC on the YouTube Spam Collection, leave-one-video-out;
* throughput, per-comment latency (p50/p99), model load time and memory;
* the identity-term bias check: the share of 1,500 neutral sentences naming identity groups
  that the shipped thresholds would hold or nudge, and whether any would be rejected.
"""

from __future__ import annotations

import os

# One core: set before numpy loads its BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from threadline.moderation.bias import identity_sentences  # noqa: E402
from threadline.moderation.evaluate import precision_recall_at, roc_auc  # noqa: E402
from threadline.moderation.logistic import fit_logistic  # noqa: E402
from threadline.moderation.moderator import CommentFacts, Moderator  # noqa: E402
from threadline.moderation.policy import (  # noqa: E402
    Decision,
    PolicyConfig,
    decide,
)
from threadline.moderation.spam import (  # noqa: E402
    held_out_with_links,
    train_spam_scorer,
    training_ham,
    without_links,
)
from threadline.moderation.toxicity import BASE_FEATURES, FEATURES, ToxicityScorer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from toxicity_training import (  # noqa: E402
    COMBINER_L2,
    FOLDS,
    NgramConfig,
    TrainingSet,
    base_rows,
    nested_cross_validation,
)

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def shipped_ngram_config() -> NgramConfig:
    """The settings the packaged n-gram model was fitted with (recorded in its JSON)."""
    text = (
        resources.files("threadline.moderation")
        .joinpath("models", "toxicity_ngrams.json")
        .read_text(encoding="utf-8")
    )
    data = json.loads(text)
    return NgramConfig(
        c=float(data["c"]),
        civil_weight=float(data["civil_weight"]),
        davidson_weight=float(data["davidson_weight"]),
    )


def auc_row(label: str, y: np.ndarray, s: np.ndarray, ctx: np.ndarray) -> str:
    return (
        f"  {label:42s} {roc_auc(y, s):.3f}   {roc_auc(y[~ctx], s[~ctx]):.3f}"
        f"        {roc_auc(y[ctx], s[ctx]):.3f}"
    )


def bootstrap_diff(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, reps: int, seed: int = 7
) -> tuple[float, float]:
    """95 % interval of ROC-AUC(a) − ROC-AUC(b), resampling comments (paired)."""
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(reps):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].all() or not y[idx].any():
            continue
        diffs.append(roc_auc(y[idx], a[idx]) - roc_auc(y[idx], b[idx]))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(hi)


def toxicity_section(data: Path, scorer: ToxicityScorer, config: PolicyConfig, quick: bool) -> None:
    training = TrainingSet.load(data, scorer)
    rows = read_csv(data / "wiki_talk_cat_large.csv")
    texts = training.texts
    y = training.labels
    ctx = np.array([r["annotated"] == "with_context" for r in rows])
    perspective = np.array([float(r["perspective_api_score"]) for r in rows])
    print(f"\n== Toxicity: wiki_talk_cat_large.csv ({len(y):,} comments, {y.sum()} toxic) ==")
    print("  (no parent text in this file: the context column says how it was labelled)")
    print(f"  {'ROC-AUC':42s} all     no context   with context")
    print(auc_row("Perspective API (Google)", y, perspective, ctx))
    raw = scorer.net.predict(texts)
    print(auc_row("network alone, as packaged (toxic)", y, raw[:, 0], ctx))
    print(auc_row("network alone, mean of 6 (package)", y, raw.mean(axis=1), ctx))
    x = base_rows(scorer, texts)
    neutral = base_rows(scorer, training.neutral)
    print(auc_row("network on repaired text (toxic)", y, x[:, 0], ctx))
    toxblock = x[:, FEATURES.index("toxblock_toxic")]
    print(auc_row("tox-block network on repaired text (toxic)", y, toxblock, ctx))
    base = len(BASE_FEATURES)
    earlier = np.zeros(len(y))
    for f in range(FOLDS):
        train = training.folds != f
        model = fit_logistic(x[train, :base], y[train], BASE_FEATURES, l2=COMBINER_L2)
        earlier[~train] = model.predict(x[~train, :base])
    print(auc_row("network + word/surface features, 5-fold", y, earlier, ctx))
    ngrams = training.out_of_fold_ngrams(np.ones(len(y), bool), shipped_ngram_config())
    print(auc_row("n-gram model alone (as shipped), 5-fold", y, ngrams, ctx))
    chosen: list[str] = []
    oof, _ = nested_cross_validation(training, x, neutral, progress=chosen.append)
    print(auc_row("shipped design, nested 5-fold", y, oof, ctx))
    print(
        f"  (all rows, 4 decimals: shipped {roc_auc(y, oof):.4f}, "
        f"Perspective {roc_auc(y, perspective):.4f})"
    )
    print("  design chosen by the inner cross-validation of each outer fold:")
    for line in chosen:
        print(f"    {line}")
    reps = 200 if quick else 1000
    for name, part in (("all", np.ones(len(y), bool)), ("no context", ~ctx), ("with context", ctx)):
        lo, hi = bootstrap_diff(y[part], oof[part], perspective[part], reps)
        diff = roc_auc(y[part], oof[part]) - roc_auc(y[part], perspective[part])
        print(
            f"  shipped − Perspective ({name}): {diff:+.3f}"
            f", 95 % bootstrap interval [{lo:+.3f}, {hi:+.3f}] ({reps} resamples)"
        )

    print("\n  Precision / recall at the shipped thresholds (nested cross-validated scores):")
    for name, threshold in (("hold", config.toxicity_hold), ("nudge", config.toxicity_nudge)):
        pr = precision_recall_at(y, oof, threshold)
        print(
            f"  {name:5s} ≥ {threshold:.2f}: precision {pr.precision:.3f}, recall {pr.recall:.3f}"
            f", {pr.flagged} flagged ({pr.flagged_share:.2%} of comments)"
        )
    pr_p = precision_recall_at(y, perspective, 0.7)
    print(
        f"  Perspective ≥ 0.70 for comparison: precision {pr_p.precision:.3f}, "
        f"recall {pr_p.recall:.3f}, {pr_p.flagged} flagged"
    )

    civil = read_csv(data / "civil_comments_toxic_spans.csv")
    share = np.array([float(r["frac_not_toxic"]) for r in civil])
    keep = (share == 0) | (share == 1)
    civil_texts = [r["text"] for r, k in zip(civil, keep, strict=True) if k]
    shipped = scorer.scores(civil_texts)
    network = scorer.logits(civil_texts)[:, 0]
    labels = share[keep] == 0
    print("\n== Toxicity: civil_comments_toxic_spans.csv (news comments) ==")
    print(
        f"  clearly toxic ({labels.sum():,}) vs. not toxic to any span rater "
        f"({(~labels).sum():,}): ROC-AUC {roc_auc(labels, shipped):.3f} shipped scorer "
        f"(optimistic: its n-gram part saw the clearly toxic ones), "
        f"{roc_auc(labels, network):.3f} network alone (never fitted on them)"
    )


def spam_section(data: Path) -> None:
    rows = read_csv(data / "youtube_spam_collection.csv")
    texts = [r["text"] for r in rows]
    labels = [int(r["label"]) for r in rows]
    groups = [r["video"] for r in rows]
    discussions = [
        r["text"]
        for name in ("wiki_talk_cat_large.csv", "civil_comments_toxic_spans.csv")
        for r in read_csv(data / name)
    ]
    ham = training_ham(discussions)
    with_links = held_out_with_links(discussions)
    combined = np.zeros(len(rows))
    ngrams = np.zeros(len(rows))
    per_video = []
    hold = PolicyConfig().spam_hold
    legit_held = []
    for video in sorted(set(groups)):
        train = [k for k, g in enumerate(groups) if g != video]
        test = [k for k, g in enumerate(groups) if g == video]
        scorer = train_spam_scorer(
            [texts[k] for k in train],
            [labels[k] for k in train],
            [groups[k] for k in train],
            extra_ham=ham,
        )
        for k in test:
            combined[k] = scorer.text_score(texts[k])
            ngrams[k] = scorer.ngrams.score(without_links(texts[k]))
        yv = np.array([labels[k] for k in test])
        per_video.append(f"{video} {roc_auc(yv, combined[test]):.3f}")
        legit_held.append(np.mean([scorer.text_score(t) >= hold for t in with_links]))
    y = np.array(labels)
    print(f"\n== Spam: youtube_spam_collection.csv ({len(y):,} comments, {y.sum()} spam) ==")
    print(f"  (+ {len(ham):,} news and Wikipedia comments as extra ham in every training set)")
    print(
        f"  leave-one-video-out ROC-AUC: combined {roc_auc(y, combined):.3f}, "
        f"character n-grams alone {roc_auc(y, ngrams):.3f}"
    )
    print("  per video: " + ", ".join(per_video))
    pr = precision_recall_at(y, combined, hold)
    print(f"  hold ≥ {pr.threshold:.2f}: precision {pr.precision:.3f}, recall {pr.recall:.3f}")
    print(
        f"  held-out news/Wikipedia comments with links ({len(with_links)}) held as spam: "
        f"{np.mean(legit_held):.1%}"
    )


def cost_section(data: Path, quick: bool) -> Moderator:
    print("\n== Cost on one core ==")
    before = rss_mib()
    start = time.perf_counter()
    moderator = Moderator.load()
    load = time.perf_counter() - start
    after = rss_mib()
    print(
        f"  load: {load * 1000:.0f} ms; RSS {before:.0f} → {after:.0f} MiB "
        f"(+{after - before:.0f} MiB for the models)"
    )
    texts = [r["text"] for r in read_csv(data / "wiki_talk_cat_large.csv")]
    rng = np.random.default_rng(3)
    sample = [texts[k] for k in rng.choice(len(texts), 1000 if quick else 4000, replace=False)]
    config = PolicyConfig()
    net = moderator.toxicity.net
    start = time.process_time()
    net.predict(sample)
    cpu = time.process_time() - start
    print(f"  network alone, batched: {len(sample) / cpu:,.0f} comments per CPU-second")
    start = time.process_time()
    moderator.toxicity.scores(sample)
    cpu = time.process_time() - start
    print(f"  toxicity scorer, batched: {len(sample) / cpu:,.0f} comments per CPU-second")
    facts = [CommentFacts(t) for t in sample]
    start = time.process_time()
    for chunk in range(0, len(facts), 64):
        for signals in moderator.signals_many(facts[chunk : chunk + 64], config):
            decide(signals, config)
    cpu = time.process_time() - start
    print(f"  whole pipeline, batches of 64: {len(sample) / cpu:,.0f} comments per CPU-second")
    cpu_ms, wall_ms = [], []
    for text in sample[: 500 if quick else 2000]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        moderator.moderate(CommentFacts(text), config)
        cpu_ms.append((time.thread_time() - start_cpu) * 1000)
        wall_ms.append((time.perf_counter() - start) * 1000)
    per_cpu, per_wall = np.array(cpu_ms), np.array(wall_ms)
    alone_cpu, alone_wall = [], []
    for text in sample[: 500 if quick else 2000]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        moderator.toxicity.score(text)
        alone_cpu.append((time.thread_time() - start_cpu) * 1000)
        alone_wall.append((time.perf_counter() - start) * 1000)
    print(
        "  one comment at a time (toxicity scorer alone), CPU time: "
        f"p50 {np.percentile(alone_cpu, 50):.1f} ms, p99 {np.percentile(alone_cpu, 99):.1f} ms, "
        f"max {max(alone_cpu):.1f} ms; wall-clock p99 {np.percentile(alone_wall, 99):.1f} ms"
    )
    print(
        "  one comment at a time (whole pipeline), CPU time: "
        f"p50 {np.percentile(per_cpu, 50):.1f} ms, p99 {np.percentile(per_cpu, 99):.1f} ms, "
        f"max {per_cpu.max():.1f} ms"
    )
    print(
        f"  … wall-clock on this shared machine: p50 {np.percentile(per_wall, 50):.1f} ms, "
        f"p99 {np.percentile(per_wall, 99):.1f} ms"
    )
    longest = max(sample, key=len)
    start = time.perf_counter()
    moderator.moderate(CommentFacts(longest * 3, parent_text=longest), config)
    print(
        f"  longest sample ×3 with a parent ({len(longest) * 3:,} chars): "
        f"{(time.perf_counter() - start) * 1000:.1f} ms"
    )
    return moderator


def bias_section(moderator: Moderator, config: PolicyConfig) -> None:
    sentences = identity_sentences()
    facts = [CommentFacts(text, author_approved_comments=5) for _, text in sentences]
    signals = moderator.signals_many(facts, config)
    scores = np.array([s[0].score for s in signals])
    decisions = [decide(s, config).decision for s in signals]
    by_group: dict[str, list[float]] = defaultdict(list)
    for (group, _), score in zip(sentences, scores, strict=True):
        by_group[group].append(score)
    held = float(np.mean(scores >= config.toxicity_hold))
    nudged = float(np.mean(scores >= config.toxicity_nudge))
    print(
        f"\n== Identity-term bias: {len(sentences):,} neutral sentences, {len(by_group)} groups =="
    )
    print(
        f"  held at toxicity ≥ {config.toxicity_hold:.2f}: {held:.2%}; "
        f"nudged at ≥ {config.toxicity_nudge:.2f}: {nudged:.2%}"
    )
    print(
        f"  decisions: {sum(d is Decision.HOLD for d in decisions)} hold, "
        f"{sum(d is Decision.REJECT for d in decisions)} reject"
    )
    worst = sorted(by_group.items(), key=lambda kv: -float(np.mean(kv[1])))[:6]
    print("  highest mean score: " + ", ".join(f"{g} {np.mean(v):.3f}" for g, v in worst))
    top = int(np.argmax(scores))
    print(f"  highest single score: {scores[top]:.3f} “{sentences[top][1]}”")
    unmarked = [t for g, t in sentences if g in ("straight", "white", "male")]
    base = moderator.toxicity.scores(unmarked)
    print(
        f"  for reference, mean score of straight/white/male sentences: {base.mean():.3f}; "
        f"of all: {scores.mean():.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    parser.add_argument(
        "--only",
        default="cost,toxicity,spam,bias",
        help="comma-separated parts to run (cost always loads the models)",
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    config = PolicyConfig()
    print(f"threadline moderation benchmark — numpy {np.__version__}, one BLAS thread")
    moderator = cost_section(args.data, args.quick)
    if "toxicity" in parts:
        toxicity_section(args.data, moderator.toxicity, config, args.quick)
    if "spam" in parts:
        spam_section(args.data)
    if "bias" in parts:
        bias_section(moderator, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
