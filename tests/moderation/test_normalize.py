from __future__ import annotations

import pytest

from threadline.moderation.normalize import (
    fold,
    masked_pattern,
    squeeze,
    squeeze_all,
    tokens,
    variants,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "hello"),
        ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),  # NFKC
        ("𝐛𝐨𝐥𝐝", "bold"),  # mathematical letters
        ("Crème brûlée", "creme brulee"),  # diacritics
        ("f\u200bu\u200dc\u2060k", "fuck"),  # zero-width characters
        ("soft\u00adhyphen", "softhyphen"),
        ("ѕһіт", "shit"),  # Cyrillic look-alikes (ѕ, һ, і, т)
        ("ΑΒΕ", "abe"),  # Greek capitals casefold to look-alikes
        ("STRASSE straße", "strasse strasse"),  # casefold
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "must_contain"),
    [
        ("f.u.c.k you", ["fuck", "you"]),
        ("f u c k off", ["fuck", "off"]),
        ("f-u-c-k", ["fuck"]),
        ("f_u_c_k", ["fuck"]),
        ("s . h . i . t", ["shit"]),
        ("shit!!!", ["shit"]),
        ("sh!t", ["sh!t"]),
        ("$hit", ["$hit"]),
    ],
)
def test_tokens(text: str, must_contain: list[str]) -> None:
    words = tokens(fold(text))
    for word in must_contain:
        assert word in words


def test_tokens_keep_single_letters_and_drop_punctuation() -> None:
    assert tokens("u r a star") == ["u", "r", "a", "star", "ura"]
    assert tokens("well... ok?!") == ["well", "ok"]


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("sh1t", "shit"),
        ("1d10t", "idiot"),
        ("@ss", "ass"),
        ("$hit", "shit"),
        ("b1tch", "bitch"),
        ("l00ser", "looser"),
        ("st00p1d", "stoopid"),
        ("h4t3", "hate"),
        ("stuuuupid", "stuupid"),
    ],
)
def test_variants(word: str, meant: str) -> None:
    assert meant in list(variants(word))


def test_numbers_stay_numbers() -> None:
    assert list(variants("2020")) == ["2020"]


def test_squeeze() -> None:
    assert squeeze("stuuuupid") == "stuupid"
    assert squeeze_all("fuuuuck") == "fuck"
    assert squeeze("book") == "book"


@pytest.mark.parametrize(
    ("word", "candidate", "matches"),
    [
        ("f*ck", "fuck", True),
        ("f**k", "fuck", True),
        ("sh#t", "shit", True),
        ("f*ck", "fork", False),
        ("f*ck", "fuckk", False),
    ],
)
def test_masked_pattern(word: str, candidate: str, matches: bool) -> None:
    pattern = masked_pattern(word)
    assert pattern is not None
    assert bool(pattern.match(candidate)) is matches


@pytest.mark.parametrize("word", ["***", "a*", "*ab", "word", "f"])
def test_nothing_to_unmask(word: str) -> None:
    assert masked_pattern(word) is None
