"""The toxicity networks of `toxic-comment-classifier` 0.3.0 and `tox-block` 0.1.2, in numpy.

Both are Embedding 20k×50 → bidirectional LSTM 50 → max-pool over time → Dense 50 (ReLU) →
6 sigmoids (toxic, severe_toxic, obscene, threat, insult, identity_hate), trained on the
Jigsaw Wikipedia comments; their LSTM gates differ: sigmoid in the first, hard sigmoid
(Keras 2: clip(0.2·x + 0.5, 0, 1)) in tox-block. The weights and the tokenizers were
converted once, at build time, by `tools/convert_toxicity_model.py` and
`tools/convert_toxblock_model.py`; here they load from the package files with numpy alone
(`ToxicityNet.from_package("toxicity")`, `ToxicityNet.from_package("toxblock")`).

Tokenization reproduces the Keras `Tokenizer` exactly: lowercase, the same filter characters
replaced by spaces, split on spaces, words outside the 20k vocabulary dropped, then the last
100 ids kept and zeros padded in front (`pad_sequences` defaults, as the package calls it).

The matrices are small (50×200), so BLAS threads only add overhead: on a busy 2-core machine
a multi-threaded OpenBLAS made the batched pass 10–30× slower. Each forward pass therefore
runs with BLAS limited to one thread (threadpoolctl; the previous limit is restored after,
≈ 30 µs), unless the net is built with `single_thread=False`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

Array = npt.NDArray[np.float32]

_MODELS = "models"
_GATES = ("sigmoid", "hard_sigmoid")  # the recurrent activations supported
# Rows per step of the batched forward pass (sorted by length so padding is rarely computed).
_CHUNK = 128


@dataclass(frozen=True, slots=True)
class _Direction:
    """One LSTM direction, gates i, f, c, o; the gate columns pre-scaled for `_run`.

    Sigmoid gates: sigmoid(x) = (1 + tanh(x / 2)) / 2, so one tanh call serves all four
    gates once the weights of the three sigmoid gates are multiplied by 0.5 — exactly, in
    binary floating point, so the results are bit-for-bit those of the unscaled weights.
    Hard-sigmoid gates: their weights are multiplied by 0.2 and 0.5 is added to their bias,
    so each gate is a clip to 0..1 (within float32 rounding, ≈ 1e-7, of Keras' order).
    """

    kernel: Array  # (50, 200): input → gates
    recurrent: Array  # (50, 200)
    bias: Array  # (200,)
    hard: bool  # hard-sigmoid gates

    @classmethod
    def scaled(cls, kernel: Array, recurrent: Array, bias: Array, gates: str) -> _Direction:
        u = recurrent.shape[0]
        hard = gates == "hard_sigmoid"
        slope = 0.2 if hard else 0.5
        scale = np.concatenate([np.full(2 * u, slope), np.ones(u), np.full(u, slope)])
        scale = scale.astype(np.float32)
        bias = bias * scale
        if hard:
            offset = np.concatenate([np.full(2 * u, 0.5), np.zeros(u), np.full(u, 0.5)])
            bias = bias + offset.astype(np.float32)
        return cls(kernel * scale, np.ascontiguousarray(recurrent * scale), bias, hard)


def _run(
    inputs: Iterable[Array], h: Array, c: Array, way: _Direction, hmax: Array
) -> tuple[Array, Array]:
    """Keras LSTM steps over `inputs` (each x·W + b, pre-scaled), updating h, c, hmax in place."""
    rows, units = h.shape
    z = np.empty((rows, 4 * units), np.float32)
    for x in inputs:
        np.dot(h, way.recurrent, out=z)
        z += x
        if way.hard:
            candidate = np.tanh(z[:, 2 * units : 3 * units])
            gate = np.clip(z, 0.0, 1.0, out=z)
        else:
            np.tanh(z, out=z)
            candidate = z[:, 2 * units : 3 * units]
            gate = z * 0.5
            gate += 0.5
        c *= gate[:, units : 2 * units]
        c += gate[:, :units] * candidate
        np.tanh(c, out=h)
        h *= gate[:, 3 * units :]
        np.maximum(hmax, h, out=hmax)
    return h, c


class ToxicityNet:
    """A BiLSTM and its tokenizer; `predict` returns one row of 6 probabilities per text."""

    def __init__(
        self, weights: dict[str, Array], vocab: dict[str, Any], *, single_thread: bool = True
    ) -> None:
        self.labels: tuple[str, ...] = tuple(vocab["labels"])
        self.maxlen = int(vocab["maxlen"])
        self.lower = bool(vocab["lower"])
        self._split = str(vocab["split"])
        self._table = str.maketrans({c: self._split for c in vocab["filters"]})
        gates = str(vocab.get("recurrent_activation", "sigmoid"))
        if gates not in _GATES:
            raise ValueError(f"unsupported recurrent activation {gates!r}")
        words: list[str] = vocab["words"]
        self._index = {w: i for i, w in enumerate(words, start=1)}
        self._embedding = weights["embedding"]
        self._fw = _Direction.scaled(
            weights["fw_kernel"], weights["fw_recurrent"], weights["fw_bias"], gates
        )
        self._bw = _Direction.scaled(
            weights["bw_kernel"], weights["bw_recurrent"], weights["bw_bias"], gates
        )
        self._dense_w = weights["dense_kernel"]
        self._dense_b = weights["dense_bias"]
        self._out_w = weights["out_kernel"]
        self._out_b = weights["out_bias"]
        self._units = self._fw.recurrent.shape[0]
        self._threads = ThreadpoolController() if single_thread else None
        self._pad_states = self._padding_prefix()

    @classmethod
    def from_package(cls, name: str = "toxicity") -> ToxicityNet:
        """Load converted weights shipped inside the installed package (float16 or 32 on
        disk, float32 in memory): `models/{name}_bilstm.npz` and `models/{name}_vocab.json`."""
        folder = resources.files("threadline.moderation").joinpath(_MODELS)
        with folder.joinpath(f"{name}_bilstm.npz").open("rb") as fh, np.load(fh) as npz:
            weights = {key: np.ascontiguousarray(npz[key], dtype=np.float32) for key in npz}
        vocab = json.loads(folder.joinpath(f"{name}_vocab.json").read_text(encoding="utf-8"))
        return cls(weights, vocab)

    # -- tokenizer -------------------------------------------------------------------------

    def words(self, text: str) -> list[str]:
        """Keras `text_to_word_sequence`: lowercase, filters → split char, split, drop empties."""
        if self.lower:
            text = text.lower()
        return [w for w in text.translate(self._table).split(self._split) if w]

    def ids(self, text: str) -> list[int]:
        """Keras `texts_to_sequences`: the ids of the words in the vocabulary, all of them."""
        index = self._index
        return [i for w in self.words(text) if (i := index.get(w)) is not None]

    def tokenize(self, text: str) -> list[int]:
        """Keras `texts_to_sequences` then `pad_sequences(truncating="pre")`, without padding."""
        return self.ids(text)[-self.maxlen :]

    def in_vocabulary(self, word: str) -> bool:
        return word in self._index

    # -- forward pass ----------------------------------------------------------------------

    def _padding_prefix(self) -> tuple[Array, Array, Array]:
        """Forward-LSTM (h, c) after k leading pads, k = 0..maxlen, and the running max of h.

        With pre-padding every sequence starts with the same run of zeros, so the forward
        direction's states over that run are computed once here instead of per comment.
        """
        u, n = self._units, self.maxlen
        xw = (self._embedding[0] @ self._fw.kernel + self._fw.bias)[None, :]
        h = np.zeros((1, u), np.float32)
        c = np.zeros((1, u), np.float32)
        hmax = np.full((1, u), -np.inf, np.float32)
        hs = np.zeros((n + 1, u), np.float32)
        cs = np.zeros((n + 1, u), np.float32)
        maxes = np.full((n + 1, u), -np.inf, np.float32)
        for k in range(1, n + 1):
            h, c = _run((xw,), h, c, self._fw, hmax)
            hs[k], cs[k], maxes[k] = h[0], c[0], hmax[0]
        return hs, cs, maxes

    def _forward_chunk(self, ids: npt.NDArray[np.int64], pads: int) -> Array:
        """Pooled BiLSTM features (N, 100) for right-aligned ids (N, T); `pads` = maxlen - T."""
        u, (hs, cs, hmax) = self._units, self._pad_states
        rows, steps = ids.shape
        x = self._embedding[ids]  # (N, T, 50)
        # Forward direction: start from the shared state after the leading pads.
        xw = x @ self._fw.kernel + self._fw.bias
        h = np.repeat(hs[pads][None, :], rows, axis=0)
        c = np.repeat(cs[pads][None, :], rows, axis=0)
        fmax = np.repeat(hmax[pads][None, :], rows, axis=0)
        _run((xw[:, t] for t in range(steps)), h, c, self._fw, fmax)
        # Backward direction: from the last token back through the pads to position 0.
        xw = x @ self._bw.kernel + self._bw.bias
        h = np.zeros((rows, u), np.float32)
        c = np.zeros((rows, u), np.float32)
        bmax = np.full((rows, u), -np.inf, np.float32)
        h, c = _run((xw[:, t] for t in range(steps - 1, -1, -1)), h, c, self._bw, bmax)
        if pads:
            pad_xw = (self._embedding[0] @ self._bw.kernel + self._bw.bias)[None, :]
            _run((pad_xw for _ in range(pads)), h, c, self._bw, bmax)
        return np.concatenate([fmax, bmax], axis=1)

    def logits_ids(self, sequences: Sequence[Sequence[int]]) -> Array:
        """Logits (N, 6), before the sigmoid, for token-id sequences (at most `maxlen` used)."""
        if not sequences:
            return np.zeros((0, len(self.labels)), np.float32)
        if self._threads is None:
            return self._logits_ids(sequences)
        with self._threads.limit(limits=1, user_api="blas"):
            return self._logits_ids(sequences)

    def hidden_logits_ids(self, sequences: Sequence[Sequence[int]]) -> tuple[Array, Array]:
        """The dense layer's activations (N, 50) and the logits (N, 6) for token-id sequences.

        The hidden layer is what the six outputs are read from; the toxicity combiner uses
        it as features, so it can weigh what the network saw beyond the six labels.
        """
        if not sequences:
            return (
                np.zeros((0, self._dense_b.shape[0]), np.float32),
                np.zeros((0, len(self.labels)), np.float32),
            )
        if self._threads is None:
            return self._hidden_logits_ids(sequences)
        with self._threads.limit(limits=1, user_api="blas"):
            return self._hidden_logits_ids(sequences)

    def _logits_ids(self, sequences: Sequence[Sequence[int]]) -> Array:
        return self._hidden_logits_ids(sequences)[1]

    def _hidden_logits_ids(self, sequences: Sequence[Sequence[int]]) -> tuple[Array, Array]:
        order = sorted(range(len(sequences)), key=lambda k: len(sequences[k]))
        pooled = np.zeros((len(sequences), 2 * self._units), np.float32)
        for start in range(0, len(order), _CHUNK):
            chunk = order[start : start + _CHUNK]
            steps = max(1, max(len(sequences[k]) for k in chunk))
            ids = np.zeros((len(chunk), steps), np.int64)
            for row, k in enumerate(chunk):
                seq = sequences[k][-self.maxlen :]
                if seq:
                    ids[row, steps - len(seq) :] = seq
            pooled[chunk] = self._forward_chunk(ids, self.maxlen - steps)
        hidden = np.maximum(pooled @ self._dense_w + self._dense_b, 0.0)
        return hidden, np.asarray(hidden @ self._out_w + self._out_b, np.float32)

    def read(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Hidden units (N, 50) and logits (N, 6) of whole texts, however long.

        The network reads at most `maxlen` words; a longer text is read in windows of
        `maxlen` words from its end (the last window is what the original packages read),
        and each logit is the largest over the windows, so abuse cannot hide at the start
        of a long text. The hidden units come from one window, the most toxic (windows run
        in text order per text, so the last of equal ones wins): a unit-wise maximum would
        mix in what the civil windows of a long comment look like.
        """
        windows: list[list[int]] = []
        owner: list[int] = []
        n = self.maxlen
        for k, text in enumerate(texts):
            ids = self.ids(text)
            for end in range(len(ids), 0, -n):
                windows.append(ids[max(0, end - n) : end])
                owner.append(k)
            if not ids:
                windows.append([])
                owner.append(k)
        hidden, logits = self.hidden_logits_ids(windows)
        rows = np.asarray(owner, dtype=np.intp)
        out_logits = np.full((len(texts), len(self.labels)), -np.inf)
        np.maximum.at(out_logits, rows, logits.astype(np.float64))
        best = np.full(len(texts), -np.inf)
        np.maximum.at(best, rows, logits[:, 0].astype(np.float64))
        top = logits[:, 0] >= best[rows]
        pick = np.zeros(len(texts), np.intp)
        pick[rows[top]] = np.flatnonzero(top)
        return hidden[pick].astype(np.float64), out_logits

    def predict_ids(self, sequences: Sequence[Sequence[int]]) -> Array:
        """Probabilities (N, 6) for token-id sequences of at most `maxlen` ids each."""
        logits = self.logits_ids(sequences)
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), np.float32)

    def logits(self, texts: Sequence[str]) -> Array:
        """Logits (N, 6) for raw texts."""
        return self.logits_ids([self.tokenize(t) for t in texts])

    def predict(self, texts: Sequence[str]) -> Array:
        """Probabilities (N, 6) for raw texts, exactly as the original package scores them."""
        return self.predict_ids([self.tokenize(t) for t in texts])
