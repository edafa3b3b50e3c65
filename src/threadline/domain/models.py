"""The entities of a discussion: sites, threads, comments, authors, votes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


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
    # Hold every new comment for review.
    premoderation: bool = False
    # Thread keys that are URLs keep their query string only when the site says so.
    keep_url_query: bool = False
    # The moderation pipeline (moderation/policy.py): score every new and edited comment.
    automoderation: bool = True
    premoderate_links: bool = False  # hold comments that contain a link
    premoderate_new_authors: int = 0  # hold the first N comments of each author; 0: off
    toxicity_hold: float = 0.15  # hold at this toxicity score or above (0..1)
    toxicity_nudge: float = 0.12  # ask the author to reconsider at this score (0..1)
    # The engine's default: civil comments with one link score 0.1–0.3 (bench/moderation_eval.py).
    spam_hold: float = 0.80
    flags_to_hold: int = 3  # readers' flags that take a published comment off the page
    hold_suspect_words: bool = True
    reject_banned_words: bool = True
    auto_close_days: int = 0  # threads take no comments N days after they start; 0: never
    # Readers' data rights (docs/privacy.md): when a reader's data is erased, their comments
    # that others replied to keep their text under "Anonymous" (True) instead of becoming
    # deleted placeholders like the rest (False).
    erasure_keeps_replied_comments: bool = False
    # Readers sign in with the publisher's accounts (docs/sign-in.md): only signed-in readers
    # may post, vote and flag. Needs the site's reader secret.
    sign_in_required: bool = False


@dataclass(frozen=True, slots=True)
class SiteWordLists:
    """A site's own entries, matched in addition to the packaged lists: a banned word
    rejects a comment, a suspect word holds it for review."""

    banned: tuple[str, ...] = ()
    suspect: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    slug: str
    name: str
    origins: tuple[str, ...]
    settings: SiteSettings
    created_at: datetime
    word_lists: SiteWordLists = field(default_factory=SiteWordLists)
    # The events some active webhook of the site wants: writes record no others.
    webhook_events: frozenset[str] = frozenset()
    # Signs readers' sign-in tokens (docs/sign-in.md); None: sign-in is off. Never shown.
    reader_secret: str | None = field(default=None, repr=False)


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
    featured: bool = False  # an editor's pick (moderators and staff choose them)
    staff: bool = False  # written by a signed-in member of the newsroom
    # The thread's version at this comment's last change: of two copies, the one with the
    # higher version is newer (a reader's page, its live events and its own writes race).
    version: int = 0
    # Its author asked to be mailed about replies to it (with the email stored beside it).
    notify_replies: bool = False
    # The publisher's account id of a signed-in reader who wrote it (docs/sign-in.md).
    reader_id: str | None = None

    @property
    def verified(self) -> bool:
        """Written by a reader signed in with the publisher's account."""
        return self.reader_id is not None

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def created_us(self) -> int:
        # Integer arithmetic: timestamp() * 1e6 maps some neighbouring microseconds to one.
        return (self.created_at - _EPOCH) // _ONE_US

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
    # Stored with the row in the same statement (a post is one INSERT, not INSERT + UPDATEs):
    # the thread version this comment was written at, and what moderation said of it.
    version: int = 0
    author_key: str | None = None
    fingerprint: str | None = None
    decision: str | None = None
    reasons: tuple[str, ...] = ()
    signals: tuple[dict[str, object], ...] = ()
    reader_id: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of a thread: comments in tree order plus the cursor of the next page."""

    thread: Thread | None
    comments: list[Comment] = field(default_factory=list)
    next_cursor: str | None = None


# -- transfer (imports and exports) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferThread:
    """A thread as imported or exported: its key, and where it came from (`source` is an
    importer's format name, `source_id` its id there; both None for threads born here)."""

    key: str
    title: str | None
    url: str | None
    closed: bool
    created_at: datetime
    source: str | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class TransferComment:
    """A comment as imported or exported, identified by its origin rather than a local id:
    (`source`, `source_id`), and its parent's (`parent_source`, `parent_source_id`).

    On export a comment born here has source None and its local id as source_id."""

    source: str | None
    source_id: str
    parent_source: str | None
    parent_source_id: str | None
    status: CommentStatus
    author: Author
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None = None
    upvotes: int = 0
    downvotes: int = 0
    ip: str | None = None
    user_agent: str | None = None
    # A signed-in reader's account id at the publisher (docs/sign-in.md).
    reader_id: str | None = None


@dataclass(frozen=True, slots=True)
class TransferVote:
    """One voter's vote on a comment (the comment named by its origin, as above)."""

    source: str | None
    source_id: str
    voter: str
    value: int
    updated_at: datetime
