"""The dashboard's pages for a site's rules and for a thread's tools, as HTML text: the sites
one keeps, a site's settings and word lists, its bans in force, and one thread's tools.

Everything from the database or the form is escaped here. Forms post with the session's
CSRF token; errors are shown beside the field they are about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from urllib.parse import quote, urlencode

from threadline.admin.html import csrf_input, esc, notice, page, time_html
from threadline.domain.models import Site, SiteSettings
from threadline.domain.moderation import Actor
from threadline.service.moderation import ThreadState
from threadline.service.site_rules import BanListing, SiteRules

# Each setting's label and what it does, by group; a field missing here (a new one) is still
# shown, under "Other", with its name as the label.
GROUPS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Pre-moderation",
        (
            ("premoderation", "Pre-moderate every comment", "Every new comment waits for review."),
            ("premoderate_links", "Pre-moderate comments with links", ""),
            (
                "premoderate_new_authors",
                "Pre-moderate the first N comments of new authors",
                "0 turns this off.",
            ),
        ),
    ),
    (
        "Automatic moderation",
        (
            ("automoderation", "Score every comment", "Off: only pre-moderation applies."),
            (
                "toxicity_hold",
                "Hold at toxicity",
                "0 to 1; comments scoring this or more wait for review.",
            ),
            (
                "toxicity_nudge",
                "Civility nudge at toxicity",
                "0 to 1; the author is asked to reconsider first.",
            ),
            ("spam_hold", "Hold at spam score", "0 to 1."),
            ("flags_to_hold", "Reader flags that hold a comment", "At least 1."),
            ("reject_banned_words", "Reject comments with a banned word", ""),
            ("hold_suspect_words", "Hold comments with a suspect word", ""),
        ),
    ),
    (
        "Threads",
        (
            (
                "auto_close_days",
                "Close threads after N days",
                "Counted from a thread's start; 0: never.",
            ),
            ("keep_url_query", "Keep the query string of URL thread keys", ""),
            ("page_size", "Comments per page", "At least 1."),
        ),
    ),
    (
        "Readers",
        (
            (
                "sign_in_required",
                "Only signed-in readers take part",
                "Readers sign in with your site's own accounts (docs/sign-in.md); others can "
                "read but not comment, vote or report. Needs the site's sign-in secret.",
            ),
        ),
    ),
    (
        "Limits",
        (
            (
                "edit_window_seconds",
                "Edit window (seconds)",
                "How long authors may edit or delete their comment.",
            ),
            ("max_comment_length", "Longest comment (characters)", ""),
            ("comments_per_minute_per_ip", "Comments a minute per network", "0: no limit."),
            ("comments_per_minute_per_author", "Comments a minute per author", "0: no limit."),
            ("votes_per_minute_per_ip", "Votes a minute per network", "0: no limit."),
        ),
    ),
)


def site_path(site: Site | str, tail: str = "") -> str:
    slug = site if isinstance(site, str) else site.slug
    return f"/admin/sites/{quote(slug, safe='')}{tail}"


def _site_links(site: Site) -> str:
    slug = esc(site.slug)
    return (
        f'<p class="site-links"><a href="{site_path(site, "/settings")}">Settings</a> · '
        f'<a href="{site_path(site, "/bans")}">Bans</a> · '
        f'<a href="/admin/queue/pending?site={slug}">Pending</a> · '
        f'<a href="/admin/audit?site={slug}">Audit log</a></p>'
    )


def sites_page(actor: Actor, csrf: str, sites: list[Site]) -> str:
    rows = "".join(
        f"<tr><td><b>{esc(s.name)}</b> ({esc(s.slug)})</td><td>{_site_links(s)}</td></tr>"
        for s in sites
    )
    body = (
        "<table><thead><tr><th>Site</th><th>Its rules</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if sites
        else '<p class="empty">You keep no sites.</p>'
    )
    return page("Sites", body, actor, csrf)


def _input(name: str, kind: object, value: str, disabled: bool, described: str) -> str:
    off = " disabled" if disabled else ""
    if kind is bool:
        # Unchecked boxes send nothing: the hidden "off" before the box says it was shown.
        checked = " checked" if value == "on" else ""
        return (
            f'<input type="hidden" name="{name}" value="off"{off}>'
            f'<input type="checkbox" id="s-{name}" name="{name}" value="on"{checked}{off}'
            f"{described}>"
        )
    step = ' step="0.01" min="0" max="1"' if kind is float else ' step="1" min="0"'
    return (
        f'<input type="number" id="s-{name}" name="{name}" value="{esc(value)}"{step}'
        f' inputmode="decimal"{off}{described}>'
    )


def _setting_rows(values: Mapping[str, str], errors: Mapping[str, str], disabled: bool) -> str:
    kinds = {f.name: type(getattr(SiteSettings(), f.name)) for f in fields(SiteSettings)}
    known = {name for _, items in GROUPS for name, _, _ in items}
    other = tuple((n, n.replace("_", " ").capitalize(), "") for n in kinds if n not in known)
    out = []
    for title, items in (*GROUPS, ("Other", other)):
        rows = []
        for name, label, help_ in items:
            if name not in kinds:
                continue
            error = errors.get(name)
            ids = " ".join(
                i for i in (f"h-{name}" if help_ else "", f"e-{name}" if error else "") if i
            )
            described = f' aria-describedby="{ids}"' if ids else ""
            if error:
                described += ' aria-invalid="true"'
            field = _input(name, kinds[name], values.get(name, ""), disabled, described)
            rows.append(
                f'<div class="setting{" invalid" if error else ""}">'
                f'<label for="s-{name}">{esc(label)}</label>{field}'
                + (f'<small id="h-{name}">{esc(help_)}</small>' if help_ else "")
                + (
                    f'<p class="field-error" id="e-{name}" role="alert">{esc(error)}</p>'
                    if error
                    else ""
                )
                + "</div>"
            )
        if rows:
            out.append(f"<fieldset><legend>{esc(title)}</legend>{''.join(rows)}</fieldset>")
    return "".join(out)


def settings_page(
    actor: Actor,
    csrf: str,
    rules: SiteRules,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    error: bool = False,
    words: Mapping[str, str] | None = None,
    word_error: str | None = None,
) -> str:
    site = rules.site
    locked = not rules.can_change_settings
    note = (
        '<p class="notice" role="note">You can see this site\'s settings; only administrators '
        "change them. You keep its word lists and bans.</p>"
        if locked
        else ""
    )
    save = (
        ""
        if locked
        else '<label class="why">Why (for the audit log) <input name="reason" maxlength="500">'
        '</label><button type="submit">Save settings</button>'
    )
    settings_form = (
        f'<form method="post" action="{site_path(site, "/settings")}" class="settings" '
        f"novalidate>{csrf_input(csrf)}{_setting_rows(values, errors or {}, locked)}{save}</form>"
    )
    lists = words or {
        "banned": "\n".join(site.word_lists.banned),
        "suspect": "\n".join(site.word_lists.suspect),
    }
    word_notice = notice(word_error, True) if word_error else ""
    words_form = (
        f'<h2 id="words">Word lists</h2>{word_notice}'
        f'<form method="post" action="{site_path(site, "/words")}" class="words">{csrf_input(csrf)}'
        "<p>One word or phrase a line; matching folds case, accents, look-alike letters and "
        'leetspeak; a word ending in "*" also matches longer words starting with it. These '
        "entries are added to the packaged lists.</p>"
        f"<label>Banned words (reject the comment; {rules.packaged_banned} packaged)"
        f'<textarea name="banned" rows="6">{esc(lists["banned"])}</textarea></label>'
        f"<label>Suspect words (hold for review; {rules.packaged_suspect} packaged)"
        f'<textarea name="suspect" rows="6">{esc(lists["suspect"])}</textarea></label>'
        '<label class="why">Why (for the audit log) <input name="reason" maxlength="500">'
        '</label><button type="submit">Save word lists</button></form>'
    )
    webhooks = (  # administrators only: webhooks carry secrets and send comments out
        f'<p class="site-links"><a href="{site_path(site, "/webhooks")}">Webhooks</a></p>'
        if actor.is_admin
        else ""
    )
    body = (
        f"{notice(message, error)}{_site_links(site)}{webhooks}<h2>Settings</h2>{note}"
        f"{_sign_in_state(site)}{settings_form}{words_form}"
    )
    return page(f"{site.name}: settings", body, actor, csrf)


def _sign_in_state(site: Site) -> str:
    """Whether readers can sign in with the publisher's accounts (the secret never shows)."""
    if site.reader_secret is not None:
        state = "on: readers can sign in with your site's accounts."
        if site.settings.sign_in_required:
            state = "on and required: only signed-in readers take part."
    else:
        state = (
            "off. Create the site's secret with <code>threadline site sign-in "
            f"{esc(site.slug)} --new-secret</code> to turn it on."
        )
    return f'<p class="sign-in-state">Reader sign-in: {state}</p>'


def bans_page(
    actor: Actor,
    csrf: str,
    site: Site,
    bans: list[BanListing],
    message: str | None,
    error: bool,
) -> str:
    back = site_path(site, "/bans")
    rows = "".join(
        f"<tr><td>{esc(b.ban.author_key)}</td><td>{time_html(b.ban.created_at)}</td>"
        f"<td>{time_html(b.ban.ends_at) if b.ban.ends_at else 'Permanent'}</td>"
        f"<td>{esc(b.ban.reason) or '—'}</td><td>{esc(b.banned_by or '—')}</td>"
        f'<td><form method="post" action="/admin/bans/{b.ban.id}/lift" class="lift">'
        f'{csrf_input(csrf)}<input type="hidden" name="back" value="{esc(back)}">'
        f'<label>Why <input name="reason" maxlength="500"></label>'
        f'<button type="submit">Lift ban</button></form></td></tr>'
        for b in bans
    )
    table = (
        "<table><thead><tr><th>Author</th><th>Since</th><th>Until</th><th>Reason</th>"
        f"<th>By</th><th>Lift</th></tr></thead><tbody>{rows}</tbody></table>"
        if bans
        else '<p class="empty">No bans in force.</p>'
    )
    body = f"{notice(message, error)}{_site_links(site)}{table}"
    return page(f"{site.name}: bans", body, actor, csrf)


def _thread_form(csrf: str, thread_id: int, action: str, label: str) -> str:
    return (
        f'<form method="post" action="/admin/threads/{thread_id}" class="thread-tool {action}">'
        f'{csrf_input(csrf)}<input type="hidden" name="action" value="{action}">'
        '<label>Why <input name="reason" maxlength="500"></label>'
        f'<button type="submit">{esc(label)}</button></form>'
    )


def thread_page(
    actor: Actor, csrf: str, state: ThreadState, message: str | None, error: bool
) -> str:
    t, site = state.thread, state.site
    close = ("reopen", "Reopen thread") if t.closed else ("close", "Close thread")
    premod = (
        ("unpremoderate", "Stop pre-moderating")
        if state.premoderated
        else ("premoderate", "Pre-moderate this thread")
    )
    queue = urlencode({"site": site.slug, "thread": t.key})
    link = f' · <a href="{esc(t.url)}" rel="noopener noreferrer">article</a>' if t.url else ""
    body = (
        f"{notice(message, error)}"
        f'<dl class="thread-facts"><dt>Site</dt><dd>{esc(site.name)} ({esc(site.slug)})</dd>'
        f"<dt>Key</dt><dd><code>{esc(t.key)}</code>{link}</dd>"
        f"<dt>Started</dt><dd>{time_html(t.created_at)}</dd>"
        f"<dt>Published comments</dt><dd>{t.comment_count}</dd>"
        f'<dt>State</dt><dd class="thread-state">{"Closed" if t.closed else "Open"}'
        f"{' · pre-moderated' if state.premoderated else ''}</dd></dl>"
        f'<div class="actions">{_thread_form(csrf, t.id, *close)}'
        f"{_thread_form(csrf, t.id, *premod)}</div>"
        f'<p><a href="/admin/queue/recent?{esc(queue)}">This thread\'s comments</a> · '
        f'<a href="/admin/queue/pending?{esc(queue)}">Waiting for review</a></p>'
    )
    return page(f"Thread: {t.title or t.key}", body, actor, csrf)
