"""Running an import: records from an importer → one write job → a report.

The whole import is ONE transaction: records are parsed inside the store's write job and
inserted in batches; any error (a malformed file, an invalid date) rolls all of it back,
so a failed import leaves the database as it was. Imported comments skip moderation
scoring and notifications — they are history — but keep their original state; bodies are
rendered and sanitized by the same code as live comments.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.keys import MAX_KEY_LENGTH, normalize_thread_key
from threadline.domain.models import (
    Author,
    CommentStatus,
    TransferComment,
    TransferThread,
    TransferVote,
)
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway
from threadline.text.checks import clean_email, clean_url
from threadline.text.render import Renderer, sanitize_html
from threadline.transfer.records import CommentIn, Markup, Record, ThreadIn

BATCH = 2000
MAX_NAME_LENGTH = 64
EXAMPLES = 20  # skipped items and orphans listed by name in a report; the rest are counted


@dataclass(frozen=True, slots=True)
class Rule:
    """`--map old=new`: a thread key or URL starting with `old` starts with `new` instead."""

    old: str
    new: str

    @classmethod
    def parse(cls, text: str) -> Rule:
        old, sep, new = text.partition("=")
        if not sep or not old:
            raise InvalidInput(f"{text!r} is not OLD-PREFIX=NEW-PREFIX", code="invalid_map")
        return cls(old, new)


def remap(value: str, rules: Iterable[Rule]) -> str:
    for rule in rules:
        if value.startswith(rule.old):
            return rule.new + value[len(rule.old) :]
    return value


@dataclass
class ImportReport:
    threads_created: int = 0
    threads_existing: int = 0
    comments_read: int = 0
    comments_added: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_examples: list[str] = field(default_factory=list)
    orphans: int = 0
    orphan_examples: list[str] = field(default_factory=list)
    cycles_broken: int = 0

    @property
    def comments_present(self) -> int:
        """Comments already in the database from an earlier import (or twice in the file)."""
        return self.comments_read - self.comments_added

    def skip(self, where: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.skipped_examples) < EXAMPLES:
            self.skipped_examples.append(f"{where}: {reason}")

    def lines(self) -> list[str]:
        out = [
            f"threads: {self.threads_created} created, {self.threads_existing} already there",
            f"comments: {self.comments_added} added, {self.comments_present} already there",
        ]
        if self.orphans:
            out.append(
                f"replies whose parent is missing, kept at the top of their thread: {self.orphans}"
            )
            out += [f"  {e}" for e in self.orphan_examples]
        if self.cycles_broken:
            out.append(f"reply cycles broken (one reply each made top-level): {self.cycles_broken}")
        total = sum(self.skipped.values())
        out.append(f"skipped: {total}")
        out += [f"  {n} × {reason}" for reason, n in self.skipped.most_common()]
        if self.skipped_examples:
            out.append("  first skipped:")
            out += [f"    {e}" for e in self.skipped_examples]
        return out


def _strip_controls(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def _clean_name(name: str) -> str:
    name = _strip_controls(unicodedata.normalize("NFC", " ".join(name.split())))
    return name[:MAX_NAME_LENGTH].strip() or "Anonymous"


def _lenient(clean: Callable[[str | None], str | None], value: str | None) -> str | None:
    try:
        return clean(value)
    except InvalidInput:
        return None  # an address we would refuse live ("undefined", "javascript:…") is dropped


def _text_html(body: str) -> str:
    """WordPress comment text: blank lines separate paragraphs, a newline is a break."""
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs if p)


class Renderers:
    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer

    def html(self, comment: TransferComment, markup: Markup) -> str:
        if markup is Markup.MARKDOWN:
            return self._renderer.render(comment.body)
        if markup is Markup.HTML:
            return sanitize_html(comment.body).strip()
        if markup is Markup.TEXT_HTML:
            return sanitize_html(_text_html(comment.body)).strip()
        return sanitize_html(comment.html).strip()


def prepare(comment: TransferComment, markup: Markup, renderers: Renderers) -> TransferComment:
    """The comment as it will be stored: author cleaned, body rendered; a deleted comment
    keeps no personal data (as a live deletion)."""
    if comment.status is CommentStatus.DELETED:
        return replace(
            comment,
            author=Author(""),
            body="",
            html="",
            ip=None,
            user_agent=None,
            upvotes=max(comment.upvotes, 0),
            downvotes=max(comment.downvotes, 0),
        )
    if markup is Markup.RENDERED:  # Threadline's own export: already clean, kept byte for byte
        author = replace(comment.author, name=_strip_controls(comment.author.name))
        return replace(comment, author=author, html=renderers.html(comment, markup))
    author = Author(
        _clean_name(comment.author.name),
        _lenient(clean_email, comment.author.email),
        _lenient(lambda v: clean_url(v, "website"), comment.author.website),
    )
    return replace(comment, author=author, html=renderers.html(comment, markup))


def run_import(
    store: Store,
    renderer: Renderer,
    site_slug: str,
    records: Iterable[Record],
    *,
    clock: Callable[[], datetime],
    rules: Iterable[Rule] = (),
) -> ImportReport:
    """Import `records` into the site, all in one transaction; the report says what
    happened. Raises ImportFailed (nothing kept) for input that cannot be read."""
    with store.reading() as db:
        site = db.get_site(site_slug)
    if site is None:
        raise NotFound(f"There is no site {site_slug!r}.", code="site_not_found")
    rule_list = list(rules)
    renderers = Renderers(renderer)
    now = clock()

    def job(db: Gateway) -> ImportReport:
        report = ImportReport()
        db.prepare_bulk_write()
        floor = db.import_high_water()
        threads: dict[str, int] = {}
        dropped: dict[str, str] = {}  # thread ref → why its comments are skipped
        waiting: dict[str, list[CommentIn]] = {}  # comments whose thread comes later
        unopened: dict[str, ThreadIn] = {}  # threads without a comment so far
        comments: list[tuple[int, TransferComment]] = []
        votes: list[tuple[int, TransferVote]] = []

        def flush() -> None:
            db.insert_transfer_comments(comments)
            db.insert_transfer_votes(votes)
            comments.clear()
            votes.clear()

        def add(thread_id: int, item: CommentIn) -> None:
            report.comments_read += 1
            comments.append((thread_id, prepare(item.comment, item.markup, renderers)))
            votes.extend((thread_id, v) for v in item.votes)
            if len(comments) >= BATCH:
                flush()

        def open_thread(record: ThreadIn) -> int:
            thread_id, created = db.import_thread(
                site.id,
                TransferThread(
                    key=record.key,
                    title=record.title or None,
                    url=remap(record.url, rule_list) if record.url else None,
                    closed=record.closed,
                    created_at=record.created_at or now,
                    source=record.source,
                    source_id=record.source_id,
                ),
            )
            if created:
                report.threads_created += 1
            else:
                report.threads_existing += 1
            threads[record.ref] = thread_id
            return thread_id

        def drop(ref: str, reason: str) -> None:
            dropped[ref] = reason
            for item in waiting.pop(ref, []):
                report.skip(item.where, reason)

        for record in records:
            if isinstance(record, CommentIn):
                c = record.comment
                if c.status is not CommentStatus.DELETED and not (c.body.strip() or c.html.strip()):
                    report.skip(record.where, "empty comment")
                    continue
                ref = record.thread_ref
                thread_id = threads.get(ref)
                if thread_id is None and ref in unopened:
                    thread_id = open_thread(unopened.pop(ref))
                if thread_id is not None:
                    add(thread_id, record)
                elif ref in dropped:
                    report.skip(record.where, dropped[ref])
                else:
                    waiting.setdefault(ref, []).append(record)
            elif isinstance(record, ThreadIn):
                key = normalize_thread_key(
                    remap(record.key, rule_list), keep_query=site.settings.keep_url_query
                )
                if not key or len(key) > MAX_KEY_LENGTH:
                    reason = "thread has no usable key" if not key else "thread key too long"
                    drop(record.ref, f"its thread was skipped ({reason})")
                    continue
                record = replace(record, key=key)
                if record.ref in threads:
                    continue
                if record.keep_empty or record.ref in waiting:
                    thread_id = open_thread(record)
                    for item in waiting.pop(record.ref, []):
                        add(thread_id, item)
                else:  # created when its first comment comes: most exported threads have none
                    unopened[record.ref] = record
            else:
                report.skip(record.where, record.reason)
                if record.thread_ref is not None:
                    drop(record.thread_ref, f"its thread was skipped ({record.reason})")
        flush()
        for ref, items in waiting.items():
            for item in items:
                report.skip(item.where, f"its thread {ref} is not in the file")
        orphans, report.cycles_broken = db.settle_imported_tree(floor)
        report.orphans = len(orphans)
        report.orphan_examples = [
            f"{source} comment {sid}: parent {parent} not found"
            for source, sid, parent in orphans[:EXAMPLES]
        ]
        report.comments_added = db.finish_import(floor)
        return report

    return store.write(job)
