"""Sites: creation rules and configuration through the service layer, on both backends."""

from __future__ import annotations

import pytest

from threadline.domain.errors import AlreadyExists, InvalidInput, NotFound
from threadline.domain.models import Site
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, configure_site, get_site, normalize_origin


def test_origins_are_normalized_and_deduplicated(ctx: ServiceContext) -> None:
    site = add_site(
        ctx,
        "daily",
        "The Daily",
        ["https://Daily.Example.com/", "https://daily.example.com:443", "http://x:81"],
    )
    assert site.origins == ("https://daily.example.com", "http://x:81")


@pytest.mark.parametrize("bad", ["daily.example.com", "ftp://x", "javascript:alert(1)", ""])
def test_an_origin_must_be_http_or_https(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_origin(bad)
    assert caught.value.code == "invalid_origin"


def test_slug_rules_and_duplicates(ctx: ServiceContext) -> None:
    with pytest.raises(InvalidInput):
        add_site(ctx, "Daily News", "x")
    add_site(ctx, "daily", "The Daily")
    with pytest.raises(AlreadyExists):
        add_site(ctx, "daily", "Another")


def test_configure_changes_settings_origins_and_name(ctx: ServiceContext, site: Site) -> None:
    updated = configure_site(
        ctx,
        "demo",
        name="Demo Gazette",
        add_origins=["https://m.news.example"],
        remove_origins=["https://news.example"],
        changes={"edit_window_seconds": "600", "premoderation": "on"},
    )
    assert updated.name == "Demo Gazette"
    assert updated.origins == ("https://m.news.example",)
    assert updated.settings.edit_window_seconds == 600
    assert updated.settings.premoderation is True
    # Persisted, and untouched settings keep their values.
    again = get_site(ctx, "demo")
    assert again == updated
    assert again.settings.max_comment_length == site.settings.max_comment_length


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"bogus": "1"}, "unknown_setting"),
        ({"page_size": "0"}, "invalid_setting"),
        ({"edit_window_seconds": "ten"}, "invalid_setting"),
        ({"premoderation": "maybe"}, "invalid_setting"),
    ],
)
def test_configure_refuses_bad_settings_and_changes_nothing(
    ctx: ServiceContext, site: Site, changes: dict[str, str], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        configure_site(ctx, "demo", changes=changes)
    assert caught.value.code == code
    assert get_site(ctx, "demo") == site


def test_configure_an_unknown_site(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound):
        configure_site(ctx, "nope", name="x")
