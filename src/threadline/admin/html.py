"""The dashboard's pages as HTML text. Everything from the database is escaped here, except
a comment's `html`, which the one sanitizer produced when the comment was written.

No inline script or style: the pages load admin.css and admin.js from /admin/assets/, under a
Content-Security-Policy that allows nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from urllib.parse import urlencode

from threadline.domain.models import Comment
from threadline.domain.moderation import Actor, AuditEntry, Queue, QueueItem

REJECT_REASONS = (
    "Abusive or hateful",
    "Spam or advertising",
    "Off topic",
    "Misinformation",
    "Personal information",
    "Other",
)
BAN_DAYS = (("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("", "Permanently"))


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def time_html(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return f'<time datetime="{moment.isoformat()}">{moment:%Y-%m-%d %H:%M} UTC</time>'


_PRIVACY_LINK = '<li><a href="/admin/privacy">Privacy</a></li>'  # admins only


def page(title: str, body: str, actor: Actor | None = None, csrf: str = "") -> str:
    nav = ""
    if actor is not None:
        links = "".join(
            f'<li><a href="/admin/queue/{q.value}">{q.value.title()}</a></li>' for q in Queue
        )
        nav = (
            f'<nav aria-label="Dashboard"><ul>{links}'
            '<li><a href="/admin/audit">Audit log</a></li>'
            '<li><a href="/admin/sites">Sites</a></li>'
            '<li><a href="/admin/alerts">My alerts</a></li>'
            f"{_PRIVACY_LINK if actor.is_admin else ''}</ul>"
            f'<form method="post" action="/admin/logout" class="inline">{csrf_input(csrf)}'
            f'<span class="who">{esc(actor.user.display_name)}</span> '
            '<button type="submit">Sign out</button></form>'
            '<form method="post" action="/admin/logout-everywhere" class="inline">'
            f"{csrf_input(csrf)}"
            '<button type="submit">Sign out everywhere</button></form></nav>'
        )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · Threadline</title>"
        '<link rel="icon" href="/admin/assets/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/admin/assets/admin.css">'
        '<script src="/admin/assets/admin.js" defer></script></head>'
        f"<body><header><h1>{esc(title)}</h1>{nav}</header><main>{body}</main></body></html>"
    )


def csrf_input(token: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{esc(token)}">'


def notice(message: str | None, error: bool = False) -> str:
    if not message:
        return ""
    role = "alert" if error else "status"
    return f'<p class="notice{" error" if error else ""}" role="{role}">{esc(message)}</p>'


def login_page(login_token: str, message: str | None = None) -> str:
    body = (
        f"{notice(message, error=True)}"
        '<form method="post" action="/admin/login" class="login">'
        f'<input type="hidden" name="login_token" value="{esc(login_token)}">'
        '<label>Email <input type="email" name="email" autocomplete="username" required '
        "autofocus></label>"
        '<label>Password <input type="password" name="password" '
        'autocomplete="current-password" required></label>'
        '<button type="submit">Sign in</button></form>'
    )
    return page("Sign in", body)


def _comment_block(c: Comment, label: str) -> str:
    author = esc(c.author.name) if not c.deleted else "(deleted)"
    return (
        f'<blockquote class="{label}"><p class="meta">{author} · {time_html(c.created_at)}</p>'
        f"{c.html}</blockquote>"
    )


def _action_form(csrf: str, back: str, action: str, ids: Iterable[int], inner: str) -> str:
    hidden = "".join(f'<input type="hidden" name="id" value="{i}">' for i in ids)
    return (
        f'<form method="post" action="/admin/act" class="action {action}">{csrf_input(csrf)}'
        f'<input type="hidden" name="back" value="{esc(back)}">'
        f'<input type="hidden" name="action" value="{action}">{hidden}{inner}</form>'
    )


def _reason_select(name: str = "reason") -> str:
    options = "".join(f"<option>{esc(r)}</option>" for r in REJECT_REASONS)
    return f'<label>Reason <select name="{name}" data-key="r">{options}</select></label>'


def card(item: QueueItem, csrf: str, back: str) -> str:
    c, m, h = item.comment, item.moderation, item.history
    reasons = "".join(f"<li>{esc(r)}</li>" for r in m.reasons) or "<li>No reasons recorded.</li>"
    signals = "".join(
        f"<li><b>{esc(s.get('scorer', '?'))}</b> {float(s.get('score', 0)):.2f}: "
        f"{esc(s.get('reason', ''))}</li>"
        for s in m.signals
        if float(s.get("score", 0)) > 0
    )
    unreviewed = max(0, m.flag_count - m.reviewed_flag_count)
    flags = f" · {unreviewed} new flag(s)" if unreviewed else ""
    title = esc(item.thread_title or item.thread_key)
    email = f" &lt;{esc(c.author.email)}&gt;" if c.author.email else ""
    # Signed in with the publisher's account: bans and history follow the account.
    account = (
        f' <span class="signed-in">signed in: account <code>{esc(c.reader_id)}</code></span>'
        if c.reader_id is not None
        else ""
    )
    parent = _comment_block(item.parent, "parent") if item.parent else ""
    one = [c.id]
    actions = (
        _action_form(
            csrf, back, "approve", one, '<button type="submit" data-key="a">Approve</button>'
        )
        + _action_form(
            csrf, back, "reject", one, _reason_select() + '<button type="submit">Reject</button>'
        )
        + _action_form(
            csrf,
            back,
            "unfeature" if m.featured else "feature",
            one,
            f'<button type="submit">{"Unfeature" if m.featured else "Feature"}</button>',
        )
        + _action_form(
            csrf,
            back,
            "ban",
            one,
            '<label>Ban <select name="days">'
            + "".join(f'<option value="{v}">{t}</option>' for v, t in BAN_DAYS)
            + "</select></label>"
            '<label><input type="checkbox" name="reject_comments" value="1"> '
            "and reject their comments</label>"
            '<input type="hidden" name="reason" value="Banned from the dashboard">'
            '<button type="submit">Ban author</button>',
        )
    )
    return (
        f'<article class="card status-{c.status.value}" tabindex="-1" data-id="{c.id}">'
        f'<header><label class="pick"><input type="checkbox" name="id" value="{c.id}" '
        f'form="bulk"> #{c.id}</label> <b>{esc(c.author.name)}</b>{email}{account} on '
        f'<i>{title}</i> ({esc(item.site_slug)}) · <a href="/admin/threads/{c.thread_id}" '
        f'class="thread-tools">Thread tools</a> · {time_html(c.created_at)} · '
        f'<span class="status">{c.status.value}</span>{flags}'
        f"{' · Editor’s pick' if m.featured else ''}</header>"
        f"{parent}{_comment_block(c, 'comment')}"
        f'<p class="history">Author: {h.approved} approved, {h.rejected} rejected, '
        f"{h.pending} waiting; first seen {time_html(h.first_seen)}</p>"
        f'<details open><summary>Why</summary><ul class="reasons">{reasons}</ul>'
        f'<ul class="signals">{signals}</ul></details>'
        f'<div class="actions">{actions}</div></article>'
    )


def queue_page(
    actor: Actor,
    csrf: str,
    which: Queue,
    items: list[QueueItem],
    filters: dict[str, str],
    back: str,
    message: str | None,
    error: bool,
    next_before: int | None,
) -> str:
    fields = "".join(
        f'<label>{label} <input name="{name}" value="{esc(filters.get(name, ""))}"></label>'
        for name, label in (
            ("site", "Site"),
            ("thread", "Thread"),
            ("author", "Author"),
            ("text", "Text"),
        )
    )
    search = (
        f'<form method="get" action="/admin/queue/{which.value}" class="filters">{fields}'
        '<button type="submit">Filter</button></form>'
    )
    bulk = (
        f'<form method="post" action="/admin/act" id="bulk" class="bulk">{csrf_input(csrf)}'
        f'<input type="hidden" name="back" value="{esc(back)}">'
        '<label>Selected: <select name="action"><option value="approve">Approve</option>'
        '<option value="reject">Reject</option></select></label>'
        f'{_reason_select()}<button type="submit">Apply to selected</button></form>'
    )
    cards = "".join(card(i, csrf, back) for i in items) or '<p class="empty">Nothing here.</p>'
    more = ""
    if next_before:
        query = urlencode({**filters, "before": next_before})
        more = f'<p><a href="/admin/queue/{which.value}?{query}">Older</a></p>'
    help_ = (
        '<p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>a</kbd> approve, '
        "<kbd>r</kbd> reject (choose a reason, then Enter), <kbd>x</kbd> select.</p>"
    )
    cards = f'<section class="cards">{cards}</section>'
    tools = ""
    if filters.get("site") and filters.get("thread"):
        where = urlencode({"site": filters["site"], "key": filters["thread"]})
        tools = (
            f'<p class="thread-link"><a href="/admin/thread?{esc(where)}">Thread tools</a>: '
            "close, reopen, pre-moderate this thread.</p>"
        )
    body = f"{notice(message, error)}{search}{tools}{help_}{bulk}{cards}{more}"
    return page(f"{which.value.title()} comments", body, actor, csrf)


def audit_page(actor: Actor, csrf: str, entries: list[AuditEntry], filters: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{time_html(e.at)}</td><td>{esc(e.actor_name)}</td><td>{esc(e.action)}</td>"
        f"<td>{esc(e.target_type)} {esc(e.target_id)}</td><td>{esc(e.before)}</td>"
        f"<td>{esc(e.after)}</td><td>{esc(e.reason)}</td></tr>"
        for e in entries
    )
    fields = "".join(
        f'<label>{label} <input name="{name}" value="{esc(filters.get(name, ""))}"></label>'
        for name, label in (("site", "Site"), ("action", "Action"), ("target", "Target id"))
    )
    query = urlencode({k: v for k, v in filters.items() if v})
    body = (
        f'<form method="get" action="/admin/audit" class="filters">{fields}'
        '<button type="submit">Search</button></form>'
        f'<p>Export: <a href="/admin/audit?{query}&amp;format=csv">CSV</a> · '
        f'<a href="/admin/audit?{query}&amp;format=jsonl">JSON lines</a></p>'
        "<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th>"
        f"<th>Before</th><th>After</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("Audit log", body, actor, csrf)
