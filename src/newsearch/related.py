"""Related news ("أخبار ذات صلة"): other coverage of an article's story, copies collapsed.

How an article's related list is made (:func:`related`, also ``Searcher.related``):

1. **Key terms.** The article's title and body go through the index's own analysis; each
   stem is weighted by its frequency (a title occurrence counts :data:`TITLE_TF` times) times
   its idf in the index, as Lucene's ``MoreLikeThis`` and Whoosh's ``key_terms`` do. Stems found
   in fewer than :data:`MIN_DOC_FREQ` articles (typos, the article's own oddities) or in more
   than :data:`MAX_DOC_SHARE` of the index are skipped; the best :data:`KEY_TERMS` remain.
2. **Ranking.** The key terms are one query, weighted by their key-term weight, scored by the
   searcher's scorer (BM25F over title and body, like a search); ``pair_weight`` > 0 also
   searches the title's adjacent word pairs (off by default: measured worse). Articles close
   in time to the source are lifted:
   ``score * (1 + TIME_WEIGHT * 0.5 ** (days apart / half_life_days))``.
3. **Copies collapsed.** Walking the ranking, an article that is a near-copy of the source
   (:mod:`newsearch.duplicates`) joins the source's ``also_published_by``; one that copies a
   hit already kept joins that hit's ``also_published_by``; the rest are the related hits.
   The article's own list also gets its copies elsewhere in the index (the signature index).

The source article is never returned. Filters (sources, categories, a date range, or
``within_days`` of the source) apply as in a search.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from .duplicates import DuplicateView, exact, is_copy, signature_of, similarity
from .errors import ArticleNotFoundError, ConfigError
from .ranking import QueryWord, Term, top_k

if TYPE_CHECKING:
    from .article import Article
    from .duplicates import Copy
    from .search import Results, Searcher

__all__ = ["KEY_TERMS", "RELATED_HALF_LIFE_DAYS", "related"]

#: Key terms kept per article (Lucene MoreLikeThis: 25).
KEY_TERMS = 25
#: A title occurrence of a word counts as this many body occurrences.
TITLE_TF = 3.0
#: Key terms must occur in at least this many articles of the index...
MIN_DOC_FREQ = 2
#: ...and in at most this share of them.
MAX_DOC_SHARE = 0.3
#: Time closeness: weight and half-life (days) of the lift for articles near the source.
TIME_WEIGHT = 0.5
RELATED_HALF_LIFE_DAYS = 2.0
#: Weight of the title's adjacent word pairs (``title_pairs``/``body_pairs``) relative to a
#: key term. Off: measured, pairs at 0.5 cost 0.015 R@10 on the hard band and 0.011 MRR on
#: the easy one (benchmarks/related.toml; docs/related.md): a story's other coverage words its
#: headline differently, and pairs favour the copies that collapse removes anyway.
PAIR_WEIGHT = 0.0
#: Estimated Jaccard similarity (word pairs of the body, :mod:`newsearch.duplicates`) from
#: which a candidate counts as a copy of the article or of a higher-ranked hit and is listed
#: under "also published by" instead of shown: lower than the duplicates API's 0.8, since a
#: dispatch republished with edits is still the same text to a reader.
COPY_SIMILARITY = 0.4
#: Candidates examined for copies per related hit wanted.
_CANDIDATES_PER_HIT = 4
#: Characters of a body analyzed for key terms (a long article's start says what it is about).
_MAX_BODY_CHARS = 20_000


class _Source:
    """What related news needs to know about the article being read."""

    def __init__(
        self,
        title: str,
        body: str,
        published: datetime | None,
        docnum: int | None = None,
        article_id: str | None = None,
    ) -> None:
        self.title = title
        self.body = body
        self.published = published
        self.docnum = docnum
        self.id = article_id


def _resolve(s: Searcher, article: Any) -> _Source:
    from .article import Article

    if isinstance(article, Article):
        hit = _docnum(s, article.id) if article.id else None
        return _Source(article.title, article.body, article.published, hit, article.id or None)
    if isinstance(article, Mapping):
        from .article import parse_published

        title, body = str(article.get("title") or ""), str(article.get("body") or "")
        raw_id = article.get("id")
        if not (title or body) and raw_id is not None:
            return _resolve(s, str(raw_id))
        if not (title.strip() or body.strip()):
            raise ConfigError("related() needs an article with a title or a body")
        aid = str(raw_id) if raw_id is not None else None
        hit = _docnum(s, aid) if aid else None
        return _Source(title, body, parse_published(article.get("published")), hit, aid)
    if not isinstance(article, str):
        raise ConfigError(f"related() takes an article id, an Article or text, got {article!r}")
    docnum = _docnum(s, article)
    if docnum is not None:
        stored = s.whoosh.stored_fields(docnum) or {}
        published = stored.get("published")
        if isinstance(published, datetime) and published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return _Source(
            stored.get("title") or "", stored.get("body") or "", published, docnum, article
        )
    if any(c.isspace() for c in article.strip()):
        return _Source("", article, None)  # pasted text
    raise ArticleNotFoundError(article)


def _docnum(s: Searcher, article_id: str) -> int | None:
    docnum = s.whoosh.document_number(id=article_id)
    if docnum is None or not s.view.live[docnum]:
        return None
    return int(docnum)


def key_terms(s: Searcher, title: str, body: str, n: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The ``n`` stems that best say what ``title`` + ``body`` are about, with weights (the
    best is 1.0): frequency (title words count :data:`TITLE_TF` times) times idf."""
    analyzer = s.schema["body"].analyzer
    tf: dict[str, float] = {}
    for t in analyzer(title, mode="index"):
        if t.text:
            tf[t.text] = tf.get(t.text, 0.0) + TITLE_TF
    for t in analyzer(body[:_MAX_BODY_CHARS], mode="index"):
        if t.text:
            tf[t.text] = tf.get(t.text, 0.0) + 1.0
    view = s.view
    body_df = view.doc_frequencies("body")
    title_df = view.doc_frequencies("title")
    n_docs = max(1, view.doccount)
    max_df = max(MIN_DOC_FREQ, int(MAX_DOC_SHARE * n_docs))
    scored = []
    for stem, f in sorted(tf.items(), key=lambda x: -x[1])[:400]:
        df = body_df(stem) or title_df(stem)
        if df < MIN_DOC_FREQ or df > max_df:
            continue
        scored.append((stem, f * math.log(1 + (n_docs - df + 0.5) / (df + 0.5))))
    scored.sort(key=lambda x: (-x[1], x[0]))
    scored = scored[:n]
    top = scored[0][1] if scored else 1.0
    return [(stem, w / top) for stem, w in scored]


def related(
    s: Searcher,
    article: str | Article | Mapping[str, Any],
    *,
    k: int = 10,
    within_days: float | None = None,
    sources: str | Sequence[str] | None = None,
    categories: str | Sequence[str] | None = None,
    filters: Any = None,
    half_life_days: float = RELATED_HALF_LIFE_DAYS,
    time_weight: float = TIME_WEIGHT,
    pair_weight: float = PAIR_WEIGHT,
    collapse: bool = True,
    highlight: bool = False,
    snippet_chars: int = 240,
) -> Results:
    """Articles related to ``article`` (an id in the index, an :class:`Article`, or pasted
    text), best first, copies collapsed: see the module docstring. Returns
    :class:`~newsearch.search.Results` whose hits carry ``also_published_by``; the results'
    own ``also_published_by`` lists the copies of the article itself."""
    from .query import ParsedQuery
    from .search import MAX_PAGE_SIZE, Filters, Results

    t0 = time.perf_counter()
    k = max(1, min(int(k), MAX_PAGE_SIZE))
    src = _resolve(s, article)
    flt = Filters.of(filters)
    extra: dict[str, Any] = {}
    if sources is not None:
        extra["sources"] = (sources,) if isinstance(sources, str) else tuple(sources)
    if categories is not None:
        extra["categories"] = (categories,) if isinstance(categories, str) else tuple(categories)
    if within_days is not None:
        if src.published is None:
            raise ConfigError("within_days needs the article's publication date")
        span = timedelta(days=float(within_days))
        lo, hi = src.published - span, src.published + span
        extra["date_from"] = max(lo, flt.date_from) if flt.date_from else lo
        extra["date_to"] = min(hi, flt.date_to) if flt.date_to else hi
    if extra:
        flt = replace(flt, **extra)
    view = s.view
    mask = s._filter_mask(flt)
    mask = view.live if mask is None else mask & view.live

    keys = key_terms(s, src.title, src.body)
    fields = [(name, w) for name, w in s.weights.items() if name in ("title", "body") and w > 0]
    words = [
        QueryWord(tuple(Term(f, stem, w) for f, w in fields), weight, stem) for stem, weight in keys
    ]
    if pair_weight > 0 and src.title:
        words += _title_pairs(s, src.title, pair_weight)
    text = " ".join(stem for stem, _ in keys)
    query = ParsedQuery(text=text, groups=tuple((stem,) for stem, _ in keys))
    if not words:
        return Results(query, [], 0, 1, k, "relevance", _ms(t0), filters=flt)
    scores = s.scorer.score(view, words)
    if src.docnum is not None:
        mask = mask.copy()
        mask[src.docnum] = False
    if time_weight > 0 and src.published is not None:
        ts = view.timestamps("published")
        days = np.abs(ts - src.published.timestamp()) / 86_400.0
        lift = 1.0 + time_weight * np.power(0.5, days / half_life_days)
        scores = scores * np.where(np.isnan(lift), 1.0, lift).astype(np.float32)
    matched = (scores > 0) & mask
    total = int(matched.sum())
    want = k * _CANDIDATES_PER_HIT + 20 if collapse else k
    cand, _ = top_k(scores, want, matched)
    kept, own_copies, copies_of = _collapse(s, src, [int(d) for d in cand], k, collapse)
    terms = {stem for stem, _ in keys}
    hits = s._hits(kept, scores, 0, terms, highlight, snippet_chars)
    for hit in hits:
        hit.also_published_by = copies_of.get(hit.docnum, [])
    out = Results(
        query, hits, total, 1, k, "relevance", _ms(t0), filters=flt, also_published_by=own_copies
    )
    out.article_id = src.id
    return out


def _title_pairs(s: Searcher, title: str, weight: float) -> list[QueryWord]:
    names = s.schema.names()
    targets = [
        (f"{f}_pairs", s.weights.get(f, 0.0))
        for f in ("title", "body")
        if f"{f}_pairs" in names and s.weights.get(f, 0.0) > 0
    ]
    if not targets:
        return []
    stems = [t.text for t in s.schema["title"].analyzer(title, mode="query") if t.text]
    pairs = dict.fromkeys(f"{a} {b}" for a, b in itertools.pairwise(stems) if a != b)
    return [QueryWord(tuple(Term(f, p, w) for f, w in targets), weight, p) for p in pairs]


def _collapse(
    s: Searcher, src: _Source, cand: list[int], k: int, collapse: bool
) -> tuple[list[int], list[Copy], dict[int, list[Copy]]]:
    """Split the ranked candidates into kept hits, copies of the source, and copies of each
    kept hit (see the module docstring)."""
    if not collapse:
        return cand[:k], [], {}
    dv = DuplicateView.of(s)
    src_sig = (
        dv.signature(src.docnum) if src.docnum is not None else signature_of(src.body, src.title)
    )
    kept: list[int] = []
    kept_sigs: list[Any] = []
    own: dict[int, tuple[float, bool]] = {}
    of: dict[int, dict[int, tuple[float, bool]]] = {}

    def copy_of(a: Any, b: Any) -> tuple[float, bool] | None:
        if a is None or b is None or not is_copy(a, b, COPY_SIMILARITY):
            return None
        return similarity(a, b), exact(a, b)

    for d in cand:
        if len(kept) >= k:
            break
        sig = dv.signature(d)
        found = copy_of(src_sig, sig)
        if found is not None:
            own[d] = found
            continue
        home = None
        for h, hs in zip(kept, kept_sigs, strict=True):
            found = copy_of(hs, sig)
            if found is not None:
                home = h
                break
        if home is not None and found is not None:
            of[home][d] = found
            continue
        kept.append(d)
        kept_sigs.append(sig)
        of[d] = {}
    # The article's copies beyond the candidates (filtered out, or ranked lower) from the
    # signature index, at the duplicates API's own threshold. A hit's copies are those among
    # the candidates: a copy has the hit's key terms and ranks next to it, and one signature
    # lookup per hit would cost more than the rest of the request (measured: 2.5 ms each at 71k).
    if src_sig is not None:
        for d, sim in dv.copies_of(src_sig, exclude=src.docnum):
            if d not in own and d not in kept:
                other = dv.signature(d)
                own[d] = (sim, other is not None and exact(src_sig, other))

    def describe(items: dict[int, tuple[float, bool]]) -> list[Copy]:
        order = sorted(items.items(), key=lambda x: (-x[1][0], x[0]))
        return [dv.copy(d, sim, ex) for d, (sim, ex) in order]

    return kept, describe(own), {h: describe(v) for h, v in of.items()}


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
