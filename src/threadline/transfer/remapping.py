"""`threadline remap`: apply URL/key rules to a site's stored threads.

Keys are rewritten and normalized exactly as an import would (so remapping after an import
gives what importing with the same rules would have). When rewritten keys meet — two old
threads now name one article, or an old thread lands on a thread readers already started
under the new address — the threads are merged: a newsroom moving its archive wants the old
discussion under the article, beside whatever was said since. The thread already at the
target key is kept (else the oldest), with its title, state and dates; the other's
comments move into it. Merging refuses, with nothing changed, when both threads hold the
same imported comment (the same export imported under both keys). A rule that leaves a
thread without a usable key is refused too. All of it is one transaction, recorded in the
audit log; `dry_run` only reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from threadline.domain.errors import Conflict, InvalidInput, NotFound
from threadline.domain.keys import MAX_KEY_LENGTH, normalize_thread_key
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway
from threadline.storage.transfer_queries import RemapThread
from threadline.transfer.rules import Rule, remap

ACTOR = "threadline remap (command line)"
EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class Merge:
    gone: RemapThread
    into: RemapThread
    key: str  # the kept thread's key after remapping
    url: str | None  # the merged thread's URL, rewritten


@dataclass
class RemapReport:
    threads: int = 0
    keys: list[tuple[str, str]] = field(default_factory=list)  # (old, new)
    urls: list[tuple[str, str]] = field(default_factory=list)
    merges: list[tuple[str, str, int]] = field(default_factory=list)  # (gone, into, moved)
    dry_run: bool = False

    def lines(self) -> list[str]:
        out = [f"key: {old} → {new}" for old, new in self.keys]
        out += [f"url: {old} → {new}" for old, new in self.urls]
        for gone, into, moved in self.merges:
            moved_text = "its comments" if moved < 0 else f"{moved} comments"
            out.append(f"merged: {gone} into {into} ({moved_text})")
        verb = "would change" if self.dry_run else "changed"
        out.append(
            f"{self.threads} threads: {verb} {len(self.keys)} keys and {len(self.urls)} URLs, "
            f"{len(self.merges)} threads merged into others"
            + (" (dry run: nothing was changed)" if self.dry_run else "")
        )
        return out


@dataclass
class _Plan:
    rewrites: list[tuple[RemapThread, str, str | None]]  # kept threads whose key/url change
    merges: list[Merge]


def plan(threads: Sequence[RemapThread], rules: Sequence[Rule], keep_query: bool) -> _Plan:
    """What the rules do to these threads (pure: no database)."""
    targets: dict[str, list[tuple[RemapThread, str | None]]] = {}
    unusable: list[str] = []
    for t in threads:
        key = normalize_thread_key(remap(t.key, rules), keep_query=keep_query)
        if not key or len(key) > MAX_KEY_LENGTH:
            unusable.append(t.key)
            continue
        url = remap(t.url, rules) if t.url else t.url
        targets.setdefault(key, []).append((t, url))
    if unusable:
        shown = ", ".join(repr(k) for k in unusable[:EXAMPLES])
        raise InvalidInput(
            f"the rules leave {len(unusable)} thread(s) without a usable key (empty or "
            f"longer than {MAX_KEY_LENGTH} characters): {shown}",
            code="invalid_map",
        )
    rewrites: list[tuple[RemapThread, str, str | None]] = []
    merges: list[Merge] = []
    for key, group in targets.items():
        # Kept: the thread already at the key (readers found it there), else the oldest.
        staying = [item for item in group if item[0].key == key]
        kept, kept_url = staying[0] if staying else min(group, key=lambda item: item[0].id)
        for t, url in group:
            if t is not kept:
                merges.append(Merge(t, kept, key, url))
        if kept.key != key or kept.url != kept_url:
            rewrites.append((kept, key, kept_url))
    return _Plan(rewrites, merges)


def remap_site(
    store: Store,
    site_slug: str,
    rules: Iterable[Rule],
    *,
    clock: Callable[[], datetime],
    dry_run: bool = False,
) -> RemapReport:
    rule_list = list(rules)
    if not rule_list:
        raise InvalidInput("give at least one rule (--map or --map-file)", code="invalid_map")
    with store.reading() as db:
        site = db.get_site(site_slug)
    if site is None:
        raise NotFound(f"There is no site {site_slug!r}.", code="site_not_found")

    def job(db: Gateway) -> RemapReport:
        threads = db.remap_candidates(site.id)
        todo = plan(threads, rule_list, site.settings.keep_url_query)
        report = RemapReport(threads=len(threads), dry_run=dry_run)
        for t, key, url in todo.rewrites:
            if key != t.key:
                report.keys.append((t.key, key))
            if url != t.url and url is not None and t.url is not None:
                report.urls.append((t.url, url))
        for m in todo.merges:
            shared = db.shared_origin(m.gone.id, m.into.id)
            if shared is not None:
                raise Conflict(
                    f"threads {m.gone.key!r} and {m.into.key!r} would be merged, but both hold "
                    f"comment {shared[0]}:{shared[1]} (the same export imported under both "
                    "keys?); delete one of the threads or change the rules",
                    code="remap_conflict",
                )
            moved = -1 if dry_run else db.merge_thread(m.gone.id, m.into.id, m.url)
            report.merges.append((m.gone.key, m.key, moved))
        if dry_run:
            return report
        db.rewrite_threads([(t.id, key, url) for t, key, url in todo.rewrites])
        db.insert_audit(
            now=clock(),
            actor_id=None,
            actor_name=ACTOR,
            site_id=site.id,
            action="remap_threads",
            target_type="site",
            target_id=site.slug,
            before={"rules": [r.describe() for r in rule_list]},
            after={
                "keys_changed": len(report.keys),
                "urls_changed": len(report.urls),
                "threads_merged": len(report.merges),
                "comments_moved": sum(moved for _, _, moved in report.merges),
            },
        )
        return report

    if dry_run:
        with store.reading() as db:
            return job(db)
    return store.write(job)
