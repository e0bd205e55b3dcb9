"""One searcher per process, opened once and swapped for a newer snapshot after each commit.

A :class:`~newsearch.search.Searcher` sees the index as of the commit it was opened on, and
its caches (postings, column arrays, name-variant and spelling tables) are what make searches
fast, so a server must not open one per request. :class:`LiveSearcher` holds one, lends it to
every request, and replaces it when the index has a newer commit:

- a background thread asks the index every ``interval`` seconds whether a newer commit exists
  (a directory listing: ~0.1 ms) and, if so, opens and warms a searcher over it while requests
  go on with the old one, then swaps the two;
- a process that commits itself calls :meth:`refresh` right after its commit, so its own
  writes are visible to its next request;
- a replaced searcher is closed once the last request using it has returned.

So an article committed by any process is served by every process within ``interval`` plus the
time to open and warm the new snapshot (measured in docs/benchmarks.md, "Web load").

A sharded index's :class:`~newsearch.cluster.ClusterSearcher` refreshes in place (its shard
actors open the new snapshot and keep the old ones for the requests still reading them), so
it is never replaced.

Requests take turns on a searcher through the searcher's own lock (the one place the library
locks: see :class:`~newsearch.search.Searcher`): Whoosh's segment readers read their files
through shared file objects, so two threads reading through one searcher at once could read
each other's bytes. Most of a search holds the GIL anyway; to use several cores, run several
worker processes (``newsearch serve --workers N``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..index import NewsIndex
from ..request import RankingOptions
from ..search import Searcher

__all__ = ["DEFAULT_REFRESH_INTERVAL", "LiveSearcher"]

#: Seconds between two checks for a newer commit.
DEFAULT_REFRESH_INTERVAL = 0.5

log = logging.getLogger("newsearch.web")


class _Slot:
    """A searcher and the number of requests using it."""

    __slots__ = ("retired", "searcher", "users")

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.users = 0
        self.retired = False


class LiveSearcher:
    """A shared :class:`Searcher` that follows the index's commits.

    >>> live = LiveSearcher(NewsIndex.in_memory(), interval=0)
    >>> with live.searcher() as s:
    ...     s.search("الحكومة").total
    0
    >>> live.close()

    :param interval: seconds between checks for a newer commit by a background thread;
        ``0`` starts no thread (call :meth:`refresh` yourself).
    :param warm: build each snapshot's tables (:meth:`Searcher.warm`) before serving it.
    """

    def __init__(
        self,
        index: NewsIndex,
        *,
        interval: float = DEFAULT_REFRESH_INTERVAL,
        warm: bool = True,
        options: RankingOptions | None = None,
    ) -> None:
        self.index = index
        self.interval = interval
        self._warm = warm
        self._lock = threading.Lock()  # guards _slot and the use counts
        self._refresh_lock = threading.Lock()  # one refresh at a time
        self._slot = _Slot(self._open(index.searcher(options)))
        self.refreshes = 0
        self.refreshed_at = time.time()
        #: Seconds the last refresh took to open and warm the new snapshot.
        self.last_refresh_seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if interval > 0:
            self._thread = threading.Thread(
                target=self._poll, name="newsearch-refresh", daemon=True
            )
            self._thread.start()

    def _open(self, searcher: Searcher) -> Searcher:
        return searcher.warm() if self._warm else searcher

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """Borrow the current searcher for one request (all of a request's reads then come
        from the same snapshot; its calls take turns on the searcher's lock)."""
        with self._lock:
            slot = self._slot
            slot.users += 1
        try:
            yield slot.searcher
        finally:
            with self._lock:
                slot.users -= 1
                done = slot.retired and slot.users == 0
            if done:
                slot.searcher.close()

    def refresh(self) -> bool:
        """Serve the latest commit from now on; ``True`` if there was a newer one. Waits for a
        refresh already under way (so after a commit, ``refresh()`` guarantees visibility)."""
        with self._refresh_lock:
            current = self._slot.searcher
            if current.up_to_date():
                return False
            t0 = time.perf_counter()
            fresh = self._open(current.refresh())
            if fresh is current:  # refreshed in place (a sharded index's searcher)
                self._refreshed(t0)
                return True
            with self._lock:
                old, self._slot = self._slot, _Slot(fresh)
                old.retired = True
                done = old.users == 0
            if done:
                old.searcher.close()
            self._refreshed(t0)
            return True

    def _refreshed(self, t0: float) -> None:
        self.refreshes += 1
        self.refreshed_at = time.time()
        self.last_refresh_seconds = time.perf_counter() - t0

    def doc_count(self) -> int:
        """Articles in the snapshot being served (known in memory: no file is read)."""
        return int(self._slot.searcher.view.doccount)

    def generation(self) -> int:
        """The commit generation being served (``-1`` for an in-memory index)."""
        return self._slot.searcher.view.generation()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # a refresh failing must not stop later ones
                log.exception("newsearch: could not open the latest commit; will retry")

    def close(self) -> None:
        """Stop the background thread and close the searcher (once no request uses it)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self._lock:
            slot = self._slot
            done = slot.users == 0 and not slot.retired
            slot.retired = True
        if done:
            slot.searcher.close()
