"""Whoosh analysis for Arabic news: a tokenizer, a stop filter and a stem filter that compose
with ``|`` like any Whoosh parts, and a registry of named analyzers.

The chain, in order (built by :func:`arabic_analyzer`)::

    ArabicTokenizer(normalize=...)   # finds words in the ORIGINAL text, normalizes each one
    | ArabicStopFilter("arabic")     # drops function words (their positions stay as gaps)
    | ArabicStemFilter("light")      # is_morph: the only part that changes word forms

The tokenizer never splits a word at a diacritic, tatweel, ZWNJ or other invisible control
(Whoosh's ``\\w`` does: مَدْرَسَةٌ becomes five one-letter tokens), keeps numbers (2018,
٢٠١٨, 3.5) and Latin words, drops the ``#`` of hashtags, and reports character offsets into the
original text, so a highlighter can mark the word exactly as it was written.

Speed: a word's whole analysis (normalize, stop, stem) depends only on its surface form, so
:class:`NewsAnalyzer` -- what ``tokenizer | filter`` returns here -- runs the three parts as one
loop with one memo lookup per token when they appear in that order. The result is identical to
running them one after the other (a property test checks it); any other chain runs as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from whoosh.analysis import Composable, CompositeAnalyzer, Token, Tokenizer

from .errors import ConfigError, UnknownComponentError
from .filters import (
    ArabicStemFilter,
    ArabicStopFilter,
    PairFilter,
    register_stopwords,
    stopword_list,
)
from .normalize import IGNORABLE_CHARS, NormalizeOptions, normalize
from .stemmers import stemmer_names

__all__ = [
    "AnalyzedToken",
    "AnalyzerSpec",
    "ArabicStemFilter",
    "ArabicStopFilter",
    "ArabicTokenizer",
    "NewsAnalyzer",
    "PairFilter",
    "analyze",
    "analyzer_names",
    "arabic_analyzer",
    "build_analyzer",
    "get_analyzer",
    "register_analyzer",
    "register_stopwords",
    "stopword_list",
]

# A word starts with a letter, digit or presentation form (ligatures such as ﷼ are symbols to
# \w but words once NFKC'd) and runs on through those and the characters normalization deletes
# (so مَدْرَسَةٌ, الحمــد and كتاب‌ها stay whole); a decimal part follows a digit (3.5, ٣٫٥),
# invisible marks around the separator included.
_IGN = re.escape(IGNORABLE_CHARS)
_PRES = "\ufb50-\ufdff\ufe70-\ufefc"
# A decimal separator belongs to a number only after a digit, with at most 16 invisible marks
# (harakat, tatweel) between them: a fixed-width look-behind per count, since "a\u064b\u066b0" must
# split as its normalized form "a\u066b0" does (the look-behind used to accept any mark).
_AFTER_DIGIT = "(?:" + "|".join(rf"(?<=\d[{_IGN}]{{{k}}})" for k in range(17)) + ")"
WORD_PATTERN = (
    rf"[\w{_PRES}][\w{_PRES}{_IGN}]*(?:(?=[.\u066b]){_AFTER_DIGIT}[.\u066b][{_IGN}]*\d[\d{_IGN}]*)*"
)
_WORD_RE = re.compile(WORD_PATTERN)
# re.split with a capturing group returns [gap, word, gap, word, ..., gap] in C; walking that
# list and summing lengths for offsets is much cheaper than one Match object per token.
_SPLIT_RE = re.compile("(" + WORD_PATTERN + ")")
#: Bumped whenever a normalization, stop word or stemming rule changes the terms a text gets:
#: an index records it, and one built with another version must be rebuilt (not half-matched).
ANALYSIS_VERSION = 1
#: Memo bound per tokenizer/analyzer; it is cleared when full (keeps memory flat, stays fast).
MEMO_SIZE = 300_000

_Memo = dict[str, "str | tuple[str, ...]"]


class ArabicTokenizer(Tokenizer):
    """Finds words in the original text and yields each one normalized.

    ``startchar``/``endchar`` always index the text that was passed in, so
    ``text[t.startchar:t.endchar]`` is the word as written (with its diacritics). A surface word
    that normalizes to several words (a ligature such as ﷺ) yields each with the same offsets.
    """

    def __init__(self, normalize: NormalizeOptions | None = None) -> None:
        self.normalize = normalize or NormalizeOptions()
        self._memo: _Memo = {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.normalize == self.normalize

    def __hash__(self) -> int:
        return hash((type(self), self.normalize))

    def __repr__(self) -> str:
        return f"ArabicTokenizer(normalize={self.normalize!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"normalize": self.normalize}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.normalize = state["normalize"]
        self._memo = {}

    def normalize_word(self, surface: str) -> str | tuple[str, ...]:
        """The normalized word(s) of one surface word (no memo)."""
        norm = normalize(surface, self.normalize)
        parts = _WORD_RE.findall(norm)
        return parts[0] if len(parts) == 1 and parts[0] == norm else tuple(parts)

    def words(self, surface: str) -> str | tuple[str, ...]:
        """The normalized word(s) of one surface word (memoized)."""
        got = self._memo.get(surface)
        if got is None:
            got = self.normalize_word(surface)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[surface] = got
        return got

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Whoosh asks for the whole value as one token (e.g. an ID-like query term).
            t.original = value
            t.text = normalize(value, self.normalize)
            t.pos = start_pos
            t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        words = self.words
        end = start_char
        parts = iter(_SPLIT_RE.split(value))
        for gap, surface in zip(parts, parts, strict=False):
            start = end + len(gap)
            end = start + len(surface)
            w = words(surface)
            for text in (w,) if w.__class__ is str else w:
                t.text = text
                t.stopped = False
                t.boost = 1.0
                if keeporiginal:
                    t.original = surface
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start
                    t.endchar = end
                pos += 1
                yield t

    # Composing from our tokenizer gives the fusing analyzer.
    def __or__(self, other: Composable) -> NewsAnalyzer:
        return NewsAnalyzer(self, other)


class _Memos:
    """The word memos of analyzers that run the same fused prefix (``stemmed`` and
    ``stemmed | PairFilter()`` of one schema), so each word is analysed once for all of them.
    Pickled empty: analyzers pickled together (a schema) share one again when unpickled."""

    def __init__(self) -> None:
        self.plain: _Memo = {}
        self.nomorph: _Memo = {}

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


class NewsAnalyzer(CompositeAnalyzer):
    """A Whoosh ``CompositeAnalyzer`` that runs ``ArabicTokenizer [| ArabicStopFilter]
    [| ArabicStemFilter]`` as one loop, with one memo lookup per token.

    Same output as the unfused chain; the fused path is used in the common case
    (``removestops=True``, no ``tokenize=False`` or ``keeporiginal``); everything else runs the
    parts one by one.
    Filters after the fused prefix run as usual on its output.
    """

    def __init__(self, *composables: Composable) -> None:
        super().__init__(*composables)
        self._init_fusion()

    def _init_fusion(self, memos: _Memos | None = None) -> None:
        items = self.items
        self._fusable = isinstance(items[0], ArabicTokenizer)
        n = 1
        self._stop: ArabicStopFilter | None = None
        self._stem: ArabicStemFilter | None = None
        if n < len(items) and type(items[n]) is ArabicStopFilter:
            self._stop = items[n]
            n += 1
        if n < len(items) and type(items[n]) is ArabicStemFilter:
            self._stem = items[n]
            n += 1
        self._rest = items[n:]
        self._memos = memos if memos is not None else _Memos()
        self._memo = self._memos.plain
        self._memo_nomorph = self._memos.nomorph

    def __getstate__(self) -> dict[str, Any]:
        return {"items": self.items, "memos": self._memos}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._init_fusion(state.get("memos"))  # (indexes of before 2026-12-03: none)

    def __or__(self, other: Composable) -> NewsAnalyzer:
        joined = NewsAnalyzer(self, other)
        same = (joined.items[0], joined._stop, joined._stem) == (
            self.items[0],
            self._stop,
            self._stem,
        )
        if same and self._fusable:  # the same words come out of the same prefix
            joined._init_fusion(self._memos)
        return joined

    def _terms(self, surface: str, no_morph: bool) -> str | tuple[str, ...]:
        """Index terms of one surface word; "" stands for a removed stop word."""
        tok: ArabicTokenizer = self.items[0]
        stops = self._stop.stops if self._stop is not None else frozenset()
        stem = self._stem.stem if self._stem is not None and not no_morph else None
        w = tok.normalize_word(surface)  # our own memo holds the result; no second memo
        out = []
        for word in (w,) if isinstance(w, str) else w:
            if word in stops:
                out.append("")
            else:
                out.append(stem(word) if stem is not None else word)
        return out[0] if len(out) == 1 and isinstance(w, str) else tuple(out)

    def __call__(
        self,
        value: str,
        no_morph: bool = False,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        if not (self._fusable and tokenize and removestops and not keeporiginal):
            gen: Iterator[Token] = super().__call__(
                value,
                no_morph=no_morph,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=tokenize,
                mode=mode,
                **kwargs,
            )
            return gen
        gen = self._fused(value, no_morph, positions, chars, start_pos, start_char, mode, kwargs)
        for item in self._rest:
            if not (no_morph and getattr(item, "is_morph", False)):
                gen = item(gen)
        return gen

    def term_positions(self, value: str) -> dict[str, list[int]] | None:
        """Each index term of ``value`` with its positions, as ``self(value, positions=True)``
        yields them but without making tokens; ``None`` when this analyzer has no fused path
        (:func:`newsearch.positions.term_positions` then reads its tokens)."""
        if not self._fusable or self._rest:
            return None
        out: dict[str, list[int]] = {}
        memo = self._memo
        get = memo.get
        pos = 0
        for surface in _WORD_RE.findall(value):
            terms = get(surface)
            if terms is None:
                terms = self._remember(memo, surface, False)
            for term in (terms,) if terms.__class__ is str else terms:
                if term:
                    if (seen := out.get(term)) is None:
                        out[term] = [pos]
                    else:
                        seen.append(pos)
                pos += 1
        return out

    def _fused(
        self,
        value: str,
        no_morph: bool,
        positions: bool,
        chars: bool,
        pos: int,
        start_char: int,
        mode: str,
        kwargs: dict[str, Any],
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=True, mode=mode, **kwargs)
        t.stopped = False
        t.boost = 1.0
        memo = self._memo_nomorph if no_morph else self._memo
        get = memo.get
        # Setting t.pos unconditionally is cheaper than testing `positions` for every token.
        if not chars:
            # Whoosh indexes with positions but without offsets: findall is enough.
            for surface in _WORD_RE.findall(value):
                terms = get(surface)
                if terms is None:
                    terms = self._remember(memo, surface, no_morph)
                if terms.__class__ is str:
                    if terms:
                        t.text = terms
                        t.pos = pos
                        yield t
                    pos += 1
                else:
                    for term in terms:
                        if term:
                            t.text = term
                            t.pos = pos
                            yield t
                        pos += 1
            return
        end = start_char
        parts = iter(_SPLIT_RE.split(value))
        for gap, surface in zip(parts, parts, strict=False):
            start = end + len(gap)
            end = start + len(surface)
            terms = get(surface)
            if terms is None:
                terms = self._remember(memo, surface, no_morph)
            if terms.__class__ is str:
                if terms:
                    t.text = terms
                    t.pos = pos
                    t.startchar = start
                    t.endchar = end
                    yield t
                pos += 1
            else:
                for term in terms:
                    if term:
                        t.text = term
                        t.pos = pos
                        t.startchar = start
                        t.endchar = end
                        yield t
                    pos += 1

    def _remember(self, memo: _Memo, surface: str, no_morph: bool) -> str | tuple[str, ...]:
        terms = self._terms(surface, no_morph)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[surface] = terms
        return terms


# --- building analyzers by name ---------------------------------------------------------------


def arabic_analyzer(
    stemmer: str = "light",
    stopwords: bool | str | Iterable[str] = True,
    normalize: NormalizeOptions | Mapping[str, bool] | None = None,
    stem_exclusions: Iterable[str] = (),
) -> NewsAnalyzer:
    """The newsearch Arabic analyzer: ``ArabicTokenizer | ArabicStopFilter | ArabicStemFilter``.

    :param stemmer: a registered stemmer name (``light``, ``lucene-light``, ``snowball``,
        ``isri``, ``none``).
    :param stopwords: ``True`` (the ``arabic`` list), ``False``, a registered list name, or the
        words themselves (normalized spelling).
    :param normalize: :class:`NormalizeOptions` (or its dict form); default: every rule on.
    :param stem_exclusions: words never stemmed.
    """
    if isinstance(normalize, Mapping):
        normalize = NormalizeOptions.from_dict(dict(normalize))
    chain: Composable = ArabicTokenizer(normalize)
    if stopwords is True:
        stopwords = "arabic"
    if stopwords is not False and stopwords != "none":
        chain = chain | ArabicStopFilter(stopwords)
    if stemmer != "none":
        chain = chain | ArabicStemFilter(stemmer, exclude=stem_exclusions)
    return chain if isinstance(chain, NewsAnalyzer) else NewsAnalyzer(chain)


def _lucene(stopwords: bool | str | Iterable[str] = "lucene", **params: Any) -> NewsAnalyzer:
    return arabic_analyzer(
        stemmer="lucene-light",
        stopwords="lucene" if stopwords is True else stopwords,
        normalize=params.pop("normalize", NormalizeOptions.lucene()),
        **params,
    )


def _whoosh_standard(**params: Any) -> Any:
    from whoosh.analysis import StandardAnalyzer

    return StandardAnalyzer(**params)


def _whoosh_language(lang: str = "ar", **params: Any) -> Any:
    from whoosh.analysis import LanguageAnalyzer

    return LanguageAnalyzer(lang, **params)


def _preset(**preset: Any) -> Callable[..., NewsAnalyzer]:
    def factory(**params: Any) -> NewsAnalyzer:
        return arabic_analyzer(**{**preset, **params})

    return factory


_ANALYZERS: dict[str, Callable[..., Any]] = {
    "light": _preset(stemmer="light"),
    "exact": _preset(stemmer="none"),
    "snowball": _preset(stemmer="snowball"),
    "isri": _preset(stemmer="isri"),
    "lucene-light": _preset(stemmer="lucene-light"),
    "lucene": _lucene,
    "whoosh-standard": _whoosh_standard,
    "whoosh-language": _whoosh_language,
}
_DESCRIPTIONS = {
    "light": "newsearch default: full normalization, Arabic stopwords, light stemmer",
    "exact": "normalized words, no stemming (exact-form matching, phrases)",
    "snowball": "normalization, stopwords, Snowball Arabic (و/ف+ال gap fixed)",
    "isri": "normalization, stopwords, ISRI root stemmer (comparison)",
    "lucene-light": "our normalization and stopwords, Lucene's light stemmer",
    "lucene": "emulation of Lucene/Elasticsearch ArabicAnalyzer (comparison)",
    "whoosh-standard": "stock Whoosh StandardAnalyzer (comparison)",
    "whoosh-language": "stock Whoosh LanguageAnalyzer('ar'): ISRI roots (comparison)",
}


def register_analyzer(name: str, factory: Callable[..., Any], description: str = "") -> None:
    """Register an analyzer factory (keyword parameters -> Whoosh analyzer) under ``name``."""
    _ANALYZERS[name] = factory
    _DESCRIPTIONS[name] = description


def analyzer_names() -> dict[str, str]:
    """Registered analyzer names and a one-line description of each."""
    return {name: _DESCRIPTIONS.get(name, "") for name in sorted(_ANALYZERS)}


@dataclass(frozen=True)
class AnalyzerSpec:
    """An analyzer by registry name and parameters: what an index manifest or a benchmark
    setup records, and all it takes to rebuild the same analyzer."""

    name: str = "light"
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": _jsonable(dict(self.params))}

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS).decode()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalyzerSpec:
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ConfigError(f"an analyzer spec needs a 'name' string, got {data!r}")
        extra = set(data) - {"name", "params"}
        if extra:
            raise ConfigError(f"unknown analyzer spec key(s) {sorted(extra)}")
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            raise ConfigError(f"analyzer 'params' must be an object, got {params!r}")
        return cls(data["name"], dict(params))

    @classmethod
    def from_json(cls, text: str | bytes) -> AnalyzerSpec:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as e:
            raise ConfigError(f"analyzer spec is not valid JSON: {e}") from None
        return cls.from_dict(data)

    def build(self) -> Any:
        return build_analyzer(self)


def _jsonable(value: Any) -> Any:
    if isinstance(value, NormalizeOptions):
        return value.to_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def build_analyzer(spec: AnalyzerSpec | str | Mapping[str, Any], **params: Any) -> Any:
    """Build the analyzer a spec (or a registry name plus keyword parameters) names."""
    if isinstance(spec, str):
        spec = AnalyzerSpec(spec, params)
    elif isinstance(spec, Mapping):
        spec = AnalyzerSpec.from_dict(spec)
    try:
        factory = _ANALYZERS[spec.name]
    except KeyError:
        raise UnknownComponentError("analyzer", spec.name, list(_ANALYZERS)) from None
    try:
        return factory(**dict(spec.params))
    except TypeError as e:
        raise ConfigError(f"bad parameters for analyzer {spec.name!r}: {e}") from None


@lru_cache(maxsize=64)
def _cached(name: str) -> Any:
    return build_analyzer(name)


def get_analyzer(analyzer: Any = "light") -> Any:
    """An analyzer from a registry name (shared, memo warm), a spec, or a Whoosh analyzer."""
    if isinstance(analyzer, str):
        return _cached(analyzer)
    if isinstance(analyzer, (AnalyzerSpec, Mapping)):
        return build_analyzer(analyzer)
    if callable(analyzer):
        return analyzer
    raise ConfigError(f"not an analyzer, name or spec: {analyzer!r}")


# --- a friendly view of the analysis ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalyzedToken:
    """One index term: its text, position, and where it came from in the original text."""

    text: str
    position: int
    start: int
    end: int
    source: str


def analyze(text: str, analyzer: Any = "light") -> list[AnalyzedToken]:
    """Analyze ``text`` as it would be indexed: terms with positions and original offsets.

    >>> [(t.text, t.position, t.source) for t in analyze("أكدت الحكومةُ في بيانها")]
    [('اكدت', 0, 'أكدت'), ('حكوم', 1, 'الحكومةُ'), ('بيان', 3, 'بيانها')]
    """
    an = get_analyzer(analyzer)
    return [
        AnalyzedToken(t.text, t.pos, t.startchar, t.endchar, text[t.startchar : t.endchar])
        for t in an(text, positions=True, chars=True, mode="index")
    ]


__all__ += ["WORD_PATTERN", "stemmer_names"]
