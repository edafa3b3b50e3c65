"""How the engine's value objects cross to its worker processes (service/batch_scoring.py).

A frozen dataclass with slots pickles through the state functions `dataclasses` writes,
which look up the class's fields on every object: several times the cost of the object's
constructor arguments as one tuple. Every comment sends its facts and policy to a worker and
gets a verdict and signals back, so the classes that travel pickle as a call to themselves.
"""

from __future__ import annotations

from typing import Any


def reduce_by_fields(obj: Any) -> tuple[type[Any], tuple[Any, ...]]:
    """`__reduce__` for a dataclass whose fields are all positional (its __match_args__)."""
    return type(obj), tuple([getattr(obj, name) for name in obj.__match_args__])
