"""The filters of the analysis chain, and the stop-word lists they use.

- :class:`ArabicStopFilter` drops function words (their positions stay as gaps);
- :class:`ArabicStemFilter` is the one part that changes word forms (``is_morph``);
- :class:`PairFilter` turns a stream of stems into adjacent pairs (the ``*_pairs`` fields).

They are ordinary Whoosh filters (picklable classes, never lambdas: the schema pickles them);
:mod:`newsearch.analysis` composes them with the tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from whoosh.analysis import Filter, Token

from . import _lexicon
from .errors import UnknownComponentError
from .stemmers import get_stemmer

__all__ = [
    "ArabicStemFilter",
    "ArabicStopFilter",
    "PairFilter",
    "register_stopwords",
    "stopword_list",
]


_STOPWORDS: dict[str, Callable[[], frozenset[str]]] = {
    "arabic": _lexicon.arabic_stopwords,
    "lucene": _lexicon.lucene_stopwords,
    "none": frozenset,
}


def register_stopwords(name: str, loader: Callable[[], Iterable[str]]) -> None:
    """Register a stopword list (words in normalized spelling) under ``name``."""
    _STOPWORDS[name] = lambda: frozenset(loader())
    stopword_list.cache_clear()


@cache
def stopword_list(name: str) -> frozenset[str]:
    """The registered stopword list ``name`` (``arabic``: Lucene's list + news function words,
    normalized; ``lucene``: Lucene's list alone; ``none``)."""
    try:
        loader = _STOPWORDS[name]
    except KeyError:
        raise UnknownComponentError("stopword list", name, list(_STOPWORDS)) from None
    return loader()


class ArabicStopFilter(Filter):
    """Drops stop words (or, with ``removestops=False``, marks them ``stopped``).

    ``stopwords`` is a registered list name or an explicit collection of normalized words.
    Positions are not renumbered: a removed word leaves a gap, as in Lucene, so a phrase
    query cannot match across it.
    """

    def __init__(self, stopwords: str | Iterable[str] = "arabic") -> None:
        if isinstance(stopwords, str):
            stopword_list(stopwords)  # fail early on an unknown name
            self.stopwords: str | tuple[str, ...] = stopwords
        else:
            self.stopwords = tuple(sorted(set(stopwords)))
        self._stops: frozenset[str] | None = None

    @property
    def stops(self) -> frozenset[str]:
        if self._stops is None:
            s = self.stopwords
            self._stops = stopword_list(s) if isinstance(s, str) else frozenset(s)
        return self._stops

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stopwords == self.stopwords

    def __hash__(self) -> int:
        return hash((type(self), self.stopwords))

    def __repr__(self) -> str:
        return f"ArabicStopFilter({self.stopwords!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"stopwords": self.stopwords}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.stopwords = state["stopwords"]
        self._stops = None

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stops = self.stops
        for t in tokens:
            if t.text in stops:
                if t.removestops:
                    continue
                t.stopped = True
            yield t


class PairFilter(Filter):
    """Replaces a token stream by its adjacent pairs: ``a b c`` gives ``"a b"``, ``"b c"``.

    Indexed as a field of its own (Lucene's shingles), a pair is an ordinary term: a query's
    adjacent words score proximity from cached postings, where Whoosh's positional phrase
    matching costs tens of milliseconds per query. Removed stop words do not break a pair (the
    query side drops them too). ``limit``: pair only the first ``limit`` words (a body's lead),
    which bounds what the field adds to an ingest.
    """

    def __init__(self, limit: int | None = None, sep: str = " ") -> None:
        self.limit = limit
        self.sep = sep

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (other.limit, other.sep) == (self.limit, self.sep)

    def __hash__(self) -> int:
        return hash((type(self), self.limit, self.sep))

    def __repr__(self) -> str:
        return f"PairFilter(limit={self.limit!r})"

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        prev: str | None = None
        left = self.limit if self.limit is not None else -1
        sep = self.sep
        for t in tokens:
            if t.stopped or not t.text:
                continue
            if left == 0:
                break
            left -= 1
            cur = t.text
            if prev is not None:
                t.text = prev + sep + cur  # Whoosh reuses one Token: keep our own copy of cur
                yield t
            prev = cur


class ArabicStemFilter(Filter):
    """Replaces each token's text with its stem, by a stemmer from the registry.

    ``exclude``: words that are never stemmed (Lucene's keyword marker / ``stemExclusion``).
    Stopped tokens are left alone.
    """

    is_morph = True

    def __init__(self, stemmer: str = "light", exclude: Iterable[str] = ()) -> None:
        get_stemmer(stemmer)  # fail early on an unknown name
        self.stemmer = stemmer
        self.exclude = tuple(sorted(set(exclude)))
        self._excluded = frozenset(self.exclude)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.stemmer == self.stemmer
            and other.exclude == self.exclude
        )

    def __hash__(self) -> int:
        return hash((type(self), self.stemmer, self.exclude))

    def __repr__(self) -> str:
        return f"ArabicStemFilter({self.stemmer!r}, exclude={self.exclude!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"stemmer": self.stemmer, "exclude": self.exclude}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.stemmer = state["stemmer"]
        self.exclude = tuple(state["exclude"])
        self._excluded = frozenset(self.exclude)

    def stem(self, word: str) -> str:
        return word if word in self._excluded else get_stemmer(self.stemmer)(word)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stem = get_stemmer(self.stemmer)
        excluded = self._excluded
        for t in tokens:
            if not t.stopped and t.text not in excluded:
                t.text = stem(t.text)
            yield t


# A schema pickles its analyzer's classes by module path, so an index names these classes in
# its files. They are documented (and re-exported) in newsearch.analysis, where they lived
# before this module was split off: pin that path so indexes written now still open with
# versions before the split, and this module can move again without changing the format.
for _cls in (ArabicStopFilter, PairFilter, ArabicStemFilter):
    _cls.__module__ = "newsearch.analysis"
