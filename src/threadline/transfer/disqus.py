"""Disqus XML export: `<thread>`s, then `<post>`s naming their thread and parent by dsq:id.

Posts keep their Disqus id (`disqus:<dsq:id>`); isSpam → rejected, isDeleted → deleted.
A thread's key is its `<link>` (else its `<id>`); posts of a deleted thread are skipped.
Bodies are HTML, sanitized by the one sanitizer.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, Skipped, ThreadIn
from threadline.transfer.times import parse_iso
from threadline.transfer.xmlstream import elements, root_tag, text

SOURCE = "disqus"
DSQ_ID = "dsq:id"


def read(path: Path, progress: Progress) -> Iterator[Record]:
    with path.open("rb") as stream:
        tag = root_tag(stream.read(4096))
        if tag is not None and tag != "disqus":
            raise ImportFailed(f"{path.name}: not a Disqus export (the root element is <{tag}>)")
        stream.seek(0)
        name = path.name
        for element, line in elements(stream, {"thread", "post"}, name, progress):
            where = f"{name} line {line}"
            if element.tag == "thread":
                yield _thread(element, where)
            else:
                yield _post(element, where)


def _flag(element: Element, name: str) -> bool:
    return text(element, name).lower() == "true"


def _thread(element: Element, where: str) -> Record:
    ref = element.get(DSQ_ID)
    if not ref:
        return Skipped(where, "thread without a dsq:id")
    if _flag(element, "isDeleted"):
        return Skipped(where, "thread deleted in Disqus", thread_ref=ref)
    created = text(element, "createdAt")
    link = text(element, "link")
    return ThreadIn(
        ref=ref,
        key=link or text(element, "id"),
        title=html.unescape(text(element, "title")) or None,
        url=link or None,
        closed=_flag(element, "isClosed"),
        created_at=parse_iso(created, where, "createdAt") if created else None,
        source=SOURCE,
        source_id=ref,
    )


def _text_of(element: Element, tag: str) -> str:
    # A plain tag: ElementTree finds it in C, without a path search (this runs for every
    # field of every one of millions of posts).
    return (element.findtext(tag) or "").strip()


def _post(element: Element, where: str) -> Record:
    post_id = element.get(DSQ_ID)
    thread = element.find("thread")
    thread_ref = thread.get(DSQ_ID) if thread is not None else None
    if not post_id:
        return Skipped(where, "post without a dsq:id")
    if not thread_ref:
        return Skipped(where, "post without a thread")
    parent = element.find("parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    if _text_of(element, "isDeleted").lower() == "true":
        status = CommentStatus.DELETED
    elif _text_of(element, "isSpam").lower() == "true":
        status = CommentStatus.REJECTED
    else:
        status = CommentStatus.PUBLISHED
    author = element.find("author")
    if author is None:
        name = email = ""
    else:
        name = _text_of(author, "name") or _text_of(author, "username")
        email = _text_of(author, "email")
    return CommentIn(
        thread_ref,
        TransferComment(
            SOURCE,
            post_id,
            SOURCE if parent_id else None,
            parent_id or None,
            status,
            Author(name, email or None),
            _text_of(element, "message"),
            "",
            parse_iso(_text_of(element, "createdAt"), where, "createdAt"),
            ip=_text_of(element, "ipAddress") or None,
        ),
        Markup.HTML,
        where,
    )
