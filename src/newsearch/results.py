"""What searches return: hits, pages of results, related news, copies.

Plain dataclasses that serialize with ``to_dict()`` / ``to_json()`` (orjson). Titles and
snippets in ``title_html``/``snippets`` are HTML: escaped text, ``<mark>`` around matched words.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .expand import Expansion
from .query import ParsedQuery, Problem
from .request import MAX_PAGE_DEPTH, Filters

__all__ = ["Copy", "DuplicateGroup", "Hit", "RelatedResults", "Results"]


@dataclass
class Copy:
    """An article that is a copy of another one (``similarity``: estimated Jaccard similarity
    of their copy texts, 1.0 for ``exact`` copies)."""

    id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    similarity: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "similarity": self.similarity,
            "exact": self.exact,
        }


@dataclass
class DuplicateGroup:
    """Articles that are copies of one another: the first published (``representative``) and
    every member, representative first (``similarity``/``exact`` relative to it)."""

    representative: Copy
    members: list[Copy] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.members]

    def __len__(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "representative": self.representative.id,
            "size": len(self.members),
            "members": [m.to_dict() for m in self.members],
        }


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


class _Page:
    hits: list[Hit]

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    def to_json(self) -> bytes:
        import orjson

        return orjson.dumps(self.to_dict())  # type: ignore[attr-defined]


@dataclass
class Results(_Page):
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
    #: On a sharded index: ``{"total", "successful", "failed"}`` shards (Elasticsearch's
    #: ``_shards``); ``None`` on one index.
    shards: dict[str, int] | None = None
    #: What the search added to the typed words: other spellings of names, Arabic spellings
    #: of Latin words, other word forms, a month as a date preference (each kind can be
    #: turned off in :class:`~newsearch.request.RankingOptions`).
    expansions: list[Expansion] = field(default_factory=list)

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
            "expansions": [e.to_dict() for e in self.expansions],
            "hits": [h.to_dict() for h in self.hits],
        } | ({"shards": self.shards} if self.shards is not None else {})


@dataclass
class RelatedResults(_Page):
    """Related news for one article: the hits (each with its own ``also_published_by``),
    the article's own copies, and the key terms it was matched by."""

    article_id: str | None
    hits: list[Hit]
    total: int
    took_ms: float
    key_terms: list[str] = field(default_factory=list)
    #: Copies of the article being read (its other publications).
    also_published_by: list[Copy] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    #: On a sharded index: ``{"total", "successful", "failed"}`` shards; ``None`` on one index.
    shards: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "total": self.total,
            "took_ms": self.took_ms,
            "key_terms": list(self.key_terms),
            "filters": self.filters.to_dict(),
            "hits": [h.to_dict() for h in self.hits],
            "also_published_by": [c.to_dict() for c in self.also_published_by],
        } | ({"shards": self.shards} if self.shards is not None else {})
