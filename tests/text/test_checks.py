"""text/checks.py: user text is valid Unicode, free of control characters, bounded."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.domain.errors import InvalidInput
from threadline.text.checks import clean_email, clean_text, clean_url


def _refused(code: str, fn: object, *args: object, **kwargs: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- clean_text ---------------------------------------------------------------------------------


def test_text_is_stripped_and_nfc_normalized() -> None:
    assert clean_text("  hello  ", "comment", max_length=100, multiline=True) == "hello"
    decomposed = "Cafe\u0301"
    cleaned = clean_text(decomposed, "comment", max_length=100, multiline=True)
    assert cleaned == "Café" and len(cleaned) == 4
    assert unicodedata.is_normalized("NFC", cleaned)


def test_line_endings_become_newlines_and_tabs_are_kept() -> None:
    assert clean_text("a\r\nb\rc\nd", "comment", max_length=100, multiline=True) == "a\nb\nc\nd"
    assert clean_text("a\tb", "name", max_length=100, multiline=False) == "a\tb"


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "a\rb"])
def test_single_line_fields_refuse_line_breaks(value: str) -> None:
    error = _refused("invalid_text", clean_text, value, "name", max_length=64, multiline=False)
    assert error.field == "name"
    assert "single line" in error.message


@pytest.mark.parametrize(
    "char",
    [
        *["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"],
        *["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
    ],
)
def test_control_and_bidi_override_characters_are_refused(char: str) -> None:
    error = _refused(
        "control_characters", clean_text, f"a{char}b", "comment", max_length=100, multiline=True
    )
    assert error.field == "comment"
    assert error.message == "The comment contains control characters."


@pytest.mark.parametrize("value", ["\ud800", "a\udc00b", "\ud83d"])
def test_unpaired_surrogates_are_refused(value: str) -> None:
    _refused("invalid_unicode", clean_text, value, "comment", max_length=100, multiline=True)


def test_paired_astral_characters_are_fine() -> None:
    assert clean_text("👋🏽 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "comment", max_length=100, multiline=True) == "👋🏽 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"


@pytest.mark.parametrize("value", ["", "   ", "\n\t \r\n"])
def test_empty_text_is_refused(value: str) -> None:
    error = _refused("empty", clean_text, value, "comment", max_length=100, multiline=True)
    assert error.message == "The comment must not be empty."


def test_length_is_counted_in_characters_after_normalizing() -> None:
    assert clean_text("x" * 10, "comment", max_length=10, multiline=True) == "x" * 10
    assert clean_text(" " + "é" * 10 + " ", "comment", max_length=10, multiline=True)
    assert clean_text("e\u0301" * 10, "comment", max_length=10, multiline=True) == "é" * 10
    error = _refused("too_long", clean_text, "x" * 11, "comment", max_length=10, multiline=True)
    assert error.message == "The comment is 11 characters long; the limit is 10."
    error = _refused("too_long", clean_text, "x" * 10_001, "c", max_length=10_000, multiline=True)
    assert "10,001" in error.message and "10,000" in error.message


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_clean(value: str) -> None:
    try:
        cleaned = clean_text(value, "comment", max_length=40, multiline=True)
    except InvalidInput as exc:
        assert exc.code in {"invalid_unicode", "control_characters", "empty", "too_long"}
        return
    assert cleaned == cleaned.strip() and cleaned
    assert len(cleaned) <= 40
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\r" not in cleaned
    assert all(c in "\t\n" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in cleaned)
    cleaned.encode("utf-8")


# -- clean_email --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_email_is_none(value: str | None) -> None:
    assert clean_email(value) is None


def test_email_is_trimmed_and_lower_cased() -> None:
    assert clean_email("  Ada.Lovelace+news@Example.ORG ") == "ada.lovelace+news@example.org"


@pytest.mark.parametrize(
    "value", ["not-an-address", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@"]
)
def test_bad_emails_are_refused(value: str) -> None:
    error = _refused("invalid_email", clean_email, value)
    assert error.field == "email"


def test_email_text_rules_apply_too() -> None:
    _refused("control_characters", clean_email, "a\x00@example.com")
    _refused("invalid_text", clean_email, "a@example.com\nBcc: x@example.com")
    _refused("too_long", clean_email, "a" * 250 + "@example.com")


# -- clean_url ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "  "])
def test_no_url_is_none(value: str | None) -> None:
    assert clean_url(value, "website") is None


@pytest.mark.parametrize(
    "value",
    [
        "https://ada.example",
        "http://ada.example/path?q=1#frag",
        "HTTPS://ADA.EXAMPLE/",
        "https://[2001:db8::1]:8443/x",
        "https://user@ada.example",
    ],
)
def test_http_and_https_urls_are_kept(value: str) -> None:
    assert clean_url(f"  {value} ", "website") == value


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://files.example/a",
        "mailto:a@example.com",
        "//ada.example",
        "ada.example",
        "http:/ada.example",
        "https://",
        "http://[::1",
        "http://[not-ipv6]/",
    ],
)
def test_other_urls_are_refused(value: str) -> None:
    error = _refused("invalid_url", clean_url, value, "website")
    assert error.field == "website"
    assert error.message == "The website must be an http:// or https:// address."


def test_url_text_rules_apply_too() -> None:
    _refused("invalid_text", clean_url, "https://a.example/\nx", "url")
    _refused("control_characters", clean_url, "https://a.example/\x00", "url")
    _refused("too_long", clean_url, "https://a.example/" + "x" * 2040, "url")
