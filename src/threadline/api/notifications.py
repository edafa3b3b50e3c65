"""/notifications/unsubscribe: the page a reply notification's unsubscribe link opens.

GET shows whom the link names and a button (it changes nothing: mail scanners follow
links); POST turns reply notifications off for every comment of that address on the site.
A forged or damaged link gets an error page (403). The words are the link's language
(`&lang=`, as the mail wrote it), else Accept-Language, else English
(service/reply_texts.py).
"""

from __future__ import annotations

from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from threadline.api.link_pages import page, read_form
from threadline.api.negotiation import reader_language
from threadline.api.state import api_state
from threadline.domain.errors import ThreadlineError
from threadline.service import reply_notifications, reply_texts
from threadline.service.reply_texts import ReplyTexts

PATH = reply_notifications.UNSUBSCRIBE_PATH


def _texts(request: Request, given: str | None) -> ReplyTexts:
    return reply_texts.texts(reader_language(given, request.headers.get("accept-language")))


def _refused(words: ReplyTexts) -> HTMLResponse:
    return page(
        words.language, words.refused_title, f'<p role="alert">{escape(words.refused)}</p>', 403
    )


async def unsubscribe_page(request: Request) -> Response:
    api = api_state(request)
    token = request.query_params.get("token", "")
    words = _texts(request, request.query_params.get("lang"))
    try:
        who = await run_in_threadpool(reply_notifications.open_unsubscribe, api.ctx, token)
    except ThreadlineError:
        return _refused(words)
    question = words.confirm.format(site=who.site.name, email=who.email)
    body = (
        f"<p>{escape(question)}</p>"
        f'<form method="post" action="{PATH}">'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">'
        f'<input type="hidden" name="lang" value="{words.language}">'
        f'<button type="submit">{escape(words.button)}</button></form>'
    )
    return page(words.language, words.title.format(site=who.site.name), body)


async def unsubscribe_action(request: Request) -> Response:
    api = api_state(request)
    form = await read_form(request)
    words = _texts(request, form.get("lang") or request.query_params.get("lang"))
    try:
        who, _ = await run_in_threadpool(
            reply_notifications.unsubscribe, api.ctx, form.get("token", "")
        )
    except ThreadlineError:
        return _refused(words)
    done = words.done.format(site=who.site.name, email=who.email)
    return page(words.language, words.done_title, f'<p role="status">{escape(done)}</p>')


def page_routes() -> list[Route]:
    return [
        Route(PATH, unsubscribe_page, methods=["GET"]),
        Route(PATH, unsubscribe_action, methods=["POST"]),
    ]
