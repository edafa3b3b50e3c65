from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from threadline.moderation.moderator import Moderator
from threadline.moderation.signals import TOXICITY
from threadline.moderation.toxicity import FEATURES, ToxicityScorer, strip_quotes

TOXIC = [
    "You are a stupid idiot and everyone here knows it.",
    "Shut up, you pathetic moron.",
    "What a load of bullshit, you ignorant fool.",
    "Go to hell, loser.",
]
CIVIL = [
    "Thanks for the thoughtful article, I learned a lot.",
    "I disagree with the mayor's plan, but the reporting was fair.",
    "Does anyone know when the council votes on this?",
    "Great photos of the festival!",
]


def test_toxic_comments_score_high(moderator: Moderator) -> None:
    scores = moderator.toxicity.scores(TOXIC)
    assert all(s >= 0.5 for s in scores), scores


def test_civil_comments_score_low(moderator: Moderator) -> None:
    scores = moderator.toxicity.scores(CIVIL)
    assert all(s < 0.05 for s in scores), scores


@pytest.mark.parametrize(
    ("plain", "evasive"),
    [
        ("you are an idiot", "you are an 1d10t"),
        ("you stupid moron", "you stuuuupid m0r0n"),
        ("what a piece of shit", "what a piece of sh1t"),
    ],
)
def test_evasion_does_not_lower_the_score_much(
    moderator: Moderator, plain: str, evasive: str
) -> None:
    a, b = moderator.toxicity.scores([plain, evasive])
    assert b >= a * 0.8


def test_signal_shape(moderator: Moderator) -> None:
    signal = moderator.toxicity.score("You are a stupid idiot")
    assert signal.scorer == TOXICITY
    assert 0.0 <= signal.score <= 1.0
    assert signal.reason.startswith("Toxicity ")
    assert "insults: 2" in signal.reason


def test_features_have_the_combiner_shape(moderator: Moderator) -> None:
    x = moderator.toxicity.features(["hello", "HELLO YOU IDIOT!!!"])
    assert x.shape == (2, len(FEATURES))
    assert x[1, FEATURES.index("capitals")] == 1.0


def test_quoted_parent_is_not_held_against_the_reply(moderator: Moderator) -> None:
    parent = "You are an idiot and a liar, nobody wants you here."
    reply = "> You are an idiot and a liar\nPlease keep it civil, I only asked a question."
    copied = "You said: you are an idiot and a liar. Please keep it civil."
    alone = moderator.toxicity.score(reply)
    quoted, copy = moderator.toxicity.score_many([reply, copied], [parent, parent])
    assert quoted.score < 0.1
    assert copy.score < moderator.toxicity.score(copied).score
    assert "replying to a comment scored" in quoted.reason
    assert "not counted" in copy.reason
    assert alone.score < 0.1


class _CountingScorer(ToxicityScorer):
    """The real scorer, counting the texts it computes features for."""

    texts_scored = 0

    def features(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        self.texts_scored += len(texts)
        return super().features(texts)


def test_a_parent_is_scored_once_for_all_its_replies(moderator: Moderator) -> None:
    shipped = moderator.toxicity
    scorer = _CountingScorer.from_package(shipped.net, shipped.combiner, shipped.ngrams)
    parent = "You are an idiot and a liar, nobody wants you here."
    named = f"replying to a comment scored {shipped.scores([parent])[0]:.2f}"
    first = scorer.score_many(["I agree.", "Calm down, both of you."], [parent, parent])
    assert scorer.texts_scored == 3  # the two replies and their parent once
    later = scorer.score_many(["Why so angry?"], [parent])
    assert scorer.texts_scored == 4  # the parent's score was kept
    assert all(named in signal.reason for signal in [*first, *later])
    assert scorer.score_many(["Why so angry?"], [None])[0].score == later[0].score


def test_strip_quotes() -> None:
    assert strip_quotes("> quoted\nmine", None) == "mine"
    parent = "the quick brown fox jumps over the lazy dog"
    assert strip_quotes("As you said the quick brown fox jumps, fine.", parent) == (
        "As you said fine."
    )
    assert strip_quotes("unrelated words here", parent) == "unrelated words here"


def test_batch_equals_single(moderator: Moderator) -> None:
    batch = moderator.toxicity.score_many(TOXIC + CIVIL)
    single = [moderator.toxicity.score(t) for t in TOXIC + CIVIL]
    # float32 sums over differently padded batches differ in the last bits, no more
    assert np.allclose([s.score for s in batch], [s.score for s in single], atol=1e-5)


def test_no_quote_no_change() -> None:
    text = "first line\r\nsecond line\n"
    assert strip_quotes(text, None) is text
    assert strip_quotes(text, "a parent that shares nothing with it at all") is text


def test_reason_mentions_quotes_only_when_there_were_some(moderator: Moderator) -> None:
    signal = moderator.toxicity.score("line one\nline two\n")
    assert "not counted" not in signal.reason


def test_abuse_cannot_hide_at_the_start_of_a_long_comment(moderator: Moderator) -> None:
    filler = " ".join(["the council discussed the budget for the new library"] * 25)
    text = "You are a stupid idiot. " + filler
    assert moderator.toxicity.net.predict([text])[0, 0] < 0.1  # reads the last 100 words
    assert moderator.toxicity.scores([text])[0] >= 0.5
    assert moderator.toxicity.scores([filler])[0] < 0.05


def test_hidden_units_and_logits_agree_with_the_network(moderator: Moderator) -> None:
    net = moderator.toxicity.net
    sequences = [net.tokenize("you are an idiot"), net.tokenize("nice photos"), []]
    hidden, logits = net.hidden_logits_ids(sequences)
    assert hidden.shape == (3, 50) and (hidden >= 0).all()  # ReLU units
    assert np.array_equal(logits, net.logits_ids(sequences))
    empty_hidden, empty_logits = net.hidden_logits_ids([])
    assert empty_hidden.shape == (0, 50) and empty_logits.shape == (0, 6)


def test_features_end_with_toxblock_logits(moderator: Moderator) -> None:
    scorer = moderator.toxicity
    texts = ["You are a stupid idiot", "Thanks for the thoughtful article."]
    x = scorer.features(texts)
    _, logits = scorer.toxblock.read([scorer.repair(t) for t in texts])
    first = FEATURES.index("toxblock_toxic")
    assert FEATURES[first:] == tuple(f"toxblock_{label}" for label in FEATURES[:6])
    assert np.allclose(x[:, first:], logits)
    assert x[0, first] > x[1, first]


def test_hidden_units_come_from_the_most_toxic_window(moderator: Moderator) -> None:
    scorer = moderator.toxicity
    words = (
        "You are a stupid idiot. " + " ".join(["the council discussed the budget"] * 50)
    ).split()
    assert len(words) == 255  # read from the end: words 155–254, 55–154, then 0–54
    hidden, logits = scorer.hidden_logits([" ".join(words)])
    first, first_logits = scorer.hidden_logits([" ".join(words[:55])])
    assert logits[0, 0] == pytest.approx(first_logits[0, 0], abs=1e-5)
    assert np.allclose(hidden[0], first[0], atol=1e-5)


def test_short_replies_and_identity_mentions_are_not_flagged(moderator: Moderator) -> None:
    scores = moderator.toxicity.scores(["lol", "haha", "hello", "ok", "I am a gay man."])
    assert max(scores) < 0.12, scores  # below the nudge threshold
