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

Every writer here writes with :func:`~newsearch.segwriter.codec` (short posting lists inside
the terms table) and merges with :class:`~newsearch.segwriter.StreamingMerge` (no posting pool).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
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

from whoosh.multiproc import MpWriter
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .errors import WorkerFailedError
from .postpool import GroupedPostings
from .segwriter import StreamingMerge, codec

__all__ = ["CommitHook", "HookedSegmentWriter", "SafeMpWriter", "WorkerPool"]

#: How often a worker's watchdog checks that its parent is alive, and how often the parent
#: checks on its workers (and calls ``on_wait``) while it waits for them.
POLL_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Each worker's posting pool (Whoosh's ``limitmb``; its default is 128): Whoosh counts about
#: 160 bytes a posting where Python takes about 270, so 128 held some 220 MB per worker. A
#: smaller pool spills sorted runs to disk sooner; measured at 3,000 articles in one batch
#: (1,500 per worker), 32 MB spilled where 128 did not, for 1.6 % more CPU and 105 MB less peak.
WORKER_POOL_MB = 32
#: Job files waiting in each worker's queue (Whoosh's writer allows 4 per worker).
_QUEUED_JOBS = 4
#: The job that ends a worker's batch: it finishes its segment and sends it to the parent.
_FINISH = "finish"
#: The job that merges segments into one: ``(_MERGE, [segment, ...])``; the worker sends the
#: new segment to the parent (SafeMpWriter.merge_apart).
_MERGE = "merge"


def _give_back_memory() -> None:
    """Return what a finished batch's writer freed to the system: the workers live until the
    ingest's merge, which they run, so their batches' high-water marks would stay resident."""
    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)  # glibc keeps freed heap otherwise


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


class _PoolWorker(multiprocessing.Process):
    """One indexing process of a :class:`WorkerPool`: indexes the job files the parent sends
    it into a segment per batch, for as many batches as the pool lives."""

    def __init__(
        self,
        storage: Any,
        indexname: str,
        jobs: Any,
        results: Any,
        subargs: dict[str, Any],
        *,
        parent_pid: int,
        forked: bool,
        lock: Any,
        counts: Any,
        slot: int,
    ) -> None:
        super().__init__(name=f"newsearch-indexer-{slot}", daemon=True)
        self.storage = storage
        self.indexname = indexname
        self.jobs = jobs
        self.results = results
        self.subargs = subargs
        self.parent_pid = parent_pid
        self.forked = forked
        self.lock = lock  # the parent's lock object when it held one at the fork (else None)
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
        writer: Any = None
        while True:
            job = self.jobs.get()
            if job is None:
                return
            if isinstance(job, tuple) and job[0] == _MERGE:
                self.results.put((self.slot, self._merge(job[1])))
                continue
            if job == _FINISH:  # the batch is complete: its segment goes to the parent
                segment = writer._finalize_segment() if writer is not None else None
                writer = None
                _give_back_memory()  # the worker lives on, idle, through the next batch
                self.results.put((self.slot, segment))
                continue
            if writer is None:  # the first job of a batch: the index as of its last commit
                ix = self.storage.open_index(self.indexname)
                writer = _WorkerWriter(ix, _lk=False, **self.subargs)
            self._process_file(writer, *job)

    def _merge(self, segments: list[Any]) -> Any:
        """Merge ``segments`` (as of the parent's writer: its deletions included) into a new
        segment, not yet part of the index: the parent's commit publishes it."""
        from whoosh.reading import SegmentReader

        writer = _WorkerWriter(self.storage.open_index(self.indexname), _lk=False, **self.subargs)
        for seg in segments:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return writer._finalize_segment()

    def _process_file(self, writer: Any, filename: str, doc_count: int) -> None:
        # As whoosh.multiproc.SubWriterTask._process_file: a job file holds pickled
        # (0, fields) tuples, one per document.
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                code, fields = pickle.load(f)
                assert code == 0
                writer.add_document(**fields)
        tempstorage.delete_file(filename)
        # Only this worker writes its slot, so no lock is needed (and none can be left held
        # by a killed worker, which would hang the parent reading the count).
        self.counts[self.slot] += doc_count


class WorkerPool:
    """Indexing processes forked once and kept for every batch of an ingest.

    Forked per batch, as Whoosh's writer does, each worker started as a copy of the parent at
    that moment: the batch waiting to be indexed, and whatever else the parent held, counted
    again in every worker's resident memory (a forked process maps all of its parent's pages).
    Forked once at the start of an ingest, before the parent holds any batch, they start small.
    Each batch opens the index afresh in the worker (its schema's analyzers, with empty memos;
    the shared stemmer's cache is bounded), so what a worker holds does not grow with the
    corpus either.
    """

    def __init__(
        self, ix: Any, procs: int, subargs: dict[str, Any] | None = None, lock: Any = None
    ):
        self.procs = procs
        subargs = {"limitmb": WORKER_POOL_MB, "codec": codec(ix.schema), **(subargs or {})}
        self.counts = multiprocessing.RawArray("q", procs)
        self.results: Any = multiprocessing.Queue()
        self.queues: list[Any] = [multiprocessing.Queue(_QUEUED_JOBS) for _ in range(procs)]
        forked = multiprocessing.get_start_method() == "fork"
        self.tasks: list[_PoolWorker] = [
            _PoolWorker(
                ix.storage,
                ix.indexname,
                self.queues[slot],
                self.results,
                subargs,
                parent_pid=os.getpid(),
                forked=forked,
                lock=lock if forked else None,
                counts=self.counts,
                slot=slot,
            )
            for slot in range(procs)
        ]
        # Objects frozen out of the garbage collector are never visited by the workers' own
        # collections, so the pages they share with the parent stay shared.
        gc.freeze()
        try:
            for t in self.tasks:
                t.start()
        finally:
            gc.unfreeze()
        self.closed = False

    def close(self) -> None:
        """Let the workers end (they are idle between batches), or kill those that do not."""
        if self.closed:
            return
        self.closed = True
        for q, t in zip(self.queues, self.tasks, strict=True):
            if t.is_alive():
                with contextlib.suppress(queue.Full, ValueError, OSError):
                    q.put(None, timeout=POLL_SECONDS)
        deadline = time.monotonic() + 5 * POLL_SECONDS
        for t in self.tasks:
            t.join(max(0.0, deadline - time.monotonic()))
        self.kill()

    def kill(self) -> None:
        """Stop every worker now (a failed or cancelled batch)."""
        self.closed = True
        for t in self.tasks:
            if t.is_alive():
                t.kill()
        for t in self.tasks:
            t.join()
        for q in [*self.queues, self.results]:
            q.cancel_join_thread()


class CommitHook:
    """A Whoosh writer mixin: ``before_commit(storage, schema, segments)`` runs with the final
    segment list of a commit before the table of contents that publishes it is written (a crash
    before then leaves nothing visible)."""

    before_commit: Callable[[Any, Any, list[Any]], None] | None = None

    def _commit_toc(self, segments: list[Any]) -> None:
        if self.before_commit is not None:
            self.before_commit(self.storage, self.schema, segments)  # type: ignore[attr-defined]
        super()._commit_toc(segments)  # type: ignore[misc]


class _WorkerWriter(GroupedPostings, StreamingMerge, SegmentWriter):
    """A worker's writer: Whoosh's, with :class:`GroupedPostings` and :class:`StreamingMerge`."""


class HookedSegmentWriter(CommitHook, GroupedPostings, StreamingMerge, SegmentWriter):
    """Whoosh's one-process writer with :class:`CommitHook`, :class:`GroupedPostings` and
    :class:`StreamingMerge`."""


class SafeMpWriter(CommitHook, StreamingMerge, MpWriter):
    """``whoosh.multiproc.MpWriter`` whose workers die with the parent and hold no lock
    (see the module docstring). Same arguments as ``MpWriter`` (``multisegment=True`` only),
    plus ``pool``: the :class:`WorkerPool` to index with (an ingest's, kept across its
    batches); without one the writer forks its own at its first job and ends it at commit."""

    docbuffer: list[tuple[int, dict[str, Any]]]  # set by MpWriter: (0, fields) per document

    def __init__(self, ix: Any, *, pool: WorkerPool | None = None, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if not self.multisegment:
            raise ValueError("SafeMpWriter writes one segment per worker (multisegment=True)")
        self._pool = pool
        self._own_pool = pool is None
        self._sent: dict[int, int] = {}  # worker slot -> documents sent in this batch
        if pool is not None:
            self.procs = pool.procs
            pool.counts[:] = [0] * pool.procs
        #: Called now and then while the parent waits for its workers (a progress bar).
        self.on_wait: Callable[[], None] | None = None
        #: End the pool's workers as soon as they have delivered this batch's segments (an
        #: ingest's last batch: the merge that follows needs them no more).
        self.last_batch = False

    @property
    def tasks(self) -> list[Any]:  # Whoosh's name for the worker processes
        return self._pool.tasks if self._pool is not None else []

    @tasks.setter
    def tasks(self, value: list[Any]) -> None:
        pass  # MpWriter.__init__ sets it; the pool owns the workers

    @property
    def _counts(self) -> Any:
        return self._pool.counts if self._pool is not None else [0] * self.procs

    @property
    def indexed(self) -> int:
        """Documents the workers have indexed so far (they count whole job files)."""
        return int(sum(self._counts))

    def _wait(self) -> None:
        if self.on_wait is not None:
            self.on_wait()

    def _check_workers(self) -> None:
        if self._pool is None:
            return
        dead = [t for t in self.tasks if not t.is_alive()]
        if dead:
            codes = ", ".join(str(t.exitcode) for t in dead)
            self.cancel()
            raise WorkerFailedError(
                f"{len(dead)} of {len(self.tasks)} indexing processes died (exit codes "
                f"{codes}); the batch was not committed and the index is at its last commit"
            )

    def _put(self, slot: int, item: Any) -> None:
        """Put on a worker's job queue, without blocking for good when the workers are dead."""
        assert self._pool is not None
        while True:
            try:
                self._pool.queues[slot].put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self._check_workers()
                self._wait()

    def _enqueue(self) -> None:
        # As MpWriter._enqueue, but to the worker with the least work outstanding.
        if self._pool is None:
            self._pool = WorkerPool(self._ix_stub(), self.procs, self.subargs, self.writelock)
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        counts = self._pool.counts
        slot = min(range(self.procs), key=lambda i: self._sent.get(i, 0) - counts[i])
        self._put(slot, (filename, len(self.docbuffer)))
        self._sent[slot] = self._sent.get(slot, 0) + len(self.docbuffer)
        self.docbuffer = []

    def _ix_stub(self) -> Any:
        class _Ix:  # what a worker needs of the index: where it is
            storage, indexname = self.storage, self.indexname

        return _Ix()

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # As MpWriter._commit (multisegment), but it waits for the workers without blocking for
        # good, refuses to commit when a worker failed instead of dropping its documents, and
        # lets the workers live on for the next batch.
        if self.docbuffer:
            self._enqueue()
        for slot in self._sent:
            self._put(slot, _FINISH)
        results = self._gather(len(self._sent))
        # The merge policy sees this batch's segments too (Whoosh merges before they exist, so
        # the segments of an ingest's last batch were never merged). A policy that hands its
        # merges to the workers (``parallel``, merge_apart) needs them; else they end first,
        # so what they hold is not held through the merge.
        self.segments: list[Any] = self.segments + [
            results[slot] for slot in sorted(results) if results[slot] is not None
        ]
        pool = self._pool if self._own_pool or self.last_batch else None
        if pool is not None and not getattr(mergetype, "parallel", False):
            pool.close()
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        if pool is not None:
            pool.close()  # (closing twice does nothing)
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _gather(self, count: int) -> dict[int, Any]:
        """The next ``count`` results of the workers, by slot, without blocking for good."""
        results: dict[int, Any] = {}
        while len(results) < count:
            assert self._pool is not None
            try:
                slot, segment = self._pool.results.get(timeout=POLL_SECONDS)
                results[slot] = segment
            except queue.Empty:
                self._check_workers()
                self._wait()
        return results

    def merge_apart(self, groups: list[list[Any]]) -> list[Any] | None:
        """Merge each group of segments into one new segment, the groups in parallel, one per
        worker process; the new segments, or None when this writer has no workers for them (a
        merge policy then merges in this process). The segments are read as this writer sees
        them (with its deletions); the commit that follows publishes the new ones."""
        pool = self._pool
        if pool is None or pool.closed or not 1 < len(groups) <= pool.procs:
            return None
        for slot, group in enumerate(groups):
            self._put(slot, (_MERGE, group))
        results = self._gather(len(groups))
        return [results[slot] for slot in range(len(groups))]

    def cancel(self) -> None:
        """Drop every change: stop the workers (Whoosh only sets a flag in the parent's copy
        of each worker object, which never reaches the worker), then release the lock. A pool
        that was indexing this batch is stopped too: its workers hold half a segment."""
        if self._pool is not None and (self._own_pool or self._sent):
            self._pool.kill()
        self._close_streams()
        if not self.is_closed:
            super(MpWriter, self).cancel()  # SegmentWriter.cancel: close files, unlock


def ram_storage() -> Any:
    """A RAM storage whose writers' temporary files go to a directory of their own: Whoosh names
    it after the index (``/tmp/MAIN.tmp``), which two processes would share (one deleting it
    under the other)."""
    from whoosh.filedb.filestore import RamStorage

    class _Ram(RamStorage):
        def temp_storage(self, name: str | None = None) -> Any:
            return super().temp_storage(None)  # a random name

    return _Ram()
