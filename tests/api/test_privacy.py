"""Readers' data rights over HTTP: the widget's token-based download and erasure, and the
emailed link end to end through a real SMTP server (aiosmtpd on 127.0.0.1): single use,
expiry, the wrong site, no account enumeration, a mail server that is down."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.api.support import (
    assert_documented,
    assert_error,
    operation,
    page_json,
    thread_page,
    validate_schema,
)
from tests.conftest import app_clock, post
from tests.privacy_scan import find_everywhere
from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.auth.passwords import fast_passwords
from threadline.auth.readers import sign_reader_token
from threadline.config import Settings
from threadline.service import accounts, moderation, reader_sign_in
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site

__all__ = ["smtp_inbox"]  # the fixture

EXPORT = "/api/v1/privacy/export"
ERASE = "/api/v1/privacy/erase"
REQUESTS = "/api/v1/privacy/requests"
NAME = "Philippa Privatsphäre"
EMAIL = "philippa@example.org"
READER = "philippa-browser-0123456789"


def _post_theirs(client: TestClient, body: str = "Mine", **fields: Any) -> dict[str, Any]:
    return post(client, body, author={"name": NAME, "email": EMAIL}, **fields)


def _tokens(*posted: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": p["comment"]["id"], "token": p["edit_token"]} for p in posted]


# -- the widget's way: edit tokens and the voter id --------------------------------------------


def test_download_then_erase_with_edit_tokens(client: TestClient) -> None:
    app_clock(client)
    mine = _post_theirs(client, "First")
    other = post(client, "Reply by someone else", parent_id=mine["comment"]["id"])
    voted = client.post(
        f"/api/v1/comments/{other['comment']['id']}/vote", json={"value": 1, "voter": READER}
    )
    assert voted.status_code == 200
    body = {"site": "demo", "comments": _tokens(mine), "reader": READER}
    validate_schema("PrivacyTokensIn", body)

    got = client.post(EXPORT, json=body)
    assert_documented("POST", EXPORT, got)
    assert got.headers["cache-control"] == "no-store"
    data = got.json()["data"]
    assert [c["body"] for c in data["comments"]] == ["First"]
    assert data["comments"][0]["thread"]["key"] == "article-1"
    assert data["names"] == [NAME] and data["emails"] == [EMAIL]
    assert [v["value"] for v in data["votes"]] == [1]
    assert got.json()["unmatched"] == []

    before = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    erased = client.post(ERASE, json=body)
    assert_documented("POST", ERASE, erased)
    report = erased.json()["erased"]
    assert (report["comments_removed"], report["votes_withdrawn"]) == (1, 1)

    # The page changed (new version, so no stale cache), with a placeholder for theirs.
    after = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    assert after.headers["etag"] != before.headers["etag"]
    shown = after.json()["comments"]
    assert shown[0]["deleted"] is True and shown[0]["author"] is None
    assert shown[1]["upvotes"] == 0
    assert after.json()["thread"]["comment_count"] == 1

    # The token proves nothing any more.
    again = client.post(EXPORT, json=body)
    assert again.json()["data"]["comments"] == []
    assert again.json()["unmatched"] == [mine["comment"]["id"]]


def test_token_requests_are_checked(client: TestClient) -> None:
    assert_error(client.post(EXPORT, json={"site": "nowhere"}), 404, "site_not_found")
    assert_error(
        client.post(EXPORT, json={"site": "demo", "reader": "short"}), 422, "invalid_reader"
    )
    assert_error(client.post(ERASE, json={"site": "demo", "extra": 1}), 422, "unknown_field")
    assert_error(client.post(ERASE, content=b"site=demo"), 415, "unsupported_media_type")
    assert_error(
        client.post(ERASE, json={"site": "demo"}, headers={"Origin": "https://evil.example"}),
        403,
        "origin_not_allowed",
    )
    many = [{"id": i, "token": "t"} for i in range(1, 502)]
    assert_error(client.post(EXPORT, json={"site": "demo", "comments": many}), 422, "invalid_input")


# -- the emailed link ---------------------------------------------------------------------------


@pytest.fixture
def mail_client(make_client: Callable[..., TestClient], smtp_inbox: Inbox) -> TestClient:
    c = make_client(
        rate_limits=False,
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox.port,
        smtp_starttls=False,
        mail_from="comments@news.example",
        public_url="https://comments.news.example",
    )
    ctx = c.app.state.threadline.ctx  # type: ignore[attr-defined]
    add_site(ctx, "demo", "Demo News", ["https://news.example"])
    add_site(ctx, "other", "Other News")
    return c


def _ask(client: TestClient, site: str = "demo", email: str = EMAIL) -> None:
    response = client.post(REQUESTS, json={"site": site, "email": email})
    assert_documented("POST", REQUESTS, response)
    assert response.status_code == 202
    assert response.json()["message"].startswith("If comments were given with this address")


def _path(link: str) -> str:
    parts = urlsplit(link)
    assert parts.scheme == "https" and parts.netloc == "comments.news.example"
    return f"{parts.path}?{parts.query}"


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def _token(link: str) -> str:
    return _query(link)["token"]


def test_emailed_link_downloads_once(mail_client: TestClient, smtp_inbox: Inbox) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "Signed with my address")
    _ask(mail_client, email="Philippa@Example.org")  # any spelling of the address
    [message] = smtp_inbox.wait(1)
    assert message["To"] == EMAIL and message["Subject"] == "Your data on Demo News"
    link = smtp_inbox.last_link()

    page = mail_client.get(_path(link))
    assert page.status_code == 200
    assert "philippa@example.org" in page.text and "Demo News" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert mail_client.get(_path(link)).status_code == 200  # looking does not spend it

    download = mail_client.post("/privacy", data={"token": _token(link), "action": "export"})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    data = download.json()
    assert data["identified_by"] == "email" and data["email"] == EMAIL
    assert [c["body"] for c in data["comments"]] == ["Signed with my address"]

    spent = mail_client.get(_path(link))
    assert spent.status_code == 403 and "used already" in spent.text
    twice = mail_client.post("/privacy", data={"token": _token(link), "action": "export"})
    assert twice.status_code == 403


def test_emailed_link_erases_everything_given_with_the_address(
    mail_client: TestClient, smtp_inbox: Inbox, settings: Settings
) -> None:
    app_clock(mail_client)
    first = _post_theirs(mail_client, "One")
    post(mail_client, "Answer", parent_id=first["comment"]["id"])
    _post_theirs(mail_client, "Two", thread="article-2")
    _ask(mail_client)
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    token = _token(link)

    unconfirmed = mail_client.post("/privacy", data={"token": token, "action": "erase"})
    assert unconfirmed.status_code == 400  # nothing happens without the box ticked
    done = mail_client.post("/privacy", data={"token": token, "action": "erase", "confirm": "1"})
    assert done.status_code == 200 and "2 comment(s)" in done.text

    assert find_everywhere(settings.database_url, [NAME, EMAIL]) == []
    assert page_json(mail_client)["comments"][0]["deleted"] is True
    assert page_json(mail_client, "article-2")["comments"] == []
    assert mail_client.get(_path(link)).status_code == 403


def test_erasing_with_a_copy_downloads_what_was_erased(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "Keep a copy")
    _ask(mail_client)
    smtp_inbox.wait(1)
    token = _token(smtp_inbox.last_link())
    form = {"token": token, "action": "erase", "confirm": "1", "copy": "1"}
    response = mail_client.post("/privacy", data=form)
    assert response.status_code == 200
    assert [c["body"] for c in response.json()["comments"]] == ["Keep a copy"]
    assert page_json(mail_client)["comments"] == []


def test_links_expire(mail_client: TestClient, smtp_inbox: Inbox) -> None:
    clock = app_clock(mail_client)
    _post_theirs(mail_client)
    _ask(mail_client)
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    clock.advance(minutes=59)
    assert mail_client.get(_path(link)).status_code == 200
    clock.advance(minutes=2)
    expired = mail_client.get(_path(link))
    assert expired.status_code == 403 and "expired" in expired.text
    form = {"token": _token(link), "action": "erase", "confirm": "1"}
    assert mail_client.post("/privacy", data=form).status_code == 403
    assert page_json(mail_client)["comments"][0]["author"]["name"] == NAME  # untouched


def test_a_link_is_for_one_site_and_tampering_breaks_it(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    app_clock(mail_client)
    _post_theirs(mail_client, "On demo")
    _post_theirs(mail_client, "On other", site="other")
    _ask(mail_client, site="other")
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    assert "Other News" in mail_client.get(_path(link)).text
    nonce, signature = _token(link).split(".")
    forged = f"{nonce}.{'0' * len(signature)}"
    bad = mail_client.get(f"/privacy?token={forged}")
    assert bad.status_code == 403 and "not valid" in bad.text
    assert mail_client.get("/privacy?token=nonsense").status_code == 403

    form = {"token": _token(link), "action": "erase", "confirm": "1"}
    assert mail_client.post("/privacy", data=form).status_code == 200
    # Only the other site's comment went; the demo site's is untouched.
    assert page_json(mail_client)["comments"][0]["author"]["name"] == NAME
    other = mail_client.get("/api/v1/threads", params={"site": "other", "key": "article-1"})
    assert other.json()["comments"] == []


def test_asking_never_tells_whether_the_address_is_known(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    _post_theirs(mail_client, "Only on demo")
    responses = [
        mail_client.post(REQUESTS, json={"site": site, "email": email})
        for site, email in [
            ("demo", "nobody@example.org"),
            ("other", EMAIL),  # known, but not on that site
            ("no-such-site", EMAIL),
        ]
    ]
    assert {(r.status_code, r.text) for r in responses} == {(202, responses[0].text)}
    assert smtp_inbox.wait(1, timeout=0.5) == []
    assert_error(
        mail_client.post(REQUESTS, json={"site": "demo", "email": "not-an-address"}),
        422,
        "invalid_email",
    )


def test_a_mail_server_that_is_down_is_logged(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    c = make_client(
        rate_limits=False,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_starttls=False,
        mail_from="comments@news.example",
    )
    add_site(c.app.state.threadline.ctx, "demo", "Demo News")  # type: ignore[attr-defined]
    _post_theirs(c)
    with caplog.at_level(logging.WARNING):
        response = c.post(REQUESTS, json={"site": "demo", "email": EMAIL})
    assert response.status_code == 202
    assert any(
        "privacy link could not be mailed" in r.getMessage() and r.levelname == "ERROR"
        for r in caplog.records
    ), caplog.text


def test_requests_are_rate_limited_per_network(make_client: Callable[..., TestClient]) -> None:
    c = make_client()
    add_site(c.app.state.threadline.ctx, "demo", "Demo News")  # type: ignore[attr-defined]
    answers = [
        c.post(REQUESTS, json={"site": "demo", "email": f"n{i}@example.org"}).status_code
        for i in range(6)
    ]
    assert answers == [202] * 5 + [429]


# -- in the reader's language ---------------------------------------------------------------


def _ask_in(client: TestClient, lang: object = None, **headers: str) -> str:
    """Ask for a link; the answer's message."""
    body = {"site": "demo", "email": EMAIL} | ({} if lang is None else {"lang": lang})
    validate_schema("PrivacyRequestIn", body)
    response = client.post(REQUESTS, json=body, headers=headers)
    assert_documented("POST", REQUESTS, response)
    assert response.status_code == 202, response.text
    return str(response.json()["message"])


def _html_lang(page_text: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', page_text)
    assert found, page_text
    return found.group(1)


WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "accepted": "a link to download or erase them is on its way to it.",
        "subject": "Your data on Demo News",
        "mail": ["someone (we hope you) asked", "It works once, for 60 minutes:", "ignore this"],
        "page": ["Download my data (JSON)", "Erase my data</button>", "It works <b>once</b>"],
        "unconfirmed": "Tick the box to confirm the erasure",
        "erased": "1 comment(s) on this site no longer carry anything about you.",
        "used": "This link has been used already",
    },
    "de": {
        "accepted": "ist ein Link zum Herunterladen oder Löschen an sie unterwegs.",
        "subject": "Ihre Daten bei Demo News",
        "mail": [
            "jemand (hoffentlich Sie) hat die Daten angefordert",
            "Er funktioniert ein einziges Mal, 60 Minuten lang:",
            "ignorieren Sie diese Nachricht",
            "-- Threadline, der Diskussionsdienst von Demo News",
        ],
        "page": [
            "Meine Daten herunterladen (JSON)",
            "Meine Daten löschen</button>",
            "Er funktioniert <b>ein einziges Mal</b>",
        ],
        "unconfirmed": "Setzen Sie das Häkchen",
        "erased": "1 Kommentar(e) auf dieser Website enthalten nichts mehr über Sie.",
        "used": "Dieser Link wurde bereits verwendet",
    },
    "fr": {
        "accepted": "un lien pour les télécharger ou les effacer lui est envoyé.",
        "subject": "Vos données sur Demo News",
        "mail": [
            "quelqu’un (vous, nous l’espérons) a demandé les données",
            "Il ne fonctionne qu’une fois, pendant 60 minutes :",
            "ignorez ce message",
            "-- Threadline, le service de discussion de Demo News",
        ],
        "page": [
            "Télécharger mes données (JSON)",
            "Effacer mes données</button>",
            "Il fonctionne <b>une seule fois</b>",
        ],
        "unconfirmed": "Cochez la case pour confirmer",
        "erased": "1 commentaire(s) sur ce site ne portent plus rien sur vous.",
        "used": "Ce lien a déjà été utilisé",
    },
}


@pytest.mark.parametrize(
    ("tag", "language"),
    [("de", "de"), ("fr-CH", "fr"), ("en-GB", "en"), ("es", "en"), ("x-klingon", "en")],
)
def test_the_mail_and_its_page_speak_the_readers_language(
    mail_client: TestClient, smtp_inbox: Inbox, tag: str, language: str
) -> None:
    words = WORDS[language]
    app_clock(mail_client)
    _post_theirs(mail_client, "Mine")
    # The request's own Accept-Language does not count when the widget names a language.
    answer = _ask_in(mail_client, tag, **{"Accept-Language": "fr" if language != "fr" else "de"})
    assert words["accepted"] in answer, answer
    [message] = smtp_inbox.wait(1)
    assert message["Subject"] == words["subject"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for phrase in words["mail"]:
        assert phrase in text, text
    link = smtp_inbox.last_link()
    assert _query(link)["lang"] == language  # the supported language, not the tag as given

    page = mail_client.get(_path(link))
    assert page.status_code == 200
    assert _html_lang(page.text) == language
    assert page.headers["content-language"] == language
    for phrase in words["page"]:
        assert phrase in page.text, page.text
    assert f'<input type="hidden" name="lang" value="{language}">' in page.text

    # The form's answers follow the page's language (the form sends it along).
    form = {"token": _token(link), "action": "erase", "lang": language}
    unconfirmed = mail_client.post("/privacy", data=form)
    assert unconfirmed.status_code == 400 and _html_lang(unconfirmed.text) == language
    assert words["unconfirmed"] in unconfirmed.text
    done = mail_client.post("/privacy", data=form | {"confirm": "1"})
    assert done.status_code == 200 and _html_lang(done.text) == language
    assert words["erased"] in done.text

    spent = mail_client.get(_path(link))
    assert spent.status_code == 403 and _html_lang(spent.text) == language
    assert words["used"] in spent.text


def test_without_lang_the_requests_accept_language_decides(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    _post_theirs(mail_client)
    german = _ask_in(mail_client, **{"Accept-Language": "es-ES, fr;q=0.5, de;q=0.9, *;q=0.1"})
    french = _ask_in(mail_client, "", **{"Accept-Language": "it, fr-BE;q=0.8"})  # "": not given
    english = _ask_in(mail_client)  # neither: English
    assert WORDS["de"]["accepted"] in german and WORDS["fr"]["accepted"] in french
    assert WORDS["en"]["accepted"] in english
    messages = smtp_inbox.wait(3)
    assert sorted(m["Subject"] for m in messages) == sorted(
        ["Ihre Daten bei Demo News", "Vos données sur Demo News", "Your data on Demo News"]
    )
    links = [m.get_body(("plain",)).get_content() for m in messages]  # type: ignore[union-attr]
    assert sorted(re.findall(r"&lang=(\w+)", "\n".join(links))) == ["de", "en", "fr"]


def test_a_lang_that_is_no_language_is_english_and_a_too_long_one_refused(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    _post_theirs(mail_client)
    for garbage in ("<script>", "de\x00", "-", "   "):
        _ask_in(mail_client, garbage)
    messages = smtp_inbox.wait(4)
    assert [m["Subject"] for m in messages] == ["Your data on Demo News"] * 4

    too_long = "de-" + "x" * 33  # 36 characters; a language tag has at most 35
    for lang in (too_long, 5, ["de"]):
        refused = mail_client.post(REQUESTS, json={"site": "demo", "email": EMAIL, "lang": lang})
        assert_documented("POST", REQUESTS, refused)
        error = assert_error(refused, 422, "invalid_input")
        assert "$.lang" in error["message"]
    assert smtp_inbox.wait(5, timeout=0.5) == messages  # nothing more was sent


def test_the_page_without_lang_follows_accept_language(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    _post_theirs(mail_client)
    _ask_in(mail_client, "de")
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    bare = f"/privacy?token={_token(link)}"  # as if the mail program dropped the language

    def shown(path: str, accept: str | None = None) -> str:
        page = mail_client.get(path, headers={"Accept-Language": accept} if accept else {})
        assert page.status_code == 200
        assert page.headers["vary"] == "Accept-Language"
        return _html_lang(page.text)

    assert shown(bare) == "en"
    assert shown(bare, "fr-CH, fr;q=0.9, en;q=0.8") == "fr"
    assert shown(bare, "es, de;q=0.2, fr;q=0.1") == "de"
    assert shown(bare, "fr;q=0, it") == "en"  # refused, then unsupported
    assert shown(bare, "q=;;,,") == "en"
    assert shown(_path(link), "fr") == "de"  # the link's own language wins
    assert shown(f"{bare}&lang=x-klingon", "fr") == "en"  # named, but not ours: English
    page = mail_client.get(bare, headers={"Accept-Language": "fr"})
    assert "Télécharger mes données (JSON)" in page.text
    assert '<input type="hidden" name="lang" value="fr">' in page.text


def test_the_error_page_speaks_the_links_language(
    mail_client: TestClient, smtp_inbox: Inbox
) -> None:
    clock = app_clock(mail_client)
    _post_theirs(mail_client)
    _ask_in(mail_client, "fr")
    smtp_inbox.wait(1)
    link = smtp_inbox.last_link()
    clock.advance(minutes=61)
    expired = mail_client.get(_path(link))
    assert expired.status_code == 403 and _html_lang(expired.text) == "fr"
    assert "<title>Ce lien ne peut pas être utilisé</title>" in expired.text
    assert "Ce lien a expiré ; demandez-en un nouveau." in expired.text
    form = {"token": _token(link), "action": "export", "lang": "fr"}
    refused = mail_client.post("/privacy", data=form)
    assert refused.status_code == 403 and "Ce lien a expiré" in refused.text

    invalid = mail_client.get("/privacy?token=nonsense&lang=de")
    assert invalid.status_code == 403 and _html_lang(invalid.text) == "de"
    assert "Dieser Link ist ungültig" in invalid.text
    by_browser = mail_client.get("/privacy?token=nonsense", headers={"Accept-Language": "de"})
    assert "Dieser Link kann nicht verwendet werden" in by_browser.text
    english = mail_client.get("/privacy?token=nonsense")
    assert _html_lang(english.text) == "en" and "This link is not valid" in english.text


# -- a reader signed in with the publisher's account (docs/sign-in.md) ---------------------------

ACCOUNT_EMAIL = "ada@example.com"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    """Sign-in turned on for 'demo' and for a second site, 'other'."""
    app_clock(client)
    add_site(_ctx(client), "other", "Other News")
    for slug in ("demo", "other"):
        reader_sign_in.new_reader_secret(_ctx(client), slug, reader_sign_in.COMMAND_LINE)
    return client


def _account(client: TestClient, sub: str = "acct-1", site: str = "demo", **kw: Any) -> str:
    name = "Ada Lovelace" if sub == "acct-1" else f"Reader {sub}"
    return reader_sign_in.mint_reader_token(_ctx(client), site, sub, name, **kw)


def _as(token: str) -> dict[str, str]:
    return {"Threadline-Reader": token}


def _post_as(client: TestClient, token: str, body: str, **fields: Any) -> dict[str, Any]:
    payload = {"site": "demo", "thread": "article-1", "body": body} | fields
    response = client.post("/api/v1/comments", json=payload, headers=_as(token))
    assert response.status_code == 201, response.text
    posted: dict[str, Any] = response.json()
    return posted


def _post_as_raw(client: TestClient, token: str, body: str) -> Any:
    """A write as the account, whatever its answer (on a thread of its own)."""
    payload = {"site": "demo", "thread": "article-3", "body": body}
    return client.post("/api/v1/comments", json=payload, headers=_as(token))


def test_a_signed_in_reader_downloads_their_accounts_comments_from_another_device(
    signed_in: TestClient,
) -> None:
    client = signed_in
    ada = _account(client, email=ACCOUNT_EMAIL)
    first = _post_as(client, ada, "On the first article")
    second = _post_as(client, ada, "On the second article", thread="article-2")
    _post_as(client, _account(client, "acct-2"), "Another account's")
    _post_as(client, _account(client, site="other"), "Same account, other site", site="other")
    post(client, "Typed, not signed in", author={"name": "Ada Lovelace"})

    # Another device: no edit tokens, no voter id, only the sign-in.
    got = client.post(EXPORT, json={"site": "demo"}, headers=_as(ada))
    assert_documented("POST", EXPORT, got)
    assert got.status_code == 200, got.text
    data = got.json()["data"]
    assert [c["id"] for c in data["comments"]] == [first["comment"]["id"], second["comment"]["id"]]
    assert [c["thread"]["key"] for c in data["comments"]] == ["article-1", "article-2"]
    assert (data["identified_by"], data["reader_account"]) == ("reader_account", "acct-1")
    assert data["emails"] == [ACCOUNT_EMAIL]

    # Without the sign-in the same request proves nothing, as before.
    anonymous = client.post(EXPORT, json={"site": "demo"}).json()["data"]
    assert anonymous["comments"] == [] and anonymous["identified_by"] == "edit_tokens"
    assert anonymous["reader_account"] is None


def test_erasing_by_account_removes_its_comments_and_lifts_its_ban(
    signed_in: TestClient,
) -> None:
    client = signed_in
    ctx = _ctx(client)
    ada = _account(client)
    first = _post_as(client, ada, "Rude words")
    reply = post(client, "Please be civil", parent_id=first["comment"]["id"])
    _post_as(client, ada, "More rude words", thread="article-2")
    elsewhere = _post_as(client, _account(client, site="other"), "Kept", site="other")
    ctx.passwords = fast_passwords()
    admin = accounts.create_admin(ctx, "boss@example.com", "Boss", "correct horse battery")
    moderation.ban_author(ctx, admin, first["comment"]["id"], "Abuse")
    assert_error(_post_as_raw(client, ada, "Banned?"), 403, "author_banned")
    etags = [thread_page(client, key).headers["etag"] for key in ("article-1", "article-2")]

    erased = client.post(ERASE, json={"site": "demo"}, headers=_as(ada))
    assert_documented("POST", ERASE, erased)
    report = erased.json()["erased"]
    assert (report["comments_removed"], report["bans_lifted"]) == (2, 1)

    # Both threads moved on (no stale cache); the reply stays under a placeholder.
    after = [thread_page(client, key) for key in ("article-1", "article-2")]
    assert etags[0] != after[0].headers["etag"] and etags[1] != after[1].headers["etag"]
    shown = after[0].json()["comments"]
    assert shown[0]["deleted"] is True and shown[1]["id"] == reply["comment"]["id"]
    assert after[1].json()["comments"] == []
    # The account may comment again; the other site's comment is untouched.
    assert _post_as_raw(client, ada, "Sorry.").status_code == 201
    other = client.get("/api/v1/threads", params={"site": "other", "key": "article-1"})
    assert [c["id"] for c in other.json()["comments"]] == [elsewhere["comment"]["id"]]


def test_a_reader_token_and_edit_tokens_count_each_comment_once(signed_in: TestClient) -> None:
    client = signed_in
    ada = _account(client)
    signed = _post_as(client, ada, "Signed in")
    typed = post(client, "Typed before signing in", author={"name": "Ada"})
    body = {"site": "demo", "comments": _tokens(signed, typed), "reader": READER}
    validate_schema("PrivacyTokensIn", body)

    data = client.post(EXPORT, json=body, headers=_as(ada)).json()["data"]
    assert [c["id"] for c in data["comments"]] == [signed["comment"]["id"], typed["comment"]["id"]]

    erased = client.post(ERASE, json=body, headers=_as(ada)).json()
    assert erased["erased"]["comments_removed"] == 2 and erased["unmatched"] == []


@pytest.mark.parametrize("path", [EXPORT, ERASE])
def test_a_sign_in_that_cannot_be_verified_is_refused_with_401(
    signed_in: TestClient, path: str
) -> None:
    client = signed_in
    clock = app_clock(client)
    ada = _account(client, lifetime=timedelta(minutes=5))
    mine = _post_as(client, ada, "Still mine")
    forged = sign_reader_token(
        "x" * 43, "demo", "acct-1", "Ada", None, clock.now + timedelta(hours=1), clock.now
    )
    for token in (forged, "not-a-token", _account(client, site="other")):
        assert_error(
            client.post(path, json={"site": "demo"}, headers=_as(token)),
            401,
            "reader_token_invalid",
        )
    clock.advance(minutes=10)
    expired = assert_error(
        client.post(path, json={"site": "demo"}, headers=_as(ada)), 401, "reader_token_expired"
    )
    assert expired["message"] == "Your sign-in has expired. Please sign in again."
    assert page_json(client)["comments"][0]["id"] == mine["comment"]["id"]  # untouched


def test_the_openapi_document_describes_the_sign_in_of_privacy_requests() -> None:
    for path in (EXPORT, ERASE):
        op = operation("post", path)
        headers = [p for p in op.get("parameters", []) if p["in"] == "header"]
        assert [(p["name"], p["required"]) for p in headers] == [("Threadline-Reader", False)]
        assert "401" in op["responses"]
