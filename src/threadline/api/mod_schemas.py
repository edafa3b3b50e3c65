"""Shapes of the moderation API (/api/v1/mod/…) and of readers' flags, as msgspec Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from threadline.api.schemas import CommentOut, Id

Reason = Annotated[str, Meta(max_length=500, description="Why, for the audit log")]


class FlagIn(Struct, forbid_unknown_fields=True):
    reason: Literal["spam", "abusive", "off_topic", "misinformation", "other"]
    reader: Annotated[
        str, Meta(description="The reader's opaque id (16–128 characters), as for votes")
    ]
    note: Annotated[str | None, Meta(description="Optional, up to 500 characters")] = None


class LoginIn(Struct, forbid_unknown_fields=True):
    email: str
    password: str


class UserOut(Struct):
    id: int
    email: str
    display_name: str
    roles: list[str]  # "admin", or "moderator:<site>" / "staff:<site>"


class SessionOut(Struct):
    user: UserOut
    csrf_token: Annotated[
        str, Meta(description="Send back as X-CSRF-Token on every state-changing request")
    ]


class ActionIn(Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class FeatureIn(Struct, forbid_unknown_fields=True):
    featured: bool = True


class BanIn(Struct, forbid_unknown_fields=True):
    reason: Reason = ""
    days: Annotated[int, Meta(ge=1, le=3650, description="Omit or null: permanent")] | None = None
    reject_comments: Annotated[
        bool, Meta(description="Also reject the author's shown and waiting comments")
    ] = False


class BulkIn(Struct, forbid_unknown_fields=True):
    action: Literal["approve", "reject"]
    ids: Annotated[list[Id], Meta(min_length=1, max_length=200)]
    reason: Reason = ""


class ThreadPatchIn(Struct, forbid_unknown_fields=True):
    closed: bool | None = None
    premoderated: bool | None = None
    reason: Reason = ""


class ModerationOut(Struct):
    decision: str | None
    reasons: list[str]
    signals: list[dict[str, Any]]
    flags: int
    unreviewed_flags: int
    featured: bool


class HistoryOut(Struct):
    approved: int
    rejected: int
    pending: int
    first_seen: datetime | None


class ModCommentOut(Struct):
    comment: CommentOut
    body: Annotated[str, Meta(description="The Markdown source")]
    author_email: str | None
    reader_id: Annotated[
        str | None,
        Meta(
            description="The publisher's account id of the signed-in reader who wrote it "
            "(docs/sign-in.md); null for readers who typed their name"
        ),
    ]
    site: str
    thread_key: str
    thread_title: str | None
    moderation: ModerationOut
    parent: CommentOut | None
    author_history: HistoryOut


class QueueOut(Struct):
    items: list[ModCommentOut]
    next_before: Annotated[int | None, Meta(description="Pass as `before` for the next page")]


class ModeratedOut(Struct):
    comment: CommentOut


class BanOut(Struct):
    ban_id: int
    author: str
    ends_at: datetime | None
    rejected: list[int]


class BulkItemOut(Struct, omit_defaults=True):
    id: int
    ok: bool
    status: str | None = None
    code: str | None = None


class BulkOut(Struct):
    results: list[BulkItemOut]


class ModThreadOut(Struct):
    id: int
    key: str
    closed: bool


class AuditEntryOut(Struct):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str


class AuditOut(Struct):
    entries: list[AuditEntryOut]


# -- a site's rules (settings, word lists) and bans -------------------------------------------

SettingValue = bool | int | float
WordEntry = Annotated[str, Meta(max_length=100)]
WordEntries = Annotated[list[WordEntry], Meta(max_length=1000)]


class WordListsOut(Struct):
    banned: Annotated[list[str], Meta(description="The site's own banned words (reject)")]
    suspect: Annotated[list[str], Meta(description="The site's own suspect words (hold)")]
    packaged_banned: Annotated[int, Meta(description="Entries of the packaged banned list")]
    packaged_suspect: Annotated[int, Meta(description="Entries of the packaged suspect list")]


class SiteRulesOut(Struct):
    site: str
    name: str
    settings: Annotated[
        dict[str, SettingValue], Meta(description="Every site setting by name (see docs)")
    ]
    word_lists: WordListsOut
    can_change_settings: Annotated[
        bool, Meta(description="Administrators change settings; a site's moderators see them")
    ]


class SettingsPatchIn(Struct, forbid_unknown_fields=True):
    settings: Annotated[
        dict[str, SettingValue], Meta(description="Settings to change, by name; others kept")
    ]
    reason: Reason = ""


class WordListsIn(Struct, forbid_unknown_fields=True):
    banned: Annotated[WordEntries | None, Meta(description="The whole list; omit to keep")] = None
    suspect: Annotated[WordEntries | None, Meta(description="The whole list; omit to keep")] = None
    reason: Reason = ""


class BanEntryOut(Struct):
    id: int
    author: str
    reason: str
    created_at: datetime
    ends_at: Annotated[datetime | None, Meta(description="null: permanent")]
    banned_by: Annotated[str | None, Meta(description="The moderator's display name")]
    lifted_at: datetime | None


class BansOut(Struct):
    bans: list[BanEntryOut]
