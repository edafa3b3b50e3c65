"""One broker interface, several backends: a change notice published by any process reaches
the subscribers of every process sharing the backend.

A notice is a hint, not the data: "thread (site, key) reached version v". Subscribers read
what changed from the database, so a notice that arrives late, twice, or out of order does
no harm, and a lost one is made good by the next notice for that thread (or by `missed`,
which tells subscribers to catch up everything they follow).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from threadline.domain.events import (
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    ThreadChanged,
    VoteCast,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notice:
    site: str  # site slug
    key: str  # normalized thread key
    thread_id: int
    version: int  # the thread's version after the change
    kind: str  # posted, edited, deleted, voted, changed
    comment_id: int | None = None

    @property
    def thread(self) -> tuple[str, str]:
        return (self.site, self.key)


_KINDS: tuple[tuple[type[ThreadChanged], str], ...] = (
    (CommentPosted, "posted"),
    (CommentEdited, "edited"),
    (CommentDeleted, "deleted"),
    (VoteCast, "voted"),
)


def notice_for(event: ThreadChanged) -> Notice:
    """The notice announcing a committed change."""
    kind = next((name for cls, name in _KINDS if isinstance(event, cls)), "changed")
    comment_id = getattr(event, "comment_id", None)
    return Notice(
        event.site_slug,
        event.thread_key,
        event.thread_id,
        event.version,
        kind,
        comment_id if isinstance(comment_id, int) else None,
    )


def encode(notice: Notice) -> str:
    """The notice as compact JSON, for backends that carry text between processes."""
    return json.dumps(
        {
            "site": notice.site,
            "key": notice.key,
            "thread_id": notice.thread_id,
            "version": notice.version,
            "kind": notice.kind,
            "comment_id": notice.comment_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(payload: str | bytes) -> Notice | None:
    """The notice `encode` made, or None for anything else."""
    try:
        data = json.loads(payload)
        notice = Notice(
            str(data["site"]),
            str(data["key"]),
            int(data["thread_id"]),
            int(data["version"]),
            str(data["kind"]),
            None if data.get("comment_id") is None else int(data["comment_id"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return notice


OnNotice = Callable[[Notice], None]
OnMissed = Callable[[], None]


def ignore_missed() -> None:
    return None


class Listeners:
    """A broker's subscribers, called on the event loop; one failing never stops the rest."""

    def __init__(self) -> None:
        self._entries: list[tuple[OnNotice, OnMissed]] = []

    def add(self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed) -> Callable[[], None]:
        entry = (on_notice, on_missed)
        self._entries.append(entry)

        def unsubscribe() -> None:
            if entry in self._entries:
                self._entries.remove(entry)

        return unsubscribe

    def notice(self, notice: Notice) -> None:
        for on_notice, _ in tuple(self._entries):
            try:
                on_notice(notice)
            except Exception:
                log.exception("live listener %r failed on %r", on_notice, notice)

    def payload(self, payload: str | bytes) -> None:
        """A notice as it came over the wire; a malformed one is logged and dropped."""
        notice = decode(payload)
        if notice is None:
            log.warning("live updates: ignoring a malformed notice %r", payload[:200])
            return
        self.notice(notice)

    def missed(self) -> None:
        for _, on_missed in tuple(self._entries):
            try:
                on_missed()
            except Exception:
                log.exception("live listener %r failed on a reconnect", on_missed)


class Broker(Protocol):
    """Publish from any thread; listeners run on the event loop the broker was started on.

    Listeners must be quick and must not block (they run on the event loop); an exception
    from one is logged and does not stop the others.
    """

    async def start(self) -> None:
        """Begin delivering (binds the running event loop); returns once listening."""
        ...

    async def stop(self) -> None: ...

    def publish(self, notice: Notice) -> None:
        """Announce a committed change. Callable from any thread; never raises, and never
        waits for the network (delivery is asynchronous and best effort)."""
        ...

    def subscribe(
        self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed
    ) -> Callable[[], None]:
        """Call `on_notice` for every notice published by anyone sharing this backend, and
        `on_missed` when notices may have been lost (e.g. after a reconnect). Call only from
        the event loop; returns the function that unsubscribes."""
        ...
