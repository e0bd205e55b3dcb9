"""Response shapes for the OpenAPI description. The routes build their JSON with orjson from the
library's own ``to_dict()`` methods; these models only document it (no validation per
response)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ArticleOut",
    "DeletedOut",
    "DuplicatesOut",
    "ErrorOut",
    "HealthOut",
    "HitOut",
    "IngestReportOut",
    "RelatedOut",
    "SearchOut",
    "SuggestOut",
]


class ErrorOut(BaseModel):
    error: str = Field(description="machine-readable code, e.g. bad-parameter, not-found")
    message: str = Field(description="what went wrong, for a human")
    details: list[dict[str, Any]] | None = Field(
        None, description="one entry per bad parameter: {param, message}"
    )


class HitOut(BaseModel):
    id: str
    score: float
    rank: int
    title: str
    title_html: str = Field(description="HTML: escaped title, <mark> around matched words")
    url: str | None
    source: str | None
    category: str | None
    published: str | None = Field(description="ISO 8601, UTC")
    snippets: list[str] = Field(description="HTML: escaped text, <mark> around matched words")


class SearchOut(BaseModel):
    query: dict[str, Any] = Field(description="the parsed query and the problems it repaired")
    total: int = Field(description="every matching article")
    page: int
    page_size: int
    pages: int = Field(description="reachable pages (at most 1,000 results are served)")
    sort: str
    took_ms: float
    filters: dict[str, Any]
    facets: dict[str, dict[str, int]] = Field(description="counts by source, category")
    suggestion: str | None = Field(description='"did you mean": a respelled query')
    fuzzy_used: bool
    hits: list[HitOut]


class RelatedOut(BaseModel):
    article_id: str | None
    total: int = Field(description="every article matching the key terms")
    took_ms: float
    key_terms: list[str] = Field(description="the stems the article was matched by")
    filters: dict[str, Any]
    hits: list[HitOut]
    also_published_by: list[dict[str, Any]] = Field(
        default_factory=list, description="other outlets' copies of the article being read"
    )


class DuplicatesOut(BaseModel):
    id: str
    duplicates: list[dict[str, Any]]


class ArticleOut(BaseModel):
    id: str
    title: str
    body: str
    published: str | None
    source: str | None
    category: str | None
    categories: list[str]
    url: str | None
    author: str | None
    tags: list[str]


class SuggestOut(BaseModel):
    query: str
    suggestion: str | None


class RejectionOut(BaseModel):
    file: str
    line: int
    reason: str
    id: str | None


class IngestReportOut(BaseModel):
    read: int
    added: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[RejectionOut] = Field(
        description="records not indexed: line in the body (JSON Lines) or position in the "
        "array (JSON), and why"
    )
    truncated: list[RejectionOut]
    commits: int
    seconds: float


class DeletedOut(BaseModel):
    deleted: str


class HealthOut(BaseModel):
    status: str
    articles: int
    generation: int = Field(description="commit generation served by this process")
    refreshed_at: float = Field(description="when this process last opened a newer commit")
    refresh_interval_s: float
    writes: bool = Field(description="whether write routes are enabled (a token is set)")
    worker: int = Field(description="process id of the worker that answered")
    version: str
