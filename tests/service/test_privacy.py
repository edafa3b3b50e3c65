"""Readers' data rights on real stores (both backends): what a download holds, and that an
erasure leaves no trace of the person in any table — checked by searching every column of
every table for their email, name, IP address, website and user agent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock
from tests.privacy_scan import find_everywhere, tables_of
from tests.service.conftest import post
from threadline.auth.passwords import fast_passwords
from threadline.auth.readers import sign_reader_token
from threadline.config import Settings
from threadline.domain.errors import AuthRequired, Forbidden, InvalidInput, NotFound
from threadline.domain.events import CommentDeleted, CommentEdited, ThreadChanged, VoteCast
from threadline.domain.models import Author, CommentStatus, Site, SiteSettings
from threadline.domain.moderation import Actor, Grant, Role
from threadline.service import (
    accounts,
    flags,
    moderation,
    privacy,
    privacy_links,
    reader_sign_in,
    site_rules,
    sites,
    votes,
)
from threadline.service.comments import CommentDraft, PostedComment, delete_comment, post_comment
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site, configure_site
from threadline.storage.privacy_queries import ERASED
from threadline.transfer.engine import run_import
from threadline.transfer.formats import FORMATS
from threadline.transfer.records import no_progress

NAME = "Zebediah Quillfeather"
EMAIL = "zeb.quill@example.org"
WEBSITE = "https://zeb-quill.example/blog"
IP = "198.51.100.77"
UA = "QuillBrowser/9.1 (Erasure test)"
READER = "zeb-browser-0123456789abcdef"
THEM = ClientInfo(ip=IP, user_agent=UA)
OTHER = ClientInfo(ip="203.0.113.50", user_agent="OtherBrowser/2.0")
TRACES = [NAME, "Zebediah", "Quillfeather", EMAIL, "zeb.quill", WEBSITE, IP, UA]


def _zeb(ctx: ServiceContext, body: str, **kw: Any) -> Any:
    return post(ctx, body, name=NAME, email=EMAIL, website=WEBSITE, client=THEM, **kw)


def _olga(ctx: ServiceContext, body: str, **kw: Any) -> Any:
    return post(ctx, body, name="Olga Other", email="olga@example.net", client=OTHER, **kw)


def _events(ctx: ServiceContext) -> list[ThreadChanged]:
    seen: list[ThreadChanged] = []
    ctx.bus.subscribe(ThreadChanged, seen.append)
    return seen


@pytest.fixture
def admin(ctx: ServiceContext, site: Site) -> Actor:
    ctx.passwords = fast_passwords()
    return accounts.create_admin(ctx, "boss@example.com", "Boss", "correct horse battery")


DISQUS_EXPORT = f"""<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="t1"><id>old-article</id><link>https://news.example/old</link>
<title>Old</title><createdAt>2024-01-01T00:00:00Z</createdAt></thread>
<post dsq:id="9001"><message><![CDATA[<p>From the archive</p>]]></message>
<createdAt>2024-01-02T03:04:05Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
<author><name>{NAME}</name><email>{EMAIL.upper()}</email></author>
<ipAddress>{IP}</ipAddress><thread dsq:id="t1"/></post>
</disqus>
"""


def _import_one(ctx: ServiceContext, tmp_path: Path, expect_added: int = 1) -> None:
    """An old comment of theirs, imported by the real Disqus importer: an origin (source
    ids), the email spelled as the export had it, no author key, the export's IP address."""
    path = tmp_path / "disqus.xml"
    path.write_text(DISQUS_EXPORT, encoding="utf-8")
    records = FORMATS["disqus"](path, no_progress)
    report = run_import(ctx.store, ctx.renderer, "demo", records, clock=ctx.clock)
    assert report.comments_added == expect_added, report


def _everything(ctx: ServiceContext, admin: Actor, tmp_path: Path) -> dict[str, Any]:
    """Zeb leaves traces everywhere: comments (one replied to, one rejected with their name
    in the reason, one imported), a ban and its audit entries, a vote, a flag with a note,
    a pending emailed link."""
    root = _zeb(ctx, "My first thoughts")
    reply = _olga(ctx, "I disagree with you", parent=root.comment.id)
    answer = _zeb(ctx, "Let me explain", parent=reply.comment.id)
    leaf = _zeb(ctx, "Buy cheap watches", thread="article-2")
    other_root = _olga(ctx, "Another view", thread="article-2")
    oops = _zeb(ctx, "Oops, wrong thread", thread="article-2")
    delete_comment(ctx, oops.comment.id, oops.edit_token, THEM)  # only its author key stays
    moderation.reject(ctx, admin, leaf.comment.id, f"{NAME} keeps posting ads")
    moderation.ban_author(ctx, admin, root.comment.id, f"spam from {EMAIL}", days=7)
    votes.cast_vote(ctx, other_root.comment.id, 1, READER, THEM)
    flags.flag_comment(ctx, reply.comment.id, "abusive", READER, f"rude to me, {NAME}", THEM)
    _import_one(ctx, tmp_path)
    mail = privacy_links.request_link(
        ctx, "demo", EMAIL, THEM, base_url="https://c.example/", lifetime=timedelta(hours=1)
    )
    assert mail is not None and mail.to == EMAIL
    return {"root": root, "reply": reply, "answer": answer, "leaf": leaf, "other": other_root}


def _tokens(*posted: Any) -> list[tuple[int, str]]:
    return [(p.comment.id, p.edit_token) for p in posted]


def _thread(ctx: ServiceContext, key: str) -> Any:
    with ctx.store.reading() as db:
        return db.get_thread(1, key)


def test_erasure_leaves_no_trace_of_the_person_in_any_table(
    ctx: ServiceContext, site: Site, admin: Actor, settings: Settings, tmp_path: Path
) -> None:
    c = _everything(ctx, admin, tmp_path)
    hits = find_everywhere(settings.database_url, TRACES)
    # The scan itself sees them everywhere they were put (it would miss nothing).
    found_in = {table for table, _, _ in hits}
    assert {"comments", "audit_log", "bans", "flags", "privacy_requests"} <= found_in, hits
    assert {"users", "sessions", "votes", "threads", "sites"} <= tables_of(settings.database_url)
    before = _thread(ctx, "article-1")
    seen = _events(ctx)

    # The widget's way (edit tokens + voter id), then the emailed link's way (everything
    # given with the address, the imported comment too).
    report, unmatched = privacy.erase_by_tokens(
        ctx, "demo", _tokens(c["root"], c["answer"], c["leaf"]), READER, THEM
    )
    assert unmatched == []
    assert (report.comments_removed, report.votes_withdrawn, report.flags_anonymized) == (3, 1, 1)
    assert report.bans_lifted == 1 and report.audit_entries_scrubbed >= 2
    by_email = privacy.erase_by_email(ctx, "demo", EMAIL, privacy.COMMAND_LINE)
    assert by_email.comments_removed == 1  # the imported one; the rest are gone already

    assert find_everywhere(settings.database_url, TRACES) == []
    # The import's origin ids stay: importing the same export again brings nothing back.
    _import_one(ctx, tmp_path, expect_added=0)
    assert find_everywhere(settings.database_url, TRACES) == []

    # Olga's reply stays, under a placeholder of the removed comment; counts follow.
    after = _thread(ctx, "article-1")
    assert after.version > before.version
    assert after.comment_count == 1
    assert _thread(ctx, "article-2").comment_count == 1
    with ctx.store.reading() as db:
        kept = db.get_comment(c["reply"].comment.id)
        gone = db.get_comment(c["root"].comment.id)
        voted = db.get_comment(c["other"].comment.id)
        assert db.flag_reasons(c["reply"].comment.id) == {"abusive": 1}  # still counted
        audit = db.audit_entries(None, action="privacy_erase")
    assert kept is not None and kept.status is CommentStatus.PUBLISHED
    assert gone is not None and gone.status is CommentStatus.DELETED and gone.body == ""
    assert voted is not None and voted.upvotes == 0
    assert [e.actor_name for e in audit] == ["command line", "reader (edit tokens)"]
    assert all(e.target_id.startswith("person:") for e in audit)
    # Every change reached the bus (caches and live pages follow).
    deleted = {e.comment_id for e in seen if isinstance(e, CommentDeleted)}
    assert {c["root"].comment.id, c["answer"].comment.id, c["leaf"].comment.id} <= deleted
    assert any(isinstance(e, VoteCast) for e in seen)


def test_the_download_holds_comments_votes_flags_and_what_they_gave(
    ctx: ServiceContext, site: Site, admin: Actor, tmp_path: Path
) -> None:
    c = _everything(ctx, admin, tmp_path)
    data, unmatched = privacy.export_by_tokens(
        ctx, "demo", _tokens(c["root"], c["leaf"]), READER, THEM
    )
    assert unmatched == []
    assert data.format == "threadline-personal-data/1" and data.identified_by == "edit_tokens"
    assert [x.id for x in data.comments] == [c["root"].comment.id, c["leaf"].comment.id]
    first = data.comments[0]
    assert (first.thread.key, first.body, first.ip, first.user_agent) == (
        "article-1",
        "My first thoughts",
        IP,
        UA,
    )
    assert data.comments[1].status == "rejected"
    assert (data.names, data.emails, data.websites) == ([NAME], [EMAIL], [WEBSITE])
    assert [(v.comment_id, v.value) for v in data.votes] == [(c["other"].comment.id, 1)]
    assert [(f.reason, f.note) for f in data.flags] == [("abusive", f"rude to me, {NAME}")]

    by_email = privacy.export_by_email(ctx, "demo", EMAIL.upper(), privacy.COMMAND_LINE)
    assert by_email.identified_by == "email" and by_email.email == EMAIL
    assert len(by_email.comments) == 4  # three live and the imported one
    assert by_email.votes == [] and by_email.flags == []  # not tied to an email: said so
    assert "anonymous id" in by_email.notes[0]
    with ctx.store.reading() as db:
        audit = db.audit_entries(None, action="privacy_export")
    assert len(audit) == 1 and EMAIL not in str(audit[0])


def test_tokens_that_do_not_match_prove_nothing(ctx: ServiceContext, site: Site) -> None:
    mine = _zeb(ctx, "Mine")
    theirs = _olga(ctx, "Theirs")
    report, unmatched = privacy.erase_by_tokens(
        ctx, "demo", [(theirs.comment.id, mine.edit_token), (999, "x" * 43)], None, THEM
    )
    assert unmatched == [theirs.comment.id, 999]
    assert report.comments_removed == 0
    with ctx.store.reading() as db:
        still = db.get_comment(theirs.comment.id)
    assert still is not None and still.author.name == "Olga Other"
    with pytest.raises(InvalidInput):
        privacy.export_by_tokens(ctx, "demo", [], "short", THEM)
    with pytest.raises(NotFound):
        privacy.export_by_tokens(ctx, "nowhere", [], None, THEM)
    with pytest.raises(Forbidden):
        privacy.erase_by_tokens(
            ctx, "demo", _tokens(mine), None, replace(THEM, origin="https://evil.example")
        )


@pytest.mark.parametrize("demo_settings", [SiteSettings(erasure_keeps_replied_comments=True)])
def test_site_policy_keeps_replied_comments_anonymously(ctx: ServiceContext, site: Site) -> None:
    root = _zeb(ctx, "Worth keeping")
    _olga(ctx, "Good point", parent=root.comment.id)
    alone = _zeb(ctx, "Nobody answered")
    seen = _events(ctx)
    report = privacy.erase_by_email(ctx, "demo", EMAIL, privacy.COMMAND_LINE)
    assert (report.comments_anonymized, report.comments_removed) == (1, 1)
    with ctx.store.reading() as db:
        kept = db.get_comment(root.comment.id)
        gone = db.get_comment(alone.comment.id)
    assert kept is not None and kept.status is CommentStatus.PUBLISHED
    assert (kept.author, kept.body) == (Author("Anonymous"), "Worth keeping")
    assert gone is not None and gone.status is CommentStatus.DELETED
    assert _thread(ctx, "article-1").comment_count == 2  # the kept one and the reply
    assert {type(e) for e in seen} == {CommentEdited, CommentDeleted}


def test_the_policy_is_a_site_setting(ctx: ServiceContext, site: Site) -> None:
    changed = configure_site(ctx, "demo", changes={"erasure_keeps_replied_comments": "on"})
    assert changed.settings.erasure_keeps_replied_comments is True


def test_erasure_is_per_site(ctx: ServiceContext, site: Site) -> None:
    add_site(ctx, "other", "Other News")
    here = _zeb(ctx, "On demo")
    there = _zeb(ctx, "On other", site="other")
    privacy.erase_by_email(ctx, "demo", EMAIL, privacy.COMMAND_LINE)
    with ctx.store.reading() as db:
        assert db.get_comment(here.comment.id).author.email is None  # type: ignore[union-attr]
        assert db.get_comment(there.comment.id).author.email == EMAIL  # type: ignore[union-attr]


def test_only_admins_act_by_email(ctx: ServiceContext, site: Site, admin: Actor) -> None:
    assert privacy.requester_for(admin) == privacy.Requester("Boss", admin.user.id)
    mod = accounts.create_user(
        ctx, "mod@example.com", "Mo", "correct horse battery", (Grant(Role.MODERATOR, site.id),)
    )
    with pytest.raises(Forbidden):
        privacy.requester_for(mod)
    with pytest.raises(AuthRequired):
        privacy.requester_for(None)


def test_a_namesake_without_email_keeps_their_ban(
    ctx: ServiceContext, site: Site, admin: Actor
) -> None:
    _zeb(ctx, "With my address")
    namesake = post(ctx, "Same name, no email", name=NAME, client=OTHER)
    moderation.ban_author(ctx, admin, namesake.comment.id, "trolling")
    report = privacy.erase_by_email(ctx, "demo", EMAIL, privacy.COMMAND_LINE)
    assert report.bans_lifted == 0
    with ctx.store.reading() as db:
        ban = db.active_ban(site.id, NAME.casefold(), ctx.clock())
        kept = db.get_comment(namesake.comment.id)
    assert ban is not None and kept is not None and kept.author.name == NAME


# -- a reader signed in with the publisher's account -----------------------------------------

ACCOUNT = "acct-5501"
ACCOUNT_NAME = "Augusta Byronwood"
ACCOUNT_EMAIL = "augusta.b@example.org"
ACCOUNT_TRACES = [ACCOUNT, ACCOUNT_NAME, ACCOUNT_EMAIL, WEBSITE, IP, UA]


def _sign_in(ctx: ServiceContext, sub: str = ACCOUNT, name: str = ACCOUNT_NAME, **kw: Any) -> str:
    """A token as the publisher's server signs it (sign-in turned on for 'demo' first)."""
    if sites.get_site(ctx, "demo").reader_secret is None:
        reader_sign_in.new_reader_secret(ctx, "demo", reader_sign_in.COMMAND_LINE)
    return reader_sign_in.mint_reader_token(ctx, "demo", sub, name, **kw)


def _as_account(
    ctx: ServiceContext, token: str, body: str, thread: str = "article-1", **kw: Any
) -> PostedComment:
    """Posted signed in, from "another device": the edit token is never used again."""
    author = Author("typed, ignored", website=WEBSITE)
    draft = CommentDraft("demo", thread, body, author, reader_token=token, **kw)
    return post_comment(ctx, draft, THEM)


def test_a_signed_in_reader_downloads_everything_of_their_account(
    ctx: ServiceContext, site: Site, admin: Actor
) -> None:
    token = _sign_in(ctx, email=ACCOUNT_EMAIL)
    first = _as_account(ctx, token, "From my laptop")
    second = _as_account(ctx, token, "From my phone", thread="article-2")
    configure_site(ctx, "demo", changes={"premoderation": "on"})
    waiting = _as_account(ctx, token, "Held for review", thread="article-2")
    configure_site(ctx, "demo", changes={"premoderation": "off"})
    gone = _as_account(ctx, token, "Deleted by me")
    delete_comment(ctx, gone.comment.id, None, THEM, reader_token=token)
    someone = _olga(ctx, "Someone else's")
    namesake = _as_account(ctx, _sign_in(ctx, "acct-9", ACCOUNT_NAME), "Same name, other account")
    votes.cast_vote(ctx, someone.comment.id, -1, READER, THEM, reader_token=token)
    flags.flag_comment(ctx, someone.comment.id, "spam", READER, "as the account", THEM, token)

    data, unmatched = privacy.export_by_tokens(ctx, "demo", [], None, THEM, reader_token=token)

    assert unmatched == []
    assert (data.identified_by, data.reader_account, data.email) == (
        "reader_account",
        ACCOUNT,
        None,
    )
    assert [c.id for c in data.comments] == [
        first.comment.id,
        second.comment.id,
        waiting.comment.id,
    ]  # any thread, any status; not the deleted one, not the namesake's
    assert namesake.comment.id not in [c.id for c in data.comments]
    assert [c.status for c in data.comments] == ["published", "published", "pending"]
    assert (data.names, data.emails) == ([ACCOUNT_NAME], [ACCOUNT_EMAIL])
    # The account votes and flags as itself, whatever browser id came along.
    assert [(v.comment_id, v.value) for v in data.votes] == [(someone.comment.id, -1)]
    assert [f.note for f in data.flags] == ["as the account"]
    assert "Every comment, vote and report of your account" in data.notes[0]


def test_erasing_by_account_lifts_its_ban_and_leaves_no_trace(
    ctx: ServiceContext, site: Site, admin: Actor, settings: Settings
) -> None:
    token = _sign_in(ctx, email=ACCOUNT_EMAIL)
    first = _as_account(ctx, token, "Rude words")
    second = _as_account(ctx, token, "More rude words", thread="article-2")
    gone = _as_account(ctx, token, "Deleted by me", thread="article-2")
    delete_comment(ctx, gone.comment.id, None, THEM, reader_token=token)  # keeps its key
    reply = _olga(ctx, "Calm down", parent=first.comment.id)
    flags.flag_comment(ctx, reply.comment.id, "abusive", READER, None, THEM, token)
    moderation.ban_author(ctx, admin, first.comment.id, f"{ACCOUNT_NAME} again", days=7)
    other_ban = moderation.ban_author(ctx, admin, reply.comment.id, "for the test")
    assert find_everywhere(settings.database_url, [ACCOUNT])  # the scan sees it
    versions = (_thread(ctx, "article-1").version, _thread(ctx, "article-2").version)
    seen = _events(ctx)

    report, unmatched = privacy.erase_by_tokens(ctx, "demo", [], None, THEM, reader_token=token)

    assert unmatched == []
    assert (report.comments_removed, report.flags_anonymized, report.bans_lifted) == (2, 1, 1)
    assert find_everywhere(settings.database_url, ACCOUNT_TRACES) == []
    with ctx.store.reading() as db:
        assert db.active_ban(site.id, "reader:" + ACCOUNT, ctx.clock()) is None
        assert db.active_ban(site.id, other_ban.ban.author_key, ctx.clock()) is not None
        kept = db.get_comment(reply.comment.id)
        [audit] = db.audit_entries(None, action="privacy_erase")
    assert kept is not None and kept.author.name == "Olga Other"
    assert audit.actor_name == "reader (signed in)" and audit.target_id.startswith("person:")
    after = (_thread(ctx, "article-1").version, _thread(ctx, "article-2").version)
    assert after[0] > versions[0] and after[1] > versions[1]
    deleted = {e.comment_id for e in seen if isinstance(e, CommentDeleted)}
    assert deleted == {first.comment.id, second.comment.id}
    # Asked again, nothing is left to give.
    again, _ = privacy.export_by_tokens(ctx, "demo", [], None, THEM, reader_token=token)
    assert again.comments == [] and again.flags == []


def test_an_account_and_edit_tokens_count_each_comment_once(
    ctx: ServiceContext, site: Site
) -> None:
    token = _sign_in(ctx)
    signed = _as_account(ctx, token, "Signed in")
    typed = _zeb(ctx, "Before I signed in")  # reachable by its edit token only
    proofs = _tokens(signed, typed)

    data, unmatched = privacy.export_by_tokens(ctx, "demo", proofs, READER, THEM, token)
    assert unmatched == []
    assert [c.id for c in data.comments] == [signed.comment.id, typed.comment.id]
    assert data.identified_by == "reader_account"

    report, _ = privacy.erase_by_tokens(ctx, "demo", proofs, READER, THEM, token)
    assert report.comments_removed == 2


def test_erasing_one_account_leaves_the_audit_of_a_longer_one(
    ctx: ServiceContext, site: Site, admin: Actor
) -> None:
    """An account's key is a prefix of others' (reader:acct-1 of reader:acct-12): its lifted
    ban's audit entry loses it, the other account's entry keeps its own."""
    one, twelve = _sign_in(ctx, "acct-1", "One"), _sign_in(ctx, "acct-12", "Twelve")
    for token in (one, twelve):
        posted = _as_account(ctx, token, "Rude words")
        ban = moderation.ban_author(ctx, admin, posted.comment.id, "rude")
        site_rules.lift_ban(ctx, admin, ban.ban.id, "second chance")
    privacy.erase_by_tokens(ctx, "demo", [], None, THEM, reader_token=one)
    with ctx.store.reading() as db:
        lifted = db.audit_entries(None, action="lift_ban")
    authors = sorted(str(e.after.get("author")) for e in lifted)
    assert authors == [ERASED, "reader:acct-12"]


def test_a_sign_in_that_cannot_be_verified_is_refused(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    token = _sign_in(ctx, lifetime=timedelta(minutes=5))
    mine = _as_account(ctx, token, "Still here")
    later = clock.now + timedelta(hours=1)
    forged = sign_reader_token(
        "not-the-site-secret" * 2, "demo", ACCOUNT, "Eve", None, later, clock.now
    )
    with pytest.raises(AuthRequired) as invalid:
        privacy.erase_by_tokens(ctx, "demo", [], None, THEM, reader_token=forged)
    assert invalid.value.code == "reader_token_invalid"
    clock.advance(minutes=10)
    with pytest.raises(AuthRequired) as expired:
        privacy.export_by_tokens(ctx, "demo", [], None, THEM, reader_token=token)
    assert expired.value.code == "reader_token_expired"
    with ctx.store.reading() as db:
        still = db.get_comment(mine.comment.id)
    assert still is not None and still.author.name == ACCOUNT_NAME
