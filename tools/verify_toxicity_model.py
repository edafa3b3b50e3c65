"""Check the numpy forward pass against the original TensorFlow package, at build time.

Run it with a throwaway interpreter that has TensorFlow and the original wheel installed
(never part of Threadline's install), with Threadline's `src/` on the path:

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu threadpoolctl
    /tmp/tfvenv/bin/pip install --no-deps toxic_comment_classifier-0.3.0-py3-none-any.whl
    PYTHONPATH=src /tmp/tfvenv/bin/python tools/verify_toxicity_model.py \\
        --data ../shared/data/wiki_talk_cat_large.csv --limit 3000 \\
        --fixture tests/moderation/data/tf_reference.json

It prints the largest absolute difference over all six outputs and, with --fixture, writes a
small set of texts with TensorFlow's outputs that the test suite compares against without
TensorFlow.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

EDGE_CASES = [
    "",
    "!!!",
    "You are so dumb and stupid!",
    "This is wonderful news.",
    "Have a nice day :)",
    "I hate you so much!",
    "shut up you idiot",
    "Thank you for the thoughtful reply, I learned something.",
    "DON'T\tyou dare\r\ntouch my edits, moron.",
    "Ünïcödé ｆｕｌｌｗｉｄｔｈ text – with dashes — and “quotes”",
    "word " * 150,
    "idiot " + "fine " * 120,
    "fine " * 120 + "idiot",
]


def main(argv: list[str] | None = None) -> int:
    from toxic_classifier.model import ToxicCommentClassifier  # type: ignore[import-not-found]

    from threadline.moderation.bilstm import ToxicityNet

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="a CSV with a 'text' column")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--fixture", type=Path)
    args = parser.parse_args(argv)

    texts = list(EDGE_CASES)
    if args.data:
        with args.data.open(encoding="utf-8") as fh:
            texts += [
                row["text"] for _, row in zip(range(args.limit), csv.DictReader(fh), strict=False)
            ]

    original = ToxicCommentClassifier()
    padded = original.model  # the Keras model; score in batches like the package's classify
    from tensorflow.keras.preprocessing.sequence import pad_sequences  # type: ignore

    seqs = original.tokenizer.texts_to_sequences(texts)
    reference = padded.predict(pad_sequences(seqs, maxlen=100), batch_size=256, verbose=0)
    single = [original.classify(t) for t in texts[: len(EDGE_CASES)]]

    net = ToxicityNet.from_package()
    mine_ids = [net.tokenize(t) for t in texts]
    keras_ids = [s[-100:] for s in seqs]
    mismatched = sum(a != b for a, b in zip(mine_ids, keras_ids, strict=True))
    start = time.perf_counter()
    mine = net.predict(texts)
    elapsed = time.perf_counter() - start
    diff = np.abs(mine.astype(np.float64) - reference.astype(np.float64))
    single_diff = max(
        abs(float(mine[k][j]) - row[label])
        for k, row in enumerate(single)
        for j, label in enumerate(net.labels)
    )
    print(f"texts: {len(texts)}, token sequences that differ from Keras: {mismatched}")
    print(f"max |numpy - tensorflow| over {diff.size} outputs: {diff.max():.2e}")
    print(f"mean |numpy - tensorflow|: {diff.mean():.2e}; vs classify(): {single_diff:.2e}")
    print(f"numpy batch: {len(texts) / elapsed:,.0f} texts/s")

    if args.fixture:
        keep = list(range(len(EDGE_CASES))) + list(range(len(EDGE_CASES), len(texts), 97))
        fixture = {
            "source": "toxic-comment-classifier 0.3.0 under TensorFlow (tools/verify_...)",
            "labels": list(net.labels),
            "cases": [
                {"text": texts[k], "ids": keras_ids[k], "scores": reference[k].tolist()}
                for k in keep
            ],
        }
        args.fixture.parent.mkdir(parents=True, exist_ok=True)
        args.fixture.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n")
        print(f"wrote {len(keep)} reference cases to {args.fixture}")
    return 0 if mismatched == 0 and diff.max() < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
