"""Related news ("أخبار ذات صلة"): other coverage of an article's story, copies collapsed.

How an article's related list is made (:func:`related`, called by ``Searcher.related``):

1. **Key terms** (:func:`newsearch.plan.key_terms`). The article's title and body go
   through the index's own analysis; each stem is weighted by its frequency (a title
   occurrence counts 3 times) times its idf in the collection, as Lucene's ``MoreLikeThis``
   and Whoosh's ``key_terms`` do. Stems in fewer than 2 articles (typos, the article's own
   oddities) or in more than 30 % of them are skipped; the best 25 remain.
2. **Ranking.** The key terms are one query, weighted by their key-term weight, scored by the
   searcher's scorer (BM25F over title and body, like a search); ``pair_weight`` > 0 also
   searches the title's adjacent word pairs (off by default: measured worse). Articles close
   in time to the source are lifted:
   ``score * (1 + time_weight * 0.5 ** (days apart / time_half_life_days))``
   (:class:`~newsearch.request.RelatedRequest`).
3. **Copies collapsed.** Walking the ranking, an article that is a near-copy of the source
   (:mod:`newsearch.duplicates`) joins the source's ``also_published_by``; one that copies a
   hit already kept joins that hit's ``also_published_by``; the rest are the related hits.
   The article's own list also gets its copies elsewhere in the index (the signature index).

The source article is never returned. Filters (sources, categories, a date range, or
``within_days`` of the source) apply as in a search.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import numpy as np

from . import collect, present
from .backend import BoolArray, FloatArray
from .copies import DuplicateView
from .duplicates import Signature, exact, is_copy, signature_of, similarity
from .errors import ArticleNotFoundError, ConfigError
from .plan import QueryWord, Term, key_terms, title_pair_words
from .request import Filters, RankingOptions, RelatedRequest
from .results import Copy, RelatedResults
from .snapshot import Snapshot, StatsSource, scorer_for

__all__ = [
    "COPY_SIMILARITY",
    "Source",
    "candidates_wanted",
    "collapse",
    "own_copies",
    "ranked_copies",
    "related",
    "related_scores",
    "related_words",
    "resolve",
    "source_filters",
    "source_signature",
]

#: Estimated Jaccard similarity (word pairs of the body, :mod:`newsearch.duplicates`) from
#: which a candidate counts as a copy of the article or of a higher-ranked hit and is listed
#: under "also published by" instead of shown: lower than the duplicates API's 0.8, since a
#: dispatch republished with edits is still the same text to a reader.
COPY_SIMILARITY = 0.4
#: Candidates examined for copies per related hit wanted.
_CANDIDATES_PER_HIT = 4


class Source:
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


def resolve(snap: Snapshot, article: Any) -> Source:
    """The article of a request (an id, an :class:`Article`, a mapping or pasted text) as
    a :class:`Source`; :class:`ArticleNotFoundError` for an id this snapshot lacks."""
    from .article import Article, parse_published

    view = snap.view
    if isinstance(article, Article):
        hit = view.docnum(article.id) if article.id else None
        return Source(article.title, article.body, article.published, hit, article.id or None)
    if isinstance(article, Mapping):
        title, body = str(article.get("title") or ""), str(article.get("body") or "")
        raw_id = article.get("id")
        if not (title or body) and raw_id is not None:
            return resolve(snap, str(raw_id))
        if not (title.strip() or body.strip()):
            raise ConfigError("related() needs an article with a title or a body")
        aid = str(raw_id) if raw_id is not None else None
        hit = view.docnum(aid) if aid else None
        return Source(title, body, parse_published(article.get("published")), hit, aid)
    if not isinstance(article, str):
        raise ConfigError(f"related() takes an article id, an Article or text, got {article!r}")
    docnum = view.docnum(article)
    if docnum is not None:
        stored = view.stored(docnum)
        return Source(
            stored.get("title") or "", stored.get("body") or "", stored.get("published"), docnum,
            article,
        )  # fmt: skip
    if any(c.isspace() for c in article.strip()):
        return Source("", article, None)  # pasted text
    raise ArticleNotFoundError(article)


def source_filters(src: Source, request: RelatedRequest) -> Filters:
    """The request's filters, narrowed to ``within_days`` of the article."""
    flt = request.filters
    if request.within_days is not None:
        if src.published is None:
            raise ConfigError("within_days needs the article's publication date")
        span = timedelta(days=request.within_days)
        lo, hi = src.published - span, src.published + span
        flt = replace(
            flt,
            date_from=max(lo, flt.date_from) if flt.date_from else lo,
            date_to=min(hi, flt.date_to) if flt.date_to else hi,
        )
    return flt


def related_words(
    src: Source,
    request: RelatedRequest,
    options: RankingOptions,
    analyzers: Mapping[str, Any],
    df: Callable[[str], int],
    doc_count: int,
) -> tuple[list[str], list[QueryWord]]:
    """The article's key terms and the query words made of them (step 1 of the module
    docstring); ``df(stem)``: the stem's document frequency in the collection."""
    keys = key_terms(src.title, src.body, analyzers["body"], df, doc_count)
    weights = options.field_weights()
    fields = [(name, w) for name, w in weights.items() if name in ("title", "body") and w > 0]
    words = [
        QueryWord(tuple(Term(f, stem, w) for f, w in fields), weight, stem) for stem, weight in keys
    ]
    if request.pair_weight > 0 and src.title:
        words += title_pair_words(src.title, weights, request.pair_weight, analyzers)
    return [stem for stem, _ in keys], words


def related_scores(
    snap: Snapshot,
    src: Source,
    flt: Filters,
    request: RelatedRequest,
    options: RankingOptions,
    words: Sequence[QueryWord],
    stats: StatsSource,
) -> tuple[FloatArray, BoolArray]:
    """Scores (time lift included) and the admitted documents (step 2)."""
    view = snap.view
    mask = collect.filter_mask(view, flt)
    mask = view.live if mask is None else mask & view.live
    scores = scorer_for(options).score(view, list(words), stats.statistics(words))
    if src.docnum is not None:
        mask = mask.copy()
        mask[src.docnum] = False
    if request.time_weight > 0 and src.published is not None:
        ts = view.timestamps("published")
        days = np.abs(ts - src.published.timestamp()) / 86_400.0
        lift = 1.0 + request.time_weight * np.power(0.5, days / request.time_half_life_days)
        scores = scores * np.where(np.isnan(lift), 1.0, lift).astype(np.float32)
    return scores, (scores > 0) & mask


def candidates_wanted(request: RelatedRequest) -> int:
    """How many ranked candidates the copy collapsing walks for ``k`` hits."""
    return request.k * _CANDIDATES_PER_HIT + 20 if request.collapse else request.k


def related(
    snap: Snapshot, request: RelatedRequest, options: RankingOptions, stats: StatsSource
) -> RelatedResults:
    """Articles related to the request's article, best first, copies collapsed: see the
    module docstring. ``stats``: where key terms and scores get their collection statistics."""
    t0 = time.perf_counter()
    view = snap.view
    src = resolve(snap, request.article)
    flt = source_filters(src, request)

    def df(stem: str) -> int:
        return stats.document_frequency("body", stem) or stats.document_frequency("title", stem)

    stems, words = related_words(src, request, options, snap.analyzers, df, stats.doc_count)
    if not words:
        return RelatedResults(src.id, [], 0, _ms(t0), stems, filters=flt)
    scores, matched = related_scores(snap, src, flt, request, options, words, stats)
    total = int(matched.sum())
    cand, _ = collect.top_k(scores, candidates_wanted(request), matched)
    kept, own_copies, copies_of = _collapse(snap, src, [int(d) for d in cand], request)
    hits = present.hits(
        view, kept, scores, offset=0, terms=set(stems), highlight=request.highlight,
        snippet_chars=request.snippet_chars,
    )  # fmt: skip
    for hit in hits:
        hit.also_published_by = copies_of.get(hit.docnum, [])
    return RelatedResults(src.id, hits, total, _ms(t0), stems, own_copies, filters=flt)


#: A copy found by :func:`collapse`: (similarity, exact).
Found = tuple[float, bool]
K = TypeVar("K", bound=Hashable)


def collapse(
    src_sig: Signature | None,
    cand: Sequence[K],
    signature: Callable[[K], Signature | None],
    k: int,
) -> tuple[list[K], dict[K, Found], dict[K, dict[K, Found]]]:
    """Walk the ranked candidates (any keys: docnums, or (shard, docnum) on a sharded index)
    into kept hits, copies of the source, and copies of each kept hit (step 3)."""
    kept: list[K] = []
    kept_sigs: list[Signature | None] = []
    own: dict[K, Found] = {}
    of: dict[K, dict[K, Found]] = {}

    def copy_of(a: Signature | None, b: Signature | None) -> Found | None:
        if a is None or b is None or not is_copy(a, b, COPY_SIMILARITY):
            return None
        return similarity(a, b), exact(a, b)

    for d in cand:
        if len(kept) >= k:
            break
        sig = signature(d)
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
    return kept, own, of


def own_copies(
    dv: DuplicateView, src_sig: Signature | None, exclude: int | None
) -> dict[int, Found]:
    """The article's copies in a snapshot from the signature index, at the duplicates API's
    own threshold (those beyond the candidates: filtered out, or ranked lower)."""
    out: dict[int, Found] = {}
    if src_sig is not None:
        for d, sim in dv.copies_of(src_sig, exclude=exclude):
            other = dv.signature(d)
            out[d] = (sim, other is not None and exact(src_sig, other))
    return out


def source_signature(snap: Snapshot, src: Source) -> Signature | None:
    """The article's signature: stored if it is in the snapshot, else made from its text."""
    dv = snap.copies
    return dv.signature(src.docnum) if src.docnum is not None else signature_of(src.body, src.title)


def _collapse(
    snap: Snapshot, src: Source, cand: list[int], request: RelatedRequest
) -> tuple[list[int], list[Copy], dict[int, list[Copy]]]:
    """Split the ranked candidates into kept hits, copies of the source, and copies of each
    kept hit (see the module docstring)."""
    k = request.k
    if not request.collapse:
        return cand[:k], [], {}
    dv = snap.copies
    src_sig = source_signature(snap, src)
    kept, own, of = collapse(src_sig, cand, dv.signature, k)
    # A hit's copies are those among the candidates: a copy has the hit's key terms and ranks
    # next to it, and one signature lookup per hit would cost more than the rest of the
    # request (measured: 2.5 ms each at 71k).
    for d, found in own_copies(dv, src_sig, src.docnum).items():
        if d not in own and d not in kept:
            own[d] = found

    def describe(items: dict[int, Found]) -> list[Copy]:
        return [dv.copy(d, sim, ex) for d, (sim, ex) in ranked_copies(items)]

    return kept, describe(own), {h: describe(v) for h, v in of.items()}


def ranked_copies(items: Mapping[K, Found]) -> list[tuple[K, Found]]:
    """Copies most similar first (ties: by key)."""
    return sorted(items.items(), key=lambda x: (-x[1][0], x[0]))


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
