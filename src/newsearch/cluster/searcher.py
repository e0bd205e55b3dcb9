"""``ClusterSearcher``: search a sharded index as one, by fan-out to one actor per shard.

A search is Elasticsearch's ``dfs_query_then_fetch`` over the stages of
:mod:`newsearch.search`:

1. **plan** once, here, with the shards' vocabulary: the planner's questions (a skeleton's
   words for name variants, whether a term is known, close spellings) are asked of every
   shard in one call per round and the answers merged (words united, counts added), so the
   plan is the one the whole index would make (answers are cached until :meth:`refresh`);
2. **dfs**: every shard's :class:`~newsearch.stats.CollectionStats` for the plan's words,
   merged by :meth:`~newsearch.stats.CollectionStats.merge`;
3. **query**: every shard scores with the merged statistics (so scores are the whole
   index's) and returns its first ``page × limit`` entries, total and facet counts;
4. **merge** the entries by the sort (ties: article id), add totals, facets and histograms;
5. **fetch**: the final page's hits, highlighted, from the shards that hold them.

A recency sort adds a round (the best relevance and the newest date of every shard, which
the blend divides by and counts from); so does feedback (:mod:`newsearch.feedback`): every
shard scores the plan and sends the title-and-lead stems of its first results, the best of
all shards make the relevance model here, and the words chosen join the plan's words in the
query phase. Related news is the same shape (:mod:`.related`).
With one shard the phases are merged: the shard's own searcher takes the whole request.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..advanced_stats import merge_advanced_stats
from ..expand import Expansion
from ..feedback import StemIds, choose_words, counted, wants_feedback
from ..plan import QueryPlan, QueryWord, fuzzy_words, plan_search, searched_fields
from ..query import ParsedQuery, Problem, parse_query
from ..request import MAX_PAGE_DEPTH, Filters, RankingOptions, SearchRequest
from ..results import Copy, DuplicateGroup, Hit, Results
from ..search import SUGGEST_BELOW, related_request, respell, search_request
from ..stats import CollectionStats, word_key
from .fanout import FanOut
from .manifest import shard_of
from .runtime import require_ray
from .shard import Question, ShardPage, known_word
from .vocabulary import Recorder, merge_answer, word_memos

if TYPE_CHECKING:
    from ..results import RelatedResults
    from .index import ShardedIndex

__all__ = ["ClusterSearcher", "ClusterView"]

T = TypeVar("T")
#: Vocabulary answers kept between requests (cleared on refresh, or when this many).
_MAX_ANSWERS = 200_000


class ClusterView:
    """What a server asks of a searcher's snapshot (:mod:`newsearch.web.live`): articles
    served and which snapshot (the refresh epoch, in place of a commit generation)."""

    def __init__(self, doccount: int, epoch: int) -> None:
        self.doccount = doccount
        self.epoch = epoch

    def generation(self) -> int:
        return self.epoch


class ClusterSearcher:
    """Searches a :class:`~newsearch.cluster.ShardedIndex` with the methods and result types
    of :class:`~newsearch.search.Searcher`; results carry ``shards`` (total, successful,
    failed). Made by ``index.searcher(...)``; close it (or use ``with``) to stop its actors.

    :param timeout: seconds each phase waits for a shard before counting it failed.
    :param allow_partial: on a shard failure, answer from the others (``shards.failed`` > 0)
        instead of raising :class:`~newsearch.errors.ShardError`.
    :param replicas: searcher actors per shard (requests take turns), for throughput.
    """

    def __init__(
        self,
        index: ShardedIndex,
        options: RankingOptions | None = None,
        *,
        timeout: float = 10.0,
        allow_partial: bool = False,
        replicas: int = 1,
        cache_mb: float | None = None,
        actors: list[list[Any]] | None = None,
    ) -> None:
        ray = require_ray()

        self.index = index
        self.options = options if options is not None else RankingOptions()
        self.timeout = timeout
        self.allow_partial = allow_partial
        self.replicas = actors if actors is not None else index.searcher_actors(
            self.options, replicas=replicas, cache_mb=cache_mb
        )  # fmt: skip
        self._turn = 0
        #: Page 1: every shard presents its first hits in the query phase, saving the fetch
        #: round (deeper pages are fetched from the shards that hold them).
        self.fetch_in_query = True
        #: How many more than its even share (``limit / shards``) each shard presents in the
        #: query phase: presenting (highlighting) is most of a shard's work, and articles are
        #: spread by a hash of their id, so a page's hits split about evenly; the few a shard
        #: did not present (a shard holding more than its share) are fetched in one more
        #: round. 2: with 2 shards and 10 hits, 7 each, one more round for ~11% of queries.
        self.show_margin = 2
        #: The same for related news, whose hits are cheaper to present (no highlighting by
        #: default) and whose copies move hits between shards: 3.
        self.related_margin = 3
        first = self.replicas[0][0]
        self.analyzers: dict[str, Any] = ray.get(first.analyzers.remote(), timeout=60 + timeout)
        self._answers: dict[Question, Any] = {}
        self._memos = word_memos()  # what the planner made of query words, until refresh
        self._stats = CollectionStats(0, 0)  # merged counts of the words seen so far
        self._dfs: tuple[int, dict[str, tuple[int, int]]] = (0, {})  # related news' stems
        #: Related news' articles by id and key terms by text, until a refresh (:mod:`.related`).
        self.sources: dict[str, Any] = {}
        self.key_terms: dict[Any, Any] = {}
        #: The shards' snapshots this searcher reads (one more at each refresh).
        self.epoch = 0
        counts = FanOut(self.actors, 60 + timeout, False).each("doc_count")
        self.view = ClusterView(sum(counts.values()), 0)

    # -- lifecycle
    def close(self) -> None:
        """Stop the searcher actors."""
        ray = require_ray()

        for group in self.replicas:
            for actor in group:
                ray.kill(actor, no_restart=True)
        self.replicas = []

    def __enter__(self) -> ClusterSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def actors(self) -> list[Any]:
        """The actor of each shard the next request will use."""
        return [group[self._turn % len(group)] for group in self.replicas]

    def fanout(self, allow_partial: bool | None = None) -> FanOut:
        """The shards of one request (replicas take turns between requests)."""
        actors = self.actors
        self._turn += 1
        partial = self.allow_partial if allow_partial is None else allow_partial
        return FanOut(actors, self.timeout, partial, self.epoch)

    def refresh(self) -> ClusterSearcher:
        """Every shard searches its latest commit from now on (returns ``self``: the same
        actors, warm). Requests under way finish on the snapshots they started on (each
        request pins an epoch; shards keep the last few)."""
        epoch = self.epoch + 1
        counts = FanOut(self._all(), self.timeout, False).each("refresh", epoch)
        self.epoch = epoch
        self._answers = {}
        self._memos = word_memos()
        self._stats = CollectionStats(0, 0)
        self._dfs = (0, {})
        self.sources = {}
        self.key_terms = {}
        self.view = ClusterView(sum(counts.values()) // self._replica_count(), epoch)
        return self

    def up_to_date(self) -> bool:
        """False once a shard has a newer commit than this searcher sees."""
        return all(FanOut(self._all(), self.timeout, False).each("up_to_date").values())

    def _all(self) -> list[Any]:
        return [a for g in self.replicas for a in g]

    def _replica_count(self) -> int:
        return len(self.replicas[0]) if self.replicas else 1

    def warm(self) -> ClusterSearcher:
        FanOut(self._all(), 120 + self.timeout, False, self.epoch).each("warm")
        return self

    # -- the vocabulary, asked of every shard
    def vocabulary(self, call: FanOut, use: Callable[[Recorder], T]) -> T:
        """``use(vocabulary)`` once every question it asks has been answered by the shards."""
        cache, memos = self._answers, self._memos  # (this request's: a refresh replaces them)
        if len(cache) > _MAX_ANSWERS:
            cache = self._answers = {}
            memos = self._memos = word_memos()
        own: dict[Question, Any] | None = None  # this request's, once a shard failed
        for _ in range(16):
            rec = Recorder(cache, memos) if own is None else Recorder(own)
            out = use(rec)
            if not rec.missing:
                return out
            questions = sorted(rec.missing)
            got = call.each("vocabulary", questions)
            if call.failed and own is None:  # answers of some shards: not kept past this request
                own = dict(cache)
            answers = cache if own is None else own
            for j, q in enumerate(questions):
                answers[q] = merge_answer(q, [a[j] for a in got.values()])
        raise RuntimeError("the planner kept asking new vocabulary questions")  # pragma: no cover

    def statistics(self, call: FanOut, words: Sequence[QueryWord]) -> CollectionStats:
        """Every shard's statistics for ``words``, merged (the dfs phase). The merged counts
        of words seen before are kept until :meth:`refresh` (the shards' snapshots do not
        change before it), so a repeated word costs no round."""
        if call.failed:  # the shards that answered: this request's statistics only
            return CollectionStats.merge(call.each("statistics", list(words)).values())
        known = self._stats  # (one object per request: other threads may replace it)
        if len(known.term_df) > _MAX_ANSWERS:
            known = CollectionStats(0, 0)
        fields = sorted({t.field for w in words for t in w.terms})
        new = [w for w in words if word_key(w) not in known.word_df]
        if new or any(f not in known.field_length for f in fields):
            got = call.each("statistics", new or list(words))
            if call.failed:
                return self.statistics(call, words)
            merged = CollectionStats.merge(got.values())
            known = self._stats = CollectionStats(
                merged.doc_count, merged.doc_count_all,
                {**known.field_length, **merged.field_length},
                {**known.term_df, **merged.term_df},
                {**known.word_df, **merged.word_df},
            )  # fmt: skip
        return self._partial(known, words)

    def frequencies(
        self, call: FanOut, stems: Sequence[str]
    ) -> tuple[int, dict[str, tuple[int, int]]]:
        """The live document count and each stem's (body, title) document frequencies,
        added over every shard (related news' key terms). Kept until :meth:`refresh`, as
        the statistics are: only stems not seen before cost a round."""
        live, known = self._dfs  # (one object per request: other threads may replace it)
        if len(known) > _MAX_ANSWERS:
            live, known = 0, {}
        new = sorted({s for s in stems if s not in known})
        if not new and live:
            return live, known
        got = call.each("frequencies", new)
        live = sum(n for n, _ in got.values())
        merged = dict(known)
        for stem in new:
            parts = [dfs[stem] for _, dfs in got.values()]
            merged[stem] = (sum(b for b, _ in parts), sum(t for _, t in parts))
        if not call.failed:
            self._dfs = (live, merged)
        return live, merged

    @staticmethod
    def _partial(stats: CollectionStats, words: Sequence[QueryWord]) -> CollectionStats:
        """The statistics ``gather`` would give for ``words``, from a larger set."""
        keys = [word_key(w) for w in words]
        return CollectionStats(
            doc_count=stats.doc_count,
            doc_count_all=stats.doc_count_all,
            field_length={
                f: stats.field_length[f] for f in sorted({t[0] for k in keys for t in k})
            },
            term_df={t: stats.term_df[t] for k in keys for t in k},
            word_df={k: stats.word_df[k] for k in keys},
        )

    # -- search
    def search(
        self,
        query: str | ParsedQuery | SearchRequest = "",
        *,
        options: RankingOptions | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        allow_partial: bool | None = None,
        **fields: Any,
    ) -> Results:
        """As :meth:`Searcher.search <newsearch.search.Searcher.search>`."""
        request, opts = search_request(
            query, options if options is not None else self.options, filters, fields
        )
        parsed = query if isinstance(query, ParsedQuery) else None
        return self.run(request, opts, parsed=parsed, allow_partial=allow_partial)

    def plan(
        self,
        request: SearchRequest,
        options: RankingOptions,
        parsed: ParsedQuery | None = None,
        call: FanOut | None = None,
    ) -> QueryPlan:
        """The plan the whole index would make (every shard's vocabulary)."""
        if parsed is None:
            parsed = parse_query(
                request.query, operator=request.operator, allow_fuzzy=options.fuzzy
            )
        p = parsed
        return self.vocabulary(
            call or self.fanout(),
            lambda v: plan_search(
                p,
                filters=request.filters,
                fields=request.fields,
                options=options,
                analyzers=self.analyzers,
                vocabulary=v,
            ),
        )

    def run(
        self,
        request: SearchRequest,
        options: RankingOptions | None = None,
        *,
        parsed: ParsedQuery | None = None,
        allow_partial: bool | None = None,
    ) -> Results:
        """The fan-out search of one request (see the module docstring)."""
        t0 = time.perf_counter()
        options = options if options is not None else self.options
        call = self.fanout(allow_partial)
        whole: Results | None = self._whole(call, t0, "run_whole", request, options, parsed)
        if whole is not None:
            return whole
        if request.mode == "advanced":
            return self._advanced(request, options, call, t0)
        plan = self.plan(request, options, parsed, call)
        words = list(plan.words)
        notes = list(plan.expansions)
        shard_options = options.replace(fuzzy_fallback=False, feedback="off")
        stats = self.statistics(call, words) if words else None
        added: list[QueryWord] = []
        if words and wants_feedback(options, plan):
            added, note = self._feedback(call, plan, request, options, shard_options, stats)
            if added:
                stats = self.statistics(call, words + added)
                if note is not None:
                    notes.append(note)
        pages = self._query(call, plan, request, shard_options, stats, (), added)
        fuzzy_used = bool(plan.query.fuzzy)
        total = sum(p.total for p in pages.values())
        if words and total == 0 and options.fuzzy_fallback and not plan.query.fuzzy:
            specs = searched_fields(plan.weights, plan.fields, list(self.analyzers))
            texts = [w.text for w in words]
            extra = self.vocabulary(call, lambda v: fuzzy_words(texts, specs, self.analyzers, v))
            if extra:
                stats = self.statistics(call, words + extra)
                pages = self._query(call, plan, request, shard_options, stats, extra)
                total = sum(p.total for p in pages.values())
                fuzzy_used = True
        hits, sort = self._page(call, pages, request, plan.highlight_terms)
        facets = _merge_facets([p.facets for p in pages.values()], request.date_histogram)
        suggestion = None
        if request.suggest and total < SUGGEST_BELOW and plan.query.groups:
            suggestion = self._suggest(call, plan.query)
        return Results(
            query=plan.query, hits=hits, total=total, page=request.page,
            page_size=request.limit, sort=sort, took_ms=(time.perf_counter() - t0) * 1000,
            facets=facets, suggestion=suggestion, fuzzy_used=fuzzy_used, filters=plan.filters,
            shards=call.shards, expansions=notes,
        )  # fmt: skip

    def _feedback(
        self,
        call: FanOut,
        plan: QueryPlan,
        request: SearchRequest,
        options: RankingOptions,
        shard_options: RankingOptions,
        stats: CollectionStats | None,
    ) -> tuple[list[QueryWord], Expansion | None]:
        """The feedback words of the whole index's first results: each shard's first
        ``feedback_docs`` (score, lead stems), the best of all (ties: shard, document), the
        relevance model, and stems' document frequencies added over the shards."""
        n = options.feedback_docs
        got = call.each("feedback_leads", plan, request, shard_options, stats, n)
        best = sorted(
            (-score, shard, d, lead) for shard, items in got.items() for score, d, lead in items
        )[:n]  # fmt: skip
        numbers = StemIds()
        firsts = [(-neg, counted(lead, numbers)) for neg, _, _, lead in best]

        def frequencies(stems: Sequence[str]) -> Callable[[str], int]:
            dfs = self.frequencies(call, stems)[1]
            return lambda stem: dfs[stem][0]

        return choose_words(
            firsts, numbers.stems, plan.words, frequencies,
            stats.doc_count if stats is not None else 0, dict(plan.weights),
            terms=options.feedback_terms, weight=options.feedback_weight,
        )  # fmt: skip

    def _page(
        self, call: FanOut, pages: dict[int, ShardPage], request: SearchRequest, terms: set[str]
    ) -> tuple[list[Hit], str]:
        """The request's page of hits from every shard's entries (merged by the sort; ties:
        article id), fetched from the shards that hold them unless the query phase brought
        them; and the sort used."""
        sort = next(iter(pages.values())).sort if pages else request.sort
        limit, page = request.limit, request.page
        want = min(page * limit, MAX_PAGE_DEPTH)
        entries = sorted(
            ((key, ident, shard, d, score) for shard, p in pages.items()
             for key, d, ident, score in p.entries),
        )[:want]  # fmt: skip
        shown = [(shard, d, score) for _, _, shard, d, score in entries[(page - 1) * limit :]]
        fetched = {(s, h.docnum): h for s, p in pages.items() for h in p.hits}
        missing = [(s, d, sc) for s, d, sc in shown if (s, d) not in fetched]
        if missing:  # only those: the query phase presented the others
            fetched.update(
                self.fetch(call, missing, terms, request.highlight, request.snippet_chars)
            )
        hits: list[Hit] = []
        for shard, d, _ in shown:
            hit = fetched.get((shard, d))
            if hit is not None:
                hit.rank = (page - 1) * limit + len(hits) + 1
                hits.append(hit)
        return hits, sort

    def _show(self, request: SearchRequest) -> int:
        """How many hits each shard presents in the query phase (see :attr:`show_margin`)."""
        if request.page != 1 or not self.fetch_in_query:
            return 0
        share = -(-request.limit // max(1, len(self.replicas)))
        return min(request.limit, share + self.show_margin)

    def _advanced(
        self, request: SearchRequest, options: RankingOptions, call: FanOut, t0: float
    ) -> Results:
        """``mode="advanced"``: Whoosh's query language, each shard scored by Whoosh with
        the statistics of every shard (its expanded terms' frequencies, field lengths)."""
        got = call.each("advanced_statistics", request)
        trouble = [g for g in got.values() if isinstance(g, str)]
        if trouble:  # not parsed: simple search, saying so (as on one index)
            res = self.run(
                request.replace(mode="simple"), options, allow_partial=call.allow_partial
            )
            problem = Problem("advanced-syntax", trouble[0])
            res.query = dataclasses.replace(res.query, problems=(problem, *res.query.problems))
            return res
        stats = merge_advanced_stats(got.values())
        request = request.replace(suggest=False)
        show = self._show(request)
        pages: dict[int, ShardPage] = call.each(
            "advanced_query", request, options, stats, None, show
        )
        if pages and next(iter(pages.values())).sort == "recency":
            blend = (max(p.top for p in pages.values()), max(p.newest for p in pages.values()))
            pages = call.each("advanced_query", request, options, stats, blend, show)
        terms = next(iter(pages.values())).terms if pages else set()
        hits, sort = self._page(call, pages, request, terms)
        return Results(
            query=ParsedQuery(text=request.query), hits=hits,
            total=sum(p.total for p in pages.values()), page=request.page,
            page_size=request.limit, sort=sort, took_ms=(time.perf_counter() - t0) * 1000,
            facets=_merge_facets([p.facets for p in pages.values()], request.date_histogram),
            filters=request.filters, shards=call.shards,
        )  # fmt: skip

    def _query(
        self,
        call: FanOut,
        plan: QueryPlan,
        request: SearchRequest,
        options: RankingOptions,
        stats: CollectionStats | None,
        fuzzy: Sequence[QueryWord],
        added: Sequence[QueryWord] = (),
    ) -> dict[int, ShardPage]:
        fz, more = list(fuzzy), list(added)
        show = self._show(request)
        pages: dict[int, ShardPage] = call.each(
            "query", plan, request, options, stats, fz, None, show, more
        )
        if pages and next(iter(pages.values())).sort == "recency":
            blend = (max(p.top for p in pages.values()), max(p.newest for p in pages.values()))
            pages = call.each("query", plan, request, options, stats, fz, blend, show, more)
        return pages

    def fetch(
        self,
        call: FanOut,
        docs: Sequence[tuple[int, int, float]],
        terms: set[str],
        highlight: bool,
        snippet_chars: int,
    ) -> dict[tuple[int, int], Hit]:
        """The hits of ``(shard, docnum, score)`` from their shards (the fetch phase), by
        ``(shard, docnum)``."""
        by_shard: dict[int, list[tuple[int, float]]] = {}
        for shard, d, score in docs:
            by_shard.setdefault(shard, []).append((d, score))
        got: dict[int, list[Hit]] = call.calls(
            {
                shard: ("fetch", (items, terms, highlight, snippet_chars))
                for shard, items in by_shard.items()
            }
        )
        return {(shard, hit.docnum): hit for shard, shard_hits in got.items() for hit in shard_hits}

    # -- spelling
    def suggest(self, query: str | ParsedQuery) -> str | None:
        """As :meth:`Searcher.suggest <newsearch.search.Searcher.suggest>`, over every shard."""
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        return self._suggest(self.fanout(), parsed)

    def _suggest(self, call: FanOut, parsed: ParsedQuery) -> str | None:
        def use(v: Recorder) -> str | None:
            def known(word: str) -> bool:
                qs = known_word(self.analyzers, word)
                return not qs or any(v.known(q[1], q[2]) for q in qs)

            def correct(word: str) -> str | None:
                fixes = v.corrections(word, limit=1)
                return fixes[0] if fixes else None

            return respell(parsed, known, correct)

        return self.vocabulary(call, use)

    # -- articles, related news and copies
    def home(self, article_id: str) -> int:
        """The shard that holds ``article_id``."""
        return shard_of(article_id, len(self.replicas))

    def get(self, article_id: str) -> dict[str, Any] | None:
        """The stored fields of the article with this id, from its shard, or ``None``."""
        shard = self.home(article_id)
        got: dict[str, Any] | None = self.fanout().one(shard, "get", article_id)
        return got

    def related(
        self,
        article: Any,
        *,
        options: RankingOptions | None = None,
        allow_partial: bool | None = None,
        **fields: Any,
    ) -> RelatedResults:
        """As :meth:`Searcher.related <newsearch.search.Searcher.related>`: key terms from
        the whole index's document frequencies, candidates from every shard, copies
        collapsed across shards (see :mod:`newsearch.cluster.related`)."""
        from .related import related

        request, opts = related_request(
            article, options if options is not None else self.options, fields
        )
        call, t0 = self.fanout(allow_partial), time.perf_counter()
        whole: RelatedResults | None = self._whole(call, t0, "related_whole", request, opts)
        return whole if whole is not None else related(self, call, request, opts)

    def _whole(self, call: FanOut, t0: float, method: str, *args: Any) -> Any:
        """With one shard, the whole request in one round by the shard's own searcher (the
        phases merged: it is one index), or ``None`` (more shards; or it failed and
        ``allow_partial`` said go on: the fan-out then answers from no shard)."""
        if len(self.replicas) != 1:
            return None
        got = call.each(method, *args).get(0)
        if got is not None:
            got.shards, got.took_ms = call.shards, (time.perf_counter() - t0) * 1000
        return got

    def duplicates(self, article_id: str, *, min_similarity: float | None = None) -> list[Copy]:
        """As :meth:`Searcher.duplicates <newsearch.search.Searcher.duplicates>`: the
        article's copies on every shard, most similar first (ties: by id)."""
        from .copies import duplicates

        return duplicates(self, self.fanout(), article_id, min_similarity)

    def duplicate_groups(self, *, min_similarity: float | None = None) -> list[DuplicateGroup]:
        """As :meth:`Searcher.duplicate_groups
        <newsearch.search.Searcher.duplicate_groups>`: every group of copies over every
        shard, largest first (see :mod:`newsearch.cluster.copies`)."""
        from .copies import duplicate_groups

        return duplicate_groups(self.fanout(), min_similarity)


def _merge_facets(
    parts: Sequence[dict[str, dict[str, int]]], histogram: str | None
) -> dict[str, dict[str, int]]:
    """Facet counts added over shards (most first, then by value); the histogram by date."""
    out: dict[str, dict[str, int]] = {}
    for part in parts:
        for name, counts in part.items():
            into = out.setdefault(name, {})
            for value, n in counts.items():
                into[value] = into.get(value, 0) + n
    for name, counts in out.items():
        if name == "published" and histogram is not None:
            out[name] = dict(sorted(counts.items()))
        else:
            out[name] = dict(sorted(counts.items(), key=lambda p: (-p[1], p[0])))
    return out
