"""Events announced after a change commits (never before: listeners only see durable facts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThreadChanged:
    """Base of every event that changes what a thread page shows."""

    site_slug: str
    thread_key: str
    thread_id: int
    version: int


@dataclass(frozen=True, slots=True)
class CommentPosted(ThreadChanged):
    comment_id: int


@dataclass(frozen=True, slots=True)
class CommentEdited(ThreadChanged):
    comment_id: int


@dataclass(frozen=True, slots=True)
class CommentDeleted(ThreadChanged):
    comment_id: int


@dataclass(frozen=True, slots=True)
class VoteCast(ThreadChanged):
    comment_id: int


@dataclass(frozen=True, slots=True)
class CommentModerated(ThreadChanged):
    """A comment's status or standing changed by moderation: held, approved, rejected,
    featured (by a moderator, or by readers' flags reaching the site's threshold)."""

    comment_id: int


@dataclass(frozen=True, slots=True)
class ThreadModerated(ThreadChanged):
    """A thread was closed, reopened, or put under pre-moderation."""


@dataclass(frozen=True, slots=True)
class ReplyPublished:
    """A reply became visible to readers (posted published, or approved later); not a page
    change of its own (CommentPosted/CommentModerated say that), the cue for mailing the
    parent's author when they asked for it."""

    site_slug: str
    comment_id: int
