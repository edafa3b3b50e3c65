"""A site's rules on real stores: settings changed and audited (admins only), the site's own
word lists taking effect from the next comment — on another instance too —, bans listed and
lifted, and who may do what."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Clock
from tests.service.conftest import post
from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.domain.errors import AuthRequired, Conflict, Forbidden, InvalidInput, NotFound
from threadline.domain.models import CommentStatus, Site
from threadline.domain.moderation import Actor
from threadline.service import moderation, site_rules
from threadline.service.context import ServiceContext
from threadline.service.site_rules import SettingsInvalid
from threadline.service.sites import add_site, get_site


def _entries(ctx: ServiceContext, actor: Actor, action: str) -> list[tuple[object, ...]]:
    return [
        (e.actor_name, e.target_type, e.before, e.after, e.reason)
        for e in moderation.audit_log(ctx, actor, action=action)
    ]


# -- settings -------------------------------------------------------------------------------


def test_an_admin_changes_settings_and_only_real_changes_are_audited(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    boss = people["admin"]
    changed = site_rules.change_settings(
        ctx,
        boss,
        "demo",
        {"premoderate_links": "on", "toxicity_hold": "0.3", "edit_window_seconds": "900"},
        "Election week",
    )
    assert changed.settings.premoderate_links and changed.settings.toxicity_hold == 0.3
    assert get_site(ctx, "demo").settings == changed.settings
    # edit_window_seconds was 900 already: it is neither written nor audited.
    assert _entries(ctx, boss, "change_settings") == [
        (
            "Boss",
            "site",
            {"premoderate_links": False, "toxicity_hold": 0.15},
            {"premoderate_links": True, "toxicity_hold": 0.3},
            "Election week",
        )
    ]
    site_rules.change_settings(ctx, boss, "demo", {"premoderate_links": "on"})
    assert len(_entries(ctx, boss, "change_settings")) == 1


def test_every_refused_setting_is_reported_and_nothing_is_written(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        site_rules.change_settings(
            ctx,
            people["admin"],
            "demo",
            {
                "toxicity_hold": "1.5",
                "flags_to_hold": "0",
                "premoderation": "maybe",
                "page_size": "20",
                "colour": "red",
            },
        )
    assert set(caught.value.errors) == {"toxicity_hold", "flags_to_hold", "premoderation", "colour"}
    assert caught.value.code == "invalid_setting"
    assert "0 to 1" in caught.value.errors["toxicity_hold"]
    assert get_site(ctx, "demo").settings.page_size == 50
    assert _entries(ctx, people["admin"], "change_settings") == []


def test_moderators_see_their_sites_rules_but_only_admins_change_settings(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    seen = site_rules.site_rules(ctx, people["mod"], "demo")
    assert seen.site.slug == "demo" and not seen.can_change_settings
    assert seen.packaged_banned > 0 and seen.packaged_suspect > 0
    assert site_rules.site_rules(ctx, people["admin"], "demo").can_change_settings
    with pytest.raises(Forbidden) as refused:
        site_rules.change_settings(ctx, people["mod"], "demo", {"premoderation": "on"})
    assert refused.value.code == "not_an_admin"
    assert [s.slug for s in site_rules.sites_to_keep(ctx, people["mod"])] == ["demo"]
    assert [s.slug for s in site_rules.sites_to_keep(ctx, people["admin"])] == ["demo", "other"]


@pytest.mark.parametrize("who", ["other_mod", "staff"])
def test_others_learn_nothing_about_a_sites_rules(
    ctx: ServiceContext, people: dict[str, Actor], who: str
) -> None:
    actor = people[who]
    comment = post(ctx, "A civil remark.", email="x@example.com").comment
    ban = moderation.ban_author(ctx, people["mod"], comment.id, "spam").ban
    attempts = (
        lambda: site_rules.site_rules(ctx, actor, "demo"),
        lambda: site_rules.change_settings(ctx, actor, "demo", {"premoderation": "on"}),
        lambda: site_rules.set_word_lists(ctx, actor, "demo", banned=["zorblax"]),
        lambda: site_rules.active_bans(ctx, actor, "demo"),
        lambda: site_rules.lift_ban(ctx, actor, ban.id),
    )
    for attempt in attempts:
        with pytest.raises(NotFound) as caught:
            attempt()
        assert caught.value.code in ("site_not_found", "ban_not_found")
    # An unknown site answers exactly like a site of someone else.
    with pytest.raises(NotFound) as unknown:
        site_rules.site_rules(ctx, actor, "nowhere")
    with pytest.raises(NotFound) as hidden:
        site_rules.site_rules(ctx, actor, "demo")
    assert unknown.value.code == hidden.value.code
    assert get_site(ctx, "demo").word_lists.banned == ()


def test_readers_must_sign_in(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    for attempt in (
        lambda: site_rules.site_rules(ctx, None, "demo"),
        lambda: site_rules.change_settings(ctx, None, "demo", {"premoderation": "on"}),
        lambda: site_rules.set_word_lists(ctx, None, "demo", banned=["x"]),
        lambda: site_rules.active_bans(ctx, None, "demo"),
        lambda: site_rules.lift_ban(ctx, None, 1),
    ):
        with pytest.raises(AuthRequired):
            attempt()


# -- word lists -----------------------------------------------------------------------------


def test_a_sites_own_words_apply_to_the_next_comment_and_are_audited(
    ctx: ServiceContext, people: dict[str, Actor], site: Site
) -> None:
    held_before = post(ctx, "A flurbification of the budget, again.").comment
    assert held_before.status is CommentStatus.PUBLISHED
    updated = site_rules.set_word_lists(
        ctx,
        people["mod"],
        "demo",
        banned=["  Zorblax ", "zorblax", ""],
        suspect=["flurb*"],
        reason="New insult going round",
    )
    assert updated.word_lists.banned == ("Zorblax",)
    assert updated.word_lists.suspect == ("flurb*",)
    with pytest.raises(InvalidInput) as rejected:
        post(ctx, "What a z0rblax this council is.")  # leetspeak folds like packaged entries
    assert rejected.value.code == "comment_rejected"
    held = post(ctx, "A flurbification of the budget, again.").comment
    assert held.status is CommentStatus.PENDING
    # The packaged lists still apply alongside the site's own.
    with pytest.raises(InvalidInput) as packaged:
        post(ctx, "The packaged list bans faggot.")
    assert packaged.value.code == "comment_rejected"
    # Another site is not affected.
    add_site(ctx, "third", "Third")
    assert post(ctx, "What a zorblax.", site="third").comment.status is CommentStatus.PUBLISHED
    assert _entries(ctx, people["admin"], "change_word_lists") == [
        (
            "Mo",
            "site",
            {"banned": [], "suspect": []},
            {"banned": ["Zorblax"], "suspect": ["flurb*"]},
            "New insult going round",
        )
    ]
    # Emptying a list lifts it from the next comment on; the other list is kept.
    site_rules.set_word_lists(ctx, people["admin"], "demo", banned=[])
    assert post(ctx, "What a zorblax.").comment.status is CommentStatus.PUBLISHED
    assert get_site(ctx, "demo").word_lists.suspect == ("flurb*",)
    last = moderation.audit_log(ctx, people["admin"], action="change_word_lists")[0]
    assert (last.before, last.after) == ({"banned": ["Zorblax"]}, {"banned": []})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("#hashtag", "#"),
        ("x" * 101, "at most 100"),
        ("ab*", "three letters"),
        ("two words*", "single word"),
        ("!!!", "letter or digit"),
    ],
)
def test_entries_that_cannot_match_are_refused(
    ctx: ServiceContext, people: dict[str, Actor], entry: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        site_rules.set_word_lists(ctx, people["mod"], "demo", suspect=["fine", entry])
    assert caught.value.code == "invalid_word" and caught.value.field == "suspect"
    assert message in caught.value.message
    assert get_site(ctx, "demo").word_lists.suspect == ()


def test_a_list_has_a_size_limit(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    words = [f"word{i}" for i in range(site_rules.MAX_SITE_WORDS + 1)]
    with pytest.raises(InvalidInput) as caught:
        site_rules.set_word_lists(ctx, people["mod"], "demo", banned=words)
    assert caught.value.code == "too_many_words"


@pytest.fixture
def second_instance(settings: Settings, clock: Clock) -> Iterator[ServiceContext]:
    """Another server process's services on the same database."""
    store = open_store(settings)
    other = build_context(settings, store)
    other.clock = clock
    other.limiter.enabled = False
    yield other
    store.close()


def test_a_word_added_on_one_instance_applies_on_another(
    ctx: ServiceContext, people: dict[str, Actor], second_instance: ServiceContext
) -> None:
    assert post(second_instance, "Such zorblax.").comment.status is CommentStatus.PUBLISHED
    site_rules.set_word_lists(ctx, people["mod"], "demo", banned=["zorblax"])
    with pytest.raises(InvalidInput) as caught:
        post(second_instance, "Such zorblax.")
    assert caught.value.code == "comment_rejected"


# -- bans -----------------------------------------------------------------------------------


def test_bans_in_force_are_listed_and_a_lift_is_audited_and_lets_the_author_post(
    ctx: ServiceContext, people: dict[str, Actor], clock: Clock
) -> None:
    first = post(ctx, "A civil remark.", name="Troll", email="troll@example.com").comment
    other = post(ctx, "Another one.", name="Pest", email="pest@example.com").comment
    ban = moderation.ban_author(ctx, people["mod"], first.id, "Abuse", days=7).ban
    moderation.ban_author(ctx, people["admin"], other.id, "Spam", days=1)
    clock.advance(days=2)  # Pest's ban has run out
    listed = site_rules.active_bans(ctx, people["mod"], "demo")
    assert [(b.ban.author_key, b.ban.reason, b.banned_by) for b in listed] == [
        ("troll@example.com", "Abuse", "Mo")
    ]
    assert listed[0].ban.ends_at == ban.ends_at
    with pytest.raises(Forbidden):
        post(ctx, "Let me back in.", name="Troll", email="troll@example.com")

    lifted = site_rules.lift_ban(ctx, people["mod"], ban.id, "Apologised")
    assert lifted.lifted_at == clock()
    assert site_rules.active_bans(ctx, people["mod"], "demo") == []
    back = post(ctx, "Let me back in.", name="Troll", email="troll@example.com").comment
    assert back.status is CommentStatus.PUBLISHED
    entry = moderation.audit_log(ctx, people["admin"], action="lift_ban")[0]
    assert (entry.actor_name, entry.target_type, entry.target_id, entry.reason) == (
        "Mo",
        "ban",
        str(ban.id),
        "Apologised",
    )
    assert entry.before["lifted"] is False and entry.after["lifted"] is True
    assert entry.after["author"] == "troll@example.com"

    with pytest.raises(Conflict) as again:
        site_rules.lift_ban(ctx, people["mod"], ban.id)
    assert again.value.code == "ban_not_active"
    expired = site_rules.active_bans(ctx, people["admin"], "demo")
    assert expired == []
    with pytest.raises(NotFound) as missing:
        site_rules.lift_ban(ctx, people["admin"], 999_999)
    assert missing.value.code == "ban_not_found"


def test_an_expired_ban_cannot_be_lifted(
    ctx: ServiceContext, people: dict[str, Actor], clock: Clock
) -> None:
    comment = post(ctx, "A civil remark.", email="x@example.com").comment
    ban = moderation.ban_author(ctx, people["mod"], comment.id, "x", days=1).ban
    clock.advance(days=1, seconds=1)
    with pytest.raises(Conflict):
        site_rules.lift_ban(ctx, people["mod"], ban.id)
    assert moderation.audit_log(ctx, people["admin"], action="lift_ban") == []


def test_site_rules_survive_in_the_store(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    site_rules.set_word_lists(ctx, people["mod"], "demo", banned=["Grüße", "zorblax"])
    with ctx.store.reading() as db:
        stored = db.get_site("demo")
    assert stored is not None and stored.word_lists.banned == ("Grüße", "zorblax")
