"""The words a query plan scores: (field, token) terms grouped into query words.

Kept apart from :mod:`newsearch.plan` so that the expansions (:mod:`newsearch.expand`) can make
terms without importing the planner that uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Analyzers", "Clause", "QueryWord", "Term"]


@dataclass(frozen=True, slots=True)
class Term:
    """One (field, token) a query word matches, with the field's query weight."""

    field: str
    token: str
    weight: float = 1.0

    def __reduce__(self) -> tuple[type[Term], tuple[str, str, float]]:
        # Pickled as a call (slots dataclasses otherwise pickle through a field-by-field
        # state, 3x slower): a sharded index sends the words of every request to its shards.
        return Term, (self.field, self.token, self.weight)


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A word of the query: the terms it matches and its own weight (repeats, boosts)."""

    terms: tuple[Term, ...]
    weight: float = 1.0
    text: str = ""
    #: The (field, token) pairs of the spelling typed, when more common spellings joined the
    #: word: documents with one of them rank first within the word (a scorer with
    #: ``ranks_first``, such as BM25F, puts them in the upper half of the word's score range).
    first: tuple[tuple[str, str], ...] = ()

    def __reduce__(self) -> tuple[type[QueryWord], tuple[Any, ...]]:
        return QueryWord, (self.terms, self.weight, self.text, self.first)


#: Positional matching of some tokens in a field: (field, tokens, slop). One token: a term.
Clause = tuple[str, tuple[str, ...], int]


#: A field's analyzer: ``analyzer(text, mode="query")`` yields tokens with ``.text``.
Analyzers = Mapping[str, Any]
