"""The API's shapes: request bodies (unknown fields refused) and responses, as msgspec Structs.

These types are also the source of the OpenAPI document's schemas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

Id = Annotated[int, Meta(ge=1, le=2**53, description="A comment id")]


class AuthorIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(description="Display name, 1–64 characters")]
    email: Annotated[str | None, Meta(description="Optional; never shown or returned")] = None
    website: Annotated[str | None, Meta(description="Optional http(s) URL")] = None


class PostCommentIn(Struct, forbid_unknown_fields=True):
    site: Annotated[str, Meta(description="The site's slug")]
    thread: Annotated[str, Meta(description="Article id or canonical URL (normalized)")]
    body: Annotated[str, Meta(description="Markdown source")]
    author: Annotated[
        AuthorIn | None,
        Meta(
            description="Required unless the request carries a Threadline-Reader token; with "
            "one, the name and email come from the token and only author.website is used"
        ),
    ] = None
    parent_id: Id | None = None
    title: Annotated[str | None, Meta(description="Article title; sets the thread's")] = None
    url: Annotated[str | None, Meta(description="Article URL; sets the thread's")] = None
    honeypot: Annotated[str, Meta(description="Must be empty: a hidden form field for bots")] = ""
    acknowledge_nudge: Annotated[
        bool,
        Meta(description="Post anyway after a civility_nudge answer (the comment is held)"),
    ] = False
    notify_replies: Annotated[
        bool,
        Meta(
            description="Email the author (author.email, required then) when a reply to this "
            "comment is published; each mail carries an unsubscribe link"
        ),
    ] = False
    lang: Annotated[
        Annotated[str, Meta(max_length=35)] | None,
        Meta(
            description="The language of those mails, a tag such as de, fr-CH or en-GB: its "
            "primary subtag chooses among en, de and fr; any other tag means English. Without "
            "it, the request's Accept-Language decides"
        ),
    ] = None


class EditCommentIn(Struct, forbid_unknown_fields=True):
    body: str
    acknowledge_nudge: bool = False


class VoteIn(Struct, forbid_unknown_fields=True):
    value: Annotated[Literal[-1, 0, 1], Meta(description="1 up, -1 down, 0 withdraw")]
    voter: Annotated[
        str,
        Meta(
            description="The reader's opaque voter id (16–128 characters), "
            "generated and kept by the widget, not starting with reader:"
        ),
    ]


class CountsIn(Struct, forbid_unknown_fields=True):
    site: str
    keys: Annotated[list[str], Meta(max_length=500)]


class OwnCommentsIn(Struct, forbid_unknown_fields=True):
    site: Annotated[str, Meta(description="The site's slug")]
    thread: Annotated[str, Meta(description="Article id or canonical URL (normalized)")]
    tokens: Annotated[
        list[str],
        Meta(max_length=50, description="Edit tokens the reader's browser kept (at most 50)"),
    ]


class AuthorOut(Struct):
    name: str
    website: str | None
    verified: Annotated[
        bool,
        Meta(
            description="Posted by a reader signed in with the publisher's account (a "
            "Threadline-Reader token): the name is the one the publisher vouches for"
        ),
    ]


class CommentOut(Struct):
    id: int
    parent_id: int | None
    depth: int
    author: AuthorOut | None
    html: str
    created_at: datetime
    edited_at: datetime | None
    score: int
    upvotes: int
    downvotes: int
    reply_count: int
    deleted: bool
    status: Literal["published", "pending", "rejected", "deleted"]
    featured: Annotated[bool, Meta(description="An editor's pick, chosen by the newsroom")]
    staff: Annotated[bool, Meta(description="Written by a member of the newsroom's staff")]
    version: Annotated[
        int,
        Meta(
            description="The thread's version at this comment's last change (edit, vote, "
            "moderation): of two copies of a comment, the one with the higher version is "
            "newer"
        ),
    ]


class ThreadOut(Struct):
    id: int | None
    site: str
    key: str
    title: str | None
    url: str | None
    closed: bool
    comment_count: int


class ThreadPageOut(Struct):
    thread: ThreadOut
    comments: list[CommentOut]
    next_cursor: str | None


class PostedCommentOut(Struct):
    comment: CommentOut
    edit_token: Annotated[str, Meta(description="Shown once: proves ownership for edit/delete")]


class CommentWithContextOut(Struct):
    comment: CommentOut
    ancestors: list[CommentOut]
    thread: ThreadOut


class CommentOnlyOut(Struct):
    comment: CommentOut


class OwnCommentOut(CommentOut):
    """A comment as its proven author sees it (only in POST /comments/mine): the public shape,
    the Markdown they wrote and the end of their edit window."""

    source: Annotated[
        str, Meta(description="The Markdown its author wrote (returned only to its author)")
    ]
    editable_until: Annotated[
        datetime | None,
        Meta(
            description="When the site's edit window closes for this comment (edit and "
            "delete are allowed until then); null once it has closed"
        ),
    ]


class OwnCommentsOut(Struct):
    comments: Annotated[
        list[OwnCommentOut],
        Meta(description="The bearer's comments in the thread, oldest first, any status"),
    ]


class CountsOut(Struct):
    counts: dict[str, int]


class HealthOut(Struct):
    status: str
    database: str


class ErrorBody(Struct, omit_defaults=True):
    code: Annotated[str, Meta(description="Stable, machine-readable")]
    message: Annotated[str, Meta(description="A sentence for people")]
    field: str | None = None


class ErrorOut(Struct):
    error: ErrorBody


encoder = msgspec.json.Encoder()
