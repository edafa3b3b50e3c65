"""WordPress WXR export: each `<item>` (post or page) with its `<wp:comment>`s.

Comments keep their WordPress id (`wordpress:<comment_id>`) and parent (`comment_parent`);
comment_approved 1 → published, 0 → pending, spam → rejected, trash → deleted. Pingbacks
and trackbacks are skipped (they are not comments). A thread's key is the item's `<link>`.
Bodies are WordPress comment text: HTML where blank lines separate paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, Skipped, ThreadIn
from threadline.transfer.times import parse_iso
from threadline.transfer.xmlstream import elements, root_tag, text

SOURCE = "wordpress"
_STATUS = {
    "1": CommentStatus.PUBLISHED,
    "approve": CommentStatus.PUBLISHED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.REJECTED,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}


def read(path: Path, progress: Progress) -> Iterator[Record]:
    with path.open("rb") as stream:
        tag = root_tag(stream.read(4096))
        if tag is not None and tag != "rss":
            raise ImportFailed(f"{path.name}: not a WordPress export (the root is <{tag}>)")
        stream.seek(0)
        for item, line in elements(stream, {"item"}, path.name, progress):
            yield from _item(item, f"{path.name} line {line}")


def _date(element: Element, where: str, name: str) -> str:
    value = text(element, f"wp:{name}_gmt")
    if not value or value.startswith("0000"):
        value = text(element, f"wp:{name}")
    return value


def _item(item: Element, where: str) -> Iterator[Record]:
    comments = item.findall("wp:comment")
    if not comments:
        return
    link = text(item, "link")
    ref = text(item, "wp:post_id") or link
    posted = _date(item, where, "post_date")
    yield ThreadIn(
        ref=ref,
        key=link,
        title=text(item, "title") or None,
        url=link or None,
        closed=text(item, "wp:comment_status") == "closed",
        created_at=parse_iso(posted, where, "post_date") if posted else None,
        source=SOURCE,
        source_id=ref,
    )
    for number, comment in enumerate(comments, start=1):
        yield _comment(comment, ref, f"{where}, comment {number}")


def _comment(comment: Element, thread_ref: str, where: str) -> Record:
    comment_id = text(comment, "wp:comment_id")
    if not comment_id:
        return Skipped(where, "comment without a comment_id")
    kind = text(comment, "wp:comment_type")
    if kind in ("pingback", "trackback"):
        return Skipped(where, kind)
    approved = text(comment, "wp:comment_approved")
    status = _STATUS.get(approved)
    if status is None:
        raise ImportFailed(f"{where}: unknown comment_approved {approved!r}")
    parent = text(comment, "wp:comment_parent")
    parent_id = parent if parent not in ("", "0") else None
    return CommentIn(
        thread_ref=thread_ref,
        comment=TransferComment(
            source=SOURCE,
            source_id=comment_id,
            parent_source=SOURCE if parent_id else None,
            parent_source_id=parent_id,
            status=status,
            author=Author(
                text(comment, "wp:comment_author"),
                text(comment, "wp:comment_author_email") or None,
                text(comment, "wp:comment_author_url") or None,
            ),
            body=text(comment, "wp:comment_content"),
            html="",
            created_at=parse_iso(_date(comment, where, "comment_date"), where, "comment_date"),
            ip=text(comment, "wp:comment_author_IP") or None,
        ),
        markup=Markup.TEXT_HTML,
        where=where,
    )
