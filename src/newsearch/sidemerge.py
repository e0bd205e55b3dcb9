"""Merging the side fields of segments as arrays, not posting by posting.

A merge (:class:`~newsearch.segwriter.StreamingMerge`) streams every posting of the merged
segments to the new segment as a tuple. Since schema 4 the side file holds the body's postings
and positions, most of an index's: streamed, they were most of an ingest's last merge (13.1 of
36 s for 13k articles). Here each side field is merged from its segments' arrays: the merged
terms are the sorted union of the segments' terms, a slice of terms at a time; each segment's
postings of the slice are one run of its arrays (its terms are sorted too), renumbered (the
new numbers of its live documents, or shifted by its base) and put in term order by a stable
sort (documents stay ascending: segments are numbered one after the other, and a renumbering
keeps their order); positions follow their postings.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .sidefile import SideField, SideFileWriter

__all__ = ["Part", "merge_field"]

#: Merged terms handled at once (each segment's postings of them are read as slices).
_TERMS_AT_ONCE = 1 << 15

#: One merged segment's field: (its side field, its first new document number, the new number
#: of each old one, -1 for deleted; ``None``: none deleted, numbered from the base).
Part = tuple[SideField, int, npt.NDArray[np.int64] | None]


def docmap_array(docmap: Mapping[int, int] | None, count: int) -> npt.NDArray[np.int64] | None:
    """Whoosh's ``{old: new}`` of a merged segment's live documents as an array (-1: deleted)."""
    if docmap is None:
        return None
    out = np.full(count, -1, dtype=np.int64)
    if docmap:
        old = np.fromiter(docmap.keys(), dtype=np.int64, count=len(docmap))
        out[old] = np.fromiter(docmap.values(), dtype=np.int64, count=len(docmap))
    return out


def merge_field(
    out: SideFileWriter,
    name: str,
    format_: Any,
    parts: Sequence[Part],
    release: Callable[[], None] | None = None,
) -> None:
    """Field ``name`` of ``parts`` merged into ``out`` (its postings and positions as the
    streaming merge would write them). ``release`` is called after each slice of terms (a
    merge lets go of the pages it has read)."""
    # The segments' terms merged in order, each once, a slice at a time: a field's terms (a
    # pair field has millions) are never all held as Python objects at once.
    union = (t for t, _ in itertools.groupby(heapq.merge(*(f.texts() for f, _, _ in parts))))
    cursors = [0] * len(parts)  # each segment's first term not merged yet
    started = False  # a field whose postings are all deleted is left out, as a stream does
    while chunk := list(itertools.islice(union, _TERMS_AT_ONCE)):
        last = chunk[-1]
        index = {t: i for i, t in enumerate(chunk)}
        ids, docs, weights, freqs, starts, lens, pos = [], [], [], [], [], [], []
        offset = 0
        for k, (f, base, docmap) in enumerate(parts):
            a = cursors[k]
            b = f.bisect(last)
            if b < len(f) and f.term(b) == last:
                b += 1
            cursors[k] = b
            if a == b:
                continue
            pa, pb = f.span(a)[0], f.span(b - 1)[1]
            ends = f.pend[a:b].astype(np.int64)
            counts = ends - np.concatenate(([pa], ends[:-1]))
            where = np.fromiter(map(index.__getitem__, f.terms(a, b)), np.int64, count=b - a)
            ids.append(np.repeat(where, counts))
            old = f.docs[pa:pb].astype(np.int64)
            docs.append(docmap[old] if docmap is not None else old + base)
            weights.append(f.weights[pa:pb].astype(np.float32))
            fq = f.frequencies(pa, pb).astype(np.int64)
            freqs.append(fq)
            if f.pos is not None:
                seg_pos = f.positions(a, b).astype(np.uint32)
                starts.append(offset + np.cumsum(fq) - fq)
                lens.append(fq)
                pos.append(seg_pos)
                offset += int(seg_pos.size)
        if not ids:
            continue
        tid = np.concatenate(ids)
        doc = np.concatenate(docs)
        live = doc >= 0
        order = np.flatnonzero(live)[np.argsort(tid[live], kind="stable")]
        tid, doc = tid[order], doc[order]
        weight = np.concatenate(weights)[order]
        freq = np.concatenate(freqs)[order]
        positions = None
        if pos:
            s, n = np.concatenate(starts)[order], np.concatenate(lens)[order]
            ends = np.cumsum(n)
            gather = np.repeat(s - (ends - n), n) + np.arange(int(ends[-1]) if n.size else 0)
            positions = np.concatenate(pos)[gather]
        per_term = np.bincount(tid, minlength=len(chunk))
        kept = np.flatnonzero(per_term)
        if not kept.size:
            continue
        if not started:
            out.start_field(name, format_)
            started = True
        out.add_arrays(
            [chunk[i] for i in kept.tolist()], per_term[kept], doc, weight, freq, positions
        )
        if release is not None:
            release()
    if started:
        out.finish_field()
