"""In-process event bus: listeners run after a change commits; one failing listener never
fails the request or the other listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[tuple[type, Listener]] = []

    def subscribe(self, event_type: type, listener: Listener) -> None:
        self._listeners.append((event_type, listener))

    def publish(self, event: object) -> None:
        for event_type, listener in self._listeners:
            if isinstance(event, event_type):
                try:
                    listener(event)
                except Exception:
                    log.exception("event listener %r failed on %r", listener, event)
