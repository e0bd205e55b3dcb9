"""Collection statistics: what a scorer needs to know about the whole collection.

Scoring never reads statistics itself: the searcher gathers them for a query's words
(:func:`gather`) and hands them to the scorer, as Lucene's ``Similarity.scorer(boost,
collectionStats, termStats...)``. That one seam is what lets a sharded index score each shard
with statistics merged from every shard (:meth:`CollectionStats.merge`, Elasticsearch's
``dfs_query_then_fetch``), giving the same scores as one index holding every article.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .backend import IndexView
    from .plan import QueryWord

__all__ = ["CollectionStats", "TermKey", "WordKey", "gather", "word_key"]

K = TypeVar("K")

#: A (field, token) pair.
TermKey = tuple[str, str]
#: The (field, token) pairs of one query word.
WordKey = tuple[TermKey, ...]


@dataclass(frozen=True)
class CollectionStats:
    """Document counts, field-length totals and document frequencies.

    - ``doc_count``: live documents; ``doc_count_all``: including deleted ones not yet merged
      away (Whoosh's length totals include them, so averages divide by this);
    - ``field_length``: total length of each field over all documents;
    - ``term_df``: postings per (field, token) (deleted documents included, as Whoosh counts);
    - ``word_df``: live documents matching a word in any of its fields (BM25F's one idf per
      word).

    Every count is a sum over disjoint document sets, so shards merge by addition.
    """

    doc_count: int
    doc_count_all: int
    field_length: Mapping[str, int] = field(default_factory=dict)
    term_df: Mapping[TermKey, int] = field(default_factory=dict)
    word_df: Mapping[WordKey, int] = field(default_factory=dict)

    def average_length(self, name: str) -> float:
        total = self.field_length.get(name, 0)
        return float(total) / self.doc_count_all if self.doc_count_all else 0.0

    @classmethod
    def merge(cls, parts: Iterable[CollectionStats]) -> CollectionStats:
        """The statistics of the union of disjoint collections (shards)."""
        parts = list(parts)

        return cls(
            doc_count=sum(p.doc_count for p in parts),
            doc_count_all=sum(p.doc_count_all for p in parts),
            field_length=_add([p.field_length for p in parts]),
            term_df=_add([p.term_df for p in parts]),
            word_df=_add([p.word_df for p in parts]),
        )


def _add(maps: Sequence[Mapping[K, int]]) -> dict[K, int]:
    out: dict[K, int] = {}
    for m in maps:
        for k, v in m.items():
            out[k] = out.get(k, 0) + v
    return out


def word_key(word: QueryWord) -> WordKey:
    """The statistics key of a query word: its (field, token) pairs, in order."""
    return tuple((t.field, t.token) for t in word.terms)


def gather(view: IndexView, words: Sequence[QueryWord]) -> CollectionStats:
    """The statistics of one snapshot for ``words`` (and every field they name)."""
    fields = sorted({t.field for w in words for t in w.terms})
    term_df: dict[TermKey, int] = {}
    word_df: dict[WordKey, int] = {}
    for w in words:
        key = word_key(w)
        for f, tok in key:
            if (f, tok) not in term_df:
                term_df[(f, tok)] = int(view.postings(f, tok)[0].size)
        if key not in word_df:
            word_df[key] = int(view.word_docs(key).size)
    return CollectionStats(
        doc_count=view.doccount,
        doc_count_all=view.doccount_all,
        field_length={f: view.field_length(f) for f in fields},
        term_df=term_df,
        word_df=word_df,
    )
