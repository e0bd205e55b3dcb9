"""Whoosh's scoring with collection statistics from elsewhere: how a sharded index scores an
advanced query (Whoosh's query language) as one index would.

Whoosh's weightings read two collection figures from their searcher: a term's idf (from its
document frequency and the document count) and a field's average length. A shard gathers
them for a query's terms (:func:`advanced_statistics`), the cluster adds them over the shards
(:func:`merge_advanced_stats`), and each shard scores with a searcher answering those two
from the sum (:func:`global_searcher`); matching and per-document figures stay the shard's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .schema import TEXT_FIELDS

if TYPE_CHECKING:
    from .backend import FloatArray, IndexView

__all__ = [
    "AdvancedStats",
    "advanced_scores",
    "advanced_statistics",
    "global_searcher",
    "merge_advanced_stats",
]

#: Collection statistics of an advanced (Whoosh) query: documents counted as Whoosh's idf
#: counts them (deleted included), each field's total length, each expanded term's
#: document frequency (terms as Whoosh's bytes).
AdvancedStats = tuple[int, dict[str, int], dict[tuple[str, bytes], int]]


def merge_advanced_stats(parts: Iterable[AdvancedStats]) -> AdvancedStats:
    """Statistics of several shards added up: those of one index holding them all."""
    docs = 0
    lengths: dict[str, int] = {}
    dfs: dict[tuple[str, bytes], int] = {}
    for n, fl, df in parts:
        docs += n
        for f, v in fl.items():
            lengths[f] = lengths.get(f, 0) + v
        for t, v in df.items():
            dfs[t] = dfs.get(t, 0) + v
    return docs, lengths, dfs


class _Counts:
    """What a Whoosh weighting's ``idf`` asks of its searcher, answered from statistics."""

    def __init__(self, stats: AdvancedStats, local: Any) -> None:
        self.stats, self.local = stats, local

    def get_parent(self) -> _Counts:
        return self

    def doc_count_all(self) -> int:
        return self.stats[0]

    def doc_frequency(self, fieldname: str, text: bytes) -> int:
        found = self.stats[2].get((fieldname, text))
        return int(self.local.doc_frequency(fieldname, text)) if found is None else found


def global_searcher(stats: AdvancedStats) -> type:
    """A Whoosh searcher class whose idf and average field lengths come from ``stats``
    (matching, and every per-document figure, stay this index's own)."""
    from whoosh.searching import Searcher as WhooshSearcher

    class GlobalSearcher(WhooshSearcher):
        def idf(self, fieldname: str, text: bytes) -> float:
            if self.has_parent():
                return float(self.get_parent().idf(fieldname, text))
            return float(self.weighting.idf(_Counts(stats, self), fieldname, text))

        def avg_field_length(self, fieldname: str, default: Any = None) -> Any:
            if not self.schema[fieldname].scorable:
                return default
            total = stats[1].get(fieldname)
            if total is None:
                return super().avg_field_length(fieldname, default)
            return total / (stats[0] or 1)

    return GlobalSearcher


def advanced_statistics(view: IndexView, query: Any) -> AdvancedStats:
    """What Whoosh's scorers read of the collection for ``query`` (its terms expanded
    over this index: prefixes, wildcards, close spellings): a sharded index adds them
    over its shards and scores each with the sum (:func:`advanced_scores`)."""
    r = view.whoosh_searcher.reader()
    schema = r.schema
    terms: set[tuple[str, bytes]] = set()
    for leaf in query.leaves():  # every term, expanded, present here or not
        for f, t in leaf.expanded_terms(r, phrases=True):
            if f in schema:
                try:
                    terms.add((f, t if isinstance(t, bytes) else schema[f].to_bytes(t)))
                except ValueError:  # not a value of that field (a word in a date field)
                    continue
    dfs = {(f, t): int(r.doc_frequency(f, t)) for f, t in terms}
    lengths = {f: view.field_length(f) for f in sorted({f for f, _ in terms})}
    return int(r.doc_count_all()), lengths, dfs


def advanced_scores(
    view: IndexView, query: Any, weighting: Any, stats: AdvancedStats | None = None
) -> tuple[FloatArray, set[str]]:
    """Whoosh's scores of a parsed advanced query for every document, and the title/body
    terms it names (for highlighting). ``stats``: collection statistics to score with
    instead of this index's (a shard scores with every shard's)."""
    scores = np.zeros(view.doccount_all, dtype=np.float32)
    if stats is None:  # this index's own, with field lengths that do not depend on merges
        stats = advanced_statistics(view, query)
    with _fresh(view.whoosh_searcher, weighting, stats) as s:
        for hit in s.search(query, limit=None):
            scores[hit.docnum] = hit.score
    terms = {
        t.decode() if isinstance(t, bytes) else t
        for f, t in query.iter_all_terms()
        if f in TEXT_FIELDS
    }
    return scores, terms


@contextlib.contextmanager
def _fresh(searcher: Any, weighting: Any, stats: AdvancedStats | None = None) -> Iterator[Any]:
    """A Whoosh searcher over the same reader with another weighting (and, given ``stats``,
    another collection's statistics)."""
    from whoosh.searching import Searcher as WhooshSearcher

    kind = WhooshSearcher if stats is None else global_searcher(stats)
    s = kind(searcher.reader(), weighting=weighting, closereader=False)
    try:
        yield s
    finally:
        s.close()
