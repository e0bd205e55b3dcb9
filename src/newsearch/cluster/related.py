"""Related news on a sharded index: the stages of :mod:`newsearch.related`, fanned out.

1. The article: from the shard its id routes to (stored text, docnum, signature), or the
   text given; pasted text as on one index.
2. Key terms: the article's stems, with document frequencies added over every shard.
3. Scores: every shard scores with the merged statistics of the key-term words and returns
   its best candidates with their signatures, and the article's own copies among its
   articles; in the same round it presents what it guesses will be shown (the hits its own
   walk of its candidates keeps, the descriptions of the copies that walk met).
4. Copies: the merged candidates are collapsed here (:func:`newsearch.related.collapse`), so
   a copy on another shard is still listed under its hit.
5. Present: only what the shards' guesses missed (a hit that one shard's walk took for a
   copy, a hit beyond what it presented), from the shards holding any: one more round for
   about 2 articles in 100 at 2 shards.

Rounds: the article (an id: its home shard; kept by id until a refresh, as a popular
article is asked for again and again), the key terms' frequencies (kept by the cluster
searcher until a refresh, so a stem seen before costs none; the key terms themselves are
kept by the article's text), the statistics (kept likewise), candidates: one for an article
asked for before, two for a new one whose words were all seen before. A cluster of one
shard answers in one round whatever the article (its own searcher: one index).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..article import Article, parse_published
from ..duplicates import Signature, signature_of
from ..errors import ArticleNotFoundError, ConfigError
from ..plan import QueryWord
from ..related import (
    Found,
    Source,
    candidates_wanted,
    collapse,
    ranked_copies,
    related_words,
    source_filters,
)
from ..request import RankingOptions, RelatedRequest
from ..results import Copy, Hit, RelatedResults
from .fanout import FanOut
from .shard import RelatedRound

if TYPE_CHECKING:
    from .searcher import ClusterSearcher

__all__ = ["related"]

#: (shard, docnum)
Key = tuple[int, int]
#: Articles kept by id (stored text, docnum, signature) until a refresh, or this many.
MAX_SOURCES = 10_000


def _source(
    cs: ClusterSearcher, call: FanOut, article: Any
) -> tuple[Source, int | None, Signature | None]:
    """The article as a :class:`Source` (docnum: on its home shard), its home shard and
    stored signature (``None`` for text that is not in the index)."""

    def locate(aid: str) -> tuple[dict[str, Any], int, Signature | None] | None:
        cache = cs.sources  # (one object per request: other threads may replace it)
        if aid in cache:
            kept: tuple[dict[str, Any], int, Signature | None] = cache[aid]
            return kept
        got: tuple[dict[str, Any], int, Signature | None] | None = call.one(
            cs.home(aid), "source", aid
        )
        if got is not None and not call.failed:
            if len(cache) >= MAX_SOURCES:
                cache = cs.sources = {}
            cache[aid] = got
        return got

    if isinstance(article, (Article, Mapping)):
        if isinstance(article, Article):
            title, body, published = article.title, article.body, article.published
            aid = article.id or None
        else:
            title, body = str(article.get("title") or ""), str(article.get("body") or "")
            raw_id = article.get("id")
            if not (title or body) and raw_id is not None:
                return _source(cs, call, str(raw_id))
            if not (title.strip() or body.strip()):
                raise ConfigError("related() needs an article with a title or a body")
            aid = str(raw_id) if raw_id is not None else None
            published = parse_published(article.get("published"))
        found = locate(aid) if aid else None
        if found is None:
            return Source(title, body, published, None, aid), None, None
        return Source(title, body, published, found[1], aid), cs.home(aid or ""), found[2]
    if not isinstance(article, str):
        raise ConfigError(f"related() takes an article id, an Article or text, got {article!r}")
    found = locate(article)
    if found is not None:
        stored, d, sig = found
        src = Source(
            stored.get("title") or "", stored.get("body") or "", stored.get("published"), d,
            article,
        )  # fmt: skip
        return src, cs.home(article), sig
    if any(c.isspace() for c in article.strip()):
        return Source("", article, None), None, None
    raise ArticleNotFoundError(article)


def related(
    cs: ClusterSearcher, call: FanOut, request: RelatedRequest, options: RankingOptions
) -> RelatedResults:
    """Related news over every shard (see the module docstring)."""
    t0 = time.perf_counter()
    src, home, stored_sig = _source(cs, call, request.article)
    flt = source_filters(src, request)

    stems, words = _key_terms(cs, call, src, request, options)
    if not words:
        return RelatedResults(src.id, [], 0, _ms(t0), stems, filters=flt, shards=call.shards)
    stats = cs.statistics(call, words)
    want = candidates_wanted(request)
    src_sig = None
    if request.collapse:
        src_sig = stored_sig if home is not None else signature_of(src.body, src.title)

    # One round: every shard's candidates, the article's copies there, and what it guesses
    # will be shown (the hits of its share plus a margin, the copies its own walk met). The
    # shards need the article's docnum and date only, not its text.
    def fields(shard: int) -> tuple[Any, ...]:
        d = src.docnum if shard == home else None
        return ("", "", src.published, d, src.id)

    terms = set(stems)
    # Without highlighting (the default) a hit costs little more than its stored fields:
    # each shard presents every hit its walk keeps. With it, its share plus a margin.
    share = -(-request.k // max(1, len(call.actors)))  # hits split about evenly over shards
    show = request.k + cs.related_margin if not request.highlight else share + cs.related_margin
    show = max(0, min(request.k, show))
    found: dict[int, RelatedRound] = call.calls(
        {
            s: ("related_round", (fields(s), flt, request, options, words, stats, want, src_sig,
                                  terms, show))
            for s in call.alive
        }
    )  # fmt: skip
    total = sum(r.total for r in found.values())
    ranked = sorted(
        (-score, ident, shard, d, sig)
        for shard, r in found.items()
        for score, d, ident, sig in r.candidates
    )[:want]
    scores = {(shard, d): -neg for neg, _, shard, d, _ in ranked}
    keys: list[Key] = [(shard, d) for _, _, shard, d, _ in ranked]
    own: dict[Key, Found] = {}
    of: dict[Key, dict[Key, Found]] = {}
    if request.collapse:
        raw = {(shard, d): sig for _, _, shard, d, sig in ranked}

        def sig_of(key: Key) -> Signature | None:
            b = raw[key]
            return None if b is None else np.frombuffer(b, dtype=np.uint32)

        kept, own, of = collapse(src_sig, keys, sig_of, request.k)
        for s, r in found.items():
            for d, sim, ex in r.own:
                if (s, d) not in own and (s, d) not in kept:
                    own[(s, d)] = (sim, ex)
    else:
        kept = keys[: request.k]
    fetched: dict[Key, Hit] = {(s, h.docnum): h for s, r in found.items() for h in r.hits}
    cards: dict[Key, Copy] = {(s, d): c for s, r in found.items() for d, c in r.copies.items()}

    # What the shards did not guess (rare): one more round to the shards holding any.
    docs: dict[int, list[tuple[int, float]]] = {}
    for s, d in kept:
        if (s, d) not in fetched:
            docs.setdefault(s, []).append((d, scores[(s, d)]))
    wanted: dict[int, list[tuple[int, float, bool]]] = {}
    for g in [own, *of.values()]:
        for (s, d), (sim, ex) in g.items():
            if (s, d) not in cards and (s, d) not in fetched:
                wanted.setdefault(s, []).append((d, sim, ex))
    if docs or wanted:
        shown = call.calls(
            {
                s: ("present", (docs.get(s, []), terms, request.highlight,
                                request.snippet_chars, wanted.get(s, [])))
                for s in sorted(set(docs) | set(wanted))
            }
        )  # fmt: skip
        for s, (shard_hits, copies) in shown.items():
            fetched.update({(s, h.docnum): h for h in shard_hits})
            for (d, _, _), c in zip(wanted.get(s, []), copies, strict=False):
                cards[(s, d)] = c

    def describe(items: dict[Key, Found]) -> list[Copy]:
        out = []
        for key, (sim, ex) in ranked_copies(items):
            card, hit = cards.get(key), fetched.get(key)
            if card is not None:
                out.append(dataclasses.replace(card, similarity=sim, exact=ex))
            elif hit is not None:
                out.append(Copy(hit.id, hit.title, hit.source, hit.url, hit.published, sim, ex))
        return out

    hits: list[Hit] = []
    for key in kept:
        hit = fetched.get(key)
        if hit is not None:  # (its shard failed since, and allow_partial said go on)
            hit.rank = len(hits) + 1
            hit.also_published_by = describe(of.get(key, {}))
            hits.append(hit)
    return RelatedResults(
        src.id, hits, total, _ms(t0), stems, describe(own), filters=flt, shards=call.shards
    )


def _key_terms(
    cs: ClusterSearcher, call: FanOut, src: Source, request: RelatedRequest, options: RankingOptions
) -> tuple[list[str], list[QueryWord]]:
    """The article's key terms and query words, chosen with document frequencies added over
    every shard. Kept by the article's text until a refresh (as the frequencies are, so the
    choice would be the same): an article asked for again costs no analysis."""
    weights = tuple(sorted(options.field_weights().items()))
    key = (src.title, src.body, request.pair_weight, weights)
    cache = cs.key_terms  # (one object per request: other threads may replace it)
    if key in cache:
        kept: tuple[list[str], list[QueryWord]] = cache[key]
        return kept
    asked: list[str] = []  # the stems the article would ask about

    def note(stem: str) -> int:
        asked.append(stem)
        return 0

    related_words(src, request, options, cs.analyzers, note, 1)
    doc_count, dfs = cs.frequencies(call, asked)

    def df(stem: str) -> int:
        body, title = dfs.get(stem, (0, 0))
        return body or title

    got = related_words(src, request, options, cs.analyzers, df, doc_count)
    if not call.failed:
        if len(cache) >= MAX_SOURCES:
            cache = cs.key_terms = {}
        cache[key] = got
    return got


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
