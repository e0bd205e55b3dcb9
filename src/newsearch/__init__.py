"""newsearch: search Arabic news with Whoosh.

>>> from newsearch import NewsIndex, sample_path
>>> ix = NewsIndex.in_memory()
>>> ix.ingest(sample_path(), progress=False).added    # 268 bundled articles, or your .jsonl
268
>>> with ix.searcher() as s:
...     print(s.search("كوريا الشمالية").total)
41

Submodules are imported on first use, so ``import newsearch`` costs next to nothing (a web
backend importing it pays for what it uses). The names below are the public surface; lower
level parts (``newsearch.normalize``, ``newsearch.backend``, ``newsearch.copies``, ...) stay
in their modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "NewsIndex": "newsearch.index",
    "Searcher": "newsearch.search",
    "SearchRequest": "newsearch.request",
    "RankingOptions": "newsearch.request",
    "RelatedRequest": "newsearch.request",
    "Results": "newsearch.results",
    "Hit": "newsearch.results",
    "RelatedResults": "newsearch.results",
    "Copy": "newsearch.results",
    "Article": "newsearch.article",
    "IngestReport": "newsearch.ingest",
    "analyze": "newsearch.analysis",
    "get_analyzer": "newsearch.analysis",
    "analyzer_names": "newsearch.analysis",
    "AnalyzerSpec": "newsearch.analysis",
    "NewsearchError": "newsearch.errors",
    "ConfigError": "newsearch.errors",
    "ArticleError": "newsearch.errors",
    "ArticleNotFoundError": "newsearch.errors",
    "IndexNotFoundError": "newsearch.errors",
    "IndexMismatchError": "newsearch.errors",
    "IndexLockedError": "newsearch.errors",
    "IngestAborted": "newsearch.errors",
    "MissingExtraError": "newsearch.errors",
    "sample_path": "newsearch.sample",
}

__all__ = [
    "AnalyzerSpec",
    "Article",
    "ArticleError",
    "ArticleNotFoundError",
    "ConfigError",
    "Copy",
    "Hit",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IngestAborted",
    "IngestReport",
    "MissingExtraError",
    "NewsIndex",
    "NewsearchError",
    "RankingOptions",
    "RelatedRequest",
    "RelatedResults",
    "Results",
    "SearchRequest",
    "Searcher",
    "__version__",
    "analyze",
    "analyzer_names",
    "get_analyzer",
    "sample_path",
]

if TYPE_CHECKING:
    from .analysis import AnalyzerSpec, analyze, analyzer_names, get_analyzer
    from .article import Article
    from .errors import (
        ArticleError,
        ArticleNotFoundError,
        ConfigError,
        IndexLockedError,
        IndexMismatchError,
        IndexNotFoundError,
        IngestAborted,
        MissingExtraError,
        NewsearchError,
    )
    from .index import NewsIndex
    from .ingest import IngestReport
    from .request import RankingOptions, RelatedRequest, SearchRequest
    from .results import Copy, Hit, RelatedResults, Results
    from .sample import sample_path
    from .search import Searcher


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsearch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
