"""How a segment is written: the codec, the terms table's writer, and merges.

- :func:`codec`: Whoosh's W3 codec with short posting lists inlined in the terms table;
- every segment written in a process that imports this module (ingest, merges, optimize) gets a
  terms-table writer that keeps its hash entries in arrays (:class:`_LeanTermsWriter`);
- :class:`StreamingMerge`: a writer mixin that merges segments by streaming their sorted
  postings into the new segment instead of through Whoosh's posting pool.

The writers of :mod:`newsearch.mpwriter` use all three.
"""

from __future__ import annotations

import heapq
import mmap
from array import array
from typing import Any, Literal

import numpy as np
from whoosh import columns
from whoosh.filedb import filetables
from whoosh.filedb.filetables import _lengths, _pointer

from .schema import SIDE_FIELDS, side_fields
from .sidecodec import BYTE_LENGTHS, SideCodec, side_of
from .sidefile import SidePostings, iter_side_postings
from .sidemerge import docmap_array

__all__ = ["INLINE_LIMIT", "StreamingMerge", "codec"]

#: Posting lists of at most this many documents are kept inside their term's entry in the terms
#: table instead of as a compressed block of their own in the postings file. Most terms of a
#: news index are that short (word pairs, band keys, names: one or two articles each), and a
#: block costs a pickle, a zlib stream, a header and a seek apiece, at write, merge and read
#: (measured in docs/benchmarks.md, "Index build speed").
INLINE_LIMIT = 8


def codec(schema: Any = None) -> Any:
    """The codec every writer of an index uses: Whoosh's W3 codec with :data:`INLINE_LIMIT`,
    the fields of :data:`~newsearch.schema.SIDE_FIELDS` and the positional fields of
    ``schema`` (:func:`~newsearch.schema.side_fields`) kept in a side file per segment
    (:class:`~newsearch.sidecodec.SideCodec`).

    Whoosh's own default inlines nothing: its posting writer calls ``set_inline`` on the term
    info, which spells the method ``set_inlined``, so any ``inlinelimit`` above 1 failed there.
    Readers need nothing: a segment records its codec, and Whoosh reads inlined postings.
    """
    from whoosh.codec.whoosh3 import W3TermInfo

    if not hasattr(W3TermInfo, "set_inline"):
        W3TermInfo.set_inline = W3TermInfo.set_inlined
    # Whoosh inlines lists *shorter* than its limit.
    fields = SIDE_FIELDS if schema is None else side_fields(schema)
    return SideCodec(fields, inlinelimit=INLINE_LIMIT + 1)


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


#: A merge lets go of the pages it has read from the merged segments every this many postings.
_RELEASE_EVERY = 100_000


def _renumbered(
    reader: Any,
    side: SidePostings | None,
    schema: Any,
    base: int,
    docmap: dict[int, int] | None,
    arrayed: set[str],
) -> Any:
    """A merged segment's postings as the new segment numbers its documents (as Whoosh's
    ``SegmentWriter._process_posts``). Whoosh reads an inlined posting list without values
    back with ``""`` for each, which its posting writer refuses: they are ``b""`` here.

    A compound segment is read through a memory map, whose pages count in the process's
    resident memory once read, as long as the map is open: the streams of a merge stay open
    until the end, so every page of every merged segment would (a 13k-article merge grew from
    71 to 340 MB). They are read about in order, once: every so often the map is told to drop
    them (``MADV_DONTNEED``; a page read again comes back from the page cache). ``side``: the
    segment's side file; its fields of ``arrayed`` are left out: they are merged as arrays
    (:mod:`newsearch.sidemerge`)."""
    release = _releaser(reader)
    if side is None:
        postings = reader.iter_postings()
    else:  # the side fields straight from their file, merged in order with the others
        skip = set(side.fields)
        plain = _plain_postings(reader, schema, skip)
        kept = type(side)({f: side.fields[f] for f in skip - arrayed if f in schema})
        postings = heapq.merge(plain, iter_side_postings(kept, docmap, base, local=True))
    for n, (field, text, docnum, weight, value) in enumerate(postings, 1):
        if field in schema:
            doc = base + docnum if docmap is None else docmap[docnum]
            yield field, text, doc, weight, value or b""
        if release is not None and n % _RELEASE_EVERY == 0:
            release()


def _releaser(reader: Any) -> Any:
    """What tells the memory map of a compound segment's file to drop the pages read so far
    (``None`` for another storage)."""
    files = getattr(reader, "_storage", None)  # Whoosh's OverlayStorage(compound file, index)
    source = getattr(getattr(files, "a", files), "_source", None)
    if not isinstance(source, mmap.mmap):
        return None
    return lambda: source.madvise(mmap.MADV_DONTNEED)


def _arrayed(w: Any, readers: list[Any], sides: list[SidePostings | None]) -> set[str]:
    """The side fields a merge takes as arrays: those of the new segment's codec that every
    merged segment keeps in its side file (or lacks), when the writer's own pool has none."""
    if not hasattr(w.fieldwriter, "merge_side_field"):
        return set()
    fields = set(getattr(w.codec, "side_fields", ())) & set(w.schema.names())
    fields -= set(getattr(w.pool, "fieldnames", ()))
    for reader, side in zip(readers, sides, strict=True):
        fields -= set(reader.indexed_field_names()) - set(side.fields if side else ())
    return fields


def _plain_postings(reader: Any, schema: Any, skip: set[str]) -> Any:
    """As ``reader.iter_postings()`` for the fields not in ``skip``: each field's run of the
    terms, in field order (``terms_from`` runs on into the next field: stop there)."""
    fields = {f for f in reader.indexed_field_names() if f in schema} - skip
    for field in sorted(fields):
        for fname, text in reader.terms_from(field, b""):
            if fname != field:
                break
            m = reader.postings(fname, text)
            while m.is_active():
                yield fname, text, m.id(), m.weight(), m.value()
                m.next()


def _copy_per_doc(w: Any, reader: Any) -> dict[int, int] | Literal[False] | None:
    """As Whoosh's ``SegmentWriter.write_per_doc`` for a W3 segment of the same schema: each
    live document's stored fields, lengths and column values, with the stored fields copied
    as their compressed bytes (Whoosh decompresses, unpickles, pickles and compresses each
    again: most of a merge's per-document time) and the lengths as their bytes. The docmap
    (``None``: no deletions); ``False`` where it does not apply (vectors, another codec)."""
    from whoosh.codec.whoosh3 import W3PerDocWriter

    from .sidecodec import PerDocReader

    pdw, schema = w.perdocwriter, w.schema
    if not isinstance(pdw, W3PerDocWriter) or reader.schema is not schema:
        return False
    if any(schema[f].vector for f in schema.names()):
        return False
    perdoc = reader.codec().per_document_reader(reader.storage(), reader.segment())
    if not isinstance(perdoc, PerDocReader):
        perdoc.close()
        return False
    try:
        return _copy_docs(w, reader, perdoc)
    finally:
        perdoc.close()


def _copy_docs(w: Any, reader: Any, perdoc: Any) -> dict[int, int] | None:
    """:func:`_copy_per_doc`'s loop, ``perdoc`` a :class:`~newsearch.sidecodec.PerDocReader`
    of ``reader``'s segment."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.columns import VarBytesColumn

    from .backend import length_bytes

    pdw, schema = w.perdocwriter, w.schema
    count = reader.doc_count_all()
    stored = perdoc.stored_bytes()
    target = pdw._get_column("_stored")._child  # Whoosh's compressing writer's plain one
    lengths = [
        (f, _lenfield(f), length_bytes(perdoc, f, count))
        for f in schema.names()
        if perdoc.has_column(_lenfield(f))
    ]
    as_lists = [(lenfield, lb.tolist()) for _, lenfield, lb in lengths]  # type: ignore[union-attr]
    cols = []
    for f in schema.names():
        coltype = schema[f].column_type
        if coltype and reader.has_column(f):
            creader = reader.column_reader(f, coltype)
            if isinstance(creader, columns.TranslatingColumnReader):
                creader = creader.raw_column()
            cols.append((f, coltype, creader))
    docmap: dict[int, int] | None = {} if reader.has_deletions() else None
    for d in range(count):
        if docmap is not None:
            if reader.is_deleted(d):
                continue
            docmap[d] = w.docnum
        pdw.start_doc(w.docnum)
        for lenfield, lbytes in as_lists:
            if b := lbytes[d]:  # (Whoosh adds no length of 0; a byte read back is rewritten as is)
                pdw.add_column_value(lenfield, LENGTHS_COLUMN, b)
        for f, coltype, creader in cols:
            pdw.add_column_value(f, coltype, creader[d])
        if raw := VarBytesColumn.Reader.__getitem__(stored, d):
            VarBytesColumn.Writer.add(target, w.docnum, raw)
        pdw.finish_doc()
        w.docnum += 1
    # The field totals Whoosh sums document by document: the live documents' decoded lengths.
    kept = np.fromiter(docmap, np.int64, len(docmap)) if docmap is not None else slice(None)
    for f, _, lb in lengths:
        pdw._fieldlengths[f] += int(BYTE_LENGTHS[lb[kept]].sum())  # type: ignore[index]
    return docmap


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
        docmap = _copy_per_doc(w, reader)
        if docmap is False:
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
        sides = [side_of(r) for r, _, _ in streams]
        arrayed = _arrayed(w, [r for r, _, _ in streams], sides)
        postings = [w.pool.iter_postings()]
        postings += [
            _renumbered(r, side, w.schema, base, dm, arrayed)
            for (r, base, dm), side in zip(streams, sides, strict=True)
        ]
        try:
            # (field, term, document, ...) tuples: document numbers differ between streams,
            # so plain tuple order is the order Whoosh's posting writer needs.
            w.fieldwriter.add_postings(w.schema, lengths, heapq.merge(*postings))
            if arrayed:
                releases = [f for r, _, _ in streams if (f := _releaser(r)) is not None]
                maps = [docmap_array(dm, r.doc_count_all()) for r, _, dm in streams]
                for name in sorted(arrayed):
                    parts = [
                        (side.fields[name], base, m)
                        for (_, base, _), side, m in zip(streams, sides, maps, strict=True)
                        if side is not None and name in side.fields
                    ]
                    w.fieldwriter.merge_side_field(
                        name, w.schema[name].format, parts, lambda: [f() for f in releases]
                    )
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
