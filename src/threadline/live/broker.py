"""One broker interface, several backends: a change notice published by any process reaches
the subscribers of every process sharing the backend.

A notice is a hint, not the data: "thread (site, key) reached version v". Subscribers read
what changed from the database, so a notice that arrives late, twice, or out of order does
no harm, and a lost one is made good by the next notice for that thread (or by `missed`,
which tells subscribers to catch up everything they follow).
"""

from __future__ import annotations

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


OnNotice = Callable[[Notice], None]
OnMissed = Callable[[], None]


def ignore_missed() -> None:
    return None


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
