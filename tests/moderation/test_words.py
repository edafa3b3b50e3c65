"""Banned words reject, suspect words hold — through every common evasion."""

from __future__ import annotations

import pytest

from threadline.moderation.normalize import fold, tokens
from threadline.moderation.wordlists import WordList, parse_entries
from threadline.moderation.words import banned_words, suspect_words

SUSPECT = WordList(["shit", "fuck", "cunt", "ass", "shut the fuck up"])
BANNED = WordList(["kike", "kill yourself"])


def words(text: str) -> list[str]:
    return tokens(fold(text))


@pytest.mark.parametrize(
    "text",
    [
        "this is shit",
        "this is SHIT",
        "this is sh1t",
        "this is $hit",
        "this is sh!t",
        "this is shiiiiit",
        "this is s.h.i.t",
        "this is s h i t",
        "this is s-h-i-t",
        "this is ｓｈｉｔ",
        "this is ѕһіt",  # Cyrillic
        "this is s\u200bhit",  # zero-width space
        "this is shít",  # diacritic
        "this is sh*t",  # masked
        "f.u.c.k this",
        "what the fuuuuck",
        "f*ck off",
        "@ss",
        "SHUT THE FUCK UP",
    ],
)
def test_suspect_words_found_through_evasion(text: str) -> None:
    signal = suspect_words(words(text), SUSPECT)
    assert signal.score == 1.0, text
    assert signal.count >= 1
    assert signal.reason.startswith("Suspect word:")


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won again",
        "the assassin escaped",
        "please assess the class",
        "as I said before",
        "a cocktail party",
        "shitake mushrooms",  # a word that merely starts like an entry
        "Thank you for a fair article.",
        "",
    ],
)
def test_clean_text_has_no_suspect_words(text: str) -> None:
    signal = suspect_words(words(text), SUSPECT)
    assert signal.score == 0.0
    assert signal.count == 0


@pytest.mark.parametrize(
    "text", ["you kike", "you k1ke", "K I K E", "k.i.k.e", "kіkе", "just k1ll yourself"]
)
def test_banned_words_written_out_score_one(text: str) -> None:
    signal = banned_words(words(text), BANNED)
    assert signal.score == 1.0
    assert signal.reason.startswith("Banned word:")


def test_masked_banned_word_is_only_possible() -> None:
    signal = banned_words(words("you k*ke"), BANNED)
    assert signal.score == 0.5
    assert "masked" in signal.reason


def test_reason_names_the_entry_and_the_spelling() -> None:
    signal = suspect_words(words("total sh1t"), SUSPECT)
    assert "shit" in signal.reason and "sh1t" in signal.reason


def test_prefix_entries() -> None:
    swears = WordList(["shit*"])
    assert [m.entry for m in swears.find("a shitstorm")] == ["shit*"]
    assert [m.entry for m in swears.find("sh*tstorm")] == ["shit*"]
    assert swears.find("she shot it") == []


def test_parse_entries_skips_comments_and_blanks() -> None:
    assert parse_entries("# a list\nfoo\n\n  bar  # why\n") == ["foo", "bar"]


@pytest.mark.parametrize("name", ["banned", "suspect", "insults", "swears", "spam_phrases"])
def test_packaged_lists_load(name: str) -> None:
    assert len(WordList.packaged(name)) > 10


@pytest.mark.parametrize("word", ["gay", "muslim", "black", "jew", "jewish", "trans", "asian"])
def test_packaged_policy_lists_never_name_a_group(word: str) -> None:
    for name in ("banned", "suspect"):
        assert WordList.packaged(name).find(f"I am {word}") == []
