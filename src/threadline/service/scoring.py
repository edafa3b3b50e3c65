"""Running the moderation engine for a use case: within a time budget, never failing it.

The engine is pure and fast (a few milliseconds a comment), but a comment must never wait
on it for long nor be lost to a bug in it: a scorer that raises, or takes longer than the
budget, gives no verdict, and the pipeline holds the comment for a person instead. The
engine itself runs behind `service/batch_scoring.ModerationBatcher`: comments waiting at the
same time are scored together, in worker processes when `moderation_processes` > 0.

A newsroom's own scorer over HTTP (moderation/remote.py), when configured, is asked at the
same time as the local engine, within its own budget (`external_scorer_timeout_ms`): the
comment waits for the slower of the two budgets at most. Its answer joins the local signals
(and may hold the comment); no usable answer is logged and recorded as a signal, and the
comment is decided by the local scorers alone — or held for a person, when the server says
so (`external_scorer_hold_on_failure`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from threadline.config import Settings
from threadline.moderation import CommentFacts, Decision, Moderator, PolicyConfig, Signal, Verdict
from threadline.moderation.remote import (
    RemoteAnswer,
    RemoteScorer,
    RemoteScorerError,
    answer_signal,
    join,
    unavailable_signal,
)
from threadline.service.batch_scoring import ModerationBatcher

log = logging.getLogger(__name__)

Scored = tuple[Verdict, list[Signal]]


class CommentScorer:
    """The engine behind a time budget. `moderate` answers None when it cannot decide."""

    def __init__(
        self,
        moderator: Moderator | None,
        timeout_s: float = 0.5,
        workers: int = 4,
        *,
        remote: RemoteScorer | None = None,
        hold_without_remote: bool = False,
        processes: int = 0,
        load: Callable[[], Moderator] = Moderator.load,
    ) -> None:
        """`moderator` None: built by `load` (a module-level function: worker processes call
        it too) when this process first needs it — with worker processes, never: the server
        process then holds no models (≈ 60 MiB less)."""
        self._moderator = moderator
        self._load = load
        self._loading = threading.Lock()
        self.timeout_s = timeout_s
        self.remote = remote
        # No usable answer from the remote scorer: hold the comment (True) or let the local
        # scorers decide alone (False).
        self.hold_without_remote = hold_without_remote
        self._workers = workers
        self._batching: ModerationBatcher | None = None
        self._processes = processes
        self._remote_pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def moderator(self) -> Moderator:
        with self._loading:
            if self._moderator is None:
                self._moderator = self._load()
            return self._moderator

    @classmethod
    def from_settings(cls, moderator: Moderator | None, settings: Settings) -> CommentScorer:
        remote = (
            RemoteScorer(settings.external_scorer_url, settings.external_scorer_timeout_ms / 1000)
            if settings.external_scorer_url
            else None
        )
        return cls(
            moderator,
            settings.moderation_timeout_ms / 1000,
            remote=remote,
            hold_without_remote=settings.external_scorer_hold_on_failure,
            processes=settings.moderation_processes,
        )

    def _batcher(self) -> ModerationBatcher:
        with self._lock:
            if self._batching is None:
                # The batcher loads the engine itself where it scores (here, or in workers).
                self._batching = ModerationBatcher(
                    self._moderator, processes=self._processes, load_in_worker=self._load
                )
            return self._batching

    def warm(self) -> None:
        """Load the engine now (in its worker processes, if any), before the first comment."""
        self._batcher().warm()

    def _remote_executor(self) -> ThreadPoolExecutor:
        # Its own threads: a remote scorer that hangs never starves the local engine.
        with self._lock:
            if self._remote_pool is None:
                self._remote_pool = ThreadPoolExecutor(
                    self._workers * 2, thread_name_prefix="external-scorer"
                )
            return self._remote_pool

    def moderate(
        self,
        facts: CommentFacts,
        config: PolicyConfig,
        *,
        after_nudge: bool = False,
        site: str = "",
    ) -> Scored | None:
        asked = self._ask_remote(facts, site) if self.remote is not None else None
        local = self._moderate_locally(facts, config, after_nudge)
        if asked is None:
            return local
        answer = self._remote_answer(*asked)
        if local is None:
            return None  # held anyway: the engine gave no verdict
        verdict, signals = local
        if isinstance(answer, RemoteAnswer):
            return join(verdict, answer), [*signals, answer_signal(answer)]
        unavailable = unavailable_signal(answer)
        if self.hold_without_remote and verdict.decision is Decision.PUBLISH:
            verdict = Verdict(Decision.HOLD, (f"{unavailable.reason} Held for review.",))
        return verdict, [*signals, unavailable]

    def _moderate_locally(
        self, facts: CommentFacts, config: PolicyConfig, after_nudge: bool
    ) -> Scored | None:
        try:
            if self.timeout_s <= 0:
                return self.moderator.moderate(facts, config, after_nudge=after_nudge)
            future = self._batcher().submit(facts, config, after_nudge)
            try:
                return future.result(timeout=self.timeout_s)
            except FutureTimeout:
                future.cancel()  # still queued: not scored for nobody
                raise
        except FutureTimeout:
            log.warning("moderation took longer than %.3f s; holding the comment", self.timeout_s)
        except Exception:
            log.exception("moderation failed; holding the comment for review")
        return None

    def _ask_remote(self, facts: CommentFacts, site: str) -> tuple[Future[RemoteAnswer], float]:
        assert self.remote is not None
        future = self._remote_executor().submit(
            self.remote.score, facts.text, facts.parent_text, site
        )
        return future, time.monotonic() + self.remote.timeout_s

    def _remote_answer(self, future: Future[RemoteAnswer], deadline: float) -> RemoteAnswer | str:
        """The answer, or what went wrong (logged) as words for the moderators."""
        assert self.remote is not None
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            problem = f"did not answer within {self.remote.timeout_s * 1000:.0f} ms"
        except RemoteScorerError as exc:
            problem = str(exc)
        except Exception:
            log.exception("the external scorer's client failed")
            problem = "could not be asked"
        log.warning("external scorer at %s %s; the comment is kept", self.remote.url, problem)
        return problem

    def close(self) -> None:
        with self._lock:
            batching, self._batching = self._batching, None
        if batching is not None:
            batching.close()
        with self._lock:
            for pool in (self._remote_pool,):
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
            self._remote_pool = None
        if self.remote is not None:
            self.remote.close()
