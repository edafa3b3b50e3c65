"""The moderation engine behind one batching thread: the same verdicts as one at a time,
batches formed under load, per-site policies kept apart, failures confined to their comment."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import wait
from typing import Any, cast

import pytest

from threadline.moderation import CommentFacts, Decision, Moderator, PolicyConfig
from threadline.service.batch_scoring import ModerationBatcher

TEXTS = [
    "Thanks for the thorough reporting on the council budget, very useful.",
    "You are a pathetic idiot and everyone here knows it.",
    "The figures in paragraph three changed since this morning; please update them.",
    "Buy cheap watches now at http://spam.example http://spam.example http://spam.example",
    "I disagree with the mayor, but this article explains her reasons fairly.",
    "Shut up, moron. Nobody cares what you think.",
]


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator.load()


@pytest.fixture
def batcher(moderator: Moderator) -> Iterator[ModerationBatcher]:
    b = ModerationBatcher(moderator, max_batch=32)
    yield b
    b.close()


def test_batched_verdicts_match_scoring_one_at_a_time(
    moderator: Moderator, batcher: ModerationBatcher
) -> None:
    config = PolicyConfig()
    facts = [CommentFacts(t, parent_text=TEXTS[0] if i % 2 else None) for i, t in enumerate(TEXTS)]
    futures = [batcher.submit(f, config, False) for f in facts]
    for fact, future in zip(facts, futures, strict=True):
        verdict, signals = future.result(timeout=10)
        alone_verdict, alone_signals = moderator.moderate(fact, config)
        assert verdict.decision is alone_verdict.decision
        assert [s.scorer for s in signals] == [s.scorer for s in alone_signals]
        for batched, alone in zip(signals, alone_signals, strict=True):
            assert batched.score == pytest.approx(alone.score, abs=1e-6)
    decisions = [f.result()[0].decision for f in futures]
    assert decisions[0] is Decision.PUBLISH and decisions[1] is not Decision.PUBLISH


def test_comments_waiting_together_are_scored_together(batcher: ModerationBatcher) -> None:
    futures = [
        batcher.submit(CommentFacts(f"{TEXTS[i % len(TEXTS)]} ({i})"), PolicyConfig(), False)
        for i in range(96)
    ]
    done, not_done = wait(futures, timeout=30)
    assert not not_done and all(f.exception() is None for f in done)
    assert batcher.scored == 96
    assert 3 <= batcher.batches <= 40  # never more than 32 at once; far fewer than 96 runs


def test_each_comment_is_judged_by_its_own_sites_policy(batcher: ModerationBatcher) -> None:
    text = "Shut up, moron. Nobody cares what you think."
    lenient = PolicyConfig(
        toxicity_hold=1.0, toxicity_nudge=1.0, reject_banned_words=False, hold_suspect_words=False
    )
    strict = PolicyConfig(toxicity_hold=0.0, toxicity_nudge=0.0)
    loose, tight = (batcher.submit(CommentFacts(text), c, False) for c in (lenient, strict))
    assert loose.result(timeout=10)[0].decision is Decision.PUBLISH
    assert tight.result(timeout=10)[0].decision is not Decision.PUBLISH


def test_a_comment_that_breaks_the_engine_fails_alone(batcher: ModerationBatcher) -> None:
    broken = CommentFacts(cast(Any, None))  # not text: the engine raises on it
    futures = [batcher.submit(CommentFacts(t), PolicyConfig(), False) for t in TEXTS[:3]]
    bad = batcher.submit(broken, PolicyConfig(), False)
    futures += [batcher.submit(CommentFacts(t), PolicyConfig(), False) for t in TEXTS[3:]]
    assert bad.exception(timeout=10) is not None
    assert all(f.result(timeout=10)[0].decision in Decision for f in futures)


def test_a_cancelled_wait_is_not_scored(batcher: ModerationBatcher) -> None:
    futures = [batcher.submit(CommentFacts(TEXTS[0]), PolicyConfig(), False) for _ in range(64)]
    cancelled = sum(f.cancel() for f in futures[32:])  # True only for those not yet started
    wait(futures, timeout=30)
    assert batcher.scored == 64 - cancelled
    assert all(f.cancelled() or f.result()[0].decision is Decision.PUBLISH for f in futures)


def test_after_close_nothing_is_accepted(moderator: Moderator) -> None:
    batcher = ModerationBatcher(moderator)
    batcher.submit(CommentFacts(TEXTS[0]), PolicyConfig(), False).result(timeout=10)
    batcher.close()
    with pytest.raises(RuntimeError, match="stopped"):
        batcher.submit(CommentFacts(TEXTS[0]), PolicyConfig(), False)
    assert batcher.scored == 1


def test_worker_processes_score_and_a_dead_worker_is_replaced(moderator: Moderator) -> None:
    before = set(multiprocessing.active_children())  # other tests may have left some
    batcher = ModerationBatcher(moderator, processes=1)
    try:
        batcher.warm()
        (worker,) = set(multiprocessing.active_children()) - before
        config = PolicyConfig()
        futures = [batcher.submit(CommentFacts(t), config, False) for t in TEXTS]
        for text, future in zip(TEXTS, futures, strict=True):
            verdict, signals = future.result(timeout=30)
            alone_verdict, alone_signals = moderator.moderate(CommentFacts(text), config)
            assert verdict.decision is alone_verdict.decision
            assert signals[0].score == pytest.approx(alone_signals[0].score, abs=1e-6)

        worker.kill()
        worker.join(timeout=10)
        # The batch that meets the dead worker gets no verdict (the pipeline holds those
        # comments); a new worker takes the next ones.
        deadline = time.monotonic() + 60
        while True:
            attempt = batcher.submit(CommentFacts(TEXTS[0]), config, False)
            if attempt.exception(timeout=60) is None or time.monotonic() > deadline:
                break
        assert attempt.result()[0].decision is Decision.PUBLISH
        assert worker not in multiprocessing.active_children()
    finally:
        batcher.close()
    assert not set(multiprocessing.active_children()) - before  # close stops the workers


def test_with_worker_processes_the_server_process_loads_no_engine(moderator: Moderator) -> None:
    """The engine's models (≈ 60 MiB) are loaded where comments are scored: in the workers."""
    from threadline.service.scoring import CommentScorer

    before = set(multiprocessing.active_children())
    scorer = CommentScorer(None, timeout_s=60, processes=1)
    try:
        scored = scorer.moderate(CommentFacts(TEXTS[1]), PolicyConfig())
        assert scored is not None
        alone, _ = moderator.moderate(CommentFacts(TEXTS[1]), PolicyConfig())
        assert scored[0].decision is alone.decision
        assert scorer._moderator is None  # scored in the worker; nothing loaded here
    finally:
        scorer.close()
    assert not set(multiprocessing.active_children()) - before


def test_without_worker_processes_the_engine_is_loaded_at_first_use() -> None:
    from threadline.service.scoring import CommentScorer

    loads: list[int] = []

    def load() -> Moderator:
        loads.append(1)
        return Moderator.load()

    scorer = CommentScorer(None, timeout_s=60, processes=0, load=load)
    try:
        assert loads == []  # not at start
        for text in TEXTS[:2]:
            assert scorer.moderate(CommentFacts(text), PolicyConfig()) is not None
        assert loads == [1]  # once, then kept
    finally:
        scorer.close()
