"""The moderation engine fed in batches by one thread of its own.

Scoring one comment at a time from many request threads costs several times the CPU of
scoring them together: the toxicity network runs a small matrix product per word, and each
comment alone pays for every step, while threads fight over the GIL in between. Here one
engine thread takes the first waiting comment and every comment queued behind it (up to
`max_batch`), scores them together (toxicity in one pass per site policy), and answers each
one's future. A quiet server scores a lone comment at once; a busy one forms batches by
itself, without waiting to fill them.

With `processes=N` the batches are scored in N worker processes (spawned, each with its own
copy of the engine): the server's process then spends its one GIL on HTTP and the database
while the engine uses the machine's other cores. A worker that dies costs its batch a
verdict (those comments are held for review, never lost) and is replaced.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from threadline.moderation import CommentFacts, Moderator, PolicyConfig, Signal, Verdict, decide

log = logging.getLogger(__name__)

Scored = tuple[Verdict, list[Signal]]


@dataclass(frozen=True, slots=True)
class _Job:
    facts: CommentFacts
    config: PolicyConfig
    after_nudge: bool
    future: Future[Scored]


Request = tuple[CommentFacts, PolicyConfig, bool]
Outcome = Scored | Exception


def score_requests(moderator: Moderator, requests: list[Request]) -> list[Outcome]:
    """Each comment's verdict and signals, toxicity batched per policy; a comment the
    engine fails on gets its exception, and only it."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    by_config: dict[PolicyConfig, list[int]] = {}
    for i, (_, config, _) in enumerate(requests):
        by_config.setdefault(config, []).append(i)
    for config, group in by_config.items():
        try:
            found = moderator.signals_many([requests[i][0] for i in group], config)
        except Exception:
            if len(group) == 1:
                log.exception("moderation failed")
                outcomes[group[0]] = RuntimeError("moderation failed")
                continue
            # One comment the engine chokes on must not cost the others their verdict.
            found = []
            for i in group:
                try:
                    found.append(moderator.signals_many([requests[i][0]], config)[0])
                except Exception as exc:
                    log.exception("moderation failed for one comment of a batch")
                    outcomes[i] = exc
                    found.append([])
        for i, signals in zip(group, found, strict=True):
            if outcomes[i] is not None:
                continue
            try:
                outcomes[i] = (decide(signals, config, after_nudge=requests[i][2]), signals)
            except Exception as exc:
                log.exception("the moderation policy failed")
                outcomes[i] = exc
    return [o if o is not None else RuntimeError("not scored") for o in outcomes]


# -- inside a worker process ----------------------------------------------------------------

_worker_moderator: Moderator | None = None


def _install(load: Callable[[], Moderator]) -> None:
    global _worker_moderator
    _worker_moderator = load()


def _score_in_worker(requests: list[Request]) -> list[Outcome]:
    assert _worker_moderator is not None, "worker started without its engine"
    return score_requests(_worker_moderator, requests)


def _ready() -> bool:
    return _worker_moderator is not None


# -- in the server's process ----------------------------------------------------------------


class ModerationBatcher:
    def __init__(
        self,
        moderator: Moderator | None,
        max_batch: int = 32,
        processes: int = 0,
        load_in_worker: Callable[[], Moderator] = Moderator.load,
    ) -> None:
        """`load_in_worker` (picklable: a module-level function) builds each worker
        process's engine; it must build one equal to `moderator`. Without worker processes
        the engine is `moderator`, or one `load_in_worker` builds here when none is given."""
        self._local = moderator
        self.load_in_worker = load_in_worker
        self.max_batch = max(1, max_batch)
        self.processes = max(0, processes)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = self.scored = 0  # for tests and diagnostics

    def _start(self) -> None:
        """Under the lock: the engine threads (one, or one per worker process) and pool."""
        if self._threads:
            return
        if self.processes:
            self._pool = self._new_pool()
        # Two batches in flight per worker process: it starts the next as soon as it answers
        # one, instead of idling while the answer travels back and the next batch forms.
        for n in range(max(1, 2 * self.processes)):
            thread = threading.Thread(target=self._run, name=f"moderation-batcher-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _local_engine(self) -> Moderator:
        with self._lock:
            if self._local is None:
                self._local = self.load_in_worker()
            return self._local

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: forking a process that runs an event loop and threads is not safe.
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_install,
            initargs=(self.load_in_worker,),
        )

    def warm(self, timeout: float = 60.0) -> None:
        """Start the engine now (worker processes load it), not at the first comment."""
        with self._lock:
            if self._closed:
                return
            self._start()
            pool = self._pool
        if pool is not None:
            futures = [pool.submit(_ready) for _ in range(self.processes)]
            for future in futures:
                future.result(timeout=timeout)

    def submit(
        self, facts: CommentFacts, config: PolicyConfig, after_nudge: bool
    ) -> Future[Scored]:
        future: Future[Scored] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the moderation engine has stopped")
            self._start()
            self._queue.put(_Job(facts, config, after_nudge, future))
        return future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
            for _ in threads:
                self._queue.put(None)
            pool, self._pool = self._pool, None
        for thread in threads:
            thread.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # workers exit with the server
        self._fail_waiting()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            # Those whose caller gave up waiting (cancelled) are not scored.
            self._score([job for job in batch if job.future.set_running_or_notify_cancel()])

    def _fail_waiting(self) -> None:
        """Closed: whoever still waits gets an error (the pipeline then holds the comment)."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None and job.future.set_running_or_notify_cancel():
                job.future.set_exception(RuntimeError("the moderation engine has stopped"))

    def _score(self, jobs: list[_Job]) -> None:
        if not jobs:
            return
        requests = [(j.facts, j.config, j.after_nudge) for j in jobs]
        try:
            outcomes = self._outcomes(requests)
        except Exception as exc:
            log.error("the moderation engine failed on a batch of %d: %s", len(jobs), exc)
            for job in jobs:
                job.future.set_exception(exc)
            return
        self.batches += 1
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, Exception):
                job.future.set_exception(outcome)
            else:
                self.scored += 1
                job.future.set_result(outcome)

    def _outcomes(self, requests: list[Request]) -> list[Outcome]:
        with self._lock:
            pool = self._pool
        if pool is None:
            return score_requests(self._local_engine(), requests)
        try:
            return pool.submit(_score_in_worker, requests).result()
        except BrokenProcessPool:
            log.error("a moderation worker process died; starting a new one")
            with self._lock:
                if self._pool is pool and not self._closed:
                    self._pool = self._new_pool()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
