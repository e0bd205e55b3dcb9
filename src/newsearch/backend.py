"""The one module that reads Whoosh's internals: typed views of an index snapshot.

Whoosh stays the storage and the analysis; ranking is done with numpy over arrays read here:
each query word's postings block by block (Whoosh's own search scores one posting at a time in
Python: ~150 ms for a five-word query at 30k articles), field lengths from the lengths column, a
segment's term table from reads of its file. Everything above this module sees
:class:`IndexView` (a snapshot in global document numbers) and :class:`Segment` (one immutable
segment), never a Whoosh object, so a Whoosh upgrade touches one file. Segments never change
once written (only their deletions do), so what is read from one is kept in the
:class:`~newsearch.cache.IndexCache` of its index and shared by every snapshot holding it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from . import arrays
from .cache import IndexCache
from .schema import stored_published
from .segtables import load_tables, table_key
from .sidefile import SideField
from .viewfile import ViewFile

__all__ = ["EMPTY_IDS", "EMPTY_TF", "FloatArray", "IndexView", "IntArray", "Segment", "segment_ids"]


FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EMPTY_IDS: IntArray = np.zeros(0, dtype=np.int64)
EMPTY_TF: FloatArray = np.zeros(0, dtype=np.float32)

#: Terms whose postings joined over the segments a snapshot keeps (then it starts over).
_JOINED_MAX = 20_000
#: Bytes of a terms table read at a time.
_TERMS_CHUNK = 1 << 22


def _no_copy() -> None:
    """Give Whoosh's memory-mapped files a :class:`~newsearch.viewfile.ViewFile`, not a copy
    in a ``BytesIO`` (opening a searcher read every postings and terms file: ~1 s at 71k)."""
    from whoosh.filedb.structfile import BufferFile

    if getattr(BufferFile, "_newsearch_no_copy", False):
        return
    init = BufferFile.__init__

    def __init__(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
        view = isinstance(buf, memoryview)
        init(self, b"" if view else buf, name=name, onclose=onclose)
        if view:
            self._buf, self.file = buf, ViewFile(buf)

    BufferFile.__init__ = __init__
    BufferFile._newsearch_no_copy = True


_no_copy()  # a class attribute set, no I/O: every reader of the process, the writer's too


def _length_table() -> FloatArray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


def segment_id(segreader: Any) -> str | None:
    """The name Whoosh gave a segment (its files start with it), or ``None``."""
    seg = segreader.segment() if callable(getattr(segreader, "segment", None)) else None
    return None if seg is None else str(seg.segment_id())


def segment_ids(whoosh_index: Any) -> frozenset[str]:
    """The ids of the segments of an index's last commit."""
    return frozenset(str(seg.segment_id()) for seg in whoosh_index._segments())


def _segment_key(segreader: Any) -> str | None:
    """A cache key for a segment: Whoosh names each segment with 16 random characters when it
    is written and never changes its postings afterwards; ``None`` for an unnamed reader
    (nothing of it is cached)."""
    sid = segment_id(segreader)
    return None if sid is None else f"{sid}:{segreader.doc_count_all()}"


class Segment:
    """One immutable segment of a snapshot: postings, lengths, columns and term tables, read
    once and kept in the owning index's cache."""

    def __init__(self, reader: Any, offset: int, cache: IndexCache) -> None:
        self.reader = reader
        self.offset = offset
        self.key = _segment_key(reader)
        self.doccount = int(reader.doc_count_all())
        self.cache = cache
        # An unnamed segment's data lives only as long as this object.
        self.data: dict[Any, Any] = cache.segment(self.key) if self.key else {}

    def memo(self, what: Any, build: Callable[[], Any]) -> Any:
        """A table derived from this segment's immutable data, built once."""
        found = self.data.get(what)
        if found is None:
            found = self.data[what] = build()
        return found

    def stored(self, what: Any) -> Any:
        """The table ``what`` as stored with this segment when it was written
        (:mod:`newsearch.segtables`), or ``None``."""
        tables = self.data.get("stored-tables")
        if tables is None:
            sid = segment_id(self.reader)
            storage = getattr(self.reader, "_storage", None)
            storage = getattr(storage, "b", storage)  # a compound segment's: the directory
            tables = load_tables(storage, sid) if sid and storage is not None else {}
            self.data["stored-tables"] = tables
        return tables.get(table_key(what))

    def close(self) -> None:
        self.reader.close()

    def lengths(self, field: str, table: FloatArray) -> FloatArray:
        """Each document's length of ``field`` (Whoosh's one-byte log-scale encoding)."""
        return self.memo(("lengths", field), lambda: self._read_lengths(field, table))  # type: ignore[no-any-return]

    def _read_lengths(self, field: str, table: FloatArray) -> FloatArray:
        raw = length_bytes(getattr(self.reader, "_perdoc", None), field, self.doccount)
        if raw is not None:
            return table[raw]
        out = np.zeros(self.doccount, dtype=np.float32)
        for d in range(self.doccount):  # another codec: ask per document (slow, but once)
            out[d] = self.reader.doc_field_length(d, field, 0) or 0
        return out

    def column(self, field: str) -> list[Any]:
        """The raw column values (bytes for ID fields, longs for DATETIME) of every document."""

        def read() -> list[Any]:
            r = self.reader
            if not r.has_column(field):
                return [None] * self.doccount
            values = list(r.column_reader(field, translate=False))
            return values + [None] * (self.doccount - len(values))

        return self.memo(("column", field), read)  # type: ignore[no-any-return]

    def ids(self) -> list[str]:
        """The ``id`` of every document, by docnum."""

        def read() -> list[str]:
            r = self.reader
            if r.has_column("id"):
                return [
                    v.decode() if isinstance(v, bytes) else str(v) for v in r.column_reader("id")
                ]
            return [str((r.stored_fields(d) or {}).get("id", "")) for d in range(self.doccount)]

        return self.memo("ids", read)  # type: ignore[no-any-return]

    def deleted(self) -> list[int]:
        """Segment-local numbers of deleted documents (these change: never cached)."""
        if not self.reader.has_deletions():
            return []
        return list(self.reader._perdoc.deleted_docs())

    def term_dfs(self, field: str) -> dict[str, int]:
        """Every term of ``field`` with its document frequency (deleted documents included)."""
        return self.memo(("dfs", field), lambda: self._dfs(field))  # type: ignore[no-any-return]

    def _dfs(self, field: str) -> Any:
        stored = self.stored(("dfs", field))
        return stored.dfs if stored is not None else _read_dfs(self.reader, field)

    def terms(self, field: str) -> list[str]:
        """Every term of ``field`` (not cached: callers cache what they derive)."""
        return _segment_terms(self.reader, field)

    def postings(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        """(segment docnums, term frequencies) of ``token`` in ``field``."""
        if self.key is None:
            return self._read(field, token)
        key = (self.key, field, token)
        hit: tuple[IntArray, FloatArray] | None = self.cache.postings.get(key)
        if hit is None:
            hit = self._read(field, token)
            self.cache.postings.put(key, hit)
        return hit

    def postings_size(self, field: str, token: str) -> int:
        """How many postings ``token`` has in ``field`` (deleted documents included), from the
        cached postings, the term table if loaded, else Whoosh's term info: none are read."""
        hit = self.cache.postings.get((self.key, field, token)) if self.key else None
        if hit is not None:
            return len(hit[0])
        if (dfs := self.data.get(("dfs", field))) is not None:
            return int(dfs.get(token, 0))
        if (side := _side_field(self.reader, field)) is not None:
            return side.df(token)
        return int(self.reader.doc_frequency(field, token))

    def _read(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        if (side := _side_field(self.reader, field)) is not None:
            return side.lookup(token)  # views of the side file, binary-searched
        dfs = self.data.get(("dfs", field))
        if dfs is not None and token not in dfs:
            return EMPTY_IDS, EMPTY_TF  # known absent: skip Whoosh's hashed term lookup
        try:
            m = self.reader.postings(field, token)
        except TermNotFound:
            return EMPTY_IDS, EMPTY_TF
        if isinstance(m, FilterMatcher):
            # Whoosh hides deleted documents here; deletions change while a segment's postings
            # do not (they are cached by segment), so read them all: callers mask deletions.
            m = m.child
        ids: list[Any] = []
        tfs: list[Any] = []
        if hasattr(m, "_read_data") and hasattr(m, "_next_block") and not m._byteids:
            # W3 blocks whole, the delta ids summed by numpy (Whoosh's _read_ids: one by one)
            while not m._atend and m._blocklength:
                if m._data is None:
                    m._read_data()
                block = np.cumsum(np.asarray(m._data[0], dtype=np.int64))
                w = m._data[1]  # an array, one float for all, or None (all 1.0)
                if w is None or isinstance(w, float):
                    w = [1.0 if w is None else w] * len(block)
                tf = np.asarray(w, dtype=np.float32)
                if tf.shape != block.shape:
                    tf = np.ones(len(block), dtype=np.float32)
                ids.append(block)
                tfs.append(tf)
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
            return EMPTY_IDS, EMPTY_TF
        return np.concatenate(ids), np.concatenate(tfs)


def length_bytes(perdoc: Any, field: str, count: int) -> npt.NDArray[np.uint8] | None:
    """The first ``count`` documents' length bytes of ``field`` (Whoosh's one-byte encoding),
    read whole from a W3 per-document reader's column (``None``: not one)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    if not hasattr(perdoc, "_cached_reader"):
        return None
    out = np.zeros(count, dtype=np.uint8)
    col = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if col is not None and (n := min(col._count, count)):
        out[:n] = np.frombuffer(bytes(col._dbfile.get(col._basepos, n)), dtype=np.uint8)
    return out


def _side_field(segreader: Any, field: str) -> SideField | None:
    side = getattr(getattr(segreader, "_terms", None), "side", None)  # a SideTermsReader's
    return None if side is None else side.get(field)


def _read_dfs(segreader: Any, field: str) -> Mapping[str, int]:
    """Every term of ``field`` in one segment with its document frequency. Whoosh's W3 terms
    table is sorted by (field number, term): the field's entries are one run, parsed in bulk;
    a side field's are looked up in its file (:mod:`newsearch.sidefile`), not copied."""
    if (side := _side_field(segreader, field)) is not None:
        return side.counts()
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

    unpack, head = _lengths.unpack_from, _lengths.size
    out: dict[str, int] = {}
    # Read in chunks up to the field's end: the table runs on with the other fields (one read
    # to its end copied most of a 71k index's terms file for the ``body`` field).
    pos, end, chunk = start, table.endofdata, _TERMS_CHUNK
    while pos < end:
        buf = bytes(table.dbfile.get(pos, min(chunk, end - pos)))
        i, n = 0, len(buf)
        while i + head <= n:
            klen, vlen = unpack(buf, i)
            kpos = i + head
            vpos = kpos + klen
            if vpos + vlen > n:
                break  # the entry runs past this chunk: read on from it
            if buf[kpos : kpos + 2] != prefix:
                return out
            # W3TermInfo: flags (1 byte), total weight (4), doc frequency (4, big-endian).
            with contextlib.suppress(UnicodeDecodeError):
                out[buf[kpos + 2 : vpos].decode("utf-8")] = int.from_bytes(
                    buf[vpos + 5 : vpos + 9], "big"
                )
            i = vpos + vlen
        if i == 0 and n == end - pos:
            break  # a truncated table
        chunk, pos = (chunk * 2 if i == 0 else chunk), pos + i
    return out


def _segment_terms(reader: Any, field: str) -> list[str]:
    """Every term of ``field`` in one segment, straight from Whoosh's terms table (about 15x
    faster than ``reader.lexicon(field)``, which decodes a term info per term)."""
    return list(_read_dfs(reader, field))  # the field's run of the sorted table


class IndexView:
    """One snapshot of an index (the commit a Whoosh searcher was opened on), in global
    document numbers: postings, lengths, columns, stored fields and Whoosh's positional
    matching. Cheap to make; what it reads is cached per segment in ``cache``. It owns the
    Whoosh searcher it is given and closes it in :meth:`close`."""

    def __init__(self, whoosh_searcher: Any, cache: IndexCache, *, index: Any = None) -> None:
        # Given a reader and its index (:meth:`open`), the Whoosh searcher is made when phrases,
        # the advanced syntax or id lookups need it: importing whoosh.searching costs ~40 ms.
        self._searcher: Any = whoosh_searcher if index is None else None
        self._index = index
        self.reader = whoosh_searcher.reader() if index is None else whoosh_searcher
        self.schema = self.reader.schema
        self.cache = cache
        leaves = (
            self.reader.leaf_readers()
            if hasattr(self.reader, "leaf_readers")
            else [(self.reader, 0)]
        )
        self.segments = [Segment(r, int(off), cache) for r, off in leaves]
        self.doccount_all = int(self.reader.doc_count_all())
        self.doccount = int(self.reader.doc_count())
        self._table = _length_table()
        self._derived: dict[Any, Any] = {}
        # Postings joined over the segments and each word's matching documents, per snapshot
        # (joining 13 segments' arrays per term was a third of a search's time).
        self._joined: dict[tuple[str, str], tuple[IntArray, FloatArray]] = {}
        self._word_docs: dict[tuple[tuple[str, str], ...], IntArray] = {}

    @classmethod
    def open(cls, whoosh_index: Any, cache: IndexCache) -> IndexView:
        """A view of the last commit of ``whoosh_index`` (a Whoosh searcher only if needed)."""
        return cls(whoosh_index.reader(), cache, index=whoosh_index)

    def close(self) -> None:
        # A Whoosh searcher closes its reader.
        (self._searcher if self._searcher is not None else self.reader).close()

    def __enter__(self) -> IndexView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def up_to_date(self) -> bool:
        if self._index is None:
            return bool(self._searcher.up_to_date())
        return bool(self._index.latest_generation() == self.reader.generation())

    def generation(self) -> int:
        gen = self.reader.generation()
        return -1 if gen is None else int(gen)

    def field_names(self) -> list[str]:
        return list(self.schema.names())

    def analyzer(self, field: str) -> Any:
        return self.schema[field].analyzer

    def text_fields(self) -> list[str]:
        """The analyzed text fields (title, body, their twins and pair fields)."""
        from whoosh.fields import TEXT

        return [n for n in self.schema.names() if isinstance(self.schema[n], TEXT)]

    def _memo(self, key: Any, build: Callable[[], Any]) -> Any:
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found

    # -- documents
    @property
    def deleted(self) -> IntArray:
        """Global numbers of deleted (not yet merged away) documents."""

        def read() -> IntArray:
            dels = [seg.offset + d for seg in self.segments for d in seg.deleted()]
            return np.array(sorted(dels), dtype=np.int64)

        return self._memo("deleted", read)  # type: ignore[no-any-return]

    @property
    def live(self) -> BoolArray:
        """True for every document that is not deleted."""

        def build() -> BoolArray:
            out = np.ones(self.doccount_all, dtype=bool)
            if self.deleted.size:
                out[self.deleted] = False
            return out

        return self._memo("live", build)  # type: ignore[no-any-return]

    def doc_id(self, docnum: int) -> str:
        """The article id of global document number ``docnum``."""
        for seg in reversed(self.segments):
            if docnum >= seg.offset:
                return str(seg.ids()[docnum - seg.offset])
        raise IndexError(docnum)

    def docnum(self, article_id: str) -> int | None:
        """The number of the live document with this id, or ``None``."""
        d = self.whoosh_searcher.document_number(id=article_id)
        if d is None or not self.live[d]:
            return None
        return int(d)

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields of a document, ``published`` as an aware UTC datetime."""
        fields = dict(self.reader.stored_fields(docnum) or {})
        if "published" in fields:
            fields["published"] = stored_published(fields["published"])
        return fields

    # -- columns
    def codes(self, field: str) -> tuple[npt.NDArray[np.int32], list[str]]:
        """An ID column as integer codes per document and the values they index (-1: none)."""
        got = self._memo(("codes", field), lambda: arrays.codes(self._columns(field)))
        return got  # type: ignore[no-any-return]

    def timestamps(self, field: str = "published") -> npt.NDArray[np.float64]:
        """A DATETIME column as seconds since 1970 (UTC) per document, NaN where missing."""
        got = self._memo(("time", field), lambda: arrays.seconds(self._columns(field)))
        return got  # type: ignore[no-any-return]

    def _columns(self, field: str) -> list[list[Any]]:
        return [seg.column(field) for seg in self.segments]

    def raw_column(self, field: str) -> Iterator[tuple[int, list[Any]]]:
        """Each segment's raw column values with the segment's first global docnum."""
        for seg in self.segments:
            yield seg.offset, seg.column(field)

    # -- lengths
    def lengths(self, field: str) -> FloatArray:
        parts = [seg.lengths(field, self._table) for seg in self.segments]
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def field_length(self, field: str) -> int:
        """Total length of ``field`` (deleted documents included): the sum of the stored
        lengths, not Whoosh's total, which a merge changes (scores then depended on it)."""
        if field not in self.schema or not self.schema[field].scorable:
            return int(self.reader.field_length(field))
        key = ("field-length", field)
        return round(float(self._memo(key, lambda: self.lengths(field).sum(dtype=float))))

    def norm(self, field: str, b: float, average: float) -> FloatArray:
        """``1 / ((1 - b) + b * length / average)`` per document (BM25's length
        normalization), cached per (field, b, average)."""

        def build() -> FloatArray:
            avg = average or 1.0
            return (1.0 / ((1.0 - b) + b * self.lengths(field) / avg)).astype(np.float32)

        return self._memo(("norm", field, b, average), build)  # type: ignore[no-any-return]

    # -- postings
    def postings(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        """(global docnums, term frequencies) of ``token`` in ``field``."""
        key = (field, token)
        hit = self._joined.get(key)
        if hit is None:
            hit = self._postings(field, token)
            if len(self._joined) >= _JOINED_MAX:
                self._joined.clear()  # a long-lived snapshot: start over rather than grow
            self._joined[key] = hit
        return hit

    def _postings(self, field: str, token: str) -> tuple[IntArray, FloatArray]:
        ids_parts = []
        tf_parts = []
        for seg in self.segments:
            ids, tf = seg.postings(field, token)
            if len(ids):
                ids_parts.append(ids + seg.offset if seg.offset else ids)
                tf_parts.append(tf)
        if not ids_parts:
            return EMPTY_IDS, EMPTY_TF
        if len(ids_parts) == 1:
            return ids_parts[0], tf_parts[0]
        return np.concatenate(ids_parts), np.concatenate(tf_parts)

    def word_docs(self, terms: Sequence[tuple[str, str]]) -> IntArray:
        """The live documents matching any of ``terms`` ((field, token) pairs), sorted: a
        sort of their postings, not a scan of every document."""
        key = tuple(terms)
        hit = self._word_docs.get(key)
        if hit is None:
            parts = [ids for ids in (self.postings(f, t)[0] for f, t in key) if ids.size]
            if not parts:
                hit = EMPTY_IDS
            else:
                hit = parts[0] if len(parts) == 1 else arrays.sorted_unique(np.concatenate(parts))
                if self.deleted.size:
                    hit = hit[self.live[hit]]
            if len(self._word_docs) >= _JOINED_MAX:
                self._word_docs.clear()
            self._word_docs[key] = hit
        return hit

    def has_term(self, field: str, token: str) -> bool:
        return bool(self.postings(field, token)[0].size)

    def doc_frequencies(self, field: str) -> Callable[[str], int]:
        """A fast ``token -> document frequency`` of ``field`` (deleted documents included, as
        in Whoosh), from per-segment term tables read once (about 0.1 s per segment of 5k
        articles); for code that looks up hundreds of terms at a time."""
        tables = [seg.term_dfs(field) for seg in self.segments]

        def df(token: str) -> int:
            return sum(t.get(token, 0) for t in tables)

        return df

    def doc_frequency(self, field: str, token: str) -> int:
        return int(self.reader.doc_frequency(field, token))

    def postings_size(self, field: str, token: str) -> int:
        """``len(postings(field, token)[0])`` without reading the postings unless they are in
        memory: a cold process's spelling checks ask about dozens of terms."""
        if (hit := self._joined.get((field, token))) is not None:
            return len(hit[0])
        return sum(seg.postings_size(field, token) for seg in self.segments)

    # -- Whoosh's own matching (phrases, the advanced syntax)
    def phrase_docs(self, clauses: Iterable[tuple[str, Sequence[str], int]]) -> IntArray:
        """Documents matching any of ``clauses`` (field, tokens, slop): a phrase when there
        are several tokens (positional matching), a term when one."""
        from whoosh import query as wq

        qs = [
            wq.Term(f, toks[0]) if len(toks) == 1 else wq.Phrase(f, list(toks), slop=slop)
            for f, toks, slop in clauses
            if toks
        ]
        if not qs:
            return EMPTY_IDS
        return np.array(list(self.whoosh_searcher.docs_for_query(wq.Or(qs))), dtype=np.int64)

    @property
    def whoosh_searcher(self) -> Any:
        """The Whoosh searcher of this snapshot (for Whoosh's own scoring, advanced_stats)."""
        if self._searcher is None:
            from whoosh.searching import Searcher as WhooshSearcher

            self._searcher = WhooshSearcher(self.reader, fromindex=self._index)
        return self._searcher

    def parse_advanced(self, text: str, fields: Sequence[str]) -> Any:
        """Whoosh's full query syntax over ``fields`` (raises on what it cannot parse)."""
        from whoosh.qparser import MultifieldParser, OrGroup

        return MultifieldParser(list(fields), self.schema, group=OrGroup).parse(text)

    # -- per-segment data for other modules
    def segment_table(self, what: Any, build: Callable[[Segment], Any]) -> list[Any]:
        """``build(segment)`` for each segment, built once per segment and cached with it,
        unless the segment was stored with that table (read instead)."""
        return [
            seg.memo(what, lambda s=seg: s.stored(what) or build(s))  # type: ignore[misc]
            for seg in self.segments
        ]

    def column_readers(self, field: str) -> list[tuple[int, Any]]:
        """Each segment's Whoosh column reader of ``field`` (untranslated bytes), with the
        segment's first docnum: one reader per segment, since Whoosh's multi-segment column
        reader skips segments without the column and then misaligns document numbers."""
        return [
            (seg.offset, seg.reader.column_reader(field, translate=False)) for seg in self.segments
        ]
