"""Service-level fixtures: a context with the 'demo' site, rate limits off, injected clock."""

from __future__ import annotations

from typing import Any

import pytest

from threadline.auth.passwords import fast_passwords
from threadline.domain.models import Author, Site, SiteSettings
from threadline.domain.moderation import Actor, Grant, Role
from threadline.service import accounts
from threadline.service.comments import CommentDraft, PostedComment, post_comment
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site

CLIENT = ClientInfo(ip="203.0.113.7", user_agent="TestBrowser/1.0")
VOTER = "browser-0123456789abcdef"


@pytest.fixture
def demo_settings() -> SiteSettings:
    return SiteSettings()


@pytest.fixture
def site(ctx: ServiceContext, demo_settings: SiteSettings) -> Site:
    ctx.limiter.enabled = False
    return add_site(ctx, "demo", "Demo News", ["https://news.example"], demo_settings)


def post(
    ctx: ServiceContext,
    body: str = "Hello",
    *,
    thread: str = "article-1",
    parent: int | None = None,
    name: str = "Reader",
    site: str = "demo",
    client: ClientInfo = CLIENT,
    **author: Any,
) -> PostedComment:
    draft = CommentDraft(site, thread, body, Author(name, **author), parent_id=parent)
    return post_comment(ctx, draft, client)


PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(ctx: ServiceContext, site: Site) -> dict[str, Actor]:
    """The desk: an admin, a moderator of 'demo', one of another site, and 'demo' staff."""
    ctx.passwords = fast_passwords()
    other = add_site(ctx, "other", "Other News")
    return {
        "admin": accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD),
        "mod": accounts.create_user(
            ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, site.id),)
        ),
        "other_mod": accounts.create_user(
            ctx, "om@example.com", "Om", PASSWORD, (Grant(Role.MODERATOR, other.id),)
        ),
        "staff": accounts.create_user(
            ctx, "staff@example.com", "Sta", PASSWORD, (Grant(Role.STAFF, site.id),)
        ),
    }
