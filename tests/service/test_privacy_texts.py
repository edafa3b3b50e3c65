"""The emailed privacy link in the reader's language: choosing a language from a tag, every
language saying everything English says (same placeholders, same link errors), and the mail
`request_link` prepares on a real store (both backends)."""

from __future__ import annotations

import string
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.service.conftest import CLIENT, post
from threadline.domain.errors import Forbidden
from threadline.domain.models import Site
from threadline.service import privacy_links, privacy_texts
from threadline.service.context import ServiceContext
from threadline.service.privacy_texts import ENGLISH, TEXTS, LinkTexts, pick_language

EMAIL = "leser@example.org"
LINK_ERRORS = {"link_invalid", "link_used", "link_expired"}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["de"], "de"),
        (["DE-at"], "de"),
        (["fr-CH"], "fr"),
        (["fr_FR"], "fr"),
        (["en-GB"], "en"),
        (["es"], "en"),
        (["x-klingon"], "en"),
        (["i-default"], "en"),
        ([""], "en"),
        ([None], "en"),
        ([], "en"),
        (["de" + "-x" * 20], "en"),  # longer than a language tag: not read at all
        (["es", None, "fr-CA", "de"], "fr"),  # the first supported one
    ],
)
def test_a_tag_chooses_by_its_primary_subtag(tags: list[str | None], expected: str) -> None:
    assert pick_language(tags) == expected


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


TEMPLATES = [
    "subject",
    "body",
    "title",
    "intro",
    "once",
    "download",
    "erase_note",
    "confirm",
    "copy",
    "erase",
    "unconfirmed_title",
    "unconfirmed",
    "erased",
    "refused_title",
]


@pytest.mark.parametrize("words", TEXTS.values(), ids=list(TEXTS))
def test_every_language_says_what_english_says(words: LinkTexts) -> None:
    for name in TEMPLATES:
        text, english = getattr(words, name), getattr(ENGLISH, name)
        assert text.strip() and _fields(text) == _fields(english), name
    assert set(words.errors) == LINK_ERRORS
    assert all(_fields(m) == set() for m in words.errors.values())
    assert words.duration(60).startswith("60 ") and words.duration(1).startswith("1 ")
    assert words.duration(60) != words.duration(1)
    assert privacy_texts.texts(words.language) is words


def test_the_service_refuses_links_with_the_english_texts() -> None:
    """The service's messages are the English texts; the page looks them up by code."""
    assert ENGLISH.error("link_used", "x") == ENGLISH.errors["link_used"]
    assert TEXTS["de"].error("site_not_found", "The fallback.") == "The fallback."


def test_french_minutes_are_singular_below_two() -> None:
    assert TEXTS["fr"].duration(1) == "1 minute" and TEXTS["fr"].duration(2) == "2 minutes"
    assert TEXTS["de"].duration(1) == "1 Minute" and ENGLISH.duration(1) == "1 minute"


@pytest.mark.parametrize(
    ("tag", "subject", "phrase"),
    [
        ("de-CH", "Ihre Daten bei Demo News", "Er funktioniert ein einziges Mal, 30 Minuten"),
        ("fr", "Vos données sur Demo News", "Il ne fonctionne qu’une fois, pendant 30 minutes"),
        ("es", "Your data on Demo News", "It works once, for 30 minutes"),
        (None, "Your data on Demo News", "It works once, for 30 minutes"),
    ],
)
def test_the_prepared_mail_is_in_the_requested_language(
    ctx: ServiceContext, site: Site, tag: str | None, subject: str, phrase: str
) -> None:
    post(ctx, "Mein Kommentar", email=EMAIL)
    mail = privacy_links.request_link(
        ctx,
        "demo",
        EMAIL,
        CLIENT,
        base_url="https://c.example/",
        lifetime=timedelta(minutes=30),
        language=tag,
    )
    assert mail is not None and mail.to == EMAIL
    assert mail.subject == subject
    assert phrase in mail.body and EMAIL in mail.body
    [url] = [line for line in mail.body.splitlines() if line.startswith("https://")]
    query = parse_qs(urlsplit(url).query)
    expected = (tag or "en")[:2] if tag in ("de-CH", "fr") else "en"
    assert query["lang"] == [expected]
    # The language is not part of what the link proves: the token alone opens it.
    grant = privacy_links.open_link(ctx, query["token"][0])
    assert grant.email == EMAIL
    with pytest.raises(Forbidden) as refused:
        privacy_links.open_link(ctx, query["token"][0] + "0")
    assert refused.value.message == ENGLISH.errors["link_invalid"]
