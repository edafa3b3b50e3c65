"""The pickled Keras `Tokenizer`s of the converted packages, read without running them.

Both converters (`convert_toxicity_model.py`, `convert_toxblock_model.py`) read a pickle that
holds a Keras `Tokenizer`. `restricted_load` replaces the named classes by an inert stand-in
and allows nothing but the `collections` containers (and `int`) a tokenizer's state is made
of: nothing in the pickle runs. `vocab_file` turns the tokenizer's state into the
`threadline-keras-tokenizer/1` JSON that `threadline.moderation.bilstm` reads.
"""

from __future__ import annotations

import collections
import io
import pickle
from collections.abc import Iterable, Sequence
from typing import Any

_CONTAINERS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): collections.defaultdict,
    ("builtins", "int"): int,
}


class Inert:
    """Stand-in for a pickled class: only holds the state it is given."""


def restricted_load(data: bytes, classes: Iterable[tuple[str, str]]) -> Any:
    """Unpickle `data`, each of `classes` (module, name) becoming an `Inert` object."""
    allowed = {**_CONTAINERS, **dict.fromkeys(classes, Inert)}

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            try:
                return allowed[(module, name)]
            except KeyError:
                raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None

    return _Unpickler(io.BytesIO(data)).load()


def vocab_file(
    state: dict[str, Any],
    source: str,
    maxlen: int,
    labels: Sequence[str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The tokenizer's settings and its first `num_words - 1` words in index order (word i+1
    is `words[i]`), which is all `texts_to_sequences` ever uses; `extra` goes before the
    words. Settings the numpy tokenizer does not reproduce stop the conversion."""
    if state["oov_token"] is not None or state["char_level"] or state.get("analyzer") is not None:
        raise SystemExit("unexpected tokenizer settings; the numpy tokenizer would not match")
    num_words = int(state["num_words"])
    index_word = {int(i): str(w) for i, w in state["index_word"].items()}
    return {
        "format": "threadline-keras-tokenizer/1",
        "source": source,
        "filters": state["filters"],
        "split": state["split"],
        "lower": bool(state["lower"]),
        "num_words": num_words,
        "maxlen": maxlen,
        "padding": "pre",
        "truncating": "pre",
        "labels": list(labels),
        **(extra or {}),
        "words": [index_word[i] for i in range(1, num_words)],
    }
