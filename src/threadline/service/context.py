"""What every use case needs, assembled by create_app() (no module-level singletons)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from threadline.auth.passwords import Passwords
from threadline.auth.ratelimit import Limiter, RateLimiter
from threadline.bus import EventBus
from threadline.service.scoring import CommentScorer
from threadline.storage.base import Store
from threadline.text.render import Renderer


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    store: Store
    bus: EventBus
    renderer: Renderer
    limiter: Limiter
    secret_key: str
    clock: Callable[[], datetime] = utc_now
    # The moderation engine behind its time budget; None: comments are not scored.
    scorer: CommentScorer | None = None
    passwords: Passwords = field(default_factory=Passwords)
    # Sign-in attempts: always limited, whatever the `rate_limits` setting says.
    login_limiter: Limiter = field(default_factory=lambda: RateLimiter(time.monotonic))


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who sent a request, as far as the network tells: used for rate limits and abuse review."""

    ip: str | None = None
    user_agent: str | None = None
    # The Origin header a browser sent, and this server's own origin (same-origin pages).
    origin: str | None = None
    own_origin: str | None = None
