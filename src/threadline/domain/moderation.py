"""People who moderate, and what moderation records: roles, sessions, flags, bans, audit."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from threadline.domain.models import Comment


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything, on every site
    MODERATOR = "moderator"  # the queues and actions of the sites granted
    STAFF = "staff"  # journalists: a badge, and may feature comments on their sites


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    MISINFORMATION = "misinformation"
    OTHER = "other"


class Queue(enum.StrEnum):
    PENDING = "pending"  # held for review, with the reasons
    REPORTED = "reported"  # flagged by readers since the last review
    RECENT = "recent"  # everything, newest first
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    site_id: int | None = None  # None: every site (admins)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    display_name: str
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in person and what they were granted: the input of every access decision."""

    user: User
    grants: tuple[Grant, ...] = ()

    @property
    def is_admin(self) -> bool:
        return any(g.role is Role.ADMIN for g in self.grants)

    def has(self, role: Role, site_id: int) -> bool:
        return any(g.role is role and g.site_id == site_id for g in self.grants)


@dataclass(frozen=True, slots=True)
class Session:
    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Ban:
    id: int
    site_id: int
    author_key: str
    reason: str
    created_at: datetime
    ends_at: datetime | None  # None: permanent
    lifted_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        if self.lifted_at is not None:
            return False
        return self.ends_at is None or now < self.ends_at


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    site_id: int | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str


@dataclass(frozen=True, slots=True)
class ModerationInfo:
    """What the pipeline and the readers said about one comment."""

    decision: str | None = None  # the engine's: publish / hold / reject (None: not scored)
    reasons: tuple[str, ...] = ()
    signals: tuple[dict[str, Any], ...] = ()
    flag_count: int = 0
    reviewed_flag_count: int = 0
    featured: bool = False
    author_key: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    first_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One card of a moderation queue: the comment in context."""

    comment: Comment
    moderation: ModerationInfo
    site_slug: str
    thread_key: str
    thread_title: str | None
    parent: Comment | None = None
    history: AuthorHistory = field(default_factory=AuthorHistory)
