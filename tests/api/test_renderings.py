"""The cache of comments' encoded JSON: bounded by bytes, oldest insertion out first."""

from __future__ import annotations

from threadline.api.renderings import RenderingCache


def test_renderings_are_bounded_by_bytes_oldest_out_first() -> None:
    cache = RenderingCache(max_bytes=100)
    cache.put_many([("a", b"x" * 40), ("b", b"y" * 40)])
    cache.put_many([("c", b"z" * 40)])
    assert cache.get("a") is None  # the oldest made room
    assert cache.get_many(["a", "b", "c", "d"]) == {"b": b"y" * 40, "c": b"z" * 40}
    assert cache.size_bytes == 80

    cache.put_many([("b", b"Y" * 10)])  # replaced: counted once, now the newest
    assert cache.size_bytes == 50
    cache.put_many([("d", b"d" * 60)])
    assert cache.get("c") is None and cache.get("b") == b"Y" * 10

    cache.put_many([("huge", b"h" * 101)])  # larger than the whole budget: not kept
    assert cache.get("huge") is None
    assert len(cache) == 2 and cache.size_bytes == 70


def test_a_zero_budget_keeps_nothing() -> None:
    cache = RenderingCache(max_bytes=0)
    cache.put_many([("a", b"x")])
    assert cache.get_many(["a"]) == {} and len(cache) == 0
