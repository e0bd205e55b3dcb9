"""Whoosh's scoring with collection statistics from elsewhere: how a sharded index scores an
advanced query (Whoosh's query language) as one index would.

Whoosh's weightings read two collection figures from their searcher: a term's idf (from its
document frequency and the document count) and a field's average length. A shard gathers
them for a query's terms (:meth:`IndexView.advanced_statistics
<newsearch.backend.IndexView.advanced_statistics>`), the cluster adds them over the shards
(:func:`merge_advanced_stats`), and each shard scores with a searcher answering those two
from the sum (:func:`global_searcher`); matching and per-document figures stay the shard's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["AdvancedStats", "global_searcher", "merge_advanced_stats"]

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
