"""One shard's searcher: what a cluster searcher asks of each shard (a Ray actor).

Each call is one phase of a fan-out search (see :mod:`newsearch.cluster.searcher`): answer
vocabulary questions, give the statistics of some words, score and rank with statistics
merged from every shard (the top entries, facet counts, totals), then present the hits the
merge kept. Document numbers are the shard's own and valid for its current snapshot; the
searcher is refreshed only by :meth:`ShardSearcher.refresh`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from .. import collect, present
from ..advanced_stats import AdvancedStats, advanced_scores, advanced_statistics
from ..copies import DuplicateView
from ..duplicates import Signature, exact, signature_of
from ..feedback import Lead
from ..index import NewsIndex
from ..plan import QueryPlan, QueryWord
from ..query import ParsedQuery
from ..related import Source, collapse, own_copies, related_scores
from ..request import MAX_PAGE_DEPTH, Filters, RankingOptions, RelatedRequest, SearchRequest
from ..results import Copy, Hit, RelatedResults, Results
from ..schema import TEXT_FIELDS
from ..search import Searcher
from ..snapshot import scorer_for
from ..stats import CollectionStats
from ..variants import CorrectionCounts, correction_counts
from .fanout import Packed

__all__ = ["FixedStats", "Question", "RelatedRound", "ShardPage", "ShardSearcher"]

#: A vocabulary question: ("words", skeleton), ("known", field, token) or ("corrections", word).
Question = tuple[str, ...]


class FixedStats:
    """A :class:`~newsearch.snapshot.StatsSource` that answers with statistics made elsewhere
    (every shard's, merged): what each shard scores with."""

    def __init__(self, stats: CollectionStats) -> None:
        self.stats = stats

    @property
    def doc_count(self) -> int:
        return self.stats.doc_count

    def statistics(self, words: Sequence[QueryWord]) -> CollectionStats:
        return self.stats

    def document_frequency(self, field: str, token: str) -> int:
        raise NotImplementedError("key terms are chosen by the cluster searcher")


@dataclass
class ShardPage:
    """A shard's answer to the query phase: its best entries ``(sort key, docnum, id,
    score)``, its total, facet counts, and what the search did."""

    total: int
    entries: list[tuple[float, int, str, float]]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    sort: str = "relevance"
    top: float = 0.0  # the best relevance among the matches (recency sort)
    newest: float = -math.inf  # the newest publication time of the snapshot (recency sort)
    #: the hits of the first ``show`` entries, when the query phase also fetches (page 1)
    hits: list[Hit] = field(default_factory=list)
    #: the words to highlight, when the shard parsed the query (advanced mode)
    terms: set[str] = field(default_factory=set)


@dataclass
class RelatedRound:
    """A shard's answer to related news' one round (see :meth:`ShardSearcher.related_round`):
    its total, best candidates ``(score, docnum, id, signature's bytes)``, the article's copies here
    ``(docnum, similarity, exact)``, the hits it guessed would be shown, and the descriptions
    of the copies it met (similarity and exactness left for the caller to fill in)."""

    total: int
    candidates: list[tuple[float, int, str, bytes | None]]
    own: list[tuple[int, float, bool]]
    hits: list[Hit]
    copies: dict[int, Copy]


class ShardSearcher(Packed):
    """Searches one shard (see the module docstring)."""

    PACKED = frozenset(
        {
            "refresh", "warm", "vocabulary", "statistics", "frequencies", "query", "fetch",
            "get", "source", "related_candidates", "copies_of", "describe", "present",
            "related_candidates_and_copies", "related_round", "advanced_statistics",
            "advanced_query", "signatures", "up_to_date", "doc_count", "run_whole",
            "related_whole", "feedback_leads",
        }
    )  # fmt: skip

    #: Snapshots kept after a refresh for the requests still reading them.
    KEEP = 3

    def __init__(self, path: str, options: RankingOptions, cache_mb: float) -> None:
        self.index = NewsIndex.open(path, cache_mb=cache_mb)
        self.options = options
        self.searcher = self.index.searcher(options)
        #: The snapshot of each refresh epoch of the cluster searcher (a request pins one).
        self.epochs: dict[int, Searcher] = {0: self.searcher}

    def use(self, epoch: int) -> None:
        # An epoch this actor never saw (it was restarted since) or dropped: its latest.
        self.searcher = self.epochs.get(epoch) or self.epochs[max(self.epochs)]

    # -- lifecycle
    def pid(self) -> int:
        return os.getpid()

    def ping(self) -> bool:
        return True

    def usage(self) -> dict[str, float]:
        """What this shard costs: documents, peak memory of the process (MB), files (MB)."""
        import resource

        path = self.index.path
        disk = sum(f.stat().st_size for f in path.iterdir()) if path else 0
        return {
            "documents": float(self.searcher.view.doccount),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "disk_mb": disk / 1e6,
        }

    def refresh(self, epoch: int | None = None) -> int:
        """Search the shard's latest commit, as the snapshot of ``epoch`` (default: the
        next); the last :attr:`KEEP` epochs stay open for requests under way. Returns the
        document count."""
        latest = self.epochs[max(self.epochs)]
        new = latest.refresh()
        epoch = max(self.epochs) + 1 if epoch is None else epoch
        self.epochs[epoch] = self.searcher = new
        for old in sorted(self.epochs)[: -self.KEEP]:
            gone = self.epochs.pop(old)
            if all(gone is not s for s in self.epochs.values()):
                gone.close()
        return new.view.doccount

    def up_to_date(self) -> bool:
        return self.epochs[max(self.epochs)].up_to_date()

    def warm(self) -> None:
        self.searcher.warm()

    def analyzers(self) -> dict[str, Any]:
        return dict(self.searcher.snapshot.analyzers)

    def doc_count(self) -> int:
        return self.searcher.view.doccount

    def newest(self) -> float:
        ts = self.searcher.view.timestamps("published")
        finite = ts[~np.isnan(ts)]
        return float(finite.max()) if finite.size else -math.inf

    # -- planning and statistics
    def vocabulary(self, questions: list[Question]) -> list[Any]:
        """The answers of this shard to the planner's questions, in order."""
        snap = self.searcher.snapshot
        out: list[Any] = []
        for q in questions:
            if q[0] == "words":
                out.append(snap.vocabulary.variant_index.words(q[1]))
            elif q[0] == "known":
                out.append(snap.view.has_term(q[1], q[2]))
            elif q[0] == "frequency":
                out.append(snap.vocabulary.frequency(q[1], q[2]))
            elif q[0] == "size":
                out.append(snap.vocabulary.size())
            elif q[0] == "corrections":
                counts: CorrectionCounts = correction_counts(snap.view, q[1])
                out.append(counts)
            else:
                raise ValueError(f"unknown vocabulary question {q!r}")
        return out

    def statistics(self, words: Sequence[QueryWord]) -> CollectionStats:
        return self.searcher.snapshot.statistics(words)

    def frequencies(self, stems: Sequence[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        """The live document count and each stem's (body, title) document frequencies."""
        snap = self.searcher.snapshot
        dfs = {
            s: (snap.document_frequency("body", s), snap.document_frequency("title", s))
            for s in stems
        }
        return snap.doc_count, dfs

    # -- search
    def query(
        self,
        plan: QueryPlan,
        request: SearchRequest,
        options: RankingOptions,
        stats: CollectionStats | None,
        fuzzy: Sequence[QueryWord] = (),
        blend: tuple[float, float] | None = None,
        show: int = 0,
        added: Sequence[QueryWord] = (),
    ) -> ShardPage:
        """Score with the merged ``stats`` and rank: this shard's first ``page × limit``
        entries in the request's order. ``blend``: the recency sort's (best relevance,
        newest time) over every shard; without it, a recency sort only reports them.
        ``show``: also present the first ``show`` entries (page 1: saves the fetch round).
        ``added``: feedback words chosen from every shard's first results."""
        page = self._query(plan, request, options, stats, fuzzy, blend, added)
        if show and page.entries:
            page.hits = self.fetch(
                [(d, sc) for _, d, _, sc in page.entries[:show]], plan.highlight_terms,
                request.highlight, request.snippet_chars,
            )  # fmt: skip
        return page

    def _query(
        self,
        plan: QueryPlan,
        request: SearchRequest,
        options: RankingOptions,
        stats: CollectionStats | None,
        fuzzy: Sequence[QueryWord],
        blend: tuple[float, float] | None,
        added: Sequence[QueryWord] = (),
    ) -> ShardPage:
        source = FixedStats(stats) if stats is not None else None
        scores, matched, sort, _ = self.searcher.match(
            plan, options, request.sort, source, fuzzy, added=added
        )
        return self._rank(scores, matched, sort, request, options, blend)

    def feedback_leads(
        self,
        plan: QueryPlan,
        request: SearchRequest,
        options: RankingOptions,
        stats: CollectionStats | None,
        n: int,
    ) -> list[tuple[float, int, Lead]]:
        """This shard's first ``n`` documents of the plan scored with the merged ``stats``,
        as (score, document, title-and-lead stems): what feedback reads."""
        source = FixedStats(stats) if stats is not None else None
        return self.searcher.first_leads(plan, options, request.sort, source, n)

    def _rank(
        self,
        scores: Any,
        matched: Any,
        sort: str,
        request: SearchRequest,
        options: RankingOptions,
        blend: tuple[float, float] | None,
    ) -> ShardPage:
        """This shard's first ``page × limit`` entries of scored documents, total, facets."""
        view = self.searcher.view
        want = min(request.page * request.limit, MAX_PAGE_DEPTH)
        total = int(matched.sum())
        facets = collect.facet_counts(view, matched, request.facets, request.date_histogram)
        ts = view.timestamps("published")
        if sort == "recency":
            cand = np.flatnonzero(matched)
            top = float(scores[cand].max()) if cand.size else 0.0
            page = ShardPage(total, [], facets, sort, top, self.newest())
            if blend is None:
                return page
            best, now = blend
            if options.now is not None:
                now = options.now.timestamp()
            from ..scoring import recency_blend

            keys = recency_blend(
                view, scores, cand, half_life_days=options.half_life_days,
                weight=collect.RECENCY_WEIGHT, now=now, top=best,
            )  # fmt: skip
            order = np.lexsort((cand, -keys))[:want]
            page.entries = [
                (-float(keys[i]), int(cand[i]), "", float(scores[cand[i]])) for i in order
            ]
            return self._ids(page)
        docs = collect.order(
            view, scores, matched, sort, want, now=options.now,
            half_life_days=options.half_life_days,
        )  # fmt: skip
        entries = []
        for d in docs:
            if sort == "relevance":
                key = -float(scores[d])
            else:
                t = float(ts[d])
                key = math.inf if math.isnan(t) else -t if sort == "newest" else t
            entries.append((key, d, "", float(scores[d])))
        return self._ids(ShardPage(total, entries, facets, sort))

    # -- a cluster of one shard: the request's phases merged
    def run_whole(
        self, request: SearchRequest, options: RankingOptions, parsed: ParsedQuery | None
    ) -> Results:
        """The whole search of one request on this shard (the only one: it is one index)."""
        return self.searcher.run(request, options, parsed=parsed)

    def related_whole(self, request: RelatedRequest, options: RankingOptions) -> RelatedResults:
        """Related news on this shard (the only one)."""
        return self.searcher.related(request, options=options)

    # -- advanced mode (Whoosh's query language)
    def _parse(self, request: SearchRequest) -> Any:
        return self.searcher.view.parse_advanced(request.query, request.fields)

    def advanced_statistics(self, request: SearchRequest) -> AdvancedStats | str:
        """This shard's statistics of an advanced query, or why Whoosh could not parse it
        (then the request is searched in simple mode, as on one index)."""
        try:
            q = self._parse(request)
        except Exception as exc:  # Whoosh's parser can fail on odd input
            return f"not understood ({exc}); simple search"
        return advanced_statistics(self.searcher.view, q)

    def advanced_query(
        self,
        request: SearchRequest,
        options: RankingOptions,
        stats: AdvancedStats,
        blend: tuple[float, float] | None = None,
        show: int = 0,
    ) -> ShardPage:
        """:meth:`query` for an advanced query, scored by Whoosh with every shard's
        statistics; the page's ``terms`` are the query's, for highlighting."""
        view = self.searcher.view
        q = self._parse(request)
        scores, terms = advanced_scores(view, q, scorer_for(options).whoosh(), stats)
        matched = scores > 0
        mask = collect.filter_mask(view, request.filters)
        if mask is not None:
            matched &= mask
        matched &= view.live
        page = self._rank(scores, matched, request.sort, request, options, blend)
        page.terms = terms
        if show and page.entries:
            page.hits = self.fetch(
                [(d, sc) for _, d, _, sc in page.entries[:show]], terms, request.highlight,
                request.snippet_chars,
            )  # fmt: skip
        return page

    def _ids(self, page: ShardPage) -> ShardPage:
        view = self.searcher.view
        page.entries = [(k, d, view.doc_id(d), sc) for k, d, _, sc in page.entries]
        return page

    def fetch(
        self,
        docs: Sequence[tuple[int, float]],
        terms: set[str],
        highlight: bool,
        snippet_chars: int,
    ) -> list[Hit]:
        """The hits of ``(docnum, score)`` pairs, highlighted (the fetch phase)."""
        view = self.searcher.view
        scores = np.zeros(view.doccount_all, dtype=np.float32)
        for d, sc in docs:
            scores[d] = sc
        return present.hits(
            view, [d for d, _ in docs], scores, offset=0, terms=terms, highlight=highlight,
            snippet_chars=snippet_chars,
        )  # fmt: skip

    # -- articles, related news and copies
    def get(self, article_id: str) -> dict[str, Any] | None:
        return self.searcher.get(article_id)

    def source(self, article_id: str) -> tuple[dict[str, Any], int, Signature | None] | None:
        """An article's stored fields, docnum and signature, or ``None``."""
        view = self.searcher.view
        d = view.docnum(article_id)
        if d is None:
            return None
        return view.stored(d), d, self.searcher.snapshot.copies.signature(d)

    def related_candidates(
        self,
        src: tuple[str, str, datetime | None, int | None, str | None],
        flt: Filters,
        request: RelatedRequest,
        options: RankingOptions,
        words: Sequence[QueryWord],
        stats: CollectionStats,
        want: int,
    ) -> tuple[int, list[tuple[float, int, str, Signature | None]]]:
        """This shard's total and best ``want`` related candidates ``(score, docnum, id,
        signature)``, scored with the merged ``stats``."""
        snap = self.searcher.snapshot
        scores, matched = related_scores(
            snap, Source(*src), flt, request, options, words, FixedStats(stats)
        )
        cand, _ = collect.top_k(scores, want, matched)
        view, dv = snap.view, snap.copies
        out = []
        for d in (int(x) for x in cand):
            sig = dv.signature(d) if request.collapse else None
            out.append((float(scores[d]), d, view.doc_id(d), sig))
        return int(matched.sum()), out

    def related_candidates_and_copies(
        self,
        src: tuple[str, str, datetime | None, int | None, str | None],
        flt: Filters,
        request: RelatedRequest,
        options: RankingOptions,
        words: Sequence[QueryWord],
        stats: CollectionStats,
        want: int,
        sig: Signature | None,
    ) -> tuple[int, list[tuple[float, int, str, Signature | None]], list[tuple[int, float, bool]]]:
        """:meth:`related_candidates`, and the copies of the article's signature ``sig`` here
        (when ``request.collapse``): one round instead of two."""
        total, cands = self.related_candidates(src, flt, request, options, words, stats, want)
        own = self.copies_of(sig, src[3]) if request.collapse else []
        return total, cands, own

    def related_round(
        self,
        src: tuple[str, str, datetime | None, int | None, str | None],
        flt: Filters,
        request: RelatedRequest,
        options: RankingOptions,
        words: Sequence[QueryWord],
        stats: CollectionStats,
        want: int,
        sig: Signature | None,
        terms: set[str],
        show: int,
    ) -> RelatedRound:
        """Related news' one round on this shard: :meth:`related_candidates_and_copies`,
        and what the caller will most likely show of them, guessed from this shard's
        candidates alone: the hits of the first ``show`` candidates this shard's own walk
        keeps (:func:`~newsearch.related.collapse`), and the description of the other hits
        it keeps, of every copy that walk met and of the article's copies here. The caller
        walks every shard's candidates and asks again only for what the guess missed (a
        hit this shard holds beyond ``show``, one its walk took for a copy)."""
        total, cands, own = self.related_candidates_and_copies(
            src, flt, request, options, words, stats, want, sig
        )
        if request.collapse:
            sigs = {d: s for _, d, _, s in cands}
            kept, mine, of = collapse(sig, [d for _, d, _, _ in cands], sigs.__getitem__, request.k)
            seen = {d for d, _, _ in own} | set(mine) | {d for g in of.values() for d in g}
            seen |= set(kept[show:])  # (hits not shown here may be copies of another shard's)
        else:
            kept, seen = [d for _, d, _, _ in cands[: request.k]], set()
        score = {d: sc for sc, d, _, _ in cands}
        hits = self.fetch(
            [(d, score[d]) for d in kept[:show]], terms, request.highlight, request.snippet_chars
        )
        met = sorted(seen)
        copies = dict(zip(met, self.describe([(d, 0.0, False) for d in met]), strict=True))
        # Signatures as their bytes: the caller reads only those of the candidates it walks.
        raw = [(sc, d, i, None if g is None else g.tobytes()) for sc, d, i, g in cands]
        return RelatedRound(total, raw, own, hits, copies)

    def present(
        self,
        docs: Sequence[tuple[int, float]],
        terms: set[str],
        highlight: bool,
        snippet_chars: int,
        copies: Sequence[tuple[int, float, bool]],
    ) -> tuple[list[Hit], list[Copy]]:
        """:meth:`fetch` and :meth:`describe` in one round (related news' last phase)."""
        hits = self.fetch(docs, terms, highlight, snippet_chars) if docs else []
        return hits, self.describe(copies)

    def copies_of(
        self, sig: Signature | None, exclude: int | None, min_similarity: float | None = None
    ) -> list[tuple[int, float, bool]]:
        """``(docnum, similarity, exact)`` of the copies of a signature in this shard."""
        dv: DuplicateView = self.searcher.snapshot.copies
        if min_similarity is None:
            return [(d, sim, ex) for d, (sim, ex) in own_copies(dv, sig, exclude).items()]
        out = []
        for d, sim in dv.copies_of(sig, min_similarity=min_similarity, exclude=exclude):
            other = dv.signature(d)
            out.append((d, sim, sig is not None and other is not None and exact(sig, other)))
        return out

    def signatures(self) -> tuple[Any, Any]:
        """The docnums of this shard's live signed articles and their signatures (rows)."""
        sigs, ok = self.searcher.snapshot.copies.signatures()
        docs = np.flatnonzero(ok)
        return docs, sigs[docs]

    def describe(self, items: Sequence[tuple[int, float, bool]]) -> list[Copy]:
        dv = self.searcher.snapshot.copies
        return [dv.copy(d, sim, ex) for d, sim, ex in items]

    @staticmethod
    def text_signature(body: str, title: str) -> Signature | None:
        return signature_of(body, title)


def known_word(analyzers: dict[str, Any], word: str) -> list[Question]:
    """The questions that say whether a word is in the index (the suggestion's test)."""
    toks = [t.text for t in analyzers["body"](word, mode="query")]
    return [("known", f, t) for f in TEXT_FIELDS for t in toks]
