"""What the small pages opened from mailed links share (api/privacy.py's data page,
api/notifications.py's unsubscribe page): a strict page shell in the reader's language and a
bounded form reader."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse

MAX_FORM_BYTES = 4096
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the page's address holds the link's token
    "Cache-Control": "no-store",
}


def page(language: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    """A page with `body` (HTML, escaped by the caller) under an `<h1>` of `title`."""
    text = (
        "<!doctype html>\n"
        f'<html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    headers = {**PAGE_HEADERS, "Content-Language": language, "Vary": "Accept-Language"}
    return HTMLResponse(text, status_code=status, headers=headers)


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's fields (first value each), reading at most MAX_FORM_BYTES."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            break
    fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
    return {k: v[0] for k, v in fields.items()}
