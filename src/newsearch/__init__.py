"""newsearch: search Arabic news with Whoosh.

``newsearch.normalize`` is the normalization module (``from newsearch.normalize import
normalize``); it is not re-exported here, since a function of the same name would shadow it.

Submodules are imported on first use, so ``import newsearch`` costs next to nothing (a web
backend importing it pays for what it uses). The public names below are the whole surface.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "NormalizeOptions": "newsearch.normalize",
    "analyze": "newsearch.analysis",
    "arabic_analyzer": "newsearch.analysis",
    "get_analyzer": "newsearch.analysis",
    "AnalyzerSpec": "newsearch.analysis",
    "AnalyzedToken": "newsearch.analysis",
    "analyzer_names": "newsearch.analysis",
    "get_stemmer": "newsearch.stemmers",
    "stemmer_names": "newsearch.stemmers",
    "NewsearchError": "newsearch.errors",
    "ConfigError": "newsearch.errors",
    "UnknownComponentError": "newsearch.errors",
    "ArticleNotFoundError": "newsearch.errors",
    "Copy": "newsearch.duplicates",
    "DuplicateGroup": "newsearch.duplicates",
    "DuplicateView": "newsearch.duplicates",
    "find_duplicates": "newsearch.duplicates",
}

__all__ = [
    "AnalyzedToken",
    "AnalyzerSpec",
    "ArticleNotFoundError",
    "ConfigError",
    "Copy",
    "DuplicateGroup",
    "DuplicateView",
    "NewsearchError",
    "NormalizeOptions",
    "UnknownComponentError",
    "__version__",
    "analyze",
    "analyzer_names",
    "arabic_analyzer",
    "find_duplicates",
    "get_analyzer",
    "get_stemmer",
    "stemmer_names",
]

if TYPE_CHECKING:
    from .analysis import (
        AnalyzedToken,
        AnalyzerSpec,
        analyze,
        analyzer_names,
        arabic_analyzer,
        get_analyzer,
    )
    from .duplicates import Copy, DuplicateGroup, DuplicateView, find_duplicates
    from .errors import ArticleNotFoundError, ConfigError, NewsearchError, UnknownComponentError
    from .normalize import NormalizeOptions
    from .stemmers import get_stemmer, stemmer_names


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsearch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
