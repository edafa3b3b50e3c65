"""moderation/wire.py: the engine's value objects cross to worker processes unchanged."""

from __future__ import annotations

import pickle

import pytest

from threadline.moderation import CommentFacts, Decision, PolicyConfig, Premoderation, Verdict
from threadline.moderation.signals import Signal
from threadline.moderation.spam import Behaviour


def test_every_travelling_object_comes_back_equal() -> None:
    objects = [
        CommentFacts("text", "parent", 3, Behaviour(2, 1, True), flags=4),
        CommentFacts("only text"),
        PolicyConfig(
            premoderation=Premoderation.LINKS,
            new_author_comments=2,
            toxicity_hold=0.5,
            toxicity_nudge=0.4,
            spam_hold=0.9,
            flags_to_hold=5,
            hold_suspect_words=False,
            reject_banned_words=False,
            banned_words=("zorblax",),
            suspect_words=("quux",),
        ),
        Verdict(Decision.HOLD, ("Looks like spam.",)),
        Signal("spam", 0.75, "Looks like spam.", 2),
    ]
    for obj in objects:
        back = pickle.loads(pickle.dumps(obj))
        assert back == obj and type(back) is type(obj)


def test_validation_still_runs_on_the_way_back() -> None:
    """Rebuilt through the constructor, not by setting slots: an object that could not be
    made here cannot be smuggled in either."""
    reduced = Signal("spam", 0.5, "ok").__reduce__()
    cls, args = reduced[0], reduced[1]
    assert cls(*args) == Signal("spam", 0.5, "ok")
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        cls("spam", 1.5, "too high")
