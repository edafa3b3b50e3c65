"""Who may see and change a site's rules (auth/permissions.py), table-driven: admins change
everything; a site's moderators see its rules, keep its word lists and lift its bans but do
not change its settings; moderators of other sites and staff learn nothing; readers sign in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from threadline.auth import permissions
from threadline.domain.errors import AuthRequired, Forbidden, NotFound, ThreadlineError
from threadline.domain.moderation import Actor, Grant, Role, User

SITE, OTHER = 1, 2
_USER = User(1, "p@example.com", "P", datetime(2026, 1, 1, tzinfo=UTC))
PEOPLE: dict[str, Actor | None] = {
    "admin": Actor(_USER, (Grant(Role.ADMIN),)),
    "moderator": Actor(_USER, (Grant(Role.MODERATOR, SITE),)),
    "other_moderator": Actor(_USER, (Grant(Role.MODERATOR, OTHER),)),
    "staff": Actor(_USER, (Grant(Role.STAFF, SITE),)),
    "reader": None,
}
CHECKS: dict[str, Callable[[Actor | None, int], Actor]] = {
    "view": permissions.check_can_view_site_rules,
    "settings": permissions.check_can_change_settings,
    "words": permissions.check_can_edit_word_lists,
    "lift": permissions.check_can_lift_ban,
}
OK = None
# person → the outcome of each check on SITE (None: allowed)
TABLE: dict[str, dict[str, type[ThreadlineError] | None]] = {
    "admin": {"view": OK, "settings": OK, "words": OK, "lift": OK},
    "moderator": {"view": OK, "settings": Forbidden, "words": OK, "lift": OK},
    "other_moderator": {
        "view": NotFound,
        "settings": NotFound,
        "words": NotFound,
        "lift": NotFound,
    },
    "staff": {"view": NotFound, "settings": NotFound, "words": NotFound, "lift": NotFound},
    "reader": {
        "view": AuthRequired,
        "settings": AuthRequired,
        "words": AuthRequired,
        "lift": AuthRequired,
    },
}


@pytest.mark.parametrize(("who", "check"), [(who, check) for who in TABLE for check in CHECKS])
def test_who_may_do_what_with_a_sites_rules(who: str, check: str) -> None:
    expected = TABLE[who][check]
    actor = PEOPLE[who]
    if expected is None:
        assert CHECKS[check](actor, SITE) is actor
    else:
        with pytest.raises(expected):
            CHECKS[check](actor, SITE)


def test_the_settings_form_is_offered_to_admins_only() -> None:
    assert permissions.may_change_settings(PEOPLE["admin"], SITE)  # type: ignore[arg-type]
    for who in ("moderator", "other_moderator", "staff"):
        assert not permissions.may_change_settings(PEOPLE[who], SITE)  # type: ignore[arg-type]
