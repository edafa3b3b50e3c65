"""The entities of a discussion: sites, threads, comments, authors, votes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class CommentStatus(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    DELETED = "deleted"


class VoteValue(enum.IntEnum):
    DOWN = -1
    WITHDRAWN = 0
    UP = 1


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """Per-site rules. Defaults are what a newsroom would expect out of the box."""

    edit_window_seconds: int = 15 * 60
    max_comment_length: int = 10_000
    page_size: int = 50
    # Writes per client IP and per author, per minute; 0 disables that limit.
    comments_per_minute_per_ip: int = 5
    comments_per_minute_per_author: int = 3
    votes_per_minute_per_ip: int = 60
    # Placeholder for the moderation pipeline: hold every new comment for review.
    premoderation: bool = False
    # Thread keys that are URLs keep their query string only when the site says so.
    keep_url_query: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    slug: str
    name: str
    origins: tuple[str, ...]
    settings: SiteSettings
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Thread:
    id: int
    site_id: int
    key: str
    title: str | None
    url: str | None
    closed: bool
    comment_count: int
    version: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    thread_id: int
    parent_id: int | None
    depth: int
    status: CommentStatus
    author: Author
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    upvotes: int = 0
    downvotes: int = 0
    reply_count: int = 0

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def deleted(self) -> bool:
        return self.status is CommentStatus.DELETED


@dataclass(frozen=True, slots=True)
class NewComment:
    """What a use case hands the store to insert: a comment without its generated fields."""

    thread_id: int
    parent_id: int | None
    depth: int
    status: CommentStatus
    author: Author
    body: str
    html: str
    created_at: datetime
    edit_token_hash: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of a thread: comments in tree order plus the cursor of the next page."""

    thread: Thread | None
    comments: list[Comment] = field(default_factory=list)
    next_cursor: str | None = None
