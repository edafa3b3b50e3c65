"""Signals about the author and the readers: first comments of new authors, reader flags."""

from __future__ import annotations

from threadline.moderation.signals import FLAGS, NEW_AUTHOR, Signal

# An author's approved comments are counted up to this many (or up to the site's "first N
# comments" when that is more): the checks of a new comment need no more.
APPROVED_COUNTED = 100


def new_author(approved_comments: int | None) -> Signal:
    """From the number of the author's earlier approved comments (None = unknown author).

    `count` carries that number, so the policy can hold the first N comments of new authors.
    """
    if approved_comments is None or approved_comments <= 0:
        return Signal(NEW_AUTHOR, 1.0, "First comment by this author.", count=0)
    n = approved_comments
    if n >= APPROVED_COUNTED:
        reason = f"The author has {APPROVED_COUNTED} or more approved comments."
    else:
        reason = f"The author has {n} approved comment{'s' if n != 1 else ''}."
    return Signal(NEW_AUTHOR, 0.0, reason, count=n)


def reader_flags(flags: int, hold_at: int) -> Signal:
    """From the number of distinct readers who flagged the comment; 1 at the hold threshold."""
    if flags <= 0:
        return Signal(FLAGS, 0.0, "No reader flags.", count=0)
    score = min(1.0, flags / hold_at) if hold_at > 0 else 1.0
    return Signal(FLAGS, score, f"Flagged by {flags} reader{'s' if flags != 1 else ''}.", flags)
