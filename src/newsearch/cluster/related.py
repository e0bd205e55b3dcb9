"""Related news on a sharded index: the stages of :mod:`newsearch.related`, fanned out.

1. The article: from the shard its id routes to (stored text, docnum, signature), or the
   text given; pasted text as on one index.
2. Key terms: the article's stems, with document frequencies added over every shard.
3. Scores: every shard scores with the merged statistics of the key-term words and returns
   its best candidates with their signatures.
4. Copies: the merged candidates are collapsed here (:func:`newsearch.related.collapse`), so
   a copy on another shard is still listed under its hit; the article's own copies are
   looked up on every shard.
5. Fetch: the kept hits and the copies' descriptions from the shards that hold them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..article import Article, parse_published
from ..duplicates import Signature, signature_of
from ..errors import ArticleNotFoundError, ConfigError
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

if TYPE_CHECKING:
    from .searcher import ClusterSearcher

__all__ = ["related"]

#: (shard, docnum)
Key = tuple[int, int]


def _source(
    cs: ClusterSearcher, call: FanOut, article: Any
) -> tuple[Source, int | None, Signature | None]:
    """The article as a :class:`Source` (docnum: on its home shard), its home shard and
    stored signature (``None`` for text that is not in the index)."""

    def locate(aid: str) -> tuple[dict[str, Any], int, Signature | None] | None:
        home = cs.home(aid)
        got: tuple[dict[str, Any], int, Signature | None] | None = call.one(
            home, lambda a: a.source.remote(aid)
        )
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

    # Key terms: the stems the article would ask about, their frequencies over every shard.
    asked: list[str] = []

    def note(stem: str) -> int:
        asked.append(stem)
        return 0

    related_words(src, request, options, cs.analyzers, note, 1)
    got = call.each(lambda a: a.frequencies.remote(asked))
    doc_count = sum(n for n, _ in got.values())
    body: dict[str, int] = {}
    title: dict[str, int] = {}
    for _, dfs in got.values():
        for stem, (b, t) in dfs.items():
            body[stem] = body.get(stem, 0) + b
            title[stem] = title.get(stem, 0) + t

    def df(stem: str) -> int:
        return body.get(stem, 0) or title.get(stem, 0)

    stems, words = related_words(src, request, options, cs.analyzers, df, doc_count)
    if not words:
        return RelatedResults(src.id, [], 0, _ms(t0), stems, filters=flt, shards=call.shards)
    stats = cs.statistics(call, words)
    want = candidates_wanted(request)

    def fields(shard: int) -> tuple[Any, ...]:
        d = src.docnum if shard == home else None
        return (src.title, src.body, src.published, d, src.id)

    def candidates(shard: int) -> Callable[[Any], Any]:
        f = fields(shard)
        return lambda a: a.related_candidates.remote(f, flt, request, options, words, stats, want)

    found = call.calls({s: candidates(s) for s in call.alive})
    total = sum(n for n, _ in found.values())
    ranked = sorted(
        (-score, ident, shard, d, sig)
        for shard, (_, cands) in found.items()
        for score, d, ident, sig in cands
    )[:want]
    scores = {(shard, d): -neg for neg, _, shard, d, _ in ranked}
    keys: list[Key] = [(shard, d) for _, _, shard, d, _ in ranked]
    own: dict[Key, Found] = {}
    of: dict[Key, dict[Key, Found]] = {}
    if request.collapse:
        sigs = {(shard, d): sig for _, _, shard, d, sig in ranked}
        src_sig = stored_sig if home is not None else signature_of(src.body, src.title)
        kept, own, of = collapse(src_sig, keys, sigs.__getitem__, request.k)
        beyond = call.calls(
            {
                s: lambda a, x=(src.docnum if s == home else None): a.copies_of.remote(  # type: ignore[misc]
                    src_sig, x
                )
                for s in call.alive
            }
        )
        for s, copies in beyond.items():
            for d, sim, ex in copies:
                if (s, d) not in own and (s, d) not in kept:
                    own[(s, d)] = (sim, ex)
    else:
        kept = keys[: request.k]

    # Fetch: the kept hits, and the copies described, from their shards.
    fetched = cs.fetch(
        call, [(s, d, scores[(s, d)]) for s, d in kept], set(stems), request.highlight,
        request.snippet_chars,
    )  # fmt: skip
    wanted: dict[int, list[tuple[int, float, bool]]] = {}
    groups = [own, *of.values()]
    for g in groups:
        for (s, d), (sim, ex) in g.items():
            wanted.setdefault(s, []).append((d, sim, ex))
    described = call.calls(
        {s: lambda a, it=items: a.describe.remote(it) for s, items in wanted.items()}  # type: ignore[misc]
    )
    copy_of: dict[Key, Copy] = {}
    for s, items in wanted.items():
        for (d, _, _), c in zip(items, described.get(s, []), strict=False):
            copy_of[(s, d)] = c

    def describe(items: dict[Key, Found]) -> list[Copy]:
        return [copy_of[k] for k, _ in ranked_copies(items) if k in copy_of]

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


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
