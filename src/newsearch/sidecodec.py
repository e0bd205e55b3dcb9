"""The codec that keeps a few fields in a side file per segment (:mod:`newsearch.sidefile`).

:class:`SideCodec` is Whoosh's W3 codec whose field writer diverts the side fields' postings
to the side file, written when the writer closes: it becomes one of the segment's files before
the commit that publishes the segment (the compound file takes it in), and Whoosh deletes it
with its segment. Everything else is Whoosh's: the other fields, stored fields, and the side
fields' lengths (BM25's length normalization reads those as before).

:class:`SideTermsReader` answers Whoosh for the side fields from the file (terms in order,
term infos, matchers), so Whoosh's own merging, deletions and searches work unchanged; a
segment written by the plain W3 codec (an older index) has no side file and is read as before.
The codec is pickled into the index's table of contents with each segment it writes.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

from .backend import length_bytes
from .sidefile import EXTENSION, SideField, SideFileWriter, SidePostings, open_side
from .sidemerge import Part, merge_field

__all__ = ["PerDocReader", "SideCodec", "SideTermsReader", "side_of"]

#: Terms of a side field whose arrays are built at once at a flush, and at most this many of
#: their postings (a positional field's common words have thousands each: held as Python
#: objects, a slice of 65,536 body terms was most of a 30k-article ingest's postings).
_SIDE_CHUNK = 1 << 16
_SIDE_POSTINGS = 1 << 18


class _MainLengths:
    """A segment's document lengths as the posting writer asks for them: 0, unread, for a
    side field (its postings are written without lengths); for the others each document's
    length read once, when first asked, and kept in a small array per field (Whoosh decodes
    it from the length column on every call, and a document is in many terms' postings)."""

    def __init__(self, lengths: Any, side_fields: frozenset[str]) -> None:
        self._lengths = lengths
        self._side_fields = side_fields
        self._known: dict[str, array[int]] = {}  # -1: not read yet

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname in self._side_fields:
            return 0
        known = self._known.get(fieldname)
        if known is not None and docnum < len(known) and known[docnum] >= 0:
            return known[docnum]
        return self.of(fieldname, [docnum])[0]

    def of(self, fieldname: str, docs: list[int]) -> list[int]:
        """The lengths of ``docs`` (ascending) in a field that is not a side field."""
        known = self._known.get(fieldname)
        if known is None:
            known = self._known[fieldname] = array("i")
        if docs[-1] >= len(known):
            known.extend([-1] * (docs[-1] + 1 - len(known)))
        got = [known[d] for d in docs]
        if -1 in got:
            read = self._lengths.doc_field_length
            for i, d in enumerate(docs):
                if got[i] < 0:
                    # (None for a document without the field: never one of a term's)
                    got[i] = known[d] = int(read(d, fieldname, 0) or 0)
        return got


def _add_postings(
    pw: Any, docs: list[int], weights: list[float], values: list[Any], lens: list[int] | None
) -> None:
    """``W3PostingsWriter.add_posting`` for each posting of a term, a block's worth at a time
    (the same blocks, statistics and bytes: whoosh-reloaded 2.7's buffer fields)."""
    limit = pw._blocklimit
    i, n = 0, len(docs)
    while i < n:
        if len(pw._ids) >= limit:
            pw._write_block()
        j = min(n, i + limit - len(pw._ids))
        pw._ids.extend(docs[i:j])
        chunk = weights[i:j]
        pw._weights.extend(chunk)
        top = max(chunk)
        if top > pw._maxweight:
            pw._maxweight = top
        pw._values.extend(v for v in values[i:j] if v)
        if lens is not None:
            known = [x for x in lens[i:j] if x]
            if known:
                lo, hi = min(known), max(known)
                if pw._minlength is None or lo < pw._minlength:
                    pw._minlength = lo
                if hi > pw._maxlength:
                    pw._maxlength = hi
        i = j


class _SideFieldWriter(W3FieldWriter):
    """Whoosh's W3 field writer, with the side fields' postings diverted to the side file."""

    def __init__(self, codec: Any, storage: Any, segment: Any, fields: Iterable[str]) -> None:
        super().__init__(codec, storage, segment)
        self._side_fields = frozenset(fields)
        self._side = SideFileWriter()
        self._diverted = False
        # A side field's terms and their flat postings lists, handed to the side file a slice
        # of terms at a time.
        self._texts: list[bytes] = []
        self._flats: list[list[Any]] = []
        self._held = 0  # postings in _flats

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        # Whoosh looks up each posting's document length for its block statistics; the side
        # file keeps none, and the side fields hold most postings (a seventh of a profiled
        # single-process ingest went to those lookups).
        if lengths:
            lengths = _MainLengths(lengths, self._side_fields)
        super().add_postings(schema, lengths, items)

    def add_grouped(self, schema: Any, lengths: Any, fields: Any) -> None:
        """As :meth:`add_postings`, from postings grouped by field and term
        (:meth:`newsearch.postpool.GroupedPool.sorted_groups`): each term's postings go to
        the side file or Whoosh's posting writer as whole lists, not one call per posting."""
        main = _MainLengths(lengths, self._side_fields) if lengths else None
        for fieldname, terms in fields:
            self.start_field(fieldname, schema[fieldname])
            for btext, p in terms:
                if self._diverted:
                    self._texts.append(btext)
                    self._flats.append(p)
                    self._held += len(p) // 3
                    self._side_term_done()
                    continue
                self.start_term(btext)
                docs = p[0::3]
                lens = main.of(fieldname, docs) if main is not None else None
                _add_postings(self._postwriter, docs, p[1::3], p[2::3], lens)
                self.finish_term()
            self.finish_field()

    def merge_side_field(
        self, name: str, format_: Any, parts: Sequence[Part], release: Callable[[], Any]
    ) -> None:
        """Side field ``name`` of merged segments, from their arrays
        (:func:`newsearch.sidemerge.merge_field`)."""
        merge_field(self._side, name, format_, parts, release)

    def _side_term_done(self) -> None:
        if len(self._texts) >= _SIDE_CHUNK or self._held >= _SIDE_POSTINGS:
            self._side_flush()

    def _side_flush(self) -> None:
        if self._texts:
            self._side.add_terms(self._texts, self._flats)
            self._texts, self._flats, self._held = [], [], 0

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        self._diverted = fieldname in self._side_fields
        if self._diverted:
            self._side.start_field(fieldname, fieldobj.format)
            self._infield = True
        else:
            super().start_field(fieldname, fieldobj)

    def start_term(self, btext: bytes) -> None:
        if self._diverted:
            self._texts.append(btext)
            self._flats.append([])  # (filled by add)
        else:
            super().start_term(btext)

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int) -> None:
        if self._diverted:
            self._flats[-1] += (docnum, weight, vbytes)
            self._held += 1
        else:
            super().add(docnum, weight, vbytes, length)

    def finish_term(self) -> None:
        if self._diverted:
            self._side_term_done()
        else:
            super().finish_term()

    def finish_field(self) -> None:
        if self._diverted:
            self._side_flush()
            self._side.finish_field()
            self._infield = False
            self._diverted = False
        else:
            super().finish_field()

    def close(self) -> None:
        out = self._segment.create_file(self._storage, EXTENSION)
        try:
            self._side.write(out)
        finally:
            out.close()
            self._side.close()
        super().close()


class SideCodec(W3Codec):
    """Whoosh's W3 codec with ``side_fields`` kept in the side file. Pickled into the index's
    table of contents with every segment it writes: its state is the field names and W3's."""

    def __init__(
        self,
        side_fields: Iterable[str] = (),
        blocklimit: int = 128,
        compression: int = 3,
        inlinelimit: int = 1,
    ) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)
        self.side_fields = tuple(sorted(side_fields))

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _SideFieldWriter(self, storage, segment, self.side_fields)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return PerDocReader(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> Any:
        # As W3Codec.terms_reader, with the side file.
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        side = open_side(storage, segment.segment_id())
        return SideTermsReader(self, tifile, tilen, postfile, side, storage, segment)


class PerDocReader(W3PerDocReader):
    """Whoosh's per-document reader, remembering the fields that have no length column too:
    Whoosh asks the storage (a ``stat``) on every call for one of those, and a merge asks for
    every document and field (600,000 times at 30k articles)."""

    def stored_bytes(self) -> Any:
        """The stored fields' column as its compressed bytes (indexed by document)."""
        from whoosh.codec.whoosh3 import STORED_COLUMN

        return self._cached_reader("_stored", STORED_COLUMN)._child

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        try:
            return self._readers[fieldname]
        except KeyError:
            has = self.has_column(fieldname)
            reader = self._readers[fieldname] = (
                self.column_reader(fieldname, column) if has else None
            )
            return reader


def side_of(reader: Any) -> SidePostings | None:
    """The side postings of a Whoosh segment reader, ``None`` for a segment of another codec."""
    codec = reader.codec() if callable(getattr(reader, "codec", None)) else None
    if not isinstance(codec, SideCodec):
        return None
    return open_side(reader.storage(), reader.segment().segment_id())


class SideTermsReader(W3TermsReader):
    """Whoosh's W3 terms reader, answering for the side fields from the side file."""

    def __init__(
        self,
        codec: Any,
        dbfile: Any,
        length: int,
        postfile: Any,
        side: SidePostings,
        storage: Any,
        segment: Any,
    ) -> None:
        super().__init__(codec, dbfile, length, postfile)
        self.side = side
        self._where = (storage, segment)
        self._perdoc: Any = None
        self._known: dict[str, Any] = {}

    def _field(self, fieldname: str) -> SideField | None:
        return self.side.fields.get(fieldname)

    def _lengths(self, fieldname: str, docs: Iterable[int]) -> tuple[int | None, int]:
        """(min, max) of the documents' lengths as Whoosh's posting writer records them (the
        smallest non-zero length, or ``None``; the largest, or 0)."""
        known = self._known.get(fieldname)
        if known is None:
            # Each document's length, read once per field: a positional field's term may be in
            # thousands of documents, each a call to Whoosh's column reader.
            if self._perdoc is None:
                storage, segment = self._where
                self._perdoc = self._codec.per_document_reader(storage, segment)
            known = length_bytes(self._perdoc, fieldname, self._perdoc.doc_count_all())
            assert known is not None  # (W3's per-document reader: this codec's)
            self._known[fieldname] = known
        lengths = BYTE_LENGTHS[known[np.asarray(list(docs), dtype=np.int64)]]
        nonzero = lengths[lengths > 0]
        return (int(nonzero.min()) if nonzero.size else None), int(lengths.max(initial=0))

    def __contains__(self, term: Any) -> bool:
        f = self._field(term[0])
        if f is None:
            return bool(super().__contains__(term))
        return f.find(term[1]) >= 0

    def indexed_field_names(self) -> Any:
        return list(super().indexed_field_names()) + list(self.side.fields)

    def cursor(self, fieldname: str, fieldobj: Any) -> Any:
        f = self._field(fieldname)
        if f is None:
            return super().cursor(fieldname, fieldobj)
        return _SideCursor(self, f, fieldobj)

    def _plain_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        if fieldname in self._fieldmap:
            return super().terms_from(fieldname, prefix)  # type: ignore[no-any-return]
        later = sorted(f for f in self._fieldmap if f > fieldname)
        return super().terms_from(later[0], b"") if later else iter(())

    def terms(self) -> Iterator[tuple[str, bytes]]:
        # W3 numbers fields in the order their postings came: by name, so its key order is
        # (field name, term) order too.
        return heapq.merge(super().terms(), self.side.terms_from("", b""))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return heapq.merge(
            self._plain_from(fieldname, prefix), self.side.terms_from(fieldname, prefix)
        )

    def items(self) -> Iterator[tuple[tuple[str, bytes], Any]]:
        return ((t, self.term_info(*t)) for t in self.terms())

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], Any]]:
        return ((t, self.term_info(*t)) for t in self.terms_from(fieldname, prefix))

    def term_info(self, fieldname: str, tbytes: bytes) -> Any:
        f = self._field(fieldname)
        if f is None:
            return super().term_info(fieldname, tbytes)
        i = f.find(tbytes)
        if i < 0:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return self._term_info(f, i)

    def _term_info(self, f: SideField, i: int) -> Any:
        # What W3's writer records, read back as W3 reads it (lengths through their byte
        # encoding, the total weight through a float32), with the postings inlined.
        a, b = f.span(i)
        docs = f.docs[a:b].tolist()
        weights = [float(w) for w in f.weights[a:b].tolist()]
        minlength, maxlength = self._lengths(f.name, docs)
        ti = W3TermInfo()
        ti._weight = float(np.float32(sum(weights)))
        ti._df = b - a
        ti._minlength = byte_to_length(0 if minlength is None else length_to_byte(minlength))
        ti._maxlength = byte_to_length(length_to_byte(maxlength))
        ti._maxweight = float(np.float32(max(weights, default=0.0)))
        ti._minid = docs[0] if docs else None
        ti._maxid = docs[-1] if docs else None
        ti._inlined = (tuple(docs), tuple(weights), tuple(f.value_bytes(i)))
        return ti

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        f = self._field(fieldname)
        if f is None:
            return float(super().frequency(fieldname, tbytes))
        i = f.find(tbytes)
        if i < 0:
            raise KeyError((fieldname, tbytes))
        a, b = f.span(i)
        return float(np.float32(f.weights[a:b].astype(np.float64).sum()))

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        f = self._field(fieldname)
        if f is None:
            return int(super().doc_frequency(fieldname, tbytes))
        i = f.find(tbytes)
        if i < 0:
            raise KeyError((fieldname, tbytes))
        return f.doc_frequency(i)

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> Any:
        if self._field(fieldname) is None:
            return super().matcher(fieldname, tbytes, format_, scorer=scorer)
        terminfo = self.term_info(fieldname, tbytes)
        return self._codec.postings_reader(
            self._postfile, terminfo, format_, term=(fieldname, tbytes), scorer=scorer
        )

    def close(self) -> None:
        if self._perdoc is not None:
            self._perdoc.close()
            self._perdoc = None
        super().close()


#: Whoosh's one-byte length encoding, decoded (a length byte's length).
BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


class _SideCursor:
    """Whoosh's field cursor (``first``/``find``/``next``/``text``/``term_info``) over a side
    field, for its code that walks a field's terms (fuzzy term expansion)."""

    def __init__(self, reader: SideTermsReader, field: SideField, fieldobj: Any) -> None:
        self._r = reader
        self._f = field
        self._fieldobj = fieldobj
        self._i = 0

    def _at(self) -> Any:
        return self._fieldobj.from_bytes(self._f.term(self._i)) if self.is_valid() else None

    def first(self) -> Any:
        self._i = 0
        return self._at()

    def find(self, term: Any) -> Any:
        key = term if isinstance(term, bytes) else self._fieldobj.to_bytes(term)
        self._i = self._f.bisect(key)
        return self._at()

    def next(self) -> Any:
        self._i += 1
        return self._at()

    def text(self) -> Any:
        return self._at()

    def term_info(self) -> Any:
        return self._r._term_info(self._f, self._i) if self.is_valid() else None

    def is_valid(self) -> bool:
        return self._i < len(self._f)
