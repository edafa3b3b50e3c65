"""If-None-Match and Accept-Encoding read as RFC 9110 says."""

from __future__ import annotations

import pytest

from threadline.api.negotiation import (
    accepts_gzip,
    not_modified,
    preferred_languages,
    reader_language,
)

ETAG = 'W/"7-42"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('W/"7-42"', True),
        ('"7-42"', True),  # weak comparison: the W/ prefix does not matter
        ('W/"7-41", W/"7-42"', True),
        ("*", True),
        ('W/"7-41"', False),
        ('W/"7-420"', False),
        ("7-42", False),  # not a quoted tag
    ],
)
def test_not_modified(header: str | None, expected: bool) -> None:
    assert not_modified(header, ETAG) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("GZIP", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*", True),
        ("*;q=0", False),
        ("gzip;q=0, *", False),  # an explicit refusal beats the wildcard
        ("deflate, *;q=0.1", True),
        ("x-gzip", True),
        ("gzip;q=nonsense", False),
        ("deflate", False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_preferred_languages_by_weight_then_order() -> None:
    assert preferred_languages("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == [
        "fr-CH",
        "fr",
        "en",
        "de",
    ]
    assert preferred_languages("en;q=0.2, de") == ["de", "en"]
    assert preferred_languages("de;q=0, fr;q=oops, it") == ["it"]  # refused and unreadable
    assert preferred_languages(None) == [] and preferred_languages(" , ;q=1") == []


def test_reader_language_given_then_accept_language_then_english() -> None:
    assert reader_language("fr-CH", "de") == "fr-CH"  # passed on; the texts pick by "fr"
    assert reader_language(None, "es, de;q=0.8") == "de"
    assert reader_language("", "es") == "en"
    assert reader_language(None, None) == "en"
