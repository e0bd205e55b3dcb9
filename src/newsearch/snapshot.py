"""``Snapshot``: what the query stages share about one commit of an index.

A snapshot bundles the :class:`~newsearch.backend.IndexView` of a commit with what is derived
from it once (the fields' analyzers, the vocabulary lookups the planner uses, the copy
lookups) and is the default source of collection statistics. Search and related news are
compositions of stages over a snapshot; neither reaches into the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .backend import IndexView
from .copies import DuplicateView
from .feedback import LeadStems
from .plan import QueryWord, plan_memos
from .request import RankingOptions
from .scoring import Scorer, build_scorer
from .stats import CollectionStats, gather
from .variants import IndexVocabulary

__all__ = ["Snapshot", "StatsSource", "scorer_for"]


class StatsSource(Protocol):
    """Where scoring gets its collection statistics: one snapshot (the default), or every
    shard of a sharded index merged."""

    @property
    def doc_count(self) -> int: ...

    def statistics(self, words: Sequence[QueryWord]) -> CollectionStats:
        """Counts and frequencies for ``words`` (see :class:`~newsearch.stats.CollectionStats`)."""
        ...

    def document_frequency(self, field: str, token: str) -> int:
        """Documents whose ``field`` has ``token`` (related news' key terms look up hundreds:
        this must be a table lookup)."""
        ...


class Snapshot:
    """One commit of an index and what the stages derive from it (see the module docstring).
    Not thread-safe by itself: :class:`~newsearch.search.Searcher` serializes its use."""

    def __init__(self, view: IndexView) -> None:
        self.view = view
        self.analyzers: dict[str, Any] = {name: view.analyzer(name) for name in view.text_fields()}
        self.vocabulary = IndexVocabulary(view)
        for table, memo in plan_memos().items():  # the planner's own, beside the vocabulary's
            setattr(self.vocabulary, table, memo)
        self._copies: DuplicateView | None = None
        self._leads: LeadStems | None = None
        self._dfs: dict[str, Callable[[str], int]] = {}

    @property
    def copies(self) -> DuplicateView:
        """Near-duplicate lookups (made on first use)."""
        if self._copies is None:
            self._copies = DuplicateView(self.view)
        return self._copies

    @property
    def leads(self) -> LeadStems:
        """The title-and-lead stems of articles, as feedback reads them (kept once read)."""
        if self._leads is None:
            self._leads = LeadStems(self.view, self.analyzers["body"])
        return self._leads

    # -- StatsSource
    @property
    def doc_count(self) -> int:
        return self.view.doccount

    def statistics(self, words: Sequence[QueryWord]) -> CollectionStats:
        return gather(self.view, words)

    def document_frequency(self, field: str, token: str) -> int:
        table = self._dfs.get(field)
        if table is None:
            table = self._dfs[field] = self.view.doc_frequencies(field)
        return table(token)


def scorer_for(options: RankingOptions) -> Scorer:
    """The scorer the options name, with their parameters."""
    return build_scorer(options.scorer, **options.scorer_kwargs())
