"""``Searcher``: search, related news and copies over one snapshot of an index.

>>> with ix.searcher() as s:                                   # doctest: +SKIP
...     results = s.search("الحكومة المصرية", sources=["BBC"], facets=True)
...     for hit in results:
...         print(hit.id, hit.score, hit.title_html, hit.snippets[0])

A search is a composition of small stages (docs/architecture.md):

1. **request** — :class:`~newsearch.request.SearchRequest` (what to find and show) and
   :class:`~newsearch.request.RankingOptions` (how to rank), validated;
2. **plan** — :func:`~newsearch.plan.plan_search`: the parsed query's words, variants, pairs,
   phrases, exclusions and filters (:mod:`newsearch.query` parses; never raises);
3. **score** — a scorer from :mod:`newsearch.scoring`, given the collection statistics
   (:mod:`newsearch.stats`) from a :class:`~newsearch.snapshot.StatsSource`;
4. **collect** — :mod:`newsearch.collect`: admitted documents, order, facet counts;
5. **present** — :mod:`newsearch.present`: the page's hits with highlights.

``mode="advanced"`` hands the query to Whoosh's full query language instead of steps 2–3.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from . import collect, present
from .advanced_stats import advanced_scores
from .backend import IndexView
from .expand import DATE_BOOST, Expansion
from .feedback import Lead, choose_words, top_documents, wants_feedback
from .plan import (
    PHRASE_BONUS,
    TYPED_SPELLING_BONUS,
    QueryPlan,
    QueryWord,
    fuzzy_words,
    plan_search,
    searched_fields,
)
from .query import ParsedQuery, Problem, parse_query
from .request import FACETS, MAX_PAGE_DEPTH, Filters, RankingOptions, RelatedRequest, SearchRequest
from .results import Copy, DuplicateGroup, RelatedResults, Results
from .schema import TEXT_FIELDS
from .snapshot import Snapshot, StatsSource, scorer_for

if TYPE_CHECKING:
    from .article import Article
    from .index import NewsIndex
    from .scoring import Scorer

__all__ = [
    "SUGGEST_BELOW",
    "Searcher",
    "find_duplicates",
    "related_request",
    "respell",
    "search_request",
]

#: A query finding fewer hits than this gets a "did you mean" suggestion.
SUGGEST_BELOW = 3

_REQUEST_FIELDS = frozenset(f.name for f in dataclasses.fields(SearchRequest))
_RANKING_FIELDS = frozenset(f.name for f in dataclasses.fields(RankingOptions))
_RELATED_FIELDS = frozenset(f.name for f in dataclasses.fields(RelatedRequest))

_F = TypeVar("_F", bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    """Run a Searcher method under the searcher's lock: the one place threads take turns."""

    @functools.wraps(method)
    def run(self: Searcher, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_F, run)


def _split(
    fields: dict[str, Any], request: frozenset[str], what: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword arguments as (request fields, ranking-option fields); others are an error."""
    from .errors import ConfigError

    unknown = set(fields) - request - _RANKING_FIELDS
    if unknown:
        known = ", ".join(sorted((request | _RANKING_FIELDS) - {"query", "article"}))
        raise ConfigError(f"unknown {what} options {sorted(unknown)}; known: {known}")
    return (
        {k: v for k, v in fields.items() if k in request},
        {k: v for k, v in fields.items() if k in _RANKING_FIELDS},
    )


class Searcher:
    """Searches one snapshot of a :class:`~newsearch.index.NewsIndex` (its last commit when
    the searcher was opened). Made by ``index.searcher(options)``; use it in a ``with`` block
    or call :meth:`close`.

    Threads may share a searcher: every public call holds the searcher's lock (Whoosh's
    segment readers read through shared file objects, seek then read, and concurrent reads
    were seen to corrupt each other under load). Most of a search holds the GIL anyway; for
    several cores, use several processes (``newsearch serve --workers N``).

    :param options: the ranking options of every call that does not pass its own.
    """

    def __init__(self, index: NewsIndex, options: RankingOptions | None = None) -> None:
        self.index = index
        self.options = options if options is not None else RankingOptions()
        self.snapshot = Snapshot(IndexView.open(index.whoosh, index.cache))
        self.view = self.snapshot.view
        self._lock = threading.RLock()

    # -- lifecycle
    def close(self) -> None:
        self.view.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def up_to_date(self) -> bool:
        """False once the index has a newer commit than this searcher sees."""
        return self.view.up_to_date()

    def refresh(self) -> Searcher:
        """A searcher over the latest commit (this one if nothing changed)."""
        return self if self.up_to_date() else Searcher(self.index, self.options)

    @_locked
    def warm(self) -> Searcher:
        """Build now what the first searches would otherwise build on the way (name-variant
        and spelling tables, column arrays, length norms): a server calls it before taking
        traffic. Returns ``self``."""
        snap = self.snapshot
        snap.vocabulary.variant_index  # noqa: B018 - built on access
        snap.vocabulary.corrections("تحمية")
        for name in FACETS:
            self.view.codes(name)
        for name in ("title", "body"):
            snap.document_frequency(name, "")  # related news' key-term tables
        self.view.timestamps("published")
        self.search("الحكومة", limit=1)
        return self

    # -- search
    def search(
        self,
        query: str | ParsedQuery | SearchRequest = "",
        *,
        options: RankingOptions | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Results:
        """Search the index: ``query`` is search-box text (see :mod:`newsearch.query`), a
        parsed query or a :class:`~newsearch.request.SearchRequest`; keyword arguments set
        fields of the request (``limit``, ``page``, ``sort``, ``facets``, ...) or of the
        ranking options (``proximity``, ``variants``, ...); ``filters`` is a
        :class:`~newsearch.request.Filters` or a mapping with ``source(s)``,
        ``category``/``categories``, ``from``/``to``. Never raises for the query text; a bad
        option raises :class:`~newsearch.errors.ConfigError`."""
        request, opts = self._request(query, options, filters, fields)
        parsed = query if isinstance(query, ParsedQuery) else None
        return self.run(request, opts, parsed=parsed)

    def _request(
        self,
        query: Any,
        options: RankingOptions | None,
        filters: Filters | Mapping[str, Any] | None,
        fields: dict[str, Any],
    ) -> tuple[SearchRequest, RankingOptions]:
        return search_request(
            query, options if options is not None else self.options, filters, fields
        )

    @_locked
    def plan(
        self, request: SearchRequest, options: RankingOptions, parsed: ParsedQuery | None = None
    ) -> QueryPlan:
        """The plan of a simple-mode request (see :mod:`newsearch.plan`)."""
        if parsed is None:
            parsed = parse_query(
                request.query, operator=request.operator, allow_fuzzy=options.fuzzy
            )
        return plan_search(
            parsed,
            filters=request.filters,
            fields=request.fields,
            options=options,
            analyzers=self.snapshot.analyzers,
            vocabulary=self.snapshot.vocabulary,
        )

    @_locked
    def run(
        self,
        request: SearchRequest,
        options: RankingOptions | None = None,
        *,
        stats: StatsSource | None = None,
        parsed: ParsedQuery | None = None,
        plan: QueryPlan | None = None,
    ) -> Results:
        """The search pipeline for one request. ``stats``: where scoring gets its collection
        statistics (default: this snapshot; a sharded index passes the merged statistics of
        every shard); ``plan``: the request's plan if it is already made (a sharded index
        plans once, with every shard's vocabulary)."""
        t0 = time.perf_counter()
        options = options if options is not None else self.options
        if request.mode == "advanced":
            return self._advanced(request, options, t0)
        if plan is None:
            plan = self.plan(request, options, parsed)
        notes = list(plan.expansions)
        scores, matched, sort, fuzzy_used = self.match(
            plan, options, request.sort, stats, notes=notes
        )
        return self._results(
            request, options, plan.query, plan.filters, scores, matched, sort, plan.highlight_terms,
            fuzzy_used, t0, notes,
        )  # fmt: skip

    @_locked
    def match(
        self,
        plan: QueryPlan,
        options: RankingOptions,
        sort: str,
        stats: StatsSource | None = None,
        fuzzy: Sequence[QueryWord] = (),
        notes: list[Expansion] | None = None,
        added: Sequence[QueryWord] = (),
    ) -> tuple[Any, Any, str, bool]:
        """Score and admit: ``(scores, matched, sort, fuzzy_used)`` of a plan, one score per
        document (the sort becomes ``newest`` for a filters-only listing). ``fuzzy``: close
        spellings to score with the plan's words instead of its phrase bonus (a sharded
        index decides on the fuzzy fallback from every shard's total). ``added``: feedback
        words chosen elsewhere (a sharded index reads the first results of every shard),
        scored with the plan's words; feedback is then not read here."""
        view = self.view
        source = stats if stats is not None else self.snapshot
        mask, bonus = collect.admitted(view, plan)
        scorer = scorer_for(options)
        words = list(plan.words)
        fuzzy_used = bool(plan.query.fuzzy)
        if words and fuzzy:
            everything = words + list(fuzzy)
            scores = scorer.score(view, everything, source.statistics(everything))
            _lift(view, plan, scores, [], scorer)
            return scores, (scores > 0) & mask, sort, True
        if words:
            again = not added and wants_feedback(options, plan)
            raw = scorer.score(view, words, source.statistics(words))
            scores = raw.copy() if (again or added) and scorer.additive else raw
            _lift(view, plan, scores, bonus, scorer)
            matched = (scores > 0) & mask
            extra, note = list(added), None
            if again and matched.any():
                extra, note = self.feedback(plan, options, scores, matched, source)
            if extra:
                if scorer.additive:  # the first pass's scores plus the added words'
                    scores = raw + scorer.score(view, extra, source.statistics(extra))
                else:
                    scores = scorer.score(view, words + extra, source.statistics(words + extra))
                _lift(view, plan, scores, bonus, scorer)
                # Feedback ranks what the query matched again; it adds no articles (totals
                # and facets stay the query's; measured: the same nDCG@10 on snn-topics).
                scores[~matched] = 0.0
                if notes is not None and note is not None:
                    notes.append(note)
            if options.fuzzy_fallback and not matched.any() and not plan.query.fuzzy:
                specs = searched_fields(plan.weights, plan.fields, list(self.snapshot.analyzers))
                extra = fuzzy_words(
                    [w.text for w in words],
                    specs,
                    self.snapshot.analyzers,
                    self.snapshot.vocabulary,
                )
                if extra:
                    scores = scorer.score(view, words + extra, source.statistics(words + extra))
                    matched = (scores > 0) & mask
                    fuzzy_used = True
        elif plan.listing:
            # Filters only: every article they admit, newest first unless asked otherwise.
            scores = np.ones(view.doccount_all, dtype=np.float32)
            matched = mask
            if sort == "relevance":
                sort = "newest"
        else:
            scores = np.zeros(view.doccount_all, dtype=np.float32)
            matched = np.zeros(view.doccount_all, dtype=bool)
        return scores, matched, sort, fuzzy_used

    @_locked
    def first_leads(
        self, plan: QueryPlan, options: RankingOptions, sort: str, stats: StatsSource | None,
        n: int,
    ) -> list[tuple[float, int, Lead]]:  # fmt: skip
        """The first ``n`` documents of ``plan`` (scored with ``stats``, without feedback) as
        (score, document, title-and-lead stems): what feedback reads, for a sharded index."""
        scores, matched, _, _ = self.match(plan, options.replace(feedback="off"), sort, stats)
        leads = self.snapshot.leads
        top = top_documents(scores, matched, n)
        return [(float(scores[d]), int(d), leads(int(d))) for d in top]

    def feedback(
        self, plan: QueryPlan, options: RankingOptions, scores: Any, matched: Any,
        source: StatsSource,
    ) -> tuple[list[QueryWord], Expansion | None]:  # fmt: skip
        """The feedback words of a first ranking (see :mod:`newsearch.feedback`)."""
        top = top_documents(scores, matched, options.feedback_docs)
        leads, stems = self.snapshot.leads.counted(top)
        firsts = [(float(scores[d]), lead) for d, lead in zip(top, leads, strict=True)]
        df = functools.partial(source.document_frequency, "body")
        return choose_words(
            firsts, stems, plan.words, lambda _: df, source.doc_count, dict(plan.weights),
            terms=options.feedback_terms, weight=options.feedback_weight,
        )  # fmt: skip

    def _results(
        self,
        request: SearchRequest,
        options: RankingOptions,
        parsed: ParsedQuery,
        flt: Filters,
        scores: Any,
        matched: Any,
        sort: str,
        terms: set[str],
        fuzzy_used: bool,
        t0: float,
        expansions: Sequence[Expansion] = (),
    ) -> Results:
        limit, page = request.limit, request.page
        total = int(matched.sum())
        want = min(page * limit, MAX_PAGE_DEPTH)
        docs = collect.order(
            self.view, scores, matched, sort, want, now=options.now,
            half_life_days=options.half_life_days,
        )  # fmt: skip
        hits = present.hits(
            self.view, docs[(page - 1) * limit : want], scores, offset=(page - 1) * limit,
            terms=terms, highlight=request.highlight, snippet_chars=request.snippet_chars,
        )  # fmt: skip
        facets = collect.facet_counts(self.view, matched, request.facets, request.date_histogram)
        suggestion = None
        if request.suggest and total < SUGGEST_BELOW and parsed.groups:
            suggestion = self.suggest(parsed)
        return Results(
            query=parsed,
            hits=hits,
            total=total,
            page=page,
            page_size=limit,
            sort=sort,
            took_ms=(time.perf_counter() - t0) * 1000,
            facets=facets,
            suggestion=suggestion,
            fuzzy_used=fuzzy_used,
            filters=flt,
            expansions=list(expansions),
        )

    def _advanced(self, request: SearchRequest, options: RankingOptions, t0: float) -> Results:
        try:
            q = self.view.parse_advanced(request.query, request.fields)
        except Exception as exc:  # Whoosh's parser can fail on odd input: fall back
            problem = Problem("advanced-syntax", f"not understood ({exc}); simple search")
            res = self.run(request.replace(mode="simple"), options)
            res.query = dataclasses.replace(res.query, problems=(problem, *res.query.problems))
            return res
        scores, terms = advanced_scores(self.view, q, scorer_for(options).whoosh())
        flt = request.filters
        matched = scores > 0
        mask = collect.filter_mask(self.view, flt)
        if mask is not None:
            matched &= mask
        matched &= self.view.live
        parsed = ParsedQuery(text=request.query)
        return self._results(
            request.replace(suggest=False), options, parsed, flt, scores, matched, request.sort,
            terms, False, t0,
        )  # fmt: skip

    # -- spelling
    @_locked
    def suggest(self, query: str | ParsedQuery) -> str | None:
        """A respelled query from the index's vocabulary, or ``None`` when every word is
        already in the index (or nothing close is)."""
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        vocabulary = self.snapshot.vocabulary

        def correct(word: str) -> str | None:
            fixes = vocabulary.corrections(word, limit=1)
            return fixes[0] if fixes else None

        return respell(parsed, self._known, correct)

    def _known(self, word: str) -> bool:
        """In the index, or a stop word (nothing to correct)."""
        toks = [t.text for t in self.snapshot.analyzers["body"](word, mode="query")]
        return not toks or any(self.view.has_term(f, t) for f in TEXT_FIELDS for t in toks)

    # -- articles, related news and copies
    @_locked
    def get(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of the live article with this id in this snapshot, or ``None``."""
        d = self.view.docnum(article_id)
        return None if d is None else self.view.stored(d)

    @_locked
    def related(
        self,
        article: str | Article | Mapping[str, Any] | RelatedRequest,
        *,
        options: RankingOptions | None = None,
        stats: StatsSource | None = None,
        **fields: Any,
    ) -> RelatedResults:
        """Related news for ``article`` (an id in the index, an :class:`Article`, pasted
        text, or a :class:`~newsearch.request.RelatedRequest`): other coverage of its story,
        copies collapsed into ``also_published_by`` (see :mod:`newsearch.related`).
        Keyword arguments set fields of the request (``k``, ``within_days``, ``sources``,
        ``time_weight``, ...) or the ranking options."""
        from .related import related

        request, opts = related_request(
            article, options if options is not None else self.options, fields
        )
        return related(self.snapshot, request, opts, stats if stats is not None else self.snapshot)

    @_locked
    def duplicates(self, article_id: str, *, min_similarity: float | None = None) -> list[Copy]:
        """The near-exact copies of an article in this snapshot, most similar first (the
        same dispatch under other ids, outlets or URLs; not the article itself). Raises
        :class:`~newsearch.errors.ArticleNotFoundError` for an unknown id. ``min_similarity``
        overrides :data:`~newsearch.duplicates.THRESHOLD`. See :mod:`newsearch.duplicates`."""
        return self.snapshot.copies.duplicates(article_id, min_similarity=min_similarity)

    @_locked
    def duplicate_groups(self, *, min_similarity: float | None = None) -> list[DuplicateGroup]:
        """Every group of copies in this snapshot, largest first."""
        return self.snapshot.copies.groups(min_similarity=min_similarity)


def search_request(
    query: Any,
    options: RankingOptions,
    filters: Filters | Mapping[str, Any] | None,
    fields: dict[str, Any],
) -> tuple[SearchRequest, RankingOptions]:
    """The request and ranking options of :meth:`Searcher.search`'s arguments (``options``:
    the searcher's, unless the call passed its own)."""
    asked, ranking = _split(fields, _REQUEST_FIELDS, "search")
    if filters is not None:
        f = Filters.of(filters)
        asked.update(
            sources=f.sources, categories=f.categories, date_from=f.date_from, date_to=f.date_to
        )
    if isinstance(query, SearchRequest):
        request = query.replace(**asked) if asked else query
    else:
        text = query.text if isinstance(query, ParsedQuery) else query
        request = SearchRequest(query=text, **asked)
    return request, (options.replace(**ranking) if ranking else options)


def related_request(
    article: Any, options: RankingOptions, fields: dict[str, Any]
) -> tuple[RelatedRequest, RankingOptions]:
    """The request and ranking options of :meth:`Searcher.related`'s arguments."""
    asked, ranking = _split(fields, _RELATED_FIELDS, "related-news")
    if isinstance(article, RelatedRequest):
        request = article.replace(**asked) if asked else article
    else:
        request = RelatedRequest(article=article, **asked)
    return request, (options.replace(**ranking) if ranking else options)


def respell(
    parsed: ParsedQuery, known: Callable[[str], bool], correct: Callable[[str], str | None]
) -> str | None:
    """The query with each unknown word replaced by its correction (``None`` when nothing
    changed): the "did you mean" of :meth:`Searcher.suggest`, over any vocabulary."""
    changed = False
    out = []
    for group in parsed.groups:
        alts = []
        for w in group:
            fix = None if known(w) else correct(w)
            if fix is None:
                alts.append(w)
            else:
                alts.append(fix)
                changed = True
        out.append(" OR ".join(alts))
    for p in parsed.phrases:
        out.append('"' + " ".join(p) + '"')
    return " ".join(out) if changed else None


def find_duplicates(
    index: NewsIndex | Searcher, *, min_similarity: float | None = None
) -> list[DuplicateGroup]:
    """Every group of copies in an index or a searcher's snapshot, largest first (see
    :meth:`DuplicateView.groups <newsearch.copies.DuplicateView.groups>`)."""
    if isinstance(index, Searcher):
        return index.duplicate_groups(min_similarity=min_similarity)
    with index.searcher() as s:
        return s.duplicate_groups(min_similarity=min_similarity)


def _lift(
    view: IndexView, plan: QueryPlan, scores: Any, bonus: Sequence[Any], scorer: Scorer
) -> None:
    """The score factors on top of the words' scores, in place: articles with a phrase of
    the query, with a spelling typed that more common spellings joined (unless the scorer
    ranks them first itself), of a month named."""
    for good in bonus:
        scores[good] *= PHRASE_BONUS
    for typed in plan.typed_spellings if not scorer.ranks_first else ():
        scores[collect.with_any(view, typed)] *= TYPED_SPELLING_BONUS
    if plan.date_window is not None:
        scores[collect.published_within(view, *plan.date_window.bounds())] *= DATE_BOOST
