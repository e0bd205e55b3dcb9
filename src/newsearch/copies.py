"""Copies: near-duplicate lookups over one snapshot, from the signatures made at ingest.

How signatures are made and compared is :mod:`newsearch.duplicates`; this module finds them in
an index: an article's copies (its signature's LSH band keys are terms of the ``dupkeys``
field, so the candidates are a few term lookups, each verified by
:func:`~newsearch.duplicates.is_copy`), and every group of copies in the index.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from .backend import IndexView
from .duplicates import (
    BANDS,
    HEADER,
    KEYS_FIELD,
    MAX_BUCKET,
    ROWS,
    SIGNATURE_FIELD,
    SIGNATURE_LEN,
    Signature,
    band_keys,
    exact,
    is_copy,
    signature_of,
    similarity,
)
from .errors import ArticleNotFoundError, IndexMismatchError
from .results import Copy, DuplicateGroup

__all__ = ["DuplicateView", "copy_groups"]


class DuplicateView:
    """Near-duplicate lookups over one snapshot (an :class:`~newsearch.backend.IndexView`,
    which it reads through and never closes). Each lookup is a few term lookups and column
    reads: cheap enough to run for every candidate of a related-news list."""

    def __init__(self, view: IndexView) -> None:
        self.view = view
        names = view.field_names()
        if SIGNATURE_FIELD not in names or KEYS_FIELD not in names:
            raise IndexMismatchError(
                "this index has no near-duplicate signatures (built before schema version 3); "
                "rebuild it from its source files"
            )
        self._offsets: list[int] = []
        self._columns: list[Any] = []
        if view.doccount_all:
            for offset, column in view.column_readers(SIGNATURE_FIELD):
                self._offsets.append(offset)
                self._columns.append(column)

    # -- signatures
    def docnum(self, article_id: str) -> int:
        """The document number of a live article; :class:`ArticleNotFoundError` if none."""
        d = self.view.docnum(article_id)
        if d is None:
            raise ArticleNotFoundError(article_id)
        return d

    def signature(self, docnum: int) -> Signature | None:
        """The stored signature of a document; ``None`` when its text was too short."""
        if not self._columns or not 0 <= docnum < self.view.doccount_all:
            return None
        i = bisect_right(self._offsets, docnum) - 1
        raw = self._columns[i][docnum - self._offsets[i]]
        sig = np.frombuffer(raw, dtype="<u4").astype(np.uint32, copy=False)
        return sig if len(sig) == SIGNATURE_LEN and sig[4] else None

    @staticmethod
    def signature_of(text: str, title: str = "") -> Signature | None:
        """The signature of text that need not be in the index (see
        :func:`~newsearch.duplicates.signature_of`)."""
        return signature_of(text, title)

    # -- candidates and copies
    def candidates(self, sig: Signature) -> list[int]:
        """Live documents sharing at least one band key with ``sig`` (sorted docnums)."""
        live = self.view.live
        out: set[int] = set()
        for key in band_keys(sig):
            ids = self.view.postings(KEYS_FIELD, key)[0]
            out.update(int(d) for d in ids if live[d])
        return sorted(out)

    def copies_of(
        self,
        sig: Signature | None,
        *,
        min_similarity: float | None = None,
        exclude: int | None = None,
    ) -> list[tuple[int, float]]:
        """``(docnum, similarity)`` of every copy of ``sig`` in the index, most similar first."""
        if sig is None:
            return []
        out = []
        for d in self.candidates(sig):
            if d == exclude:
                continue
            other = self.signature(d)
            if other is not None and is_copy(sig, other, min_similarity):
                out.append((d, similarity(sig, other)))
        out.sort(key=lambda p: (-p[1], p[0]))
        return out

    def copies(self, docnum: int, min_similarity: float | None = None) -> list[tuple[int, float]]:
        """``(docnum, similarity)`` of every copy of a document, most similar first."""
        return self.copies_of(self.signature(docnum), min_similarity=min_similarity, exclude=docnum)

    def copy(self, docnum: int, similarity: float, exact: bool) -> Copy:
        """The :class:`~newsearch.results.Copy` of a document, from its stored fields."""
        stored = self.view.stored(docnum)
        return Copy(
            id=stored.get("id", ""),
            title=stored.get("title") or "",
            source=stored.get("source"),
            url=stored.get("url"),
            published=stored.get("published"),
            similarity=similarity,
            exact=exact,
        )

    def duplicates(self, article_id: str, *, min_similarity: float | None = None) -> list[Copy]:
        """The copies of an article (see :meth:`Searcher.duplicates
        <newsearch.search.Searcher.duplicates>`)."""
        d = self.docnum(article_id)
        return self.duplicates_of(self.signature(d), min_similarity=min_similarity, exclude=d)

    def duplicates_of(
        self,
        sig: Signature | None,
        *,
        min_similarity: float | None = None,
        exclude: int | None = None,
    ) -> list[Copy]:
        """The copies of a signature (e.g. of pasted text, :meth:`signature_of`) as
        :class:`~newsearch.results.Copy` objects, most similar first; ``exclude``: a docnum
        left out."""
        out = []
        for other, sim in self.copies_of(sig, min_similarity=min_similarity, exclude=exclude):
            osig = self.signature(other)
            out.append(
                self.copy(other, sim, sig is not None and osig is not None and exact(sig, osig))
            )
        return out

    # -- the whole index
    def signatures(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
        """Every document's signature (one row each) and which rows are live signatures."""
        n = self.view.doccount_all
        sigs = np.zeros((n, SIGNATURE_LEN), dtype=np.uint32)
        if self._columns and n:
            blob = b"".join(v for column in self._columns for v in column)
            sigs[:] = np.frombuffer(blob, dtype="<u4").reshape(n, SIGNATURE_LEN)
        ok = (sigs[:, 4] > 0) & self.view.live
        return sigs, ok

    def groups(self, *, min_similarity: float | None = None) -> list[DuplicateGroup]:
        """Every group of copies in the index, largest first.

        Candidates are the pairs sharing a band key (never all pairs); each is verified by
        :func:`~newsearch.duplicates.is_copy`, and a group is a connected component of
        verified pairs (so a member is a copy of at least one other member, not necessarily
        of the representative)."""
        sigs, ok = self.signatures()
        groups = []
        for comp in copy_groups(sigs, ok, min_similarity):
            found = {d: self.copy(d, 1.0, True) for d in comp}  # stored fields, once each
            members = sorted(comp, key=lambda d: (found[d].published or _NEVER, d))
            rep = sigs[members[0]]
            copies = []
            for d in members:
                c = found[d]
                c.similarity, c.exact = similarity(rep, sigs[d]), exact(rep, sigs[d])
                copies.append(c)
            groups.append(DuplicateGroup(copies[0], copies))
        groups.sort(key=lambda g: (-len(g), g.representative.published or _NEVER, g.ids[0]))
        return groups


_NEVER = datetime.max.replace(tzinfo=UTC)


def copy_groups(
    sigs: npt.NDArray[np.uint32], ok: npt.NDArray[np.bool_], min_similarity: float | None = None
) -> list[list[int]]:
    """The groups of copies among signature rows (``ok``: the rows to consider): connected
    components of the pairs sharing a band key and verified by
    :func:`~newsearch.duplicates.is_copy`, each a sorted list of rows (a sharded index
    stacks every shard's rows)."""
    pairs = _candidate_pairs(sigs, ok)
    edges = [(int(a), int(b)) for a, b in pairs if is_copy(sigs[a], sigs[b], min_similarity)]
    return _components(edges)


def _candidate_pairs(
    sigs: npt.NDArray[np.uint32], ok: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Pairs ``(a, b)``, ``a < b``, of live documents sharing a band: the band keys, grouped
    in numpy from the signatures (the same keys the ``dupkeys`` field holds)."""
    docs = np.flatnonzero(ok)
    n = len(sigs)
    chunks: list[npt.NDArray[np.int64]] = []
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    for b in range(BANDS):
        band = np.ascontiguousarray(sigs[docs, HEADER + b * ROWS : HEADER + (b + 1) * ROWS])
        keys = band.view(np.dtype((np.void, 4 * ROWS))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared = counts[inverse] > 1
        if not shared.any():
            continue
        members = docs[shared]
        bucket = inverse[shared]
        order = np.argsort(bucket, kind="stable")
        members, bucket = members[order], bucket[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(bucket)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            group = members[s:e]
            if len(group) > MAX_BUCKET:
                i = np.zeros(len(group) - 1, dtype=np.int64)
                j = np.arange(1, len(group), dtype=np.int64)
            else:
                i, j = np.triu_indices(len(group), 1)
            chunks.append(group[i] * n + group[j])
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1)


def _components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict[int, list[int]] = {}
    for x in parent:
        out.setdefault(find(x), []).append(x)
    return [sorted(c) for c in out.values()]
