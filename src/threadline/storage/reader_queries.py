"""Queries about who wrote a comment: a reader's own comments, found by the hashes of the
edit tokens their browser keeps or by their sign-in account, and the newsroom member behind a
staff comment.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

from threadline.domain.models import Comment
from threadline.storage.queries import Queries


class ReaderQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    def set_comment_author_user(self, comment_id: int, user_id: int) -> Comment:
        """Mark a comment as written by this signed-in member of the newsroom."""
        from threadline.storage.gateway import COMMENT_COLUMNS, comment_from_row

        row = self._one(
            f"UPDATE comments SET author_user_id = :user WHERE id = :id "
            f"RETURNING {COMMENT_COLUMNS}",
            {"id": comment_id, "user": user_id},
        )
        assert row is not None
        return comment_from_row(row)

    def comments_by_token_hashes(
        self, site_id: int, key: str, token_hashes: Sequence[str]
    ) -> list[Comment]:
        """The comments of thread (site, key) whose edit token hashes to one of these, oldest
        first. Deleted comments have no token left, so they are never found."""
        from threadline.storage.gateway import comment_cols, comment_from_row, in_chunks

        found: list[Comment] = []
        for marks, names in in_chunks(list(dict.fromkeys(token_hashes))):
            rows = self._all(
                f"SELECT {comment_cols('c')} FROM comments c JOIN threads t ON t.id = c.thread_id "
                f"WHERE t.site_id = :site AND t.key = :key AND c.edit_token_hash IN ({marks})",
                {"site": site_id, "key": key, **names},
            )
            found.extend(comment_from_row(r) for r in rows)
        return sorted(found, key=lambda c: c.id)

    def comments_by_reader(self, site_id: int, key: str, reader_id: str) -> list[Comment]:
        """The comments of thread (site, key) that the signed-in reader `reader_id` wrote,
        oldest first (deleted ones lose their reader, so they are never found)."""
        from threadline.storage.gateway import comment_cols, comment_from_row

        rows = self._all(
            f"SELECT {comment_cols('c')} FROM comments c JOIN threads t ON t.id = c.thread_id "
            "WHERE t.site_id = :site AND t.key = :key AND c.reader_id = :reader ORDER BY c.id",
            {"site": site_id, "key": key, "reader": reader_id},
        )
        return [comment_from_row(r) for r in rows]
