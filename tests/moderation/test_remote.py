"""The external scorer's client (moderation/remote.py): its JSON contract, table-driven, and
real HTTP against a local server that answers well, late, with 500 or with garbage."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.moderation.scorer_server import SLOW_S, ScorerServer, scorer_server
from threadline.moderation import Decision, Verdict
from threadline.moderation.remote import (
    EXTERNAL,
    RemoteAnswer,
    RemoteScorer,
    RemoteScorerError,
    answer_signal,
    join,
    parse_answer,
)


@pytest.fixture(scope="module")
def server() -> Iterator[ScorerServer]:
    with scorer_server() as running:
        yield running


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"score": 0.2}', RemoteAnswer(0.2, False, "")),
        (b'{"score": 0.5}', RemoteAnswer(0.5, True, "")),  # hold defaults to score >= 0.5
        (b'{"score": 1, "hold": false, "reason": " a\\n b "}', RemoteAnswer(1.0, False, "a b")),
        (b'{"score": 0, "hold": true, "extra": [1]}', RemoteAnswer(0.0, True, "")),
        (b'{"score": 0.7, "reason": "' + b"x" * 400 + b'"}', RemoteAnswer(0.7, True, "x" * 300)),
    ],
)
def test_answers_within_the_contract(body: bytes, expected: RemoteAnswer) -> None:
    assert parse_answer(body) == expected


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[0.5]", "not an object"),
        (b"{}", "'score'"),
        (b'{"score": "0.5"}', "'score'"),
        (b'{"score": true}', "'score'"),
        (b'{"score": 1.5}', "'score'"),
        (b'{"score": -0.1}', "'score'"),
        (b'{"score": NaN}', "'score'"),
        (b'{"score": 0.5, "hold": 1}', "'hold'"),
        (b'{"score": 0.5, "reason": 3}', "'reason'"),
    ],
)
def test_answers_outside_the_contract_are_refused_with_a_reason(body: bytes, problem: str) -> None:
    with pytest.raises(RemoteScorerError, match=problem):
        parse_answer(body)


def test_a_verdict_takes_the_scorers_hold_but_never_a_rejection_from_it() -> None:
    hold = RemoteAnswer(0.9, True, "Off-brand fruit talk.")
    calm = RemoteAnswer(0.1, False, "")
    published = Verdict(Decision.PUBLISH, ())
    assert join(published, calm) == published
    joined = join(published, hold)
    assert joined.decision is Decision.HOLD
    assert joined.reasons == ("The newsroom's scorer gave 0.90: Off-brand fruit talk.",)
    held = Verdict(Decision.HOLD, ("Toxicity 0.40.",))
    assert join(held, hold).reasons[0] == "Toxicity 0.40."
    rejected = Verdict(Decision.REJECT, ("Banned word.",))
    assert join(rejected, hold) == rejected
    assert answer_signal(hold).scorer == EXTERNAL and answer_signal(hold).score == 0.9


def test_the_url_and_timeout_are_checked_up_front() -> None:
    with pytest.raises(ValueError, match="http"):
        RemoteScorer("ftp://scorer.example/", 0.3)
    with pytest.raises(ValueError, match="http"):
        RemoteScorer("scorer.example/score", 0.3)
    with pytest.raises(ValueError, match="timeout"):
        RemoteScorer("http://127.0.0.1:9/", 0)


def test_a_real_scorer_is_sent_the_comment_and_its_answer_is_read(server: ScorerServer) -> None:
    scorer = RemoteScorer(server.url("/ok"), 2.0)
    try:
        answer = scorer.score("I put pineapple on pizza.", "What goes on pizza?", "demo")
        assert answer == RemoteAnswer(0.91, True, "Off-brand fruit talk.")
        assert scorer.score("Nice article.", None, "demo") == RemoteAnswer(0.04, False, "")
    finally:
        scorer.close()
    assert server.requests[-2] == {
        "path": "/ok",
        "text": "I put pineapple on pizza.",
        "parent_text": "What goes on pizza?",
        "site": "demo",
    }
    assert server.requests[-1]["parent_text"] is None


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/error", "answered HTTP 500"),
        ("/missing", "answered HTTP 404"),
        ("/garbage", "not JSON"),
        ("/wrong", "'score'"),
    ],
)
def test_a_failing_scorer_raises_a_readable_error(
    server: ScorerServer, path: str, problem: str
) -> None:
    scorer = RemoteScorer(server.url(path), 2.0)
    try:
        with pytest.raises(RemoteScorerError, match=problem):
            scorer.score("Hello", None, "demo")
    finally:
        scorer.close()


def test_a_slow_scorer_times_out_on_the_clients_side(server: ScorerServer) -> None:
    scorer = RemoteScorer(server.url("/slow"), 0.2)
    started = time.monotonic()
    try:
        with pytest.raises(RemoteScorerError, match="did not answer within 200 ms"):
            scorer.score("Hello", None, "demo")
    finally:
        scorer.close()
    assert time.monotonic() - started < 2.0 < SLOW_S  # the server sleeps 3 s


def test_a_scorer_nobody_listens_on_is_unreachable() -> None:
    scorer = RemoteScorer("http://127.0.0.1:9/score", 0.5)  # discard port: refused
    try:
        with pytest.raises(RemoteScorerError, match="could not be reached"):
            scorer.score("Hello", None, "demo")
    finally:
        scorer.close()
