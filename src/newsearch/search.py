"""Search: a user query in, typed and highlighted results out.

>>> with ix.searcher() as s:                                   # doctest: +SKIP
...     results = s.search("الحكومة المصرية", filters={"source": ["BBC"]}, facets=True)
...     for hit in results:
...         print(hit.id, hit.score, hit.title_html, hit.snippets[0])

The query is parsed by :func:`newsearch.query.parse_query` (never raises), analyzed by the
index's own analyzers, expanded with spelling variants of names found in the index's
vocabulary (:mod:`newsearch.variants`), and ranked over every document at once by a scorer from
:mod:`newsearch.scoring` (:mod:`newsearch.ranking`). Filters, facets and sorting work on
column arrays; phrases use Whoosh's positional matching; ``mode="advanced"`` hands the query to
Whoosh's full query language.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt

from .errors import ConfigError
from .query import ParsedQuery, Problem, parse_query
from .ranking import CollectionView, QueryWord, Term, top_k
from .scoring import DEFAULT_FIELD_WEIGHTS, Scorer, ScorerSpec, build_scorer

if TYPE_CHECKING:
    from .article import Article
    from .duplicates import Copy

__all__ = [
    "MAX_PAGE_DEPTH",
    "MAX_PAGE_SIZE",
    "Filters",
    "Hit",
    "Results",
    "Searcher",
]

Sort = Literal["relevance", "newest", "oldest", "recency"]
SORTS: tuple[str, ...] = ("relevance", "newest", "oldest", "recency")
#: Largest page a search returns, and deepest result reachable by paging (both bound the
#: work one request can ask for).
MAX_PAGE_SIZE = 100
MAX_PAGE_DEPTH = 1_000
#: A query finding fewer hits than this gets a "did you mean" suggestion.
SUGGEST_BELOW = 3
#: Weight of a word's spelling variants (scored as a word of their own) relative to the word.
VARIANT_WEIGHT = 0.4
#: Score factor of an article containing a quoted phrase (when the phrase is not required).
PHRASE_BONUS = 1.25
#: Weight of a pair of adjacent query words found next to each other in a title or a lead
#: (the ``title_pairs``/``body_pairs`` fields), relative to one query word. 0 turns it off.
PROXIMITY_WEIGHT = 0.15
#: Default half-life (days) of the recency blend.
RECENCY_HALF_LIFE_DAYS = 7.0
#: Weight of freshness against relevance in the recency blend (relevance is scaled to 0..1).
RECENCY_WEIGHT = 0.5


@dataclass(frozen=True)
class Filters:
    """Which articles a search may return: any of ``sources``, any of ``categories``,
    published in ``[date_from, date_to]`` (dates are whole days, UTC, ``date_to``
    inclusive)."""

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def of(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        known = {
            "source",
            "sources",
            "category",
            "categories",
            "from",
            "date_from",
            "to",
            "date_to",
        }
        unknown = set(value) - known
        if unknown:
            raise ConfigError(f"unknown filters {sorted(unknown)}; known: {sorted(known)}")

        def many(*keys: str) -> tuple[str, ...]:
            out: list[str] = []
            for k in keys:
                v = value.get(k)
                if v is None:
                    continue
                out.extend([v] if isinstance(v, str) else list(v))
            return tuple(dict.fromkeys(str(x) for x in out if str(x)))

        return cls(
            sources=many("source", "sources"),
            categories=many("category", "categories"),
            date_from=_as_datetime(value.get("date_from", value.get("from")), "from"),
            date_to=_as_datetime(value.get("date_to", value.get("to")), "to", end=True),
        )

    def merged(self, parsed: ParsedQuery) -> Filters:
        """These filters narrowed by the query's own ``source:``/``category:`` terms (both
        given: only values in both; none in both: nothing matches)."""

        def both(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            if a and b:
                folded = {y.casefold() for y in b}
                return tuple(x for x in a if x.casefold() in folded) or ("\0none",)
            return a or b

        return Filters(
            sources=both(self.sources, parsed.filters.get("source", ())),
            categories=both(self.categories, parsed.filters.get("category", ())),
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "categories": list(self.categories),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }


def _as_datetime(value: Any, what: str, end: bool = False) -> datetime | None:
    if value is None or value == "":
        return None
    dt: datetime | None
    if isinstance(value, datetime):
        dt = value
    else:
        from .article import parse_published

        try:
            dt = parse_published(value)
        except Exception:
            dt = None
        if dt is None:
            raise ConfigError(f"filter {what!r}: not a date: {value!r} (use YYYY-MM-DD)")
        if end and isinstance(value, str) and len(value.strip()) == 10:
            dt = dt + timedelta(days=1) - timedelta(microseconds=1)  # the whole day
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


@dataclass
class Hit:
    """One result. ``title_html`` and ``snippets`` are HTML (escaped text, ``<mark>`` around
    matched words); ``title`` is the plain title."""

    id: str
    score: float
    rank: int
    title: str
    url: str | None
    source: str | None
    category: str | None
    published: datetime | None
    title_html: str = ""
    snippets: list[str] = field(default_factory=list)
    #: Copies of this article elsewhere (other outlets, other URLs): related news only.
    also_published_by: list[Copy] = field(default_factory=list)
    docnum: int = field(default=-1, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "rank": self.rank,
            "title": self.title,
            "title_html": self.title_html,
            "url": self.url,
            "source": self.source,
            "category": self.category,
            "published": self.published.isoformat() if self.published else None,
            "snippets": list(self.snippets),
            "also_published_by": [c.to_dict() for c in self.also_published_by],
        }


@dataclass
class Results:
    """A page of hits and what is known about the whole result set."""

    query: ParsedQuery
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    sort: str
    took_ms: float
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    fuzzy_used: bool = False
    filters: Filters = field(default_factory=Filters)
    #: Related news: copies of the article being read (its other publications).
    also_published_by: list[Copy] = field(default_factory=list)
    #: Related news: the id of the article being read (``None`` for pasted text).
    article_id: str | None = None

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.query.problems

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, MAX_PAGE_DEPTH) / self.page_size))

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.to_dict(),
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "sort": self.sort,
            "took_ms": self.took_ms,
            "filters": self.filters.to_dict(),
            "facets": self.facets,
            "suggestion": self.suggestion,
            "fuzzy_used": self.fuzzy_used,
            "hits": [h.to_dict() for h in self.hits],
            **(
                {
                    "article_id": self.article_id,
                    "also_published_by": [c.to_dict() for c in self.also_published_by],
                }
                if self.article_id is not None or self.also_published_by
                else {}
            ),
        }

    def to_json(self) -> bytes:
        import orjson

        return orjson.dumps(self.to_dict())


_F = TypeVar("_F", bound=Callable[..., Any])


def _one_at_a_time(method: _F) -> _F:
    """Run a Searcher method under the searcher's lock (see :class:`Searcher`)."""

    @functools.wraps(method)
    def locked(self: Searcher, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_F, locked)


class Searcher:
    """Searches one snapshot of a :class:`~newsearch.index.NewsIndex` (the last commit when
    it was opened). Made by ``index.searcher()``; use it in a ``with`` block, or call
    :meth:`close`. Threads may share it: its calls take turns (a lock), since Whoosh's
    segment readers read through shared file objects (seek, then read) and concurrent reads
    were seen to corrupt each other under load. Most of a search holds the GIL anyway; for
    several cores, use several processes (``newsearch serve --workers N``)."""

    def __init__(
        self,
        index: Any,
        scorer: str | Scorer | ScorerSpec | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.index = index
        self.whoosh = index.whoosh.searcher()
        self.view = CollectionView(self.whoosh.reader())
        self.schema = index.whoosh.schema
        self.scorer = _scorer(scorer)
        self.weights = {**DEFAULT_FIELD_WEIGHTS, **(weights or {})}
        self._variants: Any = None
        self._lock = threading.RLock()
        self._duplicate_view: Any = None  # a DuplicateView, made on first use

    # -- lifecycle
    def close(self) -> None:
        self.whoosh.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @_one_at_a_time
    def warm(self) -> Searcher:
        """Build now what the first searches would otherwise build on the way (name-variant
        and spelling tables, column arrays, length norms): a server calls it before taking
        traffic. Returns ``self``."""
        from .variants import corrections

        self._variant_index()
        corrections(self.view, self.schema, "تحمية")
        for name in ("source", "category"):
            self.view.codes(name)
        for name in ("title", "body"):
            self.view.doc_frequencies(name)  # related news' key terms; skips absent terms
        self.view.timestamps("published")
        self.search("الحكومة", limit=1)
        return self

    def up_to_date(self) -> bool:
        """False once the index has a newer commit than this searcher sees."""
        return bool(self.whoosh.up_to_date())

    def refresh(self) -> Searcher:
        """A searcher over the latest commit (this one if nothing changed)."""
        if self.up_to_date():
            return self
        return Searcher(self.index, self.scorer, self.weights)

    # -- related news
    @_one_at_a_time
    def related(
        self,
        article: str | Article | Mapping[str, Any],
        *,
        k: int = 10,
        within_days: float | None = None,
        sources: str | Sequence[str] | None = None,
        categories: str | Sequence[str] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Results:
        """Related news for ``article`` (an id in the index, an :class:`Article`, or pasted
        text): other coverage of its story, copies collapsed into ``also_published_by``
        (see :mod:`newsearch.related` for the method and its options)."""
        from .related import related

        return related(
            self,
            article,
            k=k,
            within_days=within_days,
            sources=sources,
            categories=categories,
            filters=filters,
            **options,
        )

    @_one_at_a_time
    def duplicates(self, article_id: str, *, min_similarity: float | None = None) -> list[Copy]:
        """The near-exact copies of an article in this snapshot, most similar first (the
        same dispatch under other ids, outlets or URLs; not the article itself). Raises
        :class:`~newsearch.errors.ArticleNotFoundError` for an unknown id. ``min_similarity``
        overrides :data:`~newsearch.duplicates.THRESHOLD`. See :mod:`newsearch.duplicates`."""
        from .duplicates import DuplicateView

        return DuplicateView.of(self).duplicates(article_id, min_similarity=min_similarity)

    # -- query analysis
    def _fields(self, fields: Sequence[str]) -> list[tuple[str, float, Any]]:
        names = self.schema.names()
        return [
            (name, w, self.schema[name].analyzer)
            for name, w in self.weights.items()
            if w > 0 and name in names and name.removesuffix("_exact") in fields
        ]

    def _words(
        self, texts: Sequence[str], fields: list[tuple[str, float, Any]], variants: bool
    ) -> list[QueryWord]:
        """One :class:`QueryWord` per query word (its stem in title/body, its exact form in
        title_exact) and, with ``variants``, one more weaker word per query word holding its
        spelling variants: a separate word, with its own idf, so that a rare typed spelling
        (3 articles) is not outranked by a frequent variant's articles."""
        out: list[QueryWord] = []
        alt: list[QueryWord] = []
        stems: list[list[str]] = []
        for text in texts:
            terms: list[Term] = []
            for name, w, analyzer in fields:
                terms.extend(Term(name, t.text, w) for t in analyzer(text, mode="query"))
            if not terms:
                continue  # a stop word
            stems.append([t.token for t in terms if t.field in ("title", "body")][:1])
            out.append(QueryWord(tuple(dict.fromkeys(terms)), 1.0, text))
            if variants:
                extra = self._variant_terms(terms)
                if extra:
                    alt.append(QueryWord(tuple(dict.fromkeys(extra)), VARIANT_WEIGHT, text))
        if variants and len(out) > 1:
            alt += self._joined_variants(stems, fields)
        return out + alt

    def _pair_words(
        self, parsed: ParsedQuery, fields: Sequence[str], weight: float
    ) -> list[QueryWord]:
        """Adjacent query words as pairs to find in ``title_pairs``/``body_pairs``: one
        extra, rarer "word" per pair, so an article where the words stand together outranks
        one where they are scattered (BM25F's saturation and idf keep the bonus bounded)."""
        names = self.schema.names()
        # A pair field weighs as its text field unless the weights name it (title_pairs=...).
        targets = [
            (f"{name}_pairs", self.weights.get(f"{name}_pairs", self.weights.get(name, 0.0)))
            for name in ("title", "body")
            if name in fields and f"{name}_pairs" in names
        ]
        targets = [(f, w) for f, w in targets if w > 0]
        if not targets:
            return []
        runs: list[list[str]] = [[]]
        for group in parsed.groups:  # an OR group breaks the run: its words are alternatives
            if len(group) == 1:
                runs[-1].append(group[0])
            elif runs[-1]:
                runs.append([])
        runs += [list(p) for p in parsed.phrases]
        analyzer = self.schema["title"].analyzer
        counts: dict[str, float] = {}
        for run in runs:
            if len(run) < 2:
                continue
            stems = [t.text for t in analyzer(" ".join(run), mode="query") if t.text]
            for a, b in itertools.pairwise(stems):
                if a != b:
                    pair = f"{a} {b}"
                    counts[pair] = counts.get(pair, 0.0) + 1.0
        return [
            QueryWord(tuple(Term(f, pair, w) for f, w in targets), weight * n, pair)
            for pair, n in counts.items()
        ]

    def _variant_index(self) -> Any:
        from .variants import VariantIndex

        if self._variants is None:
            self._variants = VariantIndex.for_view(self.view, ("title", "body"))
        return self._variants

    def _variant_terms(self, terms: list[Term]) -> list[Term]:
        """Spelling variants of the stemmed terms; and, for a word the index does not know,
        its two halves when both are known (a name written joined here, split there)."""
        vi = self._variant_index()
        extra: list[Term] = []
        known = self._in_index
        for t in terms:
            if t.field not in ("title", "body"):
                continue
            for v in vi.variants(t.token):
                extra.append(Term(t.field, v, t.weight))
            tok = t.token
            if len(tok) >= 6 and not known(t.field, tok):
                for i in range(3, len(tok) - 2):
                    left, right = tok[:i], tok[i:]
                    if known(t.field, left) and known(t.field, right):
                        extra += [Term(t.field, left, t.weight), Term(t.field, right, t.weight)]
                        break
        return extra

    def _joined_variants(
        self, stems: list[list[str]], fields: list[tuple[str, float, Any]]
    ) -> list[QueryWord]:
        """Two adjacent query words that the index also spells as one word (بيونغ يانغ /
        بيونغيانغ): the joined spelling, as a variant word."""
        vi = self._variant_index()
        weights = {name: w for name, w, _ in fields if name in ("title", "body")}
        out = []
        for i in range(len(stems) - 1):
            a, b = stems[i], stems[i + 1]
            if not a or not b:
                continue
            joined = vi.joined([a[0], b[0]])
            if joined:
                terms = tuple(Term(f, j, w) for j in joined for f, w in weights.items())
                out.append(QueryWord(terms, VARIANT_WEIGHT, f"{a[0]}{b[0]}"))
        return out

    # -- masks
    def _filter_mask(self, filters: Filters) -> npt.NDArray[np.bool_] | None:
        view = self.view
        mask: npt.NDArray[np.bool_] | None = None

        def narrow(m: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = m if mask is None else mask & m

        for fieldname, wanted in (("source", filters.sources), ("category", filters.categories)):
            if wanted:
                codes, values = view.codes(fieldname)
                lookup = {v.casefold(): i for i, v in enumerate(values)}
                ok = [lookup[w.casefold()] for w in wanted if w.casefold() in lookup]
                narrow(np.isin(codes, np.array(ok, dtype=np.int32)))
        if filters.date_from or filters.date_to:
            ts = view.timestamps("published")
            m = ~np.isnan(ts)
            if filters.date_from:
                m &= ts >= filters.date_from.timestamp()
            if filters.date_to:
                m &= ts <= filters.date_to.timestamp()
            narrow(m)
        return mask

    def _docs_with(self, words: Sequence[str], fields: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Documents containing every word of ``words`` (a stem match) in one of ``fields``."""
        n = self.view.doccount_all
        out = np.ones(n, dtype=bool)
        for w in words:
            hit = np.zeros(n, dtype=bool)
            for f in fields:
                for t in self.schema[f].analyzer(w, mode="query"):
                    ids, _ = self.view.postings(f, t.text)
                    hit[ids] = True
            out &= hit
        return out

    def _phrase_docs(self, phrase: Sequence[str], fields: Sequence[str]) -> npt.NDArray[np.bool_]:
        from whoosh import query as wq

        n = self.view.doccount_all
        out = np.zeros(n, dtype=bool)
        clauses = []
        for f in fields:
            analyzed = [
                (t.text, t.pos)
                for t in self.schema[f].analyzer(" ".join(phrase), positions=True, mode="query")
            ]
            toks = [t for t, _ in analyzed]
            if len(toks) == 1:
                clauses.append(wq.Term(f, toks[0]))
            elif toks:
                # Stop words dropped from the phrase leave gaps in the text's positions too.
                gaps = [b - a for (_, a), (_, b) in itertools.pairwise(analyzed)]
                clauses.append(wq.Phrase(f, toks, slop=max(1, *gaps)))
        if clauses:
            docs = list(self.whoosh.docs_for_query(wq.Or(clauses)))
            out[np.array(docs, dtype=np.int64)] = True
        return out

    # -- the search
    @_one_at_a_time
    def search(
        self,
        query: str | ParsedQuery = "",
        *,
        limit: int = 10,
        page: int = 1,
        filters: Filters | Mapping[str, Any] | None = None,
        sort: Sort = "relevance",
        facets: bool | Sequence[str] = False,
        date_histogram: Literal["day", "month"] | None = None,
        highlight: bool = True,
        snippet_chars: int = 240,
        scorer: str | Scorer | ScorerSpec | None = None,
        fields: Sequence[str] = ("title", "body"),
        mode: Literal["simple", "advanced"] = "simple",
        operator: Literal["or", "and"] = "or",
        variants: bool = True,
        fuzzy: bool = False,
        fuzzy_fallback: bool = True,
        suggest: bool = True,
        now: datetime | None = None,
        half_life_days: float = RECENCY_HALF_LIFE_DAYS,
        proximity: float = PROXIMITY_WEIGHT,
    ) -> Results:
        """Search the index.

        :param query: search-box text (see :mod:`newsearch.query`) or a parsed query.
        :param limit: hits per page (at most :data:`MAX_PAGE_SIZE`).
        :param page: 1-based page; pages beyond :data:`MAX_PAGE_DEPTH` results are empty.
        :param filters: :class:`Filters` or a dict with ``source``/``sources``,
            ``category``/``categories``, ``from``/``to`` (dates or ISO strings).
        :param sort: ``relevance``, ``newest``, ``oldest``, or ``recency`` (relevance blended
            with freshness: ``relevance/max + RECENCY_WEIGHT * 0.5 ** (age / half_life)``,
            age counted from ``now``, default the newest article in the index).
        :param facets: counts by ``source`` and ``category`` (``True``) or the named fields,
            over every hit of the query (not just the page).
        :param date_histogram: also count hits per ``day`` or ``month`` (facet ``published``).
        :param scorer: override the searcher's scorer for this search.
        :param fields: searched text fields (``title``, ``body``).
        :param mode: ``advanced`` parses Whoosh's full query syntax (errors fall back to the
            simple parser and are reported as problems).
        :param operator: ``and`` requires every word (or one of its ``OR`` alternatives).
        :param variants: also match spelling variants of names (at a lower weight).
        :param fuzzy: expand words ending in ``~`` to close spellings in the index.
        :param fuzzy_fallback: when nothing is found, retry with close spellings.
        :param suggest: when little is found, suggest a respelled query.
        :param proximity: weight of adjacent query words that stand next to each other in an
            article's title or lead (0: off).
        """
        t0 = time.perf_counter()
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        page = max(1, int(page))
        if sort not in SORTS:
            raise ConfigError(f"unknown sort {sort!r}; known: {', '.join(SORTS)}")
        base_filters = Filters.of(filters)
        use_scorer = self.scorer if scorer is None else _scorer(scorer)
        if mode == "advanced" and isinstance(query, str):
            return self._advanced(
                query,
                limit,
                page,
                base_filters,
                sort,
                facets,
                date_histogram,
                highlight,
                snippet_chars,
                use_scorer,
                fields,
                t0,
            )
        parsed = (
            query
            if isinstance(query, ParsedQuery)
            else parse_query(query, operator=operator, allow_fuzzy=fuzzy)
        )
        flt = base_filters.merged(parsed)
        field_specs = self._fields(fields)
        view = self.view
        mask = self._filter_mask(flt)
        for ex in parsed.excluded:
            bad = self._docs_with(ex, fields) if len(ex) == 1 else self._phrase_docs(ex, fields)
            mask = ~bad if mask is None else mask & ~bad
        # A phrase is required when the query asks for every word, or is nothing but phrases
        # (the user's whole intent); next to other words, as in Lucene's OR queries, it only
        # ranks its articles higher: a pasted headline's quoted words are a quotation, and
        # rarely appear verbatim in the articles that report it (measured: requiring them cost
        # 0.06 nDCG@10 on the known-item task).
        phrase_required = parsed.operator == "and" or not parsed.groups
        phrase_bonus: list[npt.NDArray[np.bool_]] = []
        for ph in parsed.phrases:
            good = self._phrase_docs(ph, fields)
            if phrase_required:
                mask = good if mask is None else mask & good
            else:
                phrase_bonus.append(good)
        if parsed.operator == "and":
            for group in parsed.groups:
                good = np.zeros(view.doccount_all, dtype=bool)
                for w in group:
                    good |= self._docs_with([w], fields)
                mask = good if mask is None else mask & good
        live = view.live
        mask = live if mask is None else mask & live

        words = self._words(
            [w for g in parsed.groups for w in g] + [w for p in parsed.phrases for w in p],
            field_specs,
            variants,
        )
        if proximity > 0:
            words += self._pair_words(parsed, fields, proximity)
        if parsed.fuzzy:
            words += self._fuzzy_words(parsed.fuzzy, field_specs)
        fuzzy_used = bool(parsed.fuzzy)
        if words:
            scores = use_scorer.score(view, words)
            for good in phrase_bonus:
                scores[good] *= PHRASE_BONUS
            matched = (scores > 0) & mask
            if fuzzy_fallback and not matched.any() and not parsed.fuzzy:
                extra = self._fuzzy_words([w.text for w in words], field_specs)
                if extra:
                    scores = use_scorer.score(view, words + extra)
                    matched = (scores > 0) & mask
                    fuzzy_used = True
        elif parsed.is_empty and (parsed.filters or filters is not None or parsed.excluded):
            # Filters only: every article they admit, newest first unless asked otherwise.
            scores = np.ones(view.doccount_all, dtype=np.float32)
            matched = mask
            if sort == "relevance":
                sort = "newest"
        else:
            scores = np.zeros(view.doccount_all, dtype=np.float32)
            matched = np.zeros(view.doccount_all, dtype=bool)
        total = int(matched.sum())
        want = min(page * limit, MAX_PAGE_DEPTH)
        docs = self._order(scores, matched, sort, want, now, half_life_days)
        page_docs = docs[(page - 1) * limit : want]
        terms = {t.token for w in words for t in w.terms if t.field in ("title", "body")}
        hits = self._hits(page_docs, scores, (page - 1) * limit, terms, highlight, snippet_chars)
        out_facets = self._facets(matched, facets, date_histogram)
        suggestion = None
        if suggest and total < SUGGEST_BELOW and parsed.groups:
            suggestion = self.suggest(parsed)
        return Results(
            query=parsed,
            hits=hits,
            total=total,
            page=page,
            page_size=limit,
            sort=sort,
            took_ms=(time.perf_counter() - t0) * 1000,
            facets=out_facets,
            suggestion=suggestion,
            fuzzy_used=fuzzy_used,
            filters=flt,
        )

    def _order(
        self,
        scores: npt.NDArray[np.float32],
        matched: npt.NDArray[np.bool_],
        sort: str,
        k: int,
        now: datetime | None,
        half_life: float,
    ) -> list[int]:
        if k <= 0:
            return []
        if sort == "relevance":
            docs, _ = top_k(scores, k, matched)
            return [int(d) for d in docs]
        cand = np.flatnonzero(matched)
        if cand.size == 0:
            return []
        ts = self.view.timestamps("published")[cand]
        if sort in ("newest", "oldest"):
            key = np.where(np.isnan(ts), -np.inf if sort == "newest" else np.inf, ts)
            key = -key if sort == "newest" else key
            # Same time: the more relevant first, then lower docnum.
            order = np.lexsort((cand, -scores[cand], key))
            return [int(d) for d in cand[order[:k]]]
        from .scoring import recency_blend

        blended = recency_blend(
            self.view, scores, cand, half_life_days=half_life, weight=RECENCY_WEIGHT,
            now=now.timestamp() if now else None,
        )  # fmt: skip
        order = np.lexsort((cand, -blended))
        return [int(d) for d in cand[order[:k]]]

    def _hits(
        self,
        docs: Sequence[int],
        scores: npt.NDArray[np.float32],
        offset: int,
        terms: set[str],
        highlight: bool,
        snippet_chars: int,
    ) -> list[Hit]:
        from .highlight import highlight as mark_all
        from .highlight import snippet

        analyzer = self.schema["body"].analyzer
        out = []
        for i, d in enumerate(docs):
            stored = self.whoosh.stored_fields(d) or {}
            published = stored.get("published")
            if isinstance(published, datetime) and published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            title = stored.get("title") or ""
            hit = Hit(
                id=stored.get("id", ""),
                score=float(scores[d]),
                rank=offset + i + 1,
                title=title,
                url=stored.get("url"),
                source=stored.get("source"),
                category=stored.get("category"),
                published=published,
                docnum=d,
            )
            if highlight:
                hit.title_html = mark_all(title, terms, analyzer).html
                snip = snippet(stored.get("body") or "", terms, analyzer, max_chars=snippet_chars)
                hit.snippets = [snip.html] if snip.html else []
            else:
                import html as _html

                hit.title_html = _html.escape(title, quote=False)
            out.append(hit)
        return out

    def _facets(
        self, matched: npt.NDArray[np.bool_], facets: bool | Sequence[str], histogram: str | None
    ) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        names = ("source", "category") if facets is True else tuple(facets or ())
        for name in names:
            if name not in ("source", "category"):
                raise ConfigError(f"unknown facet {name!r}; facets: source, category")
            codes, values = self.view.codes(name)
            sel = codes[matched]
            counts = np.bincount(sel[sel >= 0], minlength=len(values))
            pairs = sorted(
                ((values[i], int(c)) for i, c in enumerate(counts) if c),
                key=lambda p: (-p[1], p[0]),
            )
            out[name] = dict(pairs)
        if histogram is not None:
            if histogram not in ("day", "month"):
                raise ConfigError("date_histogram is 'day' or 'month'")
            ts = self.view.timestamps("published")[matched]
            ts = ts[~np.isnan(ts)]
            days = np.floor(ts / 86400.0).astype(np.int64)
            uniq, counts = np.unique(days, return_counts=True)
            hist: dict[str, int] = {}
            epoch = datetime(1970, 1, 1, tzinfo=UTC)
            for d, c in zip(uniq.tolist(), counts.tolist(), strict=True):
                day = epoch + timedelta(days=d)
                key = day.strftime("%Y-%m-%d" if histogram == "day" else "%Y-%m")
                hist[key] = hist.get(key, 0) + c
            out["published"] = hist
        return out

    # -- spelling
    def _corrections(self, word: str, limit: int = 3) -> list[str]:
        """Close spellings of ``word`` in the index's title vocabulary, most frequent first."""
        from .variants import corrections

        return corrections(self.view, self.schema, word, limit=limit)

    def _fuzzy_words(
        self, texts: Iterable[str], fields: list[tuple[str, float, Any]]
    ) -> list[QueryWord]:
        out: list[QueryWord] = []
        for text in texts:
            for alt in self._corrections(text):
                words = self._words([alt], fields, variants=False)
                out.extend(QueryWord(w.terms, 0.5, alt) for w in words)
        return out

    @_one_at_a_time
    def suggest(self, query: str | ParsedQuery) -> str | None:
        """A respelled query from the index's vocabulary, or ``None`` when every word is
        already in the index (or nothing close is)."""
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        changed = False
        out = []
        for group in parsed.groups:
            alts = []
            for w in group:
                if self._known(w):
                    alts.append(w)
                    continue
                fixes = self._corrections(w, limit=1)
                if fixes:
                    alts.append(fixes[0])
                    changed = True
                else:
                    alts.append(w)
            out.append(" OR ".join(alts))
        for p in parsed.phrases:
            out.append('"' + " ".join(p) + '"')
        return " ".join(out) if changed else None

    def _known(self, word: str) -> bool:
        """In the index, or a stop word (nothing to correct)."""
        toks = [t.text for t in self.schema["body"].analyzer(word, mode="query")]
        return not toks or any(self._in_index(f, t) for f in ("title", "body") for t in toks)

    def _in_index(self, field: str, token: str) -> bool:
        # The snapshot's cached postings: Whoosh's doc_frequency visits every segment.
        return bool(self.view.postings(field, token)[0].size)

    # -- advanced mode
    def _advanced(
        self,
        text: str,
        limit: int,
        page: int,
        flt: Filters,
        sort: Sort,
        facets: bool | Sequence[str],
        histogram: Any,
        highlight: bool,
        snippet_chars: int,
        scorer: Scorer,
        fields: Sequence[str],
        t0: float,
    ) -> Results:
        from whoosh.qparser import MultifieldParser, OrGroup

        parser = MultifieldParser(list(fields), self.schema, group=OrGroup)
        problems: list[Problem] = []
        try:
            q = parser.parse(text)
        except Exception as exc:  # Whoosh's parser can fail on odd input: fall back
            problems.append(Problem("advanced-syntax", f"not understood ({exc}); simple search"))
            res = self.search(
                text,
                limit=limit,
                page=page,
                filters=flt,
                sort=sort,
                facets=facets,
                date_histogram=histogram,
                highlight=highlight,
                snippet_chars=snippet_chars,
                scorer=scorer,
                fields=fields,
            )
            res.query = ParsedQuery(
                res.query.text,
                res.query.groups,
                res.query.phrases,
                res.query.excluded,
                res.query.filters,
                problems=tuple(problems) + res.query.problems,
            )
            return res
        n = self.view.doccount_all
        scores = np.zeros(n, dtype=np.float32)
        with self.index.whoosh.searcher(weighting=scorer.whoosh()) as s:
            for hit in s.search(q, limit=None):
                scores[hit.docnum] = hit.score
        mask = self._filter_mask(flt)
        matched = scores > 0
        if mask is not None:
            matched &= mask
        matched &= self.view.live
        want = min(page * limit, MAX_PAGE_DEPTH)
        docs = self._order(scores, matched, sort, want, None, RECENCY_HALF_LIFE_DAYS)
        terms = {
            t.decode() if isinstance(t, bytes) else t
            for f, t in q.iter_all_terms()
            if f in ("title", "body")
        }
        hits = self._hits(
            docs[(page - 1) * limit : want],
            scores,
            (page - 1) * limit,
            terms,
            highlight,
            snippet_chars,
        )
        parsed = ParsedQuery(text=text, problems=tuple(problems))
        return Results(
            parsed,
            hits,
            int(matched.sum()),
            page,
            limit,
            sort,
            (time.perf_counter() - t0) * 1000,
            self._facets(matched, facets, histogram),
            filters=flt,
        )


def _scorer(value: str | Scorer | ScorerSpec | None) -> Scorer:
    if value is None:
        return build_scorer()
    if isinstance(value, Scorer):
        return value
    if isinstance(value, ScorerSpec):
        return value.build()
    return build_scorer(value)
