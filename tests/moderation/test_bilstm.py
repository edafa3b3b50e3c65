"""The numpy network: packaged files, Keras tokenization, TensorFlow's outputs, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from threadline.moderation.bilstm import ToxicityNet

REFERENCE = Path(__file__).parent / "data" / "tf_reference.json"


@pytest.fixture(scope="module")
def net() -> ToxicityNet:
    return ToxicityNet.from_package()


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def test_loads_from_package_files(net: ToxicityNet) -> None:
    assert net.labels == ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
    assert net.maxlen == 100
    assert net.in_vocabulary("the") and not net.in_vocabulary("zzzqqq")


def test_tokenizer_matches_keras(net: ToxicityNet, reference: dict[str, Any]) -> None:
    for case in reference["cases"]:
        assert net.tokenize(case["text"]) == case["ids"], case["text"][:60]


def test_outputs_match_tensorflow(net: ToxicityNet, reference: dict[str, Any]) -> None:
    texts = [case["text"] for case in reference["cases"]]
    expected = np.array([case["scores"] for case in reference["cases"]])
    assert np.abs(net.predict(texts) - expected).max() < 1e-6


def test_outputs_of_the_package_readme(net: ToxicityNet) -> None:
    """The example output printed in toxic-comment-classifier's README."""
    scores = net.predict(["You are so dumb and stupid!"])[0]
    expected = [0.98894, 0.07257, 0.62043, 0.01935, 0.86641, 0.04073]
    assert np.allclose(scores, expected, atol=1e-4)


def test_deterministic_and_independent_of_batching(net: ToxicityNet) -> None:
    texts = ["you are an idiot", "thank you for the thoughtful article", "", "fine " * 150]
    batch = net.predict(texts)
    again = net.predict(texts)
    assert np.array_equal(batch, again)
    one_by_one = np.vstack([net.predict([t]) for t in texts])
    assert np.abs(batch - one_by_one).max() < 1e-6
    assert np.array_equal(net.predict(list(reversed(texts))), batch[::-1])


def test_toxic_and_civil(net: ToxicityNet) -> None:
    toxic, civil = net.predict(["You are a stupid idiot", "Thanks, this was well researched."])
    assert toxic[0] > 0.9
    assert civil[0] < 0.05


def test_empty_batch(net: ToxicityNet) -> None:
    assert net.predict([]).shape == (0, 6)


# -- tox-block (hard-sigmoid gates) ---------------------------------------------------------

TOXBLOCK_REFERENCE = Path(__file__).parent / "data" / "toxblock_reference.json"


@pytest.fixture(scope="module")
def toxblock() -> ToxicityNet:
    return ToxicityNet.from_package("toxblock")


def test_toxblock_matches_tensorflow(toxblock: ToxicityNet) -> None:
    """tox-block 0.1.2 under TensorFlow (tools/toxblock_features.py verify --fixture).

    The packaged weights are tox-block's float32 values, so the outputs stay within float32
    rounding of TensorFlow's (1.3e-7 on 3,014 texts, as the verify command prints).
    """
    cases = json.loads(TOXBLOCK_REFERENCE.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 40
    for case in cases:  # the fixture keeps Keras' whole `texts_to_sequences` output
        assert toxblock.ids(case["text"]) == case["ids"], case["text"][:60]
        assert toxblock.tokenize(case["text"]) == case["ids"][-toxblock.maxlen :]
    expected = np.array([case["scores"] for case in cases])
    assert np.abs(toxblock.predict([case["text"] for case in cases]) - expected).max() < 1e-6


def _keras_lstm(
    x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """Keras 2's LSTM with hard-sigmoid gates, step by step: outputs (T, units)."""
    units = recurrent.shape[0]
    h, c, out = np.zeros(units), np.zeros(units), []
    for step in x:
        z = step @ kernel + h @ recurrent + bias
        i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
        gate = [np.clip(0.2 * v + 0.5, 0.0, 1.0) for v in (i, f, o)]
        c = gate[1] * c + gate[0] * np.tanh(g)
        h = gate[2] * np.tanh(c)
        out.append(h)
    return np.array(out)


def test_hard_sigmoid_gates_follow_keras() -> None:
    rng = np.random.default_rng(4)
    units, dim, vocab_size, maxlen = 3, 4, 6, 5
    w = {
        "embedding": rng.normal(size=(vocab_size, dim)),
        "fw_kernel": rng.normal(size=(dim, 4 * units)),
        "fw_recurrent": rng.normal(size=(units, 4 * units)),
        "fw_bias": rng.normal(size=4 * units),
        "bw_kernel": rng.normal(size=(dim, 4 * units)),
        "bw_recurrent": rng.normal(size=(units, 4 * units)),
        "bw_bias": rng.normal(size=4 * units),
        "dense_kernel": rng.normal(size=(2 * units, 2)),
        "dense_bias": rng.normal(size=2),
        "out_kernel": rng.normal(size=(2, 6)),
        "out_bias": rng.normal(size=6),
    }
    vocab = {
        "labels": ["a", "b", "c", "d", "e", "f"],
        "maxlen": maxlen,
        "lower": True,
        "split": " ",
        "filters": "!",
        "words": ["one", "two", "three", "four", "five"],
        "recurrent_activation": "hard_sigmoid",
    }
    net = ToxicityNet({k: v.astype(np.float32) for k, v in w.items()}, vocab)
    for ids in ([1, 2, 3], [5, 4, 3, 2, 1], []):
        x = w["embedding"][[0] * (maxlen - len(ids)) + ids]  # pre-padded, as Keras
        forward = _keras_lstm(x, w["fw_kernel"], w["fw_recurrent"], w["fw_bias"]).max(axis=0)
        backward = _keras_lstm(x[::-1], w["bw_kernel"], w["bw_recurrent"], w["bw_bias"])
        pooled = np.concatenate([forward, backward.max(axis=0)])
        hidden = np.maximum(pooled @ w["dense_kernel"] + w["dense_bias"], 0.0)
        expected = hidden @ w["out_kernel"] + w["out_bias"]
        assert np.allclose(net.logits_ids([ids])[0], expected, atol=1e-5)
    with pytest.raises(ValueError, match="recurrent activation"):
        ToxicityNet(
            {k: v.astype(np.float32) for k, v in w.items()},
            {**vocab, "recurrent_activation": "relu"},
        )
