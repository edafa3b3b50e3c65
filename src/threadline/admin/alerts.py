"""/admin/alerts — "My alerts": a moderator (or admin) chooses, per site they moderate, how
often they are mailed about comments waiting for the desk (service/desk_alerts.py).

Handlers stay thin like views.py's: read the form → one service call → redirect
(POST/redirect/GET) with what was done or why not.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from threadline.admin import html
from threadline.admin.html import csrf_input, esc
from threadline.admin.web import (
    admin_state,
    form_poster,
    form_value,
    html_page,
    in_thread,
    read_form,
    see_other,
    signed_in,
    with_query,
)
from threadline.config import Settings
from threadline.domain.errors import AuthRequired, ThreadlineError
from threadline.notify.mail import MailSettings
from threadline.service import desk_alerts
from threadline.service.desk_alerts import AlertSchedule, Every, SiteAlert

PATH = "/admin/alerts"
CHOICES = (
    (Every.OFF, "Off"),
    (Every.IMMEDIATE, "As they come"),
    (Every.HOURLY, "Hourly digest"),
    (Every.DAILY, "Daily digest"),
)


def _settings(request: Request) -> Settings:
    return request.app.state.threadline.settings  # type: ignore[no-any-return]  # app.py's


def _schedule(request: Request) -> AlertSchedule:
    settings = _settings(request)
    return AlertSchedule(settings.desk_alert_batch_minutes, settings.desk_alert_daily_hour)


NO_MAIL_SERVER = (
    '<p class="notice error" role="status">No mail server is configured on this server '
    "(<code>smtp_host</code> and <code>mail_from</code>): your choices are kept, but no alert "
    "is sent until an administrator sets one up.</p>"
)


def _site_form(csrf: str, alert: SiteAlert) -> str:
    options = "".join(
        f'<option value="{value.value}"{" selected" if value is alert.every else ""}>'
        f"{label}</option>"
        for value, label in CHOICES
    )
    return (
        f'<form method="post" action="{PATH}" class="alerts">{csrf_input(csrf)}'
        f'<input type="hidden" name="site" value="{esc(alert.site.slug)}">'
        f"<label>{esc(alert.site.name)} <small>({esc(alert.site.slug)})</small> "
        f'<select name="every">{options}</select></label>'
        '<button type="submit">Save</button></form>'
    )


def alerts_body(
    csrf: str,
    alerts: list[SiteAlert],
    batch_minutes: int,
    message: str | None,
    error: bool,
    mail_configured: bool = True,
) -> str:
    if not alerts:
        forms = '<p class="empty">You moderate no site: alerts are for moderators.</p>'
    else:
        forms = "".join(_site_form(csrf, a) for a in alerts)
    return (
        f"{html.notice(message, error)}"
        f"{'' if mail_configured else NO_MAIL_SERVER}"
        "<p>Get a mail when comments wait for you: newly held for review or reported by "
        "readers, with a link to each in its queue. Nothing is sent when nothing is new. "
        f"<b>As they come</b>: at most one mail every {batch_minutes} minutes; the digests "
        "come once an hour or once a day.</p>"
        f"{forms}"
    )


async def alerts_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    alerts = await in_thread(desk_alerts.alert_sites, admin_state(request).ctx, auth.actor)
    params = request.query_params
    body = alerts_body(
        auth.csrf_token,
        alerts,
        _schedule(request).batch_minutes,
        params.get("done") or params.get("error"),
        "error" in params,
        MailSettings.from_settings(_settings(request)).configured,
    )
    return html_page(html.page("My alerts", body, auth.actor, auth.csrf_token))


async def alerts_submit(request: Request) -> Response:
    form = await read_form(request)
    auth = await form_poster(request, form, PATH)
    if isinstance(auth, Response):
        return auth
    site = form_value(form, "site")
    try:
        chosen = await in_thread(
            desk_alerts.set_alert,
            admin_state(request).ctx,
            auth.actor,
            site,
            form_value(form, "every"),
            _schedule(request),
        )
    except ThreadlineError as exc:
        return see_other(with_query(PATH, "error", exc.message))
    label = dict(CHOICES)[chosen]
    return see_other(with_query(PATH, "done", f"Alerts for {site}: {label.lower()}."))


def alert_routes() -> list[BaseRoute]:
    return [
        Route(PATH, alerts_page, methods=["GET"]),
        Route(PATH, alerts_submit, methods=["POST"]),
    ]
