"""Vectorized ranking over a Whoosh index: postings read once per block, scored with numpy.

Whoosh's own search scores one posting at a time in Python (about 150 ms for a five-word query
over 30k news articles, measured in docs/benchmarks.md). Here each query word's postings are
read block by block from Whoosh's files into numpy arrays (memoized per segment: segments never
change once written), and a scorer from :mod:`newsearch.scoring` turns them into one score per
document in a few vector operations. Whoosh stays the storage, the analysis and the fallback
for structured queries; this module is the ranking.

A query is a list of :class:`QueryWord`: one word of the user's query with the (field, token)
pairs it matches (the stem in ``title``/``body``, the exact form in ``title_exact``), so that a
scorer can combine a word's evidence across fields before saturating it (true BM25F).
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["CollectionView", "QueryWord", "Term", "query_words", "top_k"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: Postings kept in memory per process (ids + frequencies, ~12 bytes each): ~240 MB at most.
MAX_CACHED_POSTINGS = 20_000_000
#: Terms whose joined postings a snapshot keeps.
_JOINED_MAX = 20_000


@dataclass(frozen=True, slots=True)
class Term:
    """One (field, token) a query word matches, with the field's query weight."""

    field: str
    token: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A word of the query: the terms it matches and its own weight (repeats, boosts)."""

    terms: tuple[Term, ...]
    weight: float = 1.0
    text: str = ""


def _length_table() -> FloatArray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


# Field lengths, columns and ids of each segment, by segment key: shared by every snapshot
# that holds the segment (segments never change), so a snapshot opened after a small commit
# (a web server refreshes after each) reads only its new segments' columns.
_SEGMENT_DATA: OrderedDict[str, dict[str, Any]] = OrderedDict()
_SEGMENT_DATA_MAX = 256
_SEGMENT_DATA_LOCK = threading.Lock()


def _segment_data(key: str | None) -> dict[str, Any]:
    if key is None or key.startswith("reader-"):  # keyed by identity: not shareable
        return {}
    with _SEGMENT_DATA_LOCK:
        data = _SEGMENT_DATA.get(key)
        if data is None:
            data = _SEGMENT_DATA[key] = {"lengths": {}, "columns": {}}
            while len(_SEGMENT_DATA) > _SEGMENT_DATA_MAX:
                _SEGMENT_DATA.popitem(last=False)
        else:
            _SEGMENT_DATA.move_to_end(key)
        return data


class _SegmentPostings:
    """Posting arrays and field lengths of one immutable Whoosh segment, memoized (per
    process, when ``key`` names the segment)."""

    def __init__(self, segreader: Any, key: str | None = None) -> None:
        self.reader = segreader
        self.key = key
        self.doccount = segreader.doc_count_all()
        self._data = _segment_data(key)
        self._lengths: dict[str, FloatArray] = self._data.setdefault("lengths", {})
        self._columns: dict[str, list[Any]] = self._data.setdefault("columns", {})

    def lengths(self, field: str, table: FloatArray) -> FloatArray:
        cached = self._lengths.get(field)
        if cached is not None:
            return cached
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        out = np.zeros(self.doccount, dtype=np.float32)
        perdoc = getattr(self.reader, "_perdoc", None)
        col = None
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            col = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if col is not None:
            # The lengths column is one byte per document (Whoosh's log-scale encoding).
            n = min(col._count, self.doccount)
            raw = bytes(col._dbfile.get(col._basepos, n)) if n else b""
            codes = np.frombuffer(raw, dtype=np.uint8)
            out[:n] = table[codes]
        else:  # another codec: ask per document (slow, but only once)
            for d in range(self.doccount):
                out[d] = self.reader.doc_field_length(d, field, 0) or 0
        self._lengths[field] = out
        return out

    def column(self, field: str) -> list[Any]:
        """The raw column values (bytes for ID fields, longs for DATETIME) of every document,
        cached (segments never change)."""
        cached = self._columns.get(field)
        if cached is None:
            r = self.reader
            if r.has_column(field):
                cached = list(r.column_reader(field, translate=False))
                cached += [None] * (self.doccount - len(cached))
            else:
                cached = [None] * self.doccount
            self._columns[field] = cached
        return cached

    def ids(self, field: str = "id") -> list[str]:
        """The ``id`` of every document of the segment, by docnum."""
        ids: list[str] | None = self._data.get(f"ids:{field}")
        if ids is None:
            r = self.reader
            if r.has_column(field):
                col = r.column_reader(field)
                ids = [v.decode() if isinstance(v, bytes) else str(v) for v in col]
            else:
                ids = [str((r.stored_fields(d) or {}).get(field, "")) for d in range(self.doccount)]
            self._data[f"ids:{field}"] = ids
        return ids

    def read(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        """All (docnum, term frequency) postings of ``token`` in ``field`` of this segment."""
        from whoosh.reading import TermNotFound

        dfs = _DF_TABLES.peek((self.key, field)) if self.key else None
        if dfs is not None and token not in dfs:
            return _EMPTY_IDS, _EMPTY_TF  # known absent: skip Whoosh's hashed term lookup

        try:
            m = self.reader.postings(field, token)
        except TermNotFound:
            return _EMPTY_IDS, _EMPTY_TF
        ids: list[Any] = []
        tfs: list[Any] = []
        if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):
            # W3 leaf matcher: take each block's arrays whole instead of posting by posting.
            while not m._atend and m._blocklength:
                m._read_ids()
                m._read_weights()
                ids.append(np.asarray(m._ids, dtype=np.int64))
                w = m._weights
                tfs.append(np.asarray(w, dtype=np.float32) if w is not None else None)
                if tfs[-1] is None or tfs[-1].shape != ids[-1].shape:
                    tfs[-1] = np.ones(len(ids[-1]), dtype=np.float32)
                m._next_block()
        else:  # another codec: posting by posting
            got_ids, got_tfs = [], []
            while m.is_active():
                got_ids.append(m.id())
                got_tfs.append(m.weight())
                m.next()
            ids.append(np.array(got_ids, dtype=np.int64))
            tfs.append(np.array(got_tfs, dtype=np.float32))
        if not ids:
            return _EMPTY_IDS, _EMPTY_TF
        return np.concatenate(ids), np.concatenate(tfs)


#: Whoosh stores a missing DATETIME as the largest unsigned long.
_MISSING_LONG = 2**64 - 1
#: Whoosh's DATETIME longs count microseconds from ``datetime.min``; this is 1970-01-01.
_EPOCH_SECONDS = 62_135_596_800.0

_EMPTY_IDS: IntArray = np.zeros(0, dtype=np.int64)
_EMPTY_TF: FloatArray = np.zeros(0, dtype=np.float32)


class _PostingsCache:
    """Process-wide LRU of segment postings, bounded by the number of postings held."""

    def __init__(self, budget: int = MAX_CACHED_POSTINGS) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[tuple[str, str, str], tuple[IntArray, FloatArray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[IntArray, FloatArray] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[str, str, str], value: tuple[IntArray, FloatArray]) -> None:
        n = len(value[0])
        if n > self.budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += n
            while self.size > self.budget:
                _, (old, _) = self._items.popitem(last=False)
                self.size -= len(old)


_CACHE = _PostingsCache()


def _read_dfs(segreader: Any, field: str) -> dict[str, int]:
    """Every term of ``field`` in one segment with its document frequency. Whoosh's W3 terms
    table is sorted by (field number, term), so the field's entries are one contiguous run:
    it is parsed from one read of the file, not term by term."""
    terms = getattr(segreader, "_terms", None)
    table = getattr(terms, "_tindex", None)
    fieldmap = getattr(terms, "_fieldmap", None)
    if table is None or fieldmap is None or not hasattr(table, "closest_key_pos"):
        try:
            return {
                (t.decode("utf-8") if isinstance(t, bytes) else str(t)): int(ti.doc_frequency())
                for t, ti in segreader.iter_field(field)
            }
        except Exception:
            return {}
    if field not in fieldmap:
        return {}
    prefix = fieldmap[field].to_bytes(2, "big")
    start = table.closest_key_pos(prefix)
    if start is None:
        return {}
    from whoosh.filedb.filetables import _lengths

    end = table.endofdata
    buf = bytes(table.dbfile.get(start, end - start))
    unpack = _lengths.unpack_from
    head = _lengths.size
    out: dict[str, int] = {}
    pos, n = 0, len(buf)
    while pos < n:
        klen, vlen = unpack(buf, pos)
        kpos = pos + head
        if buf[kpos : kpos + 2] != prefix:
            break
        vpos = kpos + klen
        # W3TermInfo: flags (1 byte), total weight (4), doc frequency (4, big-endian).
        with contextlib.suppress(UnicodeDecodeError):
            out[buf[kpos + 2 : vpos].decode("utf-8")] = int.from_bytes(
                buf[vpos + 5 : vpos + 9], "big"
            )
        pos = vpos + vlen
    return out


class _TableCache:
    """Process-wide LRU of per-segment term tables (segments never change)."""

    def __init__(self, size: int = 256) -> None:
        self._tables: OrderedDict[tuple[str, str], dict[str, int]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def peek(self, key: tuple[str, str]) -> dict[str, int] | None:
        with self._lock:
            return self._tables.get(key)

    def get_or_build(self, key: tuple[str, str], segreader: Any) -> dict[str, int]:
        table = self.peek(key)
        if table is None:
            table = _read_dfs(segreader, key[1])
            with self._lock:
                self._tables[key] = table
                while len(self._tables) > self._size:
                    self._tables.popitem(last=False)
        return table


_DF_TABLES = _TableCache()


def _segment_key(segreader: Any) -> str:
    """A process-wide cache key for a segment's postings. Whoosh names each segment with 16
    random characters when it is written and never changes its postings afterwards (only its
    deletions), so the name identifies the postings; an unnamed reader is keyed by identity."""
    seg = segreader.segment() if callable(getattr(segreader, "segment", None)) else None
    if seg is None:
        return f"reader-{id(segreader)}"
    return f"{seg.segment_id()}:{segreader.doc_count_all()}"


class CollectionView:
    """Statistics and postings of one Whoosh reader (a snapshot of the index), in global
    document numbers. Cheap to make; the expensive parts are cached per segment."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
        keys = [_segment_key(r) for r, _ in leaves]
        self.leaves = [
            (_SegmentPostings(r, key), off, key) for (r, off), key in zip(leaves, keys, strict=True)
        ]
        self.doccount_all = reader.doc_count_all()
        self.doccount = reader.doc_count()
        self._table = _length_table()
        self._norms: dict[tuple[str, float], FloatArray] = {}
        self._deleted: IntArray | None = None
        self._derived: dict[tuple[str, str], Any] = {}
        # Postings joined over the segments, per snapshot (the per-segment arrays are cached
        # process-wide; joining 13 segments' arrays per term was a third of a search's time).
        self._joined: dict[tuple[str, str], tuple[IntArray, FloatArray]] = {}

    @property
    def live(self) -> npt.NDArray[np.bool_]:
        """True for every document that is not deleted."""
        key = ("live", "")
        cached = self._derived.get(key)
        if cached is None:
            cached = np.ones(self.doccount_all, dtype=bool)
            if self.deleted.size:
                cached[self.deleted] = False
            self._derived[key] = cached
        return cached

    @property
    def deleted(self) -> IntArray:
        """Global numbers of deleted (not yet merged away) documents."""
        if self._deleted is None:
            dels: list[int] = []
            for seg, off, _ in self.leaves:
                if seg.reader.has_deletions():
                    dels.extend(off + d for d in seg.reader._perdoc.deleted_docs())
            self._deleted = np.array(sorted(dels), dtype=np.int64)
        return self._deleted

    def doc_id(self, docnum: int) -> str:
        """The article id of global document number ``docnum``."""
        for seg, off, _ in reversed(self.leaves):
            if docnum >= off:
                return str(seg.ids()[docnum - off])
        raise IndexError(docnum)

    def codes(self, field: str) -> tuple[npt.NDArray[np.int32], list[str]]:
        """An ID column as integer codes per document and the list of values they index
        (code -1: no value), for filters and facet counts."""
        key = ("codes", field)
        cached = self._derived.get(key)
        if cached is None:
            index: dict[Any, int] = {}
            values: list[str] = []
            parts = []
            for seg, _, _ in self.leaves:
                col = seg.column(field)
                out = np.empty(len(col), dtype=np.int32)
                for i, v in enumerate(col):
                    if not v:
                        out[i] = -1
                        continue
                    code = index.get(v)
                    if code is None:
                        code = index[v] = len(values)
                        values.append(v.decode() if isinstance(v, bytes) else str(v))
                    out[i] = code
                parts.append(out)
            cached = (np.concatenate(parts) if parts else np.zeros(0, np.int32), values)
            self._derived[key] = cached
        return cached

    def timestamps(self, field: str = "published") -> npt.NDArray[np.float64]:
        """A DATETIME column as seconds since 1970 (UTC) per document, NaN where missing."""
        key = ("time", field)
        cached = self._derived.get(key)
        if cached is None:
            parts = []
            for seg, _, _ in self.leaves:
                col = seg.column(field)
                raw = np.array(
                    [v if isinstance(v, int) else _MISSING_LONG for v in col], dtype=np.uint64
                )
                secs = raw.astype(np.float64) / 1e6 - _EPOCH_SECONDS
                secs[raw == _MISSING_LONG] = np.nan
                parts.append(secs)
            cached = np.concatenate(parts) if parts else np.zeros(0, np.float64)
            self._derived[key] = cached
        return cached

    def lengths(self, field: str) -> FloatArray:
        parts = [seg.lengths(field, self._table) for seg, _, _ in self.leaves]
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def average_length(self, field: str) -> float:
        total = self.reader.field_length(field)
        return float(total) / self.doccount_all if self.doccount_all else 0.0

    def norm(self, field: str, b: float) -> FloatArray:
        """``1 / ((1 - b) + b * length / average length)`` per document (BM25's length
        normalization), cached per (field, b)."""
        key = (field, b)
        cached = self._norms.get(key)
        if cached is None:
            avg = self.average_length(field) or 1.0
            cached = (1.0 / ((1.0 - b) + b * self.lengths(field) / avg)).astype(np.float32)
            self._norms[key] = cached
        return cached

    def postings(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        """(global docnums, term frequencies) of ``token`` in ``field``."""
        key = (field, token)
        hit = self._joined.get(key)
        if hit is None:
            hit = self._postings(field, token)
            if len(self._joined) >= _JOINED_MAX:
                self._joined.clear()  # a long-lived searcher: start over rather than grow
            self._joined[key] = hit
        return hit

    def _postings(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        ids_parts = []
        tf_parts = []
        for seg, off, segkey in self.leaves:
            key = (segkey, field, token)
            hit = _CACHE.get(key)
            if hit is None:
                hit = seg.read(field, token)
                _CACHE.put(key, hit)
            if len(hit[0]):
                ids_parts.append(hit[0] + off if off else hit[0])
                tf_parts.append(hit[1])
        if not ids_parts:
            return _EMPTY_IDS, _EMPTY_TF
        if len(ids_parts) == 1:
            return ids_parts[0], tf_parts[0]
        return np.concatenate(ids_parts), np.concatenate(tf_parts)

    def doc_frequency(self, field: str, token: str) -> int:
        return int(self.reader.doc_frequency(field, token))

    def doc_frequencies(self, field: str) -> Callable[[str], int]:
        """A fast ``token -> document frequency`` of ``field`` (deleted documents included, as
        in Whoosh), from per-segment term tables read once per process (about 0.1 s per
        segment of 5k articles); meant for code that looks up hundreds of terms at a time."""
        tables = [_DF_TABLES.get_or_build((k, field), seg.reader) for seg, _, k in self.leaves]

        def df(token: str) -> int:
            return sum(t.get(token, 0) for t in tables)

        return df


def top_k(
    scores: FloatArray, k: int, allowed: npt.NDArray[np.bool_] | None = None
) -> tuple[IntArray, FloatArray]:
    """The ``k`` best documents with a positive score (ties: lower docnum first), best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0).astype(np.float32)
    cand = np.flatnonzero(scores > 0)
    if cand.size == 0 or k <= 0:
        return _EMPTY_IDS, _EMPTY_TF
    if cand.size > k:
        part = np.argpartition(-scores[cand], k - 1)[:k]
        cand = cand[part]
    order = np.lexsort((cand, -scores[cand]))
    best = cand[order]
    return best.astype(np.int64), scores[best]


def query_words(text: str, fields: Sequence[tuple[str, float, Any]]) -> list[QueryWord]:
    """The words of ``text`` as :class:`QueryWord`\\ s.

    ``fields``: (field name, query weight, the field's Whoosh analyzer). The same word's
    tokens in different fields (its stem in ``title``, its exact form in ``title_exact``) are
    paired by their position in the text, so a scorer sees them as one word. A word repeated
    in the query becomes one word of higher weight.
    """
    by_start: dict[int, list[Term]] = {}
    for name, weight, analyzer in fields:
        for t in analyzer(text, chars=True, mode="query"):
            if t.text:
                by_start.setdefault(t.startchar, []).append(Term(name, t.text, weight))
    merged: dict[tuple[Term, ...], float] = {}
    for start in sorted(by_start):
        terms = tuple(by_start[start])
        merged[terms] = merged.get(terms, 0.0) + 1.0
    return [QueryWord(terms, weight, terms[0].token) for terms, weight in merged.items()]
