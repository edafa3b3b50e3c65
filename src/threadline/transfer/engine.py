"""Running an import: records from an importer → one write job → a report.

The whole import is ONE transaction: records are parsed inside the store's write job (or,
for a large file, in a second process: transfer/parallel.py) and inserted in batches; any
error (a malformed file, an invalid date) rolls all of it back, so a failed import leaves
the database as it was. Imported comments skip moderation scoring and notifications — they
are history — but keep their original state and get the author key live comments get;
bodies are rendered and sanitized by the same code as live comments.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from itertools import compress
from operator import itemgetter

from threadline.auth import readers
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
from threadline.storage.times import to_us
from threadline.storage.transfer_queries import (
    ROW_STATUS,
    CommentParams,
    CommentRow,
    comment_row,
)
from threadline.text.checks import clean_email, clean_url
from threadline.text.render import Renderer, sanitize_html
from threadline.transfer.records import (
    CommentIn,
    Markup,
    PreparedComment,
    Ready,
    Record,
    Skipped,
    ThreadIn,
)
from threadline.transfer.rules import Rule, remap

BATCH = 2000
# A large import builds the comments' secondary indexes once at its end instead of updating
# them row by row: once it has added this many rows, and at least as many as were there.
BULK_INDEX_ROWS = 20_000
MAX_NAME_LENGTH = 64
EXAMPLES = 20  # skipped items and orphans listed by name in a report; the rest are counted


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
    if text.isprintable():  # the usual case: no control or format character to look for
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


@lru_cache(maxsize=1 << 14)  # an export names the same authors again and again
def _clean_name(name: str) -> str:
    name = _strip_controls(unicodedata.normalize("NFC", " ".join(name.split())))
    return name[:MAX_NAME_LENGTH].strip() or "Anonymous"


@lru_cache(maxsize=1 << 14)
def _clean_email(email: str | None) -> str | None:
    return _lenient(clean_email, email)


def _reader_id(value: str | None) -> str | None:
    """A signed-in reader's account id as exported; one we would not accept live is dropped."""
    return value if value is not None and readers.is_reader_id(value) else None


def _lenient(clean: Callable[[str | None], str | None], value: str | None) -> str | None:
    try:
        return clean(value)
    except InvalidInput:
        return None  # an address we would refuse live ("undefined", "javascript:…") is dropped


def _text_html(body: str) -> str:
    """WordPress comment text: blank lines separate paragraphs, a newline is a break."""
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs if p)


_THREAD_ID = itemgetter(0)
_STATUS = itemgetter(2 + ROW_STATUS)  # after thread_id and changed_version
_IS_PUBLISHED = CommentStatus.PUBLISHED.value.__eq__


SHORT_BODY = 200  # bodies up to this long are remembered: "+1", "Thanks!" come back often


class Renderers:
    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer
        self._short = lru_cache(maxsize=8192)(self._render)

    def html(self, comment: TransferComment, markup: Markup) -> str:
        return self.of(comment.html if markup is Markup.RENDERED else comment.body, markup)

    def of(self, text: str, markup: Markup) -> str:
        if len(text) <= SHORT_BODY:
            return self._short(text, markup)
        return self._render(text, markup)

    def _render(self, text: str, markup: Markup) -> str:
        if markup is Markup.MARKDOWN:
            return self._renderer.render(text)
        if markup is Markup.TEXT_HTML:
            text = _text_html(text)
        # HTML bodies skip the Markdown step: the one sanitizer is all they need.
        return sanitize_html(text).strip()


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
            reader_id=None,
            upvotes=max(comment.upvotes, 0),
            downvotes=max(comment.downvotes, 0),
        )
    given = comment.author
    if markup is Markup.RENDERED:  # Threadline's own export: already clean, kept byte for byte
        author = Author(_strip_controls(given.name), given.email, given.website)
    else:
        author = Author(
            _clean_name(given.name),
            _clean_email(given.email),
            _lenient(_clean_website, given.website) if given.website else None,
        )
    return TransferComment(
        comment.source,
        comment.source_id,
        comment.parent_source,
        comment.parent_source_id,
        comment.status,
        author,
        comment.body,
        renderers.html(comment, markup),
        comment.created_at,
        comment.edited_at,
        comment.upvotes,
        comment.downvotes,
        comment.ip,
        comment.user_agent,
        _reader_id(comment.reader_id),
    )


def _clean_website(value: str | None) -> str | None:
    return clean_url(value, "website")


def prepare_records(
    records: Iterable[Record], renderers: Renderers, *, defer_html: bool = False
) -> Iterator[Ready]:
    """Records with each comment as it will be stored (see `prepare`), as its storage row;
    an empty comment becomes a Skipped record. Needs no database: it may run in another
    process.

    `defer_html`: an HTML body longer than SHORT_BODY is left to sanitize (html None in
    its row) — by `finish_row`, in the process that writes (see parallel.py)."""
    for record in records:
        if isinstance(record, CommentIn):
            c = record.comment
            if c.status is not CommentStatus.DELETED and not (c.body.strip() or c.html.strip()):
                yield Skipped(record.where, "empty comment")
                continue
            yield PreparedComment(
                record.thread_ref,
                record.where,
                _row(c, record.markup, renderers, defer_html),
                record.votes,
            )
        else:
            yield record


_HTML = 7  # where comment_row puts the html (None: still to sanitize)
_BODY = 6


def _row(c: TransferComment, markup: Markup, renderers: Renderers, defer: bool) -> CommentRow:
    """comment_row(prepare(c, …), its author key), without building the comment again:
    this runs for each of millions of comments."""
    if c.status is CommentStatus.DELETED or markup is Markup.RENDERED:
        ready = prepare(c, markup, renderers)
        key = (
            None
            if ready.status is CommentStatus.DELETED
            else readers.key_of(ready.author, ready.reader_id)
        )
        return comment_row(ready, key)
    given = c.author
    name = _clean_name(given.name)
    email = _clean_email(given.email)
    reader_id = _reader_id(c.reader_id) if c.reader_id is not None else None
    if markup is Markup.HTML and defer and len(c.body) > SHORT_BODY:
        html = None
    else:
        html = renderers.of(c.body, markup)
    return (
        -1 if c.parent_source_id is not None else 0,
        c.status.value,
        name,
        email,
        _lenient(_clean_website, given.website) if given.website else None,
        readers.author_key(name, email, reader_id),
        c.body,
        html,
        to_us(c.created_at),
        to_us(c.edited_at) if c.edited_at else None,
        c.upvotes,
        c.downvotes,
        c.ip,
        c.user_agent,
        c.source,
        c.source_id,
        c.parent_source,
        c.parent_source_id,
        reader_id,
    )


def finish_row(row: CommentRow, renderers: Renderers) -> CommentRow:
    """A row from `prepare_records(defer_html=True)` with its HTML body sanitized."""
    if row[_HTML] is not None:
        return row
    return (*row[:_HTML], renderers.of(row[_BODY], Markup.HTML), *row[_HTML + 1 :])


def run_import(
    store: Store,
    renderer: Renderer,
    site_slug: str,
    records: Iterable[Record] | Iterable[Ready],
    *,
    clock: Callable[[], datetime],
    rules: Iterable[Rule] = (),
    prepared: bool = False,
) -> ImportReport:
    """Import `records` into the site, all in one transaction; the report says what
    happened. Raises ImportFailed (nothing kept) for input that cannot be read.

    `prepared`: the records already went through `prepare_records` (in another process)."""
    with store.reading() as db:
        site = db.get_site(site_slug)
    if site is None:
        raise NotFound(f"There is no site {site_slug!r}.", code="site_not_found")
    rule_list = list(rules)
    renderers = Renderers(renderer)
    ready: Iterable[Ready] = (
        records  # type: ignore[assignment]
        if prepared
        else prepare_records(records, renderers)  # type: ignore[arg-type]
    )
    now = clock()

    def job(db: Gateway) -> ImportReport:
        report = ImportReport()
        db.prepare_bulk_write()
        floor = db.import_high_water()
        thread_floor = db.import_thread_high_water()
        keep_empty = False
        threads: dict[str, tuple[int, int]] = {}  # ref → (id, version once imported)
        dropped: dict[str, str] = {}  # thread ref → why its comments are skipped
        waiting: dict[str, list[PreparedComment]] = {}  # comments whose thread comes later
        comments: list[CommentParams] = []
        votes: list[tuple[int, TransferVote]] = []

        suspended: list[str] | None = None  # index definitions to rebuild at the end
        inserted = 0
        # Comments added and published per thread, while every batch went in whole (then
        # they are exactly the rows inserted): spares `finish_import` a pass over them all.
        added: Counter[int] | None = Counter()
        published: Counter[int] = Counter()

        def flush() -> None:
            nonlocal suspended, inserted, added
            report.comments_read += len(comments)
            n = db.insert_transfer_comments(comments)
            inserted += n
            if added is not None:
                if n == len(comments):
                    added.update(map(_THREAD_ID, comments))
                    published.update(
                        compress(
                            map(_THREAD_ID, comments), map(_IS_PUBLISHED, map(_STATUS, comments))
                        )
                    )
                else:
                    added = None  # some were there already: counted from the table instead
            db.insert_transfer_votes(votes)
            comments.clear()
            votes.clear()
            if suspended is None and inserted >= max(BULK_INDEX_ROWS, floor):
                suspended = db.suspend_comment_indexes()

        def add(thread: tuple[int, int], item: PreparedComment) -> None:
            row = item.row
            if row[_HTML] is None:  # left to sanitize here (parallel.py)
                row = finish_row(row, renderers)
            comments.append(thread + row)  # (thread_id, changed_version, *row)
            if item.votes:
                votes.extend((thread[0], v) for v in item.votes)
            if len(comments) >= BATCH:
                flush()

        def open_thread(record: ThreadIn) -> tuple[int, int]:
            opened = db.import_thread(
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
            if opened.created:
                report.threads_created += 1
            else:
                report.threads_existing += 1
            thread = threads[record.ref] = (opened.id, opened.version + 1)
            return thread

        def drop(ref: str, reason: str) -> None:
            dropped[ref] = reason
            for item in waiting.pop(ref, []):
                report.skip(item.where, reason)

        for record in ready:
            if isinstance(record, PreparedComment):
                ref = record.thread_ref
                thread = threads.get(ref)
                if thread is not None:
                    add(thread, record)
                elif ref in dropped:
                    report.skip(record.where, dropped[ref])
                else:
                    waiting.setdefault(ref, []).append(record)
            elif isinstance(record, ThreadIn):
                # Rules see keys normalized, as `threadline remap` sees stored ones.
                keep_query = site.settings.keep_url_query
                key = normalize_thread_key(record.key, keep_query=keep_query)
                if rule_list:
                    key = normalize_thread_key(remap(key, rule_list), keep_query=keep_query)
                if not key or len(key) > MAX_KEY_LENGTH:
                    reason = "thread has no usable key" if not key else "thread key too long"
                    drop(record.ref, f"its thread was skipped ({reason})")
                    continue
                record = replace(record, key=key)
                if record.ref in threads:
                    continue
                # Created now (holding every thread's record until its first comment would
                # take memory growing with the file); the ones left without a comment are
                # deleted at the end — most exported threads have none.
                keep_empty = keep_empty or record.keep_empty
                thread = open_thread(record)
                for item in waiting.pop(record.ref, []):
                    add(thread, item)
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
        counted = None
        if added is not None:
            counted = {t: [n, published[t]] for t, n in added.items()}
        report.comments_added = db.finish_import(floor, counted)
        if not keep_empty:  # (no importer mixes threads kept empty with others)
            report.threads_created -= db.delete_empty_imported_threads(thread_floor)
        if suspended:
            db.restore_comment_indexes(suspended)
        return report

    # SQLite: in rollback-journal mode when nothing else has the database open (see
    # SQLiteStore.write_alone): the import's pages are written once, not twice.
    alone: Callable[[Callable[[Gateway], ImportReport]], ImportReport] | None = getattr(
        store, "write_alone", None
    )
    return alone(job) if alone is not None else store.write(job)
