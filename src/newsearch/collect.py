"""Collecting: from one score per document to the documents a page shows, and the counts.

Each step works on whole-collection arrays of one snapshot (:class:`~newsearch.backend.
IndexView`), in the spirit of Whoosh's collectors that wrap one ranking step: a mask of the
documents a plan admits (filters, exclusions, required phrases and words, deletions), the
order of the matched documents (relevance, date, or relevance blended with freshness), and the
facet and date-histogram counts over every match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from .backend import EMPTY_IDS, EMPTY_TF, FloatArray, IndexView, IntArray
from .errors import ConfigError
from .plan import Clause, QueryPlan
from .request import FACETS, Filters
from .scoring import recency_blend

__all__ = ["RECENCY_WEIGHT", "admitted", "facet_counts", "filter_mask", "order", "top_k"]

BoolArray = npt.NDArray[np.bool_]

#: Weight of freshness against relevance in the recency sort (relevance is scaled to 0..1).
RECENCY_WEIGHT = 0.5


def filter_mask(view: IndexView, filters: Filters) -> BoolArray | None:
    """The documents the filters admit (``None``: no filter)."""
    mask: BoolArray | None = None

    def narrow(m: BoolArray) -> None:
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


def published_within(view: IndexView, start: float, end: float) -> BoolArray:
    """Documents published from ``start`` to ``end`` (epoch seconds; undated ones are not)."""
    ts = view.timestamps("published")
    return (ts >= start) & (ts <= end)  # NaN compares false


def with_any(view: IndexView, terms: Iterable[tuple[str, str]]) -> BoolArray:
    """Documents having at least one of ``terms``."""
    out = np.zeros(view.doccount_all, dtype=bool)
    for f, tok in terms:
        out[view.postings(f, tok)[0]] = True
    return out


def with_phrase(view: IndexView, clauses: Sequence[Clause]) -> BoolArray:
    """Documents matching any of a phrase's clauses (Whoosh's positional matching)."""
    out = np.zeros(view.doccount_all, dtype=bool)
    docs = view.phrase_docs(clauses)
    if docs.size:
        out[docs] = True
    return out


def admitted(view: IndexView, plan: QueryPlan) -> tuple[BoolArray, list[BoolArray]]:
    """The live documents a plan admits, and the masks of its bonus (not required) phrases."""
    mask = filter_mask(view, plan.filters)

    def narrow(m: BoolArray) -> None:
        nonlocal mask
        mask = m if mask is None else mask & m

    for terms in plan.excluded_terms:
        narrow(~with_any(view, terms))
    for clauses in plan.excluded_phrases:
        narrow(~with_phrase(view, clauses))
    bonus = []
    for clauses in plan.phrases:
        good = with_phrase(view, clauses)
        if plan.phrases_required:
            narrow(good)
        else:
            bonus.append(good)
    for group in plan.required_groups:
        narrow(with_any(view, group))
    live = view.live
    return (live if mask is None else mask & live), bonus


def top_k(
    scores: FloatArray, k: int, allowed: BoolArray | None = None
) -> tuple[IntArray, FloatArray]:
    """The ``k`` best documents with a positive score (ties: lower docnum first), best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0).astype(np.float32)
    cand = np.flatnonzero(scores > 0)
    if cand.size == 0 or k <= 0:
        return EMPTY_IDS, EMPTY_TF
    if cand.size > k:
        part = np.argpartition(-scores[cand], k - 1)[:k]
        cand = cand[part]
    order_ = np.lexsort((cand, -scores[cand]))
    best = cand[order_]
    return best.astype(np.int64), scores[best]


def order(
    view: IndexView,
    scores: FloatArray,
    matched: BoolArray,
    sort: str,
    k: int,
    *,
    now: datetime | None,
    half_life_days: float,
) -> list[int]:
    """The first ``k`` matched documents in ``sort`` order."""
    if k <= 0:
        return []
    if sort == "relevance":
        docs, _ = top_k(scores, k, matched)
        return [int(d) for d in docs]
    cand = np.flatnonzero(matched)
    if cand.size == 0:
        return []
    if sort in ("newest", "oldest"):
        ts = view.timestamps("published")[cand]
        key = np.where(np.isnan(ts), -np.inf if sort == "newest" else np.inf, ts)
        key = -key if sort == "newest" else key
        # Same time: the more relevant first, then lower docnum.
        idx = np.lexsort((cand, -scores[cand], key))
        return [int(d) for d in cand[idx[:k]]]
    blended = recency_blend(
        view, scores, cand, half_life_days=half_life_days, weight=RECENCY_WEIGHT,
        now=now.timestamp() if now else None,
    )  # fmt: skip
    idx = np.lexsort((cand, -blended))
    return [int(d) for d in cand[idx[:k]]]


def facet_counts(
    view: IndexView, matched: BoolArray, facets: Sequence[str], histogram: str | None
) -> dict[str, dict[str, int]]:
    """Counts of the matched documents by each facet field (most first), and per ``day`` or
    ``month`` of publication (facet ``published``) when ``histogram`` is set."""
    out: dict[str, dict[str, int]] = {}
    for name in facets:
        if name not in FACETS:
            raise ConfigError(f"unknown facet {name!r}; facets: {', '.join(FACETS)}")
        codes, values = view.codes(name)
        # np.compress, not codes[matched]: a boolean index of a third of 71k documents took
        # 290 us, compress 65; code -1 (no value) is counted in bin 0 and dropped.
        counts = np.bincount(np.compress(matched, codes) + 1, minlength=len(values) + 1)[1:]
        nz = np.flatnonzero(counts)
        pairs = zip([values[i] for i in nz.tolist()], counts[nz].tolist(), strict=True)
        out[name] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
    if histogram is not None:
        if histogram not in ("day", "month"):
            raise ConfigError("date_histogram is 'day' or 'month'")
        ts = np.compress(matched, view.timestamps("published"))
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
