"""Whoosh's multiprocess writer, made safe for its parent's death.

``whoosh.multiproc.MpWriter`` forks worker processes that index job files the parent hands
them through a queue. As shipped, a worker whose parent is killed (SIGKILL, the OOM killer)
blocks on that queue forever, and keeps the index's write lock: the worker inherited the
parent's ``fcntl`` lock descriptor, and such a lock lives until its last descriptor is closed.
The index then refuses every writer until someone finds and kills the orphans by hand.

:class:`SafeMpWriter` fixes that, and a few things next to it:

- each worker closes its copy of the lock descriptor as it starts (only the parent holds the
  lock), asks Linux to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and runs
  a watchdog thread that exits when the parent is gone (other systems, and the moment between
  the fork and the ``prctl`` call);
- workers are daemonic, so a parent that exits normally with a writer still open does not
  wait for them forever;
- the parent never blocks for good on a queue whose workers died, and refuses to commit when a
  worker failed (Whoosh drops that worker's documents and commits the rest, silently);
- :meth:`~SafeMpWriter.cancel` stops the workers (Whoosh's flag never reaches them);
- the workers count the documents they indexed (:attr:`~SafeMpWriter.indexed`), for a
  progress bar, and the parent calls :attr:`~SafeMpWriter.on_wait` while it waits for them.

Both writers the index uses (:class:`SafeMpWriter` and :class:`HookedSegmentWriter`, one
process) call :attr:`~CommitHook.before_commit` with the segments a commit is about to make
visible, before Whoosh writes its table of contents: the index stores its search tables with
them there (:mod:`newsearch.segtables`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .errors import WorkerFailedError

__all__ = ["CommitHook", "HookedSegmentWriter", "SafeMpWriter"]

#: How often a worker's watchdog checks that its parent is alive, and how often the parent
#: checks on its workers (and calls ``on_wait``) while it waits for them.
POLL_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _parent_alive(parent_pid: int, forked: bool) -> bool:
    if forked:  # a forked worker is reparented (to init or a subreaper) when its parent dies
        return os.getppid() == parent_pid
    try:  # another start method: the worker's parent is a fork server; ask about ours
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent(parent_pid: int, forked: bool) -> None:
    """In a worker: make sure the process ends soon after ``parent_pid`` does."""
    if sys.platform == "win32":
        return  # os.kill(pid, 0) would terminate the parent there; no fork, no inherited lock
    # Linux sends the signal when the *thread* that forked the worker ends: the ingest forks
    # its workers and commits (joins them) in one call on one thread, so that thread outlives
    # them; the watchdog covers other systems and the instant before prctl takes effect.
    if forked and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the process, a moment later
    if not _parent_alive(parent_pid, forked):  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while _parent_alive(parent_pid, forked):
            time.sleep(POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="newsearch-parent-watchdog", daemon=True).start()


class _SafeSubWriterTask(SubWriterTask):
    """A Whoosh worker that dies with its parent, holds no lock, and counts its documents."""

    def __init__(
        self, *args: Any, parent_pid: int, forked: bool, lock: Any, counts: Any, slot: int
    ) -> None:
        super().__init__(*args)
        self.daemon = True
        self.parent_pid = parent_pid
        self.forked = forked
        self.lock = lock  # the parent's lock object, inherited when forked (else None)
        self.counts = counts  # shared memory: documents indexed, one slot per worker
        self.slot = slot

    def run(self) -> None:
        if self.forked and self.lock is not None and self.lock.fd is not None:
            # Closing the inherited descriptor does not release the parent's lock (an
            # ``flock`` lock lives until its last descriptor is closed); unlocking would.
            fd, self.lock.fd = self.lock.fd, None
            with contextlib.suppress(OSError):
                os.close(fd)
        _die_with_parent(self.parent_pid, self.forked)
        super().run()

    def _process_file(self, filename: str, doc_count: int) -> None:
        super()._process_file(filename, doc_count)
        # Only this worker writes its slot, so no lock is needed (and none can be left held
        # by a killed worker, which would hang the parent reading the count).
        self.counts[self.slot] += doc_count


class CommitHook:
    """A Whoosh writer mixin: ``before_commit(storage, schema, segments)`` runs with the final
    segment list of a commit before the table of contents that publishes it is written (a crash
    before then leaves nothing visible)."""

    before_commit: Callable[[Any, Any, list[Any]], None] | None = None

    def _commit_toc(self, segments: list[Any]) -> None:
        if self.before_commit is not None:
            self.before_commit(self.storage, self.schema, segments)  # type: ignore[attr-defined]
        super()._commit_toc(segments)  # type: ignore[misc]


class HookedSegmentWriter(CommitHook, SegmentWriter):
    """Whoosh's one-process writer with :class:`CommitHook`."""


class SafeMpWriter(CommitHook, MpWriter):
    """``whoosh.multiproc.MpWriter`` whose workers die with the parent and hold no lock
    (see the module docstring). Same arguments as ``MpWriter``."""

    docbuffer: list[tuple[int, dict[str, Any]]]  # set by MpWriter: (0, fields) per document

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._counts = multiprocessing.RawArray("q", self.procs)
        #: Called now and then while the parent waits for its workers (a progress bar).
        self.on_wait: Callable[[], None] | None = None

    @property
    def indexed(self) -> int:
        """Documents the workers have indexed so far (they count whole job files)."""
        return int(sum(self._counts))

    def _new_task(self) -> Any:
        forked = multiprocessing.get_start_method() == "fork"
        task = _SafeSubWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            parent_pid=os.getpid(),
            forked=forked,
            lock=self.writelock if forked else None,
            counts=self._counts,
            slot=len(self.tasks),
        )
        self.tasks.append(task)
        task.start()
        return task

    def _wait(self) -> None:
        if self.on_wait is not None:
            self.on_wait()

    def _check_workers(self) -> None:
        dead = [t for t in self.tasks if not t.is_alive() and t.exitcode != 0]
        if dead:
            codes = ", ".join(str(t.exitcode) for t in dead)
            self.cancel()
            raise WorkerFailedError(
                f"{len(dead)} of {len(self.tasks)} indexing processes died (exit codes "
                f"{codes}); the batch was not committed and the index is at its last commit"
            )

    def _put(self, item: Any) -> None:
        """Put on the job queue, without blocking for good when the workers are dead."""
        while True:
            try:
                self.jobqueue.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self._check_workers()
                self._wait()

    def _enqueue(self) -> None:
        # As MpWriter._enqueue, with self._put instead of a blocking put.
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # As MpWriter._commit, but it waits for the workers without blocking for good,
        # and refuses to commit when a worker failed instead of dropping its documents.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        if not self.multisegment:
            finalsegments = self._merge_segments(mergetype, optimize, merge)
        # Each worker's result (its segment) is read as it comes, before joining the worker
        # (a process does not exit before what it put on a queue is read).
        results: list[Any] = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=POLL_SECONDS))
            except queue.Empty:
                self._check_workers()
                if not any(t.is_alive() for t in self.tasks) and self.resultqueue.empty():
                    self.cancel()
                    raise WorkerFailedError(
                        f"indexing processes ended without their results ({len(results)} of "
                        f"{len(self.tasks)} received); the batch was not committed"
                    ) from None
                self._wait()
        for t in self.tasks:
            t.join()
        if self.multisegment:
            # The merge policy sees this batch's segments too (Whoosh merges before they
            # exist, so the segments of an ingest's last batch were never merged).
            self.segments: list[Any] = self.segments + [s for _, _, s in results]
            finalsegments = self._merge_segments(mergetype, optimize, merge)
            if self._added:
                finalsegments.append(self._finalize_segment())
            else:
                self._close_segment()
        else:
            self._merge_subsegments(results, mergetype)
            self._close_segment()
            self._assemble_segment()
            finalsegments.append(self.get_segment())
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self) -> None:
        """Drop every change: stop the workers (Whoosh only sets a flag in the parent's copy
        of each worker object, which never reaches the worker), then release the lock."""
        for t in self.tasks:
            if t.is_alive():
                t.kill()
        for t in self.tasks:
            t.join()
        self.jobqueue.cancel_join_thread()
        if not self.is_closed:
            super(MpWriter, self).cancel()  # SegmentWriter.cancel: close files, unlock
