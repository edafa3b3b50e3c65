"""Reader sign-in with the publisher's accounts, in a real browser against a real server:
the page hands the widget a token its server signed (`data-reader-token`), the widget shows
"Commenting as …" and sends the token with every write, the server verifies it.

Tokens are minted the way the publisher's server (or the demo newspaper) does, with the
site's secret from the same SQLite database the live server uses.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.browser.support import (
    CSP,
    Api,
    BrowserContext,
    Browsing,
    Locator,
    Page,
    axe_serious,
    comment,
    expect,
    submit_answer,
    wait_loaded,
)
from tests.live_server import LiveServer, cli_environ, run_cli
from threadline.app import build_context, open_store
from threadline.auth.readers import sign_reader_token
from threadline.config import Settings
from threadline.demo.content import HARBOUR_STREET
from threadline.service.context import ServiceContext
from threadline.service.reader_sign_in import mint_reader_token
from threadline.service.sites import get_site

if TYPE_CHECKING:
    from playwright.sync_api import Route

pytestmark = pytest.mark.slow

MEMBERS = "members"  # a second site: signed-in readers only
PAGE_PATH = "/__sign-in-test__/page"
SIGN_IN_PATH = "/account/sign-in"  # the publisher's sign-in page (never loaded)
EXPIRED = "Your sign-in has expired. Please sign in again."
INVALID = "Your sign-in could not be verified. Please sign in again."
REQUIRED = "Only signed-in readers can take part in this discussion. Please sign in."
BODY = ".tl-content > .tl-body"  # a comment's text (not an open editor's preview)


@contextmanager
def service(server: LiveServer) -> Iterator[ServiceContext]:
    """The live server's database, opened beside it (as the CLI does)."""
    settings = Settings(database_url=server.database_url or "", moderation_processes=0)
    store = open_store(settings)
    try:
        yield build_context(settings, store)
    finally:
        store.close()


def token(
    server: LiveServer, sub: str, name: str, email: str | None = None, site: str = "demo"
) -> str:
    with service(server) as ctx:
        return mint_reader_token(ctx, site, sub, name, email)


def expired_token(server: LiveServer, sub: str, name: str) -> str:
    """A token whose `exp` passed ten minutes ago (well beyond the 60 s leeway)."""
    with service(server) as ctx:
        secret = get_site(ctx, "demo").reader_secret
        now = ctx.clock()
    assert secret, "seeding gives the demo site a reader secret"
    return sign_reader_token(
        secret, "demo", sub, name, None, now - timedelta(minutes=10), now - timedelta(minutes=70)
    )


@pytest.fixture(scope="module")
def members(server: LiveServer) -> str:
    """The site MEMBERS, on the live server's origin, with a secret and sign-in required."""
    env = cli_environ()
    for args in (
        ["site", "add", MEMBERS, "--name", "Members Only", "--origin", server.base_url],
        ["site", "sign-in", MEMBERS, "--new-secret"],
        ["site", "configure", MEMBERS, "--set", "sign_in_required=on"],
    ):
        done = run_cli(args, env, server.database_url)
        assert done.returncode == 0, done.stdout + done.stderr
    return MEMBERS


def _page(site: str, key: str, attrs: dict[str, str]) -> str:
    data = "".join(f' data-{name}="{escape(value)}"' for name, value in attrs.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in test</title>
<link rel="icon" href="/static/demo/favicon.svg" type="image/svg+xml"></head>
<body><main><h1>Sign-in test</h1>
<div id="threadline" data-site="{site}" data-thread="{key}"{data}></div>
</main><script src="/embed.js" async></script></body></html>"""


def open_page(
    browsing: Browsing,
    key: str,
    *,
    site: str = "demo",
    context: BrowserContext | None = None,
    wait: bool = True,
    **attrs: str,
) -> Page:
    """A page of the publisher's (on the server's origin, under the demo CSP) embedding the
    widget for `site`/`key`; attrs become data-* (sign_in_url → data-sign-in-url)."""
    context = context or browsing.context()

    def serve(route: Route) -> None:
        query = dict(parse_qsl(urlsplit(route.request.url).query))
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
            body=_page(query.pop("site"), query.pop("key"), query),
        )

    context.route(browsing.origin + PAGE_PATH + "*", serve)
    params = {"site": site, "key": key} | {k.replace("_", "-"): v for k, v in attrs.items()}
    page = context.new_page()
    page.goto(browsing.origin + PAGE_PATH + "?" + urlencode(params))
    if wait:
        wait_loaded(page)
    return page


def new_form(page: Page) -> Locator:
    return page.locator(".tl-compose form.tl-form-new")


def post(page: Page, form: Locator, body: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Submit `body` through `form`: the posted comment and the request's headers."""
    form.locator("textarea.tl-input-body").fill(body)
    response = submit_answer(page, form)
    assert response.status == 201, response.text()
    return response.json()["comment"], response.request.all_headers()


def assert_signed_in_as(form: Locator, name: str) -> None:
    expect(form.locator(".tl-as")).to_have_text(f"Commenting as {name}")
    expect(form.locator("input.tl-input-name")).to_have_count(0)
    expect(form.locator("input.tl-input-email")).to_have_count(0)
    expect(form.locator("input.tl-input-website")).to_have_count(0)


def assert_verified(page: Page, comment_id: int, name: str) -> None:
    art = comment(page, comment_id)
    expect(art.locator(".tl-author")).to_have_text(name)
    expect(art.get_by_role("img", name="signed-in reader")).to_be_visible()


def test_a_signed_in_reader_posts_and_edits_under_the_account(
    browsing: Browsing, server: LiveServer, api: Api, key: str
) -> None:
    reader = token(server, "acct-1001", "Anna Weber", "anna@example.org")
    page = open_page(browsing, key, context=browsing.context(bypass_csp=True), reader_token=reader)
    form = new_form(page)
    assert_signed_in_as(form, "Anna Weber")
    # The token carries an email: replies can be mailed.
    expect(form.locator("input.tl-notify")).to_be_enabled()

    posted, headers = post(page, form, "Signed in, and it shows.")
    assert headers["threadline-reader"] == reader
    assert posted["author"]["name"] == "Anna Weber" and posted["author"]["verified"] is True
    assert_verified(page, posted["id"], "Anna Weber")
    assert not (serious := axe_serious(page)), serious
    stored = api.comments(key)[posted["id"]]
    assert stored["author"]["verified"] is True

    # Edit it: the edit goes with the header.
    art = comment(page, posted["id"])
    art.locator("button.tl-edit").click()
    edit = art.locator("form.tl-form-edit")
    edit.locator("textarea.tl-input-body").fill("Signed in, and edited.")
    with page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/comments/{posted['id']}") and r.request.method == "PATCH"
    ) as patched:
        edit.locator("button.tl-submit").click()
    assert patched.value.status == 200, patched.value.text()
    assert patched.value.request.all_headers()["threadline-reader"] == reader
    # (The edit form's preview is a .tl-body too until the widget closes it.)
    shown = comment(page, posted["id"]).locator(BODY)
    expect(shown).to_have_text("Signed in, and edited.")
    assert_verified(page, posted["id"], "Anna Weber")

    # Another reader's view: the check mark, not the "you" badge.
    other = open_page(browsing, key)
    assert_verified(other, posted["id"], "Anna Weber")
    expect(comment(other, posted["id"]).locator(".tl-you")).to_have_count(0)


def _own_comments_read(context: BrowserContext) -> Any:
    """Waits (as a context manager) for the widget's POST /comments/mine to be answered."""
    return context.expect_event(
        "response", lambda r: r.url.endswith("/api/v1/comments/mine") and r.status == 200
    )


def _write(page: Page, method: str, comment_id: int) -> Any:
    return page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/comments/{comment_id}") and r.request.method == method
    )


def test_a_signed_in_reader_edits_and_deletes_from_another_device(
    browsing: Browsing, server: LiveServer, api: Api, key: str
) -> None:
    laptop = open_page(browsing, key, reader_token=token(server, "acct-4004", "Lena Lindqvist"))
    first, _ = post(laptop, new_form(laptop), "Written on my **laptop**.")
    second, _ = post(laptop, new_form(laptop), "A second thought.")

    # The phone: a fresh browser (no localStorage: no edit tokens), the same account. Its
    # clock is Playwright's, so the test can let the edit window run out.
    phone_context = browsing.context()
    phone_context.clock.install()
    with _own_comments_read(phone_context):
        phone = open_page(
            browsing,
            key,
            context=phone_context,
            reader_token=token(server, "acct-4004", "Lena Lindqvist"),
        )
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':own'))") == []
    art = comment(phone, first["id"])
    expect(art.locator(".tl-you")).to_be_visible()
    art.locator("button.tl-edit").click()
    editor = art.locator("form.tl-form-edit textarea.tl-input-body")
    expect(editor).to_have_value("Written on my **laptop**.")  # the Markdown, not the HTML
    editor.fill("Edited on my **phone**.")
    # The laptop, still open, hears of the edit and asks for the comment's new Markdown.
    with (
        _own_comments_read(laptop.context),
        _write(phone, "PATCH", first["id"]) as patched,
    ):
        art.locator("form.tl-form-edit button.tl-submit").click()
    assert patched.value.status == 200, patched.value.text()
    headers = patched.value.request.all_headers()
    assert "authorization" not in headers and headers["threadline-reader"]
    expect(comment(phone, first["id"]).locator(BODY + " strong")).to_have_text("phone")
    assert "<strong>phone</strong>" in api.comments(key)[first["id"]]["html"]
    on_laptop = comment(laptop, first["id"])
    expect(on_laptop.locator(BODY + " strong")).to_have_text("phone")
    on_laptop.locator("button.tl-edit").click()
    laptop_editor = on_laptop.locator("form.tl-form-edit textarea.tl-input-body")
    expect(laptop_editor).to_have_value("Edited on my **phone**.")  # not what it had kept
    on_laptop.locator("form.tl-form-edit button.tl-cancel").click()
    # Editing again starts from the new text.
    comment(phone, first["id"]).locator("button.tl-edit").click()
    edit = comment(phone, first["id"]).locator("form.tl-form-edit")
    expect(edit.locator("textarea.tl-input-body")).to_have_value("Edited on my **phone**.")
    edit.locator("button.tl-cancel").click()

    doomed = comment(phone, second["id"])
    doomed.locator("button.tl-delete").click()
    with _write(phone, "DELETE", second["id"]) as deleted:
        doomed.locator("button.tl-confirm-delete").click()
    assert deleted.value.status == 204
    assert "authorization" not in deleted.value.request.all_headers()
    expect(comment(phone, second["id"])).to_have_count(0)
    assert second["id"] not in api.comments(key)

    # Signing out on this page takes them away; signing in again brings them back.
    host = "document.getElementById('threadline')"
    phone.evaluate(f"{host}.removeAttribute('data-reader-token')")
    expect(comment(phone, first["id"]).locator("button.tl-edit, .tl-you")).to_have_count(0)
    with _own_comments_read(phone_context):
        phone.evaluate(
            f"t => {host}.setAttribute('data-reader-token', t)",
            token(server, "acct-4004", "Lena Lindqvist"),
        )
    # The buttons go when the window closes (15 minutes after posting), as on the laptop.
    expect(comment(phone, first["id"]).locator("button.tl-edit")).to_be_visible()
    phone.clock.fast_forward("16:00")
    expect(comment(phone, first["id"]).locator("button.tl-edit")).to_be_hidden()
    expect(comment(phone, first["id"]).locator("button.tl-delete")).to_be_hidden()

    # Another signed-in reader: the comment, but nothing to edit or delete.
    other_context = browsing.context()
    with _own_comments_read(other_context):
        other = open_page(
            browsing,
            key,
            context=other_context,
            reader_token=token(server, "acct-5005", "Otto Ostrowski"),
        )
    theirs = comment(other, first["id"])
    expect(theirs.locator(BODY)).to_have_text("Edited on my phone.")
    expect(theirs.locator("button.tl-edit, button.tl-delete, .tl-you")).to_have_count(0)
    expect(theirs.locator("button.tl-flag")).to_be_visible()


def test_sign_in_required_shows_the_prompt_instead_of_the_form(
    browsing: Browsing, server: LiveServer, members: str, key: str
) -> None:
    sign_in = server.url(SIGN_IN_PATH)
    # A signed-in member starts the discussion.
    first_page = open_page(
        browsing, key, site=members, reader_token=token(server, "m-1", "Max Member", site=members)
    )
    first, _ = post(first_page, new_form(first_page), "Members only in here.")

    context = browsing.context(bypass_csp=True)
    page = open_page(
        browsing, key, site=members, context=context, sign_in="required", sign_in_url=sign_in
    )
    prompt = page.locator(".tl-compose .tl-signin-prompt")
    expect(prompt).to_have_text("Sign in to join the discussion. Sign in")
    expect(prompt.locator("a.tl-signin")).to_have_attribute("href", sign_in)
    expect(new_form(page)).to_be_hidden()
    expect(page.locator("textarea.tl-input-body:visible")).to_have_count(0)

    # Voting, reporting and replying point to the same prompt; nothing is sent.
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method + " " + r.url))
    art = comment(page, first["id"])
    art.locator("button.tl-vote-up").click()
    below = page.locator(f"li.tl-item[data-id='{first['id']}'] > .tl-replyslot .tl-signin-prompt")
    expect(below).to_have_text("Sign in to join the discussion. Sign in")
    expect(below.locator("a.tl-signin")).to_be_focused()
    art.locator("button.tl-flag").click()
    art.locator("button.tl-reply").click()
    expect(below).to_have_count(1)
    expect(page.locator("form.tl-flagbox, form.tl-form-reply")).to_have_count(0)
    assert not [r for r in requests if r.startswith("POST")], requests
    assert not (serious := axe_serious(page)), serious


def test_the_servers_sign_in_answers_keep_what_was_typed(
    browsing: Browsing, server: LiveServer, api: Api, members: str, key: str
) -> None:
    sign_in = server.url(SIGN_IN_PATH)
    others = api.post(key, "Somebody else's comment")
    # An expired token: the server's message, the link, and the text stays.
    refused = r"status of 401 \(Unauthorized\)"  # the browser logs the answers it expects
    page = open_page(
        browsing,
        key,
        context=browsing.context(allowed_errors=refused),
        reader_token=expired_token(server, "acct-2002", "Late Larry"),
        sign_in_url=sign_in,
    )
    form = new_form(page)
    assert_signed_in_as(form, "Late Larry")
    body = "Typed before my sign-in ran out."
    form.locator("textarea.tl-input-body").fill(body)
    assert submit_answer(page, form).status == 401
    error = form.locator(".tl-error[role=alert]")
    expect(error).to_have_text(EXPIRED + " Sign in")
    expect(error.locator("a.tl-signin")).to_have_attribute("href", sign_in)
    expect(form.locator("textarea.tl-input-body")).to_have_value(body)
    # A vote says the same under the comment.
    art = comment(page, others["id"])
    art.locator("button.tl-vote-up").click()
    expect(art.locator(".tl-msg[role=alert]")).to_have_text(EXPIRED + " Sign in")
    expect(art.locator(".tl-msg a.tl-signin")).to_have_attribute("href", sign_in)
    expect(art.locator("button.tl-vote-up")).to_have_attribute("aria-pressed", "false")

    # A forged token (another name under a real signature): refused as unverifiable.
    header, _, signature = token(server, "acct-2003", "Honest Hana").split(".")
    claims = {"sub": "acct-2003", "name": "The Editor", "aud": "demo", "exp": 4_000_000_000}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    page = open_page(
        browsing,
        key,
        context=browsing.context(allowed_errors=refused),
        reader_token=f"{header}.{payload}.{signature}",
        sign_in_url=sign_in,
    )
    form = new_form(page)
    assert_signed_in_as(form, "The Editor")  # shown from the payload: display only
    form.locator("textarea.tl-input-body").fill("Trust me")
    assert submit_answer(page, form).status == 401
    expect(form.locator(".tl-error")).to_have_text(INVALID + " Sign in")
    expect(form.locator("textarea.tl-input-body")).to_have_value("Trust me")
    assert "Trust me" not in str(api.thread(key))

    # A members-only site, and a page that did not say so: the server's answer, the same way.
    page = open_page(
        browsing,
        key,
        site=members,
        context=browsing.context(allowed_errors=refused),
        sign_in_url=sign_in,
    )
    form = new_form(page)
    form.locator("textarea.tl-input-body").fill("Let me in")
    form.locator("input.tl-input-name").fill("Guest")
    assert submit_answer(page, form).status == 401
    expect(form.locator(".tl-error")).to_have_text(REQUIRED + " Sign in")
    expect(form.locator("textarea.tl-input-body")).to_have_value("Let me in")
    expect(form.locator("input.tl-input-name")).to_have_value("Guest")


def test_signing_in_and_out_takes_effect_without_a_reload(
    browsing: Browsing, server: LiveServer, key: str
) -> None:
    page = open_page(browsing, key, sign_in_url=server.url(SIGN_IN_PATH))
    page.evaluate("window.notReloaded = true")
    form = new_form(page)
    expect(form.locator("input.tl-input-name")).to_be_visible()
    expect(form.locator("a.tl-signin")).to_have_text("Sign in")
    form.locator("textarea.tl-input-body").fill("Written before signing in.")

    reader = token(server, "acct-3003", "Zoë Ångström")  # no email in this token
    page.evaluate(
        "t => document.getElementById('threadline').setAttribute('data-reader-token', t)", reader
    )
    assert_signed_in_as(form, "Zoë Ångström")
    expect(form.locator("a.tl-signin")).to_have_count(0)
    expect(form.locator("input.tl-notify")).to_have_count(0)  # nowhere to mail replies to
    expect(form.locator("textarea.tl-input-body")).to_have_value("Written before signing in.")
    posted, headers = post(page, form, "Written before signing in, posted after.")
    assert headers["threadline-reader"] == reader
    assert_verified(page, posted["id"], "Zoë Ångström")

    page.evaluate("document.getElementById('threadline').removeAttribute('data-reader-token')")
    expect(form.locator("input.tl-input-name")).to_be_visible()
    expect(form.locator(".tl-as")).to_have_count(0)
    form.locator("input.tl-input-name").fill("Anonymous Again")
    again, headers = post(page, form, "Signed out now.")
    assert "threadline-reader" not in headers
    assert again["author"] == {"name": "Anonymous Again", "website": None, "verified": False}
    expect(comment(page, again["id"]).get_by_role("img", name="signed-in reader")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


def test_the_demo_newspaper_signs_in_a_demo_reader(browsing: Browsing, server: LiveServer) -> None:
    page = browsing.context().new_page()
    page.goto(server.url(f"/demo/{HARBOUR_STREET.key}"))
    wait_loaded(page)
    form = new_form(page)
    expect(form.locator("input.tl-input-name")).to_be_visible()
    expect(form.locator("a.tl-signin")).to_have_attribute(
        "href", server.url(f"/demo/{HARBOUR_STREET.key}?reader=demo")
    )

    page.get_by_role("link", name="Sign in as a demo reader").click()
    page.wait_for_url(re.compile(r"\?reader=demo$"))
    wait_loaded(page)
    assert_signed_in_as(new_form(page), "Demo Reader")
    expect(page.locator(".demo-bar")).to_contain_text("Signed in as Demo Reader")
    posted, headers = post(page, new_form(page), "Hello from the demo reader.")
    assert headers["threadline-reader"]
    assert_verified(page, posted["id"], "Demo Reader")

    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(f"/demo/{HARBOUR_STREET.key}") + "$"))
    wait_loaded(page)
    expect(new_form(page).locator("input.tl-input-name")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in as a demo reader")).to_be_visible()


@pytest.mark.parametrize(
    ("lang", "commenting", "prompt", "label"),
    [
        (
            "de",
            "Sie kommentieren als",
            "Melden Sie sich an, um mitzudiskutieren. Anmelden",
            "angemeldet mit Leserkonto",
        ),
        (
            "fr",
            "Vous commentez en tant que",
            "Connectez-vous pour participer à la discussion. Se connecter",
            "connecté avec un compte lecteur",
        ),
    ],
)
def test_the_sign_in_words_in_german_and_french(
    browsing: Browsing,
    server: LiveServer,
    key: str,
    lang: str,
    commenting: str,
    prompt: str,
    label: str,
) -> None:
    reader = token(server, f"acct-{lang}", "Émile Müller")
    page = open_page(browsing, key, wait=False, lang=lang, reader_token=reader)
    form = new_form(page)
    expect(form.locator(".tl-as")).to_have_text(f"{commenting} Émile Müller")
    posted, _ = post(page, form, "Bonjour, guten Tag.")
    expect(comment(page, posted["id"]).get_by_role("img", name=label)).to_be_visible()
    page.evaluate(
        """() => {
            const host = document.getElementById('threadline');
            host.removeAttribute('data-reader-token');
            host.dataset.signIn = 'required';
            host.dataset.signInUrl = '/account/sign-in';
        }"""
    )
    expect(page.locator(".tl-compose .tl-signin-prompt")).to_have_text(prompt)
