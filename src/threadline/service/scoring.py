"""Running the moderation engine for a use case: within a time budget, never failing it.

The engine is pure and fast (a few milliseconds a comment), but a comment must never wait
on it for long nor be lost to a bug in it: a scorer that raises, or takes longer than the
budget, gives no verdict, and the pipeline holds the comment for a person instead.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from threadline.moderation import CommentFacts, Moderator, PolicyConfig, Signal, Verdict

log = logging.getLogger(__name__)

Scored = tuple[Verdict, list[Signal]]


class CommentScorer:
    """The engine behind a time budget. `moderate` answers None when it cannot decide."""

    def __init__(self, moderator: Moderator, timeout_s: float = 0.5, workers: int = 4) -> None:
        self.moderator = moderator
        self.timeout_s = timeout_s
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="moderation")
            return self._pool

    def moderate(
        self, facts: CommentFacts, config: PolicyConfig, *, after_nudge: bool = False
    ) -> Scored | None:
        try:
            if self.timeout_s <= 0:
                return self.moderator.moderate(facts, config, after_nudge=after_nudge)
            future: Future[Scored] = self._executor().submit(
                self.moderator.moderate, facts, config, after_nudge=after_nudge
            )
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            log.warning("moderation took longer than %.3f s; holding the comment", self.timeout_s)
        except Exception:
            log.exception("moderation failed; holding the comment for review")
        return None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
