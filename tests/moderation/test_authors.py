from __future__ import annotations

from threadline.moderation.authors import APPROVED_COUNTED, new_author, reader_flags


def test_new_author() -> None:
    assert new_author(None).score == 1.0
    assert new_author(0).score == 1.0
    assert new_author(0).reason == "First comment by this author."
    known = new_author(4)
    assert known.score == 0.0 and known.count == 4
    assert new_author(1).reason == "The author has 1 approved comment."
    assert new_author(APPROVED_COUNTED - 1).reason == "The author has 99 approved comments."
    # Counting stops at APPROVED_COUNTED: the reason says no more than it knows.
    many = new_author(APPROVED_COUNTED)
    assert many.reason == "The author has 100 or more approved comments."
    assert many.count == APPROVED_COUNTED and many.score == 0.0


def test_reader_flags() -> None:
    assert reader_flags(0, 3).score == 0.0
    two = reader_flags(2, 3)
    assert two.count == 2 and 0.6 < two.score < 0.7
    assert reader_flags(5, 3).score == 1.0
    assert reader_flags(1, 3).reason == "Flagged by 1 reader."
