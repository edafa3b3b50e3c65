"""Readers' data rights over HTTP (docs/privacy.md).

- /api/v1/privacy/export and /erase: the widget proves a reader by the edit tokens it kept
  and their voter id, and a signed-in reader by the `Threadline-Reader` token (their
  account's comments from any device);
- /api/v1/privacy/requests: a link to the email a reader gave (always 202, mailed after the
  answer, only when there is something to send);
- /privacy: the page that link opens (GET changes nothing) and its form (POST: download or
  erase, which spends the link).

The mail, the page, its answers and its errors speak the reader's language
(service/privacy_texts.py): the request's `lang`, carried by the link as `&lang=`; without
it, the first supported language of Accept-Language; else English.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Annotated

import msgspec
from msgspec import Meta, Struct
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from threadline.api.link_pages import PAGE_HEADERS, page, read_form
from threadline.api.negotiation import reader_language
from threadline.api.request import client_info, read_json, reader_token
from threadline.api.schemas import encoder
from threadline.api.state import api_state, json_response
from threadline.domain.errors import ThreadlineError
from threadline.notify.mail import Mailer, MailSettings
from threadline.service import privacy as privacy_service
from threadline.service import privacy_links, privacy_texts
from threadline.service.privacy import ErasureReport, PersonalData
from threadline.service.privacy_texts import LinkTexts


class OwnedTokenIn(Struct, forbid_unknown_fields=True):
    id: Annotated[int, Meta(ge=1, le=2**53, description="A comment id")]
    token: Annotated[str, Meta(max_length=200, description="Its edit token")]


class PrivacyTokensIn(Struct, forbid_unknown_fields=True):
    site: Annotated[str, Meta(description="The site's slug")]
    comments: Annotated[
        list[OwnedTokenIn],
        Meta(
            max_length=privacy_service.MAX_TOKENS,
            description="The reader's comments and the edit tokens the widget kept for them",
        ),
    ] = []
    reader: Annotated[
        str | None,
        Meta(description="The widget's voter id: adds the votes and reports it made"),
    ] = None


class PersonalDataOut(Struct):
    data: PersonalData
    unmatched: Annotated[
        list[int], Meta(description="Comment ids whose token did not match (already erased?)")
    ]


class ErasureOut(Struct):
    erased: ErasureReport
    unmatched: list[int]


class PrivacyRequestIn(Struct, forbid_unknown_fields=True):
    site: Annotated[str, Meta(description="The site's slug")]
    email: Annotated[str, Meta(description="The address given with the comments")]
    lang: Annotated[
        Annotated[str, Meta(max_length=privacy_texts.MAX_TAG_LENGTH)] | None,
        Meta(
            description="The reader's language, a tag such as de, fr-CH or en-GB: its primary "
            "subtag chooses the mail's and the link page's language among en, de and fr; any "
            "other tag means English. Without it, the request's Accept-Language decides"
        ),
    ] = None


class PrivacyRequestOut(Struct):
    message: str


def _tokens(data: PrivacyTokensIn) -> list[tuple[int, str]]:
    return [(c.id, c.token) for c in data.comments]


async def export(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, PrivacyTokensIn, api.settings.max_request_bytes)
    found, unmatched = await run_in_threadpool(
        privacy_service.export_by_tokens,
        api.ctx,
        data.site,
        _tokens(data),
        data.reader,
        client_info(request, api.addresses),
        reader_token(request),
    )
    return json_response(PersonalDataOut(found, unmatched), headers={"Cache-Control": "no-store"})


async def erase(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, PrivacyTokensIn, api.settings.max_request_bytes)
    report, unmatched = await run_in_threadpool(
        privacy_service.erase_by_tokens,
        api.ctx,
        data.site,
        _tokens(data),
        data.reader,
        client_info(request, api.addresses),
        reader_token(request),
    )
    return json_response(ErasureOut(report, unmatched))


async def request_link(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, PrivacyRequestIn, api.settings.max_request_bytes)
    settings = api.settings
    language = reader_language(data.lang, request.headers.get("accept-language"))
    accepted = await run_in_threadpool(
        privacy_links.accept_request,
        api.ctx,
        data.site,
        data.email,
        client_info(request, api.addresses),
        base_url=settings.public_url or str(request.base_url),
        lifetime=timedelta(minutes=max(1, settings.privacy_link_minutes)),
        language=language,
    )
    # Looked up and mailed after the answer, so neither the answer nor its timing says
    # whether the address is known here.
    mailer = Mailer(MailSettings.from_settings(settings))
    task = BackgroundTask(privacy_links.answer, api.ctx, mailer, accepted)
    return Response(
        encoder.encode(PrivacyRequestOut(privacy_texts.texts(language).accepted)),
        status_code=202,
        media_type="application/json",
        background=task,
    )


# -- the page a mailed link opens ---------------------------------------------------------


def _texts(request: Request, given: str | None) -> LinkTexts:
    return privacy_texts.texts(reader_language(given, request.headers.get("accept-language")))


def _refused(words: LinkTexts, exc: ThreadlineError) -> HTMLResponse:
    status = 403 if exc.code.startswith("link_") else 400
    message = words.error(exc.code, exc.message)
    return page(
        words.language, words.refused_title, f'<p role="alert">{escape(message)}</p>', status
    )


def _html(template: str, **markup: str) -> str:
    """A text with placeholders as HTML: the text escaped, the placeholders' markup not."""
    return escape(template).format(**markup)


async def link_page(request: Request) -> Response:
    api = api_state(request)
    token = request.query_params.get("token", "")
    words = _texts(request, request.query_params.get("lang"))
    try:
        grant = await run_in_threadpool(privacy_links.open_link, api.ctx, token)
    except ThreadlineError as exc:
        return _refused(words, exc)
    t = escape(token, quote=True)
    hidden = (
        f'<input type="hidden" name="token" value="{t}">'
        f'<input type="hidden" name="lang" value="{words.language}">'
    )
    until = (
        f'<time datetime="{grant.expires_at.isoformat()}">'
        f"{grant.expires_at:%Y-%m-%d %H:%M} UTC</time>"
    )
    intro = _html(
        words.intro,
        site=f"<b>{escape(grant.site.name)}</b>",
        email=f"<b>{escape(grant.email)}</b>",
        once=f"<b>{escape(words.once)}</b>",
        until=until,
    )
    body = (
        f"<p>{intro}</p>"
        '<form method="post" action="/privacy">'
        f'{hidden}<input type="hidden" name="action" value="export">'
        f'<button type="submit">{escape(words.download)}</button></form>'
        '<form method="post" action="/privacy">'
        f'{hidden}<input type="hidden" name="action" value="erase">'
        f"<p>{escape(words.erase_note)}</p>"
        '<p><label><input type="checkbox" name="confirm" value="1" required> '
        f"{escape(words.confirm)}</label></p>"
        '<p><label><input type="checkbox" name="copy" value="1"> '
        f"{escape(words.copy)}</label></p>"
        f'<button type="submit">{escape(words.erase)}</button></form>'
    )
    return page(words.language, words.title.format(site=grant.site.name), body)


def _download(data: PersonalData) -> Response:
    return Response(
        msgspec.json.format(msgspec.json.encode(data)),
        media_type="application/json",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="threadline-{data.site}-data.json"',
        },
    )


async def link_action(request: Request) -> Response:
    api = api_state(request)
    form = await read_form(request)
    token, action = form.get("token", ""), form.get("action", "")
    words = _texts(request, form.get("lang") or request.query_params.get("lang"))
    try:
        if action == "export":
            data = await run_in_threadpool(privacy_links.export_by_link, api.ctx, token)
            return _download(data)
        if action != "erase" or form.get("confirm") != "1":
            return page(
                words.language,
                words.unconfirmed_title,
                f'<p role="alert">{escape(words.unconfirmed)}</p>',
                400,
            )
        report, copy = await run_in_threadpool(privacy_links.erase_by_link, api.ctx, token)
    except ThreadlineError as exc:
        return _refused(words, exc)
    if form.get("copy") == "1":
        return _download(copy)
    removed = report.comments_removed + report.comments_anonymized
    return page(
        words.language,
        words.erased_title,
        f'<p role="status">{escape(words.erased.format(n=removed))}</p>',
    )


def link_page_routes() -> list[Route]:
    return [
        Route(privacy_links.LINK_PATH, link_page, methods=["GET"]),
        Route(privacy_links.LINK_PATH, link_action, methods=["POST"]),
    ]
