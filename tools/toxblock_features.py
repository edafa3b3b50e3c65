"""tox-block's network checked against TensorFlow, and its features for the experiment (#4).

The converted files (`tools/convert_toxblock_model.py`) are run by the package's own numpy
pass, `threadline.moderation.bilstm.ToxicityNet` (its hard-sigmoid gates, Keras 2:
clip(0.2·x + 0.5, 0, 1)), so `verify` checks the forward pass that ships.

    # check against the original under TensorFlow (a throwaway venv, never Threadline's):
    python3 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.15.1 h5py threadpoolctl
    PYTHONPATH=src /tmp/tfvenv/bin/python tools/toxblock_features.py verify /tmp/tbm32 \\
        /tmp/tb/tox_block-0.1.2-py3-none-any.whl --data ../shared/data/wiki_talk_cat_large.csv
    # the combiner features for tools/toxblock_experiment.py:
    .venv/bin/python tools/toxblock_features.py features /tmp/tbm32 ../shared/data \\
        --out /tmp/toxblock_features.npz

The features are read like those of the packaged network (`ToxicityNet.read`): on the
repaired text, in windows of 100 words from the end, each logit the largest over the windows
and the hidden units those of the most toxic window.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import verify_toxicity_model

from threadline.moderation.bilstm import ToxicityNet

WEIGHTS_IN_WHEEL = "tox_block/trained_models/lstm_model_0.1.2.h5"
# The first network's check texts, and one threat.
EDGE_CASES = [*verify_toxicity_model.EDGE_CASES, "I will kill you, you fucking piece of shit"]


def load_net(folder: Path) -> tuple[ToxicityNet, dict[str, Any]]:
    """The network of `convert_toxblock_model.py`'s files in `folder`, and its vocabulary."""
    with np.load(folder / "toxblock_bilstm.npz") as npz:
        weights = {name: np.ascontiguousarray(npz[name], np.float32) for name in npz.files}
    vocab: dict[str, Any] = json.loads((folder / "toxblock_vocab.json").read_text("utf-8"))
    if vocab["recurrent_activation"] != "hard_sigmoid":
        raise ValueError("expected hard-sigmoid recurrent gates")
    return ToxicityNet(weights, vocab), vocab


def verify(folder: Path, wheel: Path, data: Path | None, limit: int, fixture: Path | None) -> int:
    """numpy against TensorFlow (Keras 2) on the original H5 model; needs TensorFlow."""
    import tensorflow as tf  # type: ignore[import-untyped]

    texts = list(EDGE_CASES)
    if data:
        with data.open(encoding="utf-8") as fh:
            rows = zip(range(limit), csv.DictReader(fh), strict=False)
            texts += [row["text"] for _, row in rows]
    net, vocab = load_net(folder)
    tokenizer = tf.keras.preprocessing.text.Tokenizer(num_words=len(vocab["words"]) + 1)
    tokenizer.word_index = {w: i for i, w in enumerate(vocab["words"], start=1)}
    keras_ids = tokenizer.texts_to_sequences(texts)
    mine_ids = [net.ids(t) for t in texts]
    mismatched = sum(a != b for a, b in zip(mine_ids, keras_ids, strict=True))
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        path = Path(tmp) / "model.h5"
        path.write_bytes(zf.read(WEIGHTS_IN_WHEEL))
        model = tf.keras.models.load_model(path, compile=False)
    both = tf.keras.Model(model.input, [model.get_layer("dense").output, model.output])
    padded = tf.keras.preprocessing.sequence.pad_sequences(keras_ids, maxlen=net.maxlen)
    tf_hidden, tf_probs = both.predict(padded, batch_size=256, verbose=0)
    hidden, logits = net.hidden_logits_ids([s[-net.maxlen :] for s in mine_ids])
    probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    diff = float(np.abs(probs - tf_probs).max())
    hidden_diff = float(np.abs(hidden - tf_hidden).max())
    print(f"tensorflow {tf.__version__} (Keras 2 API); {len(texts)} texts")
    print(f"token sequences that differ from Keras: {mismatched}")
    print(f"max |numpy - tensorflow|: probabilities {diff:.2e}, hidden units {hidden_diff:.2e}")
    if fixture:
        keep = list(range(len(EDGE_CASES))) + list(range(len(EDGE_CASES), len(texts), 97))
        cases = [
            {"text": texts[k], "ids": keras_ids[k], "scores": tf_probs[k].tolist()} for k in keep
        ]
        fixture.write_text(
            json.dumps({"source": "tox-block 0.1.2 under TensorFlow", "cases": cases}, indent=1)
            + "\n"
        )
        print(f"wrote {len(cases)} reference cases to {fixture}")
    return 0 if mismatched == 0 and max(diff, hidden_diff) <= 1e-5 else 1


def features(folder: Path, data: Path, out: Path, raw: bool = False) -> int:
    """tox-block's logits and hidden units for the training comments and neutral examples
    (on the repaired text, or with `raw` on the text as given, as tox-block reads it)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from neutral_examples import neutral_examples
    from toxicity_training import read_csv
    from train_toxicity_model import placeholder_scorer

    scorer = placeholder_scorer()
    net, _ = load_net(folder)
    texts = [r["text"] for r in read_csv(data / "wiki_talk_cat_large.csv")]
    neutral = neutral_examples()
    if not raw:
        texts, neutral = [scorer.repair(t) for t in texts], [scorer.repair(t) for t in neutral]
    hidden, logits = net.read(texts)
    n_hidden, n_logits = net.read(neutral)
    np.savez(out, hidden=hidden, logits=logits, neutral_hidden=n_hidden, neutral_logits=n_logits)
    print(f"wrote {out}: {len(texts)} comments, {len(n_logits)} neutral examples")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="numpy against TensorFlow")
    check.add_argument("folder", type=Path, help="output of convert_toxblock_model.py")
    check.add_argument("wheel", type=Path, help="tox_block-0.1.2-py3-none-any.whl")
    check.add_argument("--data", type=Path, help="a CSV with a 'text' column")
    check.add_argument("--limit", type=int, default=3000)
    check.add_argument("--fixture", type=Path, help="write reference outputs here")
    feats = sub.add_parser("features", help="combiner features for the experiment")
    feats.add_argument("folder", type=Path, help="output of convert_toxblock_model.py")
    feats.add_argument("data", type=Path, help="the shared data folder")
    feats.add_argument("--out", type=Path, required=True)
    feats.add_argument("--raw", action="store_true", help="the text as given, not repaired")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return verify(args.folder, args.wheel, args.data, args.limit, args.fixture)
    return features(args.folder, args.data, args.out, args.raw)


if __name__ == "__main__":
    sys.exit(main())
