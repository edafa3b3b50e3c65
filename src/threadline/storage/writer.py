"""Group commit: one writer thread runs queued write jobs in shared transactions.

With durable settings each commit waits for the disk; batching every job that queued up
meanwhile into one transaction pays that wait once per batch instead of once per comment.
Each job runs inside its own savepoint, so one job's error fails that job alone. A job's
caller is answered only after the batch committed: an acknowledged write is on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, Protocol, TypeVar

from threadline.domain.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
G = TypeVar("G")


class TransactionControl(Protocol):
    """What the writer needs from a backend's connection."""

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def savepoint(self) -> None: ...
    def release_savepoint(self) -> None: ...
    def rollback_to_savepoint(self) -> None: ...
    def close(self) -> None: ...
    def retryable(self, exc: BaseException) -> bool:
        """Whether a job that raised `exc` may simply run again (a deadlock it lost)."""
        ...


# Several instances group-committing into one PostgreSQL database take row locks in whatever
# order their batches hold jobs, so two batches can deadlock. The loser's job is rolled back
# to its savepoint (which releases the locks it took) and run again.
MAX_JOB_ATTEMPTS = 4


class WriterClosed(RuntimeError):
    pass


_STOP = object()


class GroupCommitWriter(Generic[G]):
    def __init__(
        self,
        control: TransactionControl,
        gateway: G,
        max_batch: int = 128,
        name: str = "threadline-writer",
    ) -> None:
        self._control = control
        self._gateway = gateway
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._closing = threading.Lock()  # no job may slip in behind the stop marker
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[G], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._closing:
            if self._closed:
                raise WriterClosed("the store is closed")
            self._queue.put((job, future))
        return future

    def run(self, job: Callable[[G], T]) -> T:
        return self.submit(job).result()

    def close(self) -> None:
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()
        self._control.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._commit_batch(batch)

    def _commit_batch(self, batch: list[tuple[Callable[[G], Any], Future[Any]]]) -> None:
        # A job whose caller cancelled it while it waited is skipped; the others can no longer
        # be cancelled, so answering them below cannot fail (and kill this thread).
        batch = [(job, future) for job, future in batch if future.set_running_or_notify_cancel()]
        if not batch:
            return
        outcomes: list[tuple[bool, Any]] = []
        try:
            self._control.begin()
            for job, _ in batch:
                outcomes.append(self._run_job(job))
            self._control.commit()
        except BaseException as exc:
            if isinstance(exc, Unavailable):  # told to the writers; not a fault of ours
                log.warning("group commit of %d writes refused: %s", len(batch), exc)
            else:
                log.exception("group commit of %d writes failed", len(batch))
            try:
                self._control.rollback()
            except Exception:
                log.exception("rollback after a failed commit failed too")
            for _, future in batch:
                future.set_exception(exc)
            return
        for (ok, value), (_, future) in zip(outcomes, batch, strict=True):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _run_job(self, job: Callable[[G], Any]) -> tuple[bool, Any]:
        """Run one job in its own savepoint: (True, result) or (False, the job's exception)."""
        for attempt in range(1, MAX_JOB_ATTEMPTS + 1):
            self._control.savepoint()
            try:
                result = job(self._gateway)
            except BaseException as exc:  # the job's own failure, reported to its caller
                self._control.rollback_to_savepoint()
                if attempt < MAX_JOB_ATTEMPTS and self._control.retryable(exc):
                    log.info("write lost a deadlock; running it again (attempt %d)", attempt + 1)
                    continue
                return False, exc
            self._control.release_savepoint()
            return True, result
        raise AssertionError("unreachable")
