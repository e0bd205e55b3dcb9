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

Every writer here also writes with :func:`codec` (short posting lists inside the terms table)
and merges segments with :class:`StreamingMerge` (without Whoosh's posting pool).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import heapq
import mmap
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable
from typing import Any

from whoosh.filedb import filetables
from whoosh.filedb.filetables import _lengths, _pointer
from whoosh.multiproc import MpWriter
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .errors import WorkerFailedError

__all__ = [
    "CommitHook",
    "HookedSegmentWriter",
    "SafeMpWriter",
    "StreamingMerge",
    "WorkerPool",
    "codec",
]

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
#: Posting lists of at most this many documents are kept inside their term's entry in the terms
#: table instead of as a compressed block of their own in the postings file. Most terms of a
#: news index are that short (word pairs, band keys, names: one or two articles each), and a
#: block costs a pickle, a zlib stream, a header and a seek apiece, at write, merge and read
#: (measured in docs/benchmarks.md, "Index build speed").
INLINE_LIMIT = 8
#: The job that ends a worker's batch: it finishes its segment and sends it to the parent.
_FINISH = "finish"
#: The job that merges segments into one: ``(_MERGE, [segment, ...])``; the worker sends the
#: new segment to the parent (SafeMpWriter.merge_apart).
_MERGE = "merge"


def codec() -> Any:
    """The codec every writer of an index uses: Whoosh's W3 codec with :data:`INLINE_LIMIT`.

    Whoosh's own default inlines nothing: its posting writer calls ``set_inline`` on the term
    info, which spells the method ``set_inlined``, so any ``inlinelimit`` above 1 failed there.
    Readers need nothing: a segment records its codec, and Whoosh reads inlined postings.
    """
    from whoosh.codec.whoosh3 import W3Codec, W3TermInfo

    if not hasattr(W3TermInfo, "set_inline"):
        W3TermInfo.set_inline = W3TermInfo.set_inlined
    return W3Codec(inlinelimit=INLINE_LIMIT + 1)  # Whoosh inlines lists *shorter* than this


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
        subargs = {"limitmb": WORKER_POOL_MB, "codec": codec(), **(subargs or {})}
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


class _LeanTermsWriter(filetables.OrderedHashWriter):
    """Whoosh's terms-table writer with its hash entries in two arrays per bucket instead of a
    ``(hash, position)`` tuple per term: ~130 bytes of RAM per term became 12, which is what
    the last commit of an ingest held for every term of the one segment it writes (3 million
    terms at 30k articles). The file is byte for byte the same."""

    lastkey: bytes

    def __init__(self, dbfile: Any) -> None:
        super().__init__(dbfile)
        self.buckets = [(array("I"), array("q")) for _ in range(256)]

    def add(self, key: bytes, value: bytes) -> None:
        # As OrderedHashWriter.add and HashWriter.add, into the arrays.
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        dbfile = self.dbfile
        pos = dbfile.tell()
        self.index.append(pos)
        dbfile.write(_lengths.pack(len(key), len(value)))
        dbfile.write(key)
        dbfile.write(value)
        h = self.hashfn(key)
        hashes, positions = self.buckets[h & 255]
        hashes.append(h)
        positions.append(pos)
        self.lastkey = key

    def _write_hashes(self) -> None:
        # As HashWriter._write_hashes: per bucket, an open-addressing table of twice as many
        # slots, filled in insertion order (no entry is at position 0: the header is there).
        dbfile = self.dbfile
        for hashes, positions in self.buckets:
            numslots = 2 * len(hashes)
            self.directory.append((dbfile.tell(), numslots))
            table_h = array("I", bytes(4 * numslots))
            table_p = array("q", bytes(8 * numslots))
            for hashval, position in zip(hashes, positions, strict=True):
                slot = (hashval >> 8) % numslots
                while table_p[slot]:
                    slot = (slot + 1) % numslots
                table_h[slot] = hashval
                table_p[slot] = position
            dbfile.write(b"".join(map(_pointer.pack, table_h, table_p)))


# Every segment written in this process (ingest, merges, optimize) gets the lean writer.
filetables.OrderedHashWriter = _LeanTermsWriter


class CommitHook:
    """A Whoosh writer mixin: ``before_commit(storage, schema, segments)`` runs with the final
    segment list of a commit before the table of contents that publishes it is written (a crash
    before then leaves nothing visible)."""

    before_commit: Callable[[Any, Any, list[Any]], None] | None = None

    def _commit_toc(self, segments: list[Any]) -> None:
        if self.before_commit is not None:
            self.before_commit(self.storage, self.schema, segments)  # type: ignore[attr-defined]
        super()._commit_toc(segments)  # type: ignore[misc]


#: A merge lets go of the pages it has read from the merged segments every this many postings.
_RELEASE_EVERY = 100_000


def _renumbered(reader: Any, schema: Any, base: int, docmap: dict[int, int] | None) -> Any:
    """A merged segment's postings as the new segment numbers its documents (as Whoosh's
    ``SegmentWriter._process_posts``). Whoosh reads an inlined posting list without values
    back with ``""`` for each, which its posting writer refuses: they are ``b""`` here.

    A compound segment is read through a memory map, whose pages count in the process's
    resident memory once read, as long as the map is open: the streams of a merge stay open
    until the end, so every page of every merged segment would (a 13k-article merge grew from
    71 to 340 MB). They are read about in order, once: every so often the map is told to drop
    them (``MADV_DONTNEED``; a page read again comes back from the page cache)."""
    files = getattr(reader, "_storage", None)  # Whoosh's OverlayStorage(compound file, index)
    source = getattr(getattr(files, "a", files), "_source", None)
    release = getattr(source, "madvise", None) if isinstance(source, mmap.mmap) else None
    for n, (field, text, docnum, weight, value) in enumerate(reader.iter_postings(), 1):
        if field in schema:
            doc = base + docnum if docmap is None else docmap[docnum]
            yield field, text, doc, weight, value or b""
        if release is not None and n % _RELEASE_EVERY == 0:
            release(mmap.MADV_DONTNEED)


class StreamingMerge:
    """A Whoosh writer mixin: segments merged into it (``add_reader``, by a merge policy) are
    streamed to the new segment's posting writer at its flush, instead of going through the
    writer's posting pool.

    Whoosh adds every posting of a merged segment to the pool, which spills sorted runs to
    disk and merges them back: a second sort of postings that are sorted already (each
    segment's by term, then document, and the segments' documents numbered one after the
    other). Merging the segments' streams (and the pool's, for documents added directly) is
    enough. The writer opens its own reader of each merged segment (the caller closes the one
    it passed, as Whoosh's merge policies do at once) and closes it after the flush.
    """

    _streams: list[tuple[Any, int, Any]]

    def add_reader(self, reader: Any) -> None:
        # As SegmentWriter.add_reader: per-document data now, postings at the flush.
        from whoosh.reading import SegmentReader

        w: Any = self  # a SegmentWriter (this is its mixin)
        if not isinstance(reader, SegmentReader):
            super().add_reader(reader)  # type: ignore[misc]
            return
        w._check_state()
        reader = SegmentReader(w.storage, w.schema, reader.segment())
        base = w.docnum
        indexed = {f for f in reader.indexed_field_names() if f in w.schema}
        docmap = w.write_per_doc(set(w.schema.names()) | indexed, reader)
        if not hasattr(self, "_streams"):
            self._streams = []
        self._streams.append((reader, base, docmap))
        w._added = True

    def _flush_segment(self) -> None:
        w: Any = self
        streams = getattr(self, "_streams", [])
        if not streams:
            super()._flush_segment()  # type: ignore[misc]
            return
        w.perdocwriter.close()
        lengths = w.per_document_reader() if w.codec.length_stats else None
        postings = [w.pool.iter_postings()]
        postings += [_renumbered(r, w.schema, base, dm) for r, base, dm in streams]
        try:
            # (field, term, document, ...) tuples: document numbers differ between streams,
            # so plain tuple order is the order Whoosh's posting writer needs.
            w.fieldwriter.add_postings(w.schema, lengths, heapq.merge(*postings))
            w.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()
            self._close_streams()

    def _close_streams(self) -> None:
        for reader, _, _ in getattr(self, "_streams", []):
            reader.close()
        self._streams = []

    def cancel(self) -> None:
        self._close_streams()
        super().cancel()  # type: ignore[misc]


class _WorkerWriter(StreamingMerge, SegmentWriter):
    """A worker's writer: Whoosh's, merging with :class:`StreamingMerge`."""


class HookedSegmentWriter(CommitHook, StreamingMerge, SegmentWriter):
    """Whoosh's one-process writer with :class:`CommitHook` and :class:`StreamingMerge`."""


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
        # the segments of an ingest's last batch were never merged); it may hand merges to the
        # workers (merge_apart), so they end after it.
        self.segments: list[Any] = self.segments + [
            results[slot] for slot in sorted(results) if results[slot] is not None
        ]
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        if (self._own_pool or self.last_batch) and self._pool is not None:
            self._pool.close()
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
