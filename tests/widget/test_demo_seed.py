"""The demo newspaper's discussions: seeded once, through the service layer, realistically."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import Clock
from threadline.auth.readers import verify_reader_token
from threadline.cli.context import service_context
from threadline.cli.main import cli
from threadline.config import Settings
from threadline.demo.content import ARTICLES, DEMO_SITE, HARBOUR_STREET, LIBRARY
from threadline.demo.discussion import DISCUSSIONS, DemoComment
from threadline.demo.seed import give_reader_secret, published_at, seed_demo, seeded_at
from threadline.domain.models import Author, Comment, CommentStatus, SiteSettings
from threadline.domain.tree import SortOrder
from threadline.service import comments, threads
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.reader_sign_in import mint_reader_token
from threadline.service.sites import add_site, get_site, list_sites

EDIT_WINDOW = timedelta(seconds=SiteSettings().edit_window_seconds)
# Seeding writes ~750 rows; the showcase test covers PostgreSQL, the rest run on SQLite only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def demo(ctx: ServiceContext) -> ServiceContext:
    add_site(ctx, DEMO_SITE, "Demo", ["http://127.0.0.1:8080"])
    return ctx


def thread_comments(ctx: ServiceContext, key: str) -> list[Comment]:
    ref = threads.resolve(ctx, DEMO_SITE, key)
    return threads.read_page(ctx, ref, SortOrder.OLDEST, 1000, None).comments


def test_the_showcase_discussion(demo: ServiceContext) -> None:
    assert demo.limiter.enabled  # the app's limits stay on; seeding uses its own context
    report = seed_demo(demo)
    assert set(report.seeded) == set(DISCUSSIONS)
    shown = thread_comments(demo, HARBOUR_STREET.key)
    published = [c for c in shown if c.status is CommentStatus.PUBLISHED]
    assert len(published) >= 25
    assert sum(1 for c in shown if c.parent_id is None) >= 5  # several top-level comments
    assert max(c.depth for c in shown) >= 7  # a reply chain seven levels deep
    placeholders = [c for c in shown if c.deleted]
    assert len(placeholders) == 1 and placeholders[0].reply_count >= 2
    assert placeholders[0].html == "" and placeholders[0].author.name == ""
    quoting_two = [
        c
        for c in published
        if len(set(re.findall(r"<blockquote>\s*<p><strong>([^<:]+)", c.html))) >= 2
    ]
    assert quoting_two, "someone answers two people at once, quoting both"
    assert any(c.edited_at for c in published)
    assert max(c.score for c in published) > 30 and min(c.score for c in published) < 0
    ref = threads.resolve(demo, DEMO_SITE, HARBOUR_STREET.key)
    page = threads.read_page(demo, ref, SortOrder.OLDEST, 1, None)
    assert page.thread is not None and page.thread.title == HARBOUR_STREET.title
    assert page.thread.comment_count == len(published)


@sqlite_only
def test_comments_have_realistic_ages(demo: ServiceContext, clock: Clock) -> None:
    seed_demo(demo)
    shown = thread_comments(demo, HARBOUR_STREET.key)
    ages = [clock.now - c.created_at for c in shown]
    assert all(timedelta(minutes=30) < age < timedelta(hours=9) for age in ages)
    assert seeded_at(demo) == clock.now
    clock.advance(days=3)  # later visits: the article's date stays put
    assert published_at(seeded_at(demo), HARBOUR_STREET) == clock.now - timedelta(
        days=3, minutes=HARBOUR_STREET.published_minutes_ago
    )


@sqlite_only
def test_seeding_is_idempotent(demo: ServiceContext) -> None:
    first = seed_demo(demo)
    before = {key: len(thread_comments(demo, key)) for key in DISCUSSIONS}
    second = seed_demo(demo)
    assert second.seeded == () and set(second.skipped) == set(first.seeded)
    assert second.comments == second.votes == 0
    assert {key: len(thread_comments(demo, key)) for key in DISCUSSIONS} == before


@sqlite_only
def test_seeding_turns_reader_sign_in_on_once(demo: ServiceContext) -> None:
    assert get_site(demo, DEMO_SITE).reader_secret is None
    seed_demo(demo)
    secret = get_site(demo, DEMO_SITE).reader_secret
    assert secret and len(secret) >= 40
    token = mint_reader_token(demo, DEMO_SITE, "demo-reader", "Demo Reader")
    seed_demo(demo)  # the next `serve --demo`: the secret stays, the demo reader stays signed in
    assert get_site(demo, DEMO_SITE).reader_secret == secret
    assert give_reader_secret(demo) is False
    reader = verify_reader_token(token, secret, DEMO_SITE, demo.clock())
    assert reader.name == "Demo Reader"


@sqlite_only
def test_a_thread_that_already_has_comments_is_left_alone(demo: ServiceContext) -> None:
    draft = comments.CommentDraft(DEMO_SITE, LIBRARY.key, "First!", Author("Early Bird"))
    comments.post_comment(demo, draft, ClientInfo())
    report = seed_demo(demo)
    assert report.skipped == (LIBRARY.key,)
    assert [c.html for c in thread_comments(demo, LIBRARY.key)] == ["<p>First!</p>"]


def test_serve_demo_creates_the_site_and_seeds_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    for name in list(os.environ):
        if name.startswith("THREADLINE_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("THREADLINE_DATABASE_URL", url)  # serve exports it; restored after
    monkeypatch.setenv("THREADLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    outputs = []
    for _ in range(2):
        result = CliRunner().invoke(cli, ["--database", url, "serve", "--demo"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "seeded the demo discussions" in outputs[0]
    assert "seeded" not in outputs[1]

    settings = Settings(database_url=url, data_dir=str(tmp_path))
    with service_context(settings) as ctx:
        assert [s.slug for s in list_sites(ctx)] == [DEMO_SITE]
        counts = threads.comment_counts(ctx, DEMO_SITE, [a.key for a in ARTICLES])
    expected = {
        a.key: sum(1 for c in DISCUSSIONS.get(a.key, ()) if c.deleted_at is None) for a in ARTICLES
    }
    assert counts == expected


@pytest.mark.parametrize("key", list(DISCUSSIONS))
def test_the_scripted_discussions_are_consistent(key: str) -> None:
    article = next(a for a in ARTICLES if a.key == key)
    discussion = DISCUSSIONS[key]
    by_ref: dict[str, DemoComment] = {}
    for c in discussion:
        assert c.ref not in by_ref, f"duplicate ref {c.ref}"
        assert 0 < c.minutes < article.published_minutes_ago, c.ref
        assert 0 < len(c.body) <= SiteSettings().max_comment_length
        if c.parent:
            parent = by_ref[c.parent]  # parents are listed first
            assert parent.minutes < c.minutes, c.ref
            if parent.deleted_at is not None:
                assert c.minutes < parent.deleted_at, "replies come before the deletion"
        if c.deleted_at is not None:
            assert timedelta(minutes=c.deleted_at - c.minutes) <= EDIT_WINDOW
            assert not (c.up or c.down)
        if c.edited:
            assert timedelta(minutes=c.edited[0] - c.minutes) <= EDIT_WINDOW
        by_ref[c.ref] = c


def test_every_article_has_a_page_worth_of_text() -> None:
    assert len(ARTICLES) == 3
    assert len({a.key for a in ARTICLES}) == 3
    for article in ARTICLES:
        assert len(article.paragraphs) >= 5
        assert dataclasses.asdict(article)["title"]
