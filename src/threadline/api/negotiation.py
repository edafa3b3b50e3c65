"""Conditional requests, content coding and languages, read the way RFC 9110 says."""

from __future__ import annotations

from threadline.service import privacy_texts


def _opaque(tag: str) -> str:
    # If-None-Match compares weakly: W/"x" and "x" name the same representation.
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether the client's copy (If-None-Match) is current: "*" or any listed tag."""
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    return any(t.strip() == "*" or _opaque(t) == wanted for t in if_none_match.split(","))


def _weighted(header: str, limit: int = 32) -> list[tuple[str, float]]:
    """The items of a list header with their weights (`gzip;q=0.5`), in the order given."""
    items = []
    for item in header.split(",")[:limit]:
        token, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # an unreadable weight is no consent
        if token.strip():
            items.append((token.strip(), weight))
    return items


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether gzip is acceptable: listed (or "*" is) with a weight above zero."""
    if not accept_encoding:
        return False
    weights = {coding.lower(): weight for coding, weight in _weighted(accept_encoding)}
    if "gzip" in weights:
        return weights["gzip"] > 0
    if "x-gzip" in weights:
        return weights["x-gzip"] > 0
    return weights.get("*", 0.0) > 0


def preferred_languages(accept_language: str | None) -> list[str]:
    """Accept-Language's tags, most wanted first (weights, then order); refused ones (q=0)
    and the wildcard left out."""
    ranked = sorted(
        (-weight, index, tag)
        for index, (tag, weight) in enumerate(_weighted(accept_language or ""))
        if tag != "*" and weight > 0
    )
    return [tag for _, _, tag in ranked]


def reader_language(given: str | None, accept_language: str | None) -> str:
    """The language to answer a reader in: the tag given (a mailed link's or the widget's
    `lang`), else the first supported one of Accept-Language, else English. A given tag is
    passed on as it is; privacy_texts picks among the supported languages by its first part."""
    if given:
        return given
    return privacy_texts.pick_language(preferred_languages(accept_language))
