"""Pseudo-relevance feedback (RM3): words of the first results, added to the query.

After a first ranking, the top ``feedback_docs`` articles are read (title and lead) and their
stems weighted as in the relevance model RM1 (Lavrenko and Croft 2001): each article's share
of the first-pass score times the stem's share of the article, summed; stems in too few or too
many documents are skipped, and so are the query's own. The best ``feedback_terms`` join the
query as weaker words (RM3 interpolation: ``feedback_weight`` for the best, the others in
proportion), and the query is scored again with the collection statistics of the same source.
Off by default (:class:`~newsearch.request.RankingOptions` ``feedback``): it doubles the work
of a search, and docs/benchmarks.md shows where it pays and where not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .expand import Expansion
from .plan import QueryWord, Term
from .schema import TEXT_FIELDS

if TYPE_CHECKING:
    from .backend import IndexView

__all__ = ["LEAD_CHARS", "feedback_words"]

#: Characters of an article's body read for feedback (its lead says what it is about).
LEAD_CHARS = 1_500
#: Stems in more than this share of the documents say nothing about a topic.
MAX_DOC_SHARE = 0.1


def feedback_words(
    view: IndexView,
    scores: Any,
    matched: Any,
    words: Sequence[QueryWord],
    analyzer: Any,
    df: Callable[[str], int],
    doc_count: int,
    weights: dict[str, float],
    *,
    docs: int,
    terms: int,
    weight: float,
) -> tuple[list[QueryWord], Expansion | None]:
    """The feedback words of a first ranking (``scores`` of the ``matched`` documents) and
    the :class:`~newsearch.expand.Expansion` that records them; none when nothing matched."""
    cand = np.flatnonzero(matched)
    if len(cand) == 0 or docs <= 0 or terms <= 0:
        return [], None
    top = cand[np.argsort(-scores[cand], kind="stable")[:docs]]
    best = float(scores[top[0]]) or 1.0
    own = {t.token for w in words for t in w.terms}
    model: dict[str, float] = {}
    for d in top:
        stored = view.stored(int(d))
        text = f"{stored.get('title') or ''}\n{(stored.get('body') or '')[:LEAD_CHARS]}"
        stems = [t.text for t in analyzer(text, mode="index") if t.text]
        if not stems:
            continue
        share = float(scores[d]) / best / len(stems)
        for s in stems:
            model[s] = model.get(s, 0.0) + share
    most = max(2, int(MAX_DOC_SHARE * doc_count))
    ranked = sorted(model.items(), key=lambda x: (-x[1], x[0]))
    chosen: list[tuple[str, float]] = []
    for stem, p in ranked:
        if stem in own or len(stem) < 2:
            continue
        n = df(stem)
        if 2 <= n <= most:
            chosen.append((stem, p))
        if len(chosen) == terms:
            break
    if not chosen:
        return [], None
    top_p = chosen[0][1]
    fields = [(f, w) for f, w in weights.items() if f in TEXT_FIELDS and w > 0]
    out = [
        QueryWord(tuple(Term(f, stem, w) for f, w in fields), weight * p / top_p, stem)
        for stem, p in chosen
    ]
    note = Expansion("feedback", "", tuple(s for s, _ in chosen), weight)
    return out, note
