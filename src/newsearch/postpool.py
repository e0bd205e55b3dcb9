"""A segment writer's postings grouped by field and term as documents add them.

Whoosh's writer makes a ``(field, term, document, weight, value)`` tuple per posting, pools
them (spilling sorted runs to disk past ``limitmb``) and sorts them all at the flush, where its
posting writer walks them one by one. Documents arrive in order, so grouping each posting under
its field and term as it comes leaves only the terms to sort, and each term's postings reach the
field writer as one list (``add_grouped``, :mod:`newsearch.sidecodec`). Past the pool's limit
the groups spill to a run on disk, sorted by field and term, and the flush merges the runs
term by term.

:class:`GroupedPostings` is the writer mixin that uses it (:mod:`newsearch.mpwriter`).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import operator
import pickle
from collections.abc import Iterator
from typing import Any

__all__ = ["GroupedPool", "GroupedPostings"]

#: Whoosh counts about 160 bytes a posting against ``limitmb``; the grouped pool counts postings
#: and spills at the same number (it holds them in less memory: no tuple, no term per posting).
_BYTES_PER_POSTING = 160

#: Terms per pickled chunk of a spilled run.
_RUN_CHUNK = 4096

# A field's postings: term -> [doc, weight, value, doc, weight, value, ...] (documents ascending).
Groups = dict[bytes, list[Any]]


class GroupedPool:
    """Whoosh's posting pool interface (``add``, ``iter_postings``, ``cleanup``,
    ``fieldnames``) over postings grouped by field and term."""

    def __init__(self, tempstore: Any, limitmb: int = 128) -> None:
        self.fields: dict[str, Groups] = {}
        self.fieldnames: set[str] = set()
        self.count = 0  # postings held in memory
        self.limit = max(1, limitmb * 1024 * 1024 // _BYTES_PER_POSTING)
        self._tempstore = tempstore
        self.runs: list[str] = []  # spilled runs, oldest (lowest documents) first

    def groups(self, fieldname: str) -> Groups:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting, as Whoosh's pool takes it (its postings of a document must come after
        those of earlier documents)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.groups(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [docnum, weight, vbytes]
        else:
            postings += (docnum, weight, vbytes)
        self.count += 1

    def full(self) -> bool:
        return self.count >= self.limit

    def spill(self) -> None:
        """Write the groups to a run on disk, sorted by field and term, and start again."""
        from whoosh.util import random_name

        path = f"{random_name()}.grun"
        with self._tempstore.create_file(path).raw_file() as f:
            chunk: list[tuple[str, bytes, list[Any]]] = []
            for item in self._in_memory():
                chunk.append(item)
                if len(chunk) >= _RUN_CHUNK:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)
        self.fields.clear()
        self.count = 0

    def _in_memory(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        try:
            with self._tempstore.open_file(path).raw_file() as f:
                while True:
                    try:
                        chunk = pickle.load(f)
                    except EOFError:
                        return
                    yield from chunk
        finally:
            self._tempstore.delete_file(path)
            self.runs.remove(path)

    def merged(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        """Every term with all its postings, by field and term: the runs and what is in memory
        merged (a term's postings from each in document order: the runs came first)."""
        streams = [self._read_run(p) for p in list(self.runs)] + [self._in_memory()]
        if len(streams) == 1:
            yield from streams[0]
            return
        # Plain tuple order: (field, term), then the postings lists, whose first documents
        # differ between streams and come in stream order.
        last: tuple[str, bytes, list[Any]] | None = None
        for item in heapq.merge(*streams):
            if last is not None and item[1] == last[1] and item[0] == last[0]:
                last = (last[0], last[1], last[2] + item[2])
                continue
            if last is not None:
                yield last
            last = item
        if last is not None:
            yield last

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Every posting as Whoosh's pool gives them: sorted by field, term, document."""
        for fieldname, tbytes, p in self.merged():
            for i in range(0, len(p), 3):
                yield fieldname, tbytes, p[i], p[i + 1], p[i + 2]

    def sorted_groups(self) -> Iterator[tuple[str, Iterator[tuple[bytes, list[Any]]]]]:
        """Each field (by name) with its terms in order, each with all its postings."""
        for fieldname, items in itertools.groupby(self.merged(), operator.itemgetter(0)):
            yield fieldname, ((tbytes, p) for _, tbytes, p in items)

    def cleanup(self) -> None:
        self.fields.clear()
        for path in self.runs:
            with contextlib.suppress(OSError):
                self._tempstore.delete_file(path)
        self.runs = []


class GroupedPostings:
    """A mixin for Whoosh's ``SegmentWriter``: postings go to a :class:`GroupedPool`, and a
    segment's postings reach the field writer term by term (``add_grouped``) instead of posting
    by posting (a merge of other segments goes through :class:`~newsearch.segwriter.
    StreamingMerge` and the pool's ``iter_postings``)."""

    pool: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        w: Any = self
        old = w.pool
        w.pool = GroupedPool(w._tempstorage, limitmb=old.limit // (1024 * 1024))

    def add_document(self, **fields: Any) -> None:
        # As SegmentWriter.add_document (whoosh-reloaded 2.7), with the postings grouped.
        w: Any = self
        w._check_state()
        perdocwriter = w.perdocwriter
        schema = w.schema
        docnum = w.docnum
        pool: GroupedPool = w.pool
        docboost = w._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        w._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = w._field_boost(fields, fieldname, docboost)
                    scorable = field.scorable
                    terms = pool.groups(fieldname)
                    n = 0
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if boost != 1:
                            weight *= boost
                        if scorable:
                            length += freq
                        postings = terms.get(tbytes)
                        if postings is None:
                            terms[tbytes] = [docnum, weight, vbytes]
                        else:
                            postings += (docnum, weight, vbytes)
                        n += 1
                    pool.count += n
                if field.separate_spelling() or field.vector:
                    raise NotImplementedError(f"{fieldname}: spelling or vector fields")
                customval = fields.get(f"_stored_{fieldname}", value)
                stored = customval if field.stored else None
                perdocwriter.add_field(fieldname, field, stored, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, column, field.to_column_value(customval)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        w._added = True
        w.docnum += 1
        if pool.full():
            pool.spill()

    def _flush_segment(self) -> None:
        w: Any = self
        pool: GroupedPool = w.pool
        grouped = getattr(w.fieldwriter, "add_grouped", None)
        if getattr(self, "_streams", None) or grouped is None:
            super()._flush_segment()  # type: ignore[misc]
            return
        w.perdocwriter.close()
        lengths = w.per_document_reader() if w.codec.length_stats else None
        try:
            grouped(w.schema, lengths, pool.sorted_groups())
            w.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()
