"""The search-box query parser: never raises, bounded, and says what it recovered from.

Syntax (everything else is a word)::

    word word          words; documents with more of them rank higher
    "a phrase"         the words next to each other, in this order (required)
    -word  -"a phrase" documents containing it are left out
    a OR b             either word (with ``operator="and"``: one of them is required)
    source:bbc         a filter, only for fields in the allow-list (``source``, ``category``);
    category:sport     several values of one field are alternatives
    word*  word~       wildcards and fuzzy matching, only when the caller enables them

Anything malformed is repaired, never rejected: an unclosed quote closes at the end, a filter on
a field outside the allow-list is searched as words, a lone ``-`` or ``OR`` is dropped, and
queries longer than ``max_length`` characters or ``max_terms`` words are cut. Each repair is a
:class:`Problem` on the result, so an application can tell the user ("showing results for ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT_FILTER_FIELDS",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "ParsedQuery",
    "Problem",
    "parse_query",
]

#: Fields a user may filter on from the search box.
DEFAULT_FILTER_FIELDS: frozenset[str] = frozenset({"source", "category"})
#: Longest query text considered (characters); the rest is dropped.
MAX_QUERY_LENGTH = 512
#: Most words (including phrase and excluded words) a query may have.
MAX_QUERY_TERMS = 32
#: Most alternatives of one filter field.
MAX_FILTER_VALUES = 16

Operator = Literal["or", "and"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the query that was repaired or ignored."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class ParsedQuery:
    """A user query, parsed. ``groups`` are the scored parts: each group is one word or
    several ``OR`` alternatives. ``phrases`` (tuples of words) must occur; ``excluded`` words
    and phrases must not. ``filters`` maps an allowed field to its accepted values.
    ``wildcards``/``fuzzy`` list the words that asked for that expansion (only when enabled)."""

    text: str
    groups: tuple[tuple[str, ...], ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    wildcards: tuple[str, ...] = ()
    fuzzy: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    operator: Operator = "or"

    @property
    def words(self) -> tuple[str, ...]:
        """Every scored word: the groups' words, then the phrases' words."""
        out = [w for g in self.groups for w in g]
        out += [w for p in self.phrases for w in p]
        return tuple(out)

    @property
    def is_empty(self) -> bool:
        """Nothing to rank by (a query of filters or exclusions only, or nothing at all)."""
        return not self.groups and not self.phrases

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "groups": [list(g) for g in self.groups],
            "phrases": [list(p) for p in self.phrases],
            "excluded": [list(e) for e in self.excluded],
            "filters": {k: list(v) for k, v in self.filters.items()},
            "wildcards": list(self.wildcards),
            "fuzzy": list(self.fuzzy),
            "operator": self.operator,
            "problems": [p.to_dict() for p in self.problems],
        }


# Quotes: ASCII, typographic and guillemets (Arabic text uses «» as quotation marks).
_QUOTES = '"“”„«»'
_TOKEN = re.compile(
    r"""
    (?P<neg>[-−])?                         # exclusion
    (?:
        [{q}](?P<phrase>[^{q}]*)(?:[{q}]|$)  # a quoted phrase (closing quote optional)
      | (?P<field>[A-Za-z_]+):(?P<value>[{q}][^{q}]*[{q}]?|[^\s]+)  # field:value
      | (?P<word>[^\s{q}]+)                # anything else up to a space or quote
    )
    """.replace("{q}", _QUOTES),
    re.VERBOSE,
)
# What a word may contain once syntax is removed: letters, digits, combining marks,
# tatweel, joiners. Everything else (punctuation, brackets, operators) separates words.
_WORD_CHARS = re.compile(r"[\w\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _words(text: str) -> list[str]:
    return _WORD_CHARS.findall(text)


def parse_query(
    text: object,
    *,
    filter_fields: Iterable[str] = DEFAULT_FILTER_FIELDS,
    operator: Operator = "or",
    allow_wildcards: bool = False,
    allow_fuzzy: bool = False,
    max_length: int = MAX_QUERY_LENGTH,
    max_terms: int = MAX_QUERY_TERMS,
) -> ParsedQuery:
    """Parse a search-box query. Never raises: any input, even not a string, gives a
    :class:`ParsedQuery` (possibly empty) and the problems met on the way.

    >>> q = parse_query('ترامب "كوريا الشمالية" -صواريخ source:BBC')
    >>> q.groups, q.phrases, q.excluded, q.filters
    ((('ترامب',),), (('كوريا', 'الشمالية'),), (('صواريخ',),), {'source': ('BBC',)})
    >>> parse_query('عقوبات OR حظر ايران').groups
    (('عقوبات', 'حظر'), ('ايران',))
    """
    problems: list[Problem] = []
    if not isinstance(text, str):
        problems.append(Problem("not-text", f"the query is not text ({type(text).__name__})"))
        text = "" if text is None else str(text)
    original = text
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
        problems.append(Problem("control-characters", "control characters were removed"))
    if len(text) > max_length:
        text = text[:max_length]
        problems.append(
            Problem("too-long", f"the query was cut to its first {max_length} characters")
        )
    allowed = frozenset(filter_fields)
    groups: list[list[str]] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    filters: dict[str, list[str]] = {}
    wildcards: list[str] = []
    fuzzy: list[str] = []
    pending_or = False
    n_terms = 0
    dropped_terms = False

    def room(n: int) -> bool:
        nonlocal n_terms, dropped_terms
        if n_terms + n > max_terms:
            dropped_terms = True
            return False
        n_terms += n
        return True

    for m in _TOKEN.finditer(text):
        neg = bool(m.group("neg"))
        phrase, fname, value, word = (
            m.group("phrase"),
            m.group("field"),
            m.group("value"),
            m.group("word"),
        )
        if fname is not None:
            key = fname.lower()
            if key in allowed and not neg:
                clean = value.strip(_QUOTES).strip()
                values = filters.setdefault(key, [])
                if not clean:
                    problems.append(Problem("empty-filter", f"{fname}: has no value"))
                elif len(values) >= MAX_FILTER_VALUES:
                    problems.append(Problem("too-many-filters", f"too many {key} values"))
                elif clean not in values:
                    values.append(clean)
                continue
            if key in allowed:
                problems.append(Problem("negative-filter", f"-{fname}: is not supported; ignored"))
                continue
            problems.append(
                Problem(
                    "unknown-field",
                    f"{fname}: is not a filter here (filters: {', '.join(sorted(allowed))}); "
                    "searched as words",
                )
            )
            word = f"{fname} {value}"
        if phrase is not None:
            if m.group(0)[-1] not in _QUOTES or len(m.group(0)) == 1 + int(neg):
                problems.append(Problem("unclosed-quote", "a quote was not closed"))
            ws = _words(phrase)
            if not ws:
                continue
            if len(ws) == 1:  # a quoted single word is just that word, exact form wanted
                word = ws[0]
            elif neg:
                if room(len(ws)):
                    excluded.append(tuple(ws))
                continue
            else:
                if room(len(ws)):
                    phrases.append(tuple(ws))
                pending_or = False
                continue
        if word is None:
            continue
        if word.endswith(":") and word[:-1].lower() in allowed:
            problems.append(Problem("empty-filter", f"{word} has no value"))
            continue
        if word == "OR" and not neg:
            pending_or = bool(groups)
            continue
        # A trailing "?" ends a question; only "*" or an inner "?" asks for a wildcard.
        wants_wildcard = "*" in word or "?" in word.rstrip("?")
        wants_fuzzy = word.endswith("~") or bool(re.search(r"~\d$", word))
        ws = _words(word)
        if not ws:
            if neg or word in ("-", "−"):
                problems.append(Problem("lone-operator", f"{m.group(0)!r} was ignored"))
            pending_or = False
            continue
        if wants_wildcard:
            if allow_wildcards and len(ws) == 1 and len(ws[0]) >= 2:
                wildcards.append(ws[0])
            else:
                problems.append(
                    Problem("wildcard-disabled", f"{word!r}: wildcards are off; searched as words")
                )
        if wants_fuzzy:
            if allow_fuzzy and len(ws) == 1:
                fuzzy.append(ws[0])
            else:
                problems.append(
                    Problem("fuzzy-disabled", f"{word!r}: fuzzy matching is off; searched as is")
                )
        if neg:
            for w in ws:
                if room(1):
                    excluded.append((w,))
            pending_or = False
            continue
        for i, w in enumerate(ws):
            if not room(1):
                break
            if i == 0 and pending_or and groups:
                groups[-1].append(w)
            else:
                groups.append([w])
        pending_or = False
    if dropped_terms:
        problems.append(
            Problem("too-many-terms", f"only the first {max_terms} words of the query are used")
        )
    # Words that appear as both a scored word and an excluded word: exclusion wins.
    excluded_words = {e[0] for e in excluded if len(e) == 1}
    if excluded_words:
        kept = [[w for w in g if w not in excluded_words] for g in groups]
        if any(len(k) != len(g) for k, g in zip(kept, groups, strict=True)):
            problems.append(Problem("conflict", "a word both searched and excluded is excluded"))
        groups = [g for g in kept if g]
    # Repeated identical groups stay: a repeated word weighs more, as in the search box.
    return ParsedQuery(
        text=original,
        groups=tuple(tuple(g) for g in groups),
        phrases=tuple(phrases),
        excluded=tuple(dict.fromkeys(excluded)),
        filters={k: tuple(v) for k, v in filters.items() if v},
        wildcards=tuple(dict.fromkeys(wildcards)),
        fuzzy=tuple(dict.fromkeys(fuzzy)),
        problems=tuple(problems),
        operator=operator,
    )
