"""Presenting: the hits of a page, from document numbers to what a reader sees.

Only the documents of the page are read (stored fields), and their titles and snippets are
highlighted from the original text with the terms the plan matched (:mod:`newsearch.highlight`).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence

from .backend import FloatArray, IndexView
from .highlight import highlight as mark_all
from .highlight import snippet
from .results import Hit

__all__ = ["hits"]


def hits(
    view: IndexView,
    docs: Sequence[int],
    scores: FloatArray,
    *,
    offset: int,
    terms: Collection[str],
    highlight: bool,
    snippet_chars: int,
) -> list[Hit]:
    """The :class:`~newsearch.results.Hit` of each document, ranked from ``offset + 1``."""
    analyzer = view.analyzer("body")
    forms = view.cache.memo("highlight-forms")
    out = []
    for i, d in enumerate(docs):
        stored = view.stored(d)
        title = stored.get("title") or ""
        hit = Hit(
            id=stored.get("id", ""),
            score=float(scores[d]),
            rank=offset + i + 1,
            title=title,
            url=stored.get("url"),
            source=stored.get("source"),
            category=stored.get("category"),
            published=stored.get("published"),
            docnum=d,
        )
        if highlight:
            hit.title_html = mark_all(title, terms, analyzer, forms=forms).html
            snip = snippet(
                stored.get("body") or "", terms, analyzer, max_chars=snippet_chars, forms=forms
            )
            hit.snippets = [snip.html] if snip.html else []
        else:
            hit.title_html = html.escape(title, quote=False)
        out.append(hit)
    return out
