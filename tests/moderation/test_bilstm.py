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
