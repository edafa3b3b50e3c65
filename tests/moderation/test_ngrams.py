"""The toxicity n-gram model: what it reads, how it scores, the packaged weights."""

from __future__ import annotations

import pytest

from threadline.moderation.moderator import Moderator
from threadline.moderation.ngrams import WINDOW, Analyzer, NgramModel, char_ngrams, words


def test_words_are_folded() -> None:
    assert words("ＹＯＵ are an İDİOT!") == ["you", "are", "an", "idiot", "!"]
    assert words("don't stop") == ["don't", "stop"]


def test_analyzer_reads_words_pairs_and_characters() -> None:
    grams = Analyzer()("You idiot!")
    assert {"w:you", "w:idiot", "w:!", "b:you idiot", "b:idiot !"} <= grams
    assert {" i", "id", "idi", "idio", "idiot", "diot ", "t "} <= grams
    assert not any(g.startswith(" !") for g in grams)  # punctuation has no characters n-grams
    assert char_ngrams("ab") == {" a", "ab", "b ", " ab", "ab ", " ab "}


def test_logit_is_bias_plus_weights_over_root_of_distinct_grams() -> None:
    model = NgramModel({"w:idiot": 3.0, "w:you": -1.0}, bias=-2.0)
    grams = Analyzer()("you idiot")
    assert model.logit("you idiot") == pytest.approx(-2.0 + 2.0 / len(grams) ** 0.5)
    assert model.logit("") == -2.0
    assert model.logit("nothing known here") == -2.0


def test_long_text_is_read_in_windows() -> None:
    model = NgramModel({"w:idiot": 10.0}, bias=0.0)
    filler = " ".join(["calm"] * (3 * WINDOW))
    text = "idiot " + filler
    assert model.window_logit(text) > model.logit(text) > 0
    assert model.window_logit("idiot") == model.logit("idiot")
    assert list(model.logits([text, "calm"])) == [model.window_logit(text), 0.0]


def test_json_round_trip_and_size_check() -> None:
    model = NgramModel({"w:a": 0.5, "ab": -0.25}, bias=-1.5)
    again = NgramModel.from_json(model.to_json(trained_on="test"))
    assert (again.weights, again.bias) == (model.weights, model.bias)
    broken = model.to_json().replace('"char_sizes":[2,3,4,5]', '"char_sizes":[3,4]')
    with pytest.raises(ValueError, match="sizes"):
        NgramModel.from_json(broken)


def test_packaged_model_separates_abuse_from_civility(moderator: Moderator) -> None:
    model = moderator.toxicity.ngrams
    assert len(model.weights) > 10_000
    abusive = model.logits(["you are a pathetic idiot", "shut up, moron"])
    civil = model.logits(["thanks for the article", "the council meets on tuesday"])
    assert min(abusive) > max(civil)
