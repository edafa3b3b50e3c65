"""What every use case needs, assembled by create_app() (no module-level singletons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from threadline.auth.ratelimit import RateLimiter
from threadline.bus import EventBus
from threadline.storage.base import Store
from threadline.text.render import Renderer


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    store: Store
    bus: EventBus
    renderer: Renderer
    limiter: RateLimiter
    secret_key: str
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who sent a request, as far as the network tells: used for rate limits and abuse review."""

    ip: str | None = None
    user_agent: str | None = None
    # The Origin header a browser sent, and this server's own origin (same-origin pages).
    origin: str | None = None
    own_origin: str | None = None
