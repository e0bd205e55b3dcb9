"""``IndexCache``: what searches keep in memory, owned by the index it describes.

Every :class:`~newsearch.index.NewsIndex` has one (``index.cache``), shared by all of its
searchers, so a web server's successive snapshots reuse the data of the segments they share.
Nothing is cached process-wide: two indexes in one process never share or evict each other's
data, and ``index.cache.clear()`` frees everything at once.

What it holds:

- **postings** (document numbers and term frequencies read from a segment): an LRU bounded by
  ``max_mb`` (its arrays' bytes); the one bound a user sets.
- **segment tables** (field lengths, columns, term tables, name-variant and spelling tables):
  one entry per segment, derived from immutable data, kept for the :data:`MAX_SEGMENTS` most
  recently used segments (an index has a few dozen at most).
- **memos** of pure functions over words (a word's transliteration skeleton, a surface word's
  index forms for highlighting): bounded by entry count.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["DEFAULT_CACHE_MB", "IndexCache"]

#: Default postings budget in megabytes (about 20 million postings).
DEFAULT_CACHE_MB = 240
#: Segments whose derived tables are kept.
MAX_SEGMENTS = 256
#: Entries of each word memo before it starts over.
MAX_MEMO = 2_000_000


class _Postings:
    """An LRU of postings arrays, bounded by their bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: Any, value: tuple[Any, Any]) -> None:
        n = int(value[0].nbytes + value[1].nbytes)
        if n > self.budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += n
            while self.size > self.budget:
                _, (ids, tf) = self._items.popitem(last=False)
                self.size -= int(ids.nbytes + tf.nbytes)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._items)


class IndexCache:
    """The search caches of one index (see the module docstring).

    :param max_mb: the postings budget in megabytes; ``0`` caches no postings.
    """

    def __init__(self, max_mb: float = DEFAULT_CACHE_MB) -> None:
        if max_mb < 0:
            from .errors import ConfigError

            raise ConfigError(f"cache size must be >= 0 MB, got {max_mb}")
        self.max_mb = float(max_mb)
        self.postings = _Postings(int(max_mb * 1_000_000))
        self._segments: OrderedDict[str, dict[Any, Any]] = OrderedDict()
        self._memos: dict[str, dict[Any, Any]] = {}
        self._lock = threading.Lock()

    def segment(self, key: str) -> dict[Any, Any]:
        """The table dictionary of one segment (made empty on first use)."""
        with self._lock:
            data = self._segments.get(key)
            if data is None:
                data = self._segments[key] = {}
                while len(self._segments) > MAX_SEGMENTS:
                    self._segments.popitem(last=False)
            else:
                self._segments.move_to_end(key)
            return data

    def memo(self, name: str) -> dict[Any, Any]:
        """A named word memo; emptied when it passes :data:`MAX_MEMO` entries."""
        with self._lock:
            memo = self._memos.setdefault(name, {})
            if len(memo) > MAX_MEMO:
                memo.clear()
            return memo

    def clear(self) -> None:
        """Forget everything (searchers rebuild what they need on their next use)."""
        self.postings.clear()
        with self._lock:
            self._segments.clear()
            self._memos.clear()

    def stats(self) -> dict[str, Any]:
        """Sizes, for monitoring: postings entries and megabytes, segments, memo entries."""
        with self._lock:
            memos = {k: len(v) for k, v in self._memos.items()}
            segments = len(self._segments)
        return {
            "postings": len(self.postings),
            "postings_mb": round(self.postings.size / 1e6, 3),
            "max_mb": self.max_mb,
            "segments": segments,
            "memos": memos,
        }
