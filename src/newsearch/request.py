"""What a caller may ask of a search: request objects with every default and bound in one place.

- :class:`SearchRequest`: the query and what to show (filters, sort, page, facets, snippets);
- :class:`RankingOptions`: how to rank (scorer and its parameters, field weights, proximity,
  name variants, fuzzy matching, the recency half-life and the clock);
- :class:`RelatedRequest`: related news for one article.

All three are frozen dataclasses that validate themselves (a bad value is a
:class:`~newsearch.errors.ConfigError`, which the web API answers with 400 and the CLI with
exit 2). Each field carries its help text, bounds and surface names in its metadata, and
:func:`options` lists them: the CLI's flags, the web API's query parameters and the
benchmark runner's setup keys are all derived from that list, so an option exists everywhere
with the same default and the same validation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigError, OptionError
from .schema import TEXT_FIELDS

if TYPE_CHECKING:
    from .article import Article

__all__ = [
    "DEFAULT_FIELD_WEIGHTS",
    "FACETS",
    "FEEDBACK_MODES",
    "MAX_PAGE_DEPTH",
    "MAX_PAGE_SIZE",
    "RELATED_RANKING",
    "SORTS",
    "Filters",
    "Option",
    "RankingOptions",
    "RelatedRequest",
    "SearchRequest",
    "options",
]

#: Largest page a search returns, and deepest result reachable by paging (both bound the
#: work one request can ask for).
MAX_PAGE_SIZE = 100
MAX_PAGE_DEPTH = 1_000
SORTS: tuple[str, ...] = ("relevance", "newest", "oldest", "recency")
#: When a search reads its first results to add their words (see :mod:`newsearch.feedback`).
FEEDBACK_MODES: tuple[str, ...] = ("auto", "on", "off")
FACETS: tuple[str, ...] = ("source", "category")
#: Query-time weight of each searched field. ``title_exact`` is the unstemmed twin of the
#: title: a word matching there too is an exact-form match.
DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {"title": 2.0, "body": 1.0, "title_exact": 0.5}

Sort = Literal["relevance", "newest", "oldest", "recency"]


def _opt(default: Any, help: str, kind: str, **meta: Any) -> Any:
    """A dataclass field with its surface metadata (see :class:`Option`)."""
    meta = {"help": help, "kind": kind, **meta}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Option:
    """One option as the surfaces see it.

    ``kind``: ``int``, ``float``, ``bool``, ``str``, ``choice`` (one of ``choices``),
    ``many`` (a repeatable string, optionally limited to ``choices``), ``mapping``
    (``name=value`` pairs to floats), ``date`` (ISO date or date-time).
    """

    name: str
    kind: str
    default: Any
    help: str
    http: str
    cli: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False


def options(cls: type) -> tuple[Option, ...]:
    """The options of a request class, in field order (read once per class: requests are
    made per search)."""
    found = _OPTIONS.get(cls)
    if found is None:
        found = _OPTIONS[cls] = _read_options(cls)
    return found


#: Options per request class: derived from the class definitions, which never change.
_OPTIONS: dict[type, tuple[Option, ...]] = {}


def _read_options(cls: type) -> tuple[Option, ...]:
    out = []
    for f in dataclasses.fields(cls):
        m = f.metadata
        if "kind" not in m:
            continue
        factory: Any = f.default_factory
        default = f.default if f.default is not dataclasses.MISSING else factory()
        out.append(
            Option(
                name=f.name,
                kind=m["kind"],
                default=default,
                help=m["help"],
                http=m.get("http", f.name),
                cli=m.get("cli", "--" + f.name.replace("_", "-")),
                choices=tuple(m.get("choices", ())),
                minimum=m.get("min"),
                maximum=m.get("max"),
                optional=bool(m.get("optional", False)),
            )
        )
    return tuple(out)


def surface_names(surface: str) -> dict[str, str]:
    """Field name -> its name on a surface (``http`` or ``cli``), over every request class:
    an :class:`~newsearch.errors.OptionError` names the field, a surface names its own."""
    out: dict[str, str] = {}
    for cls in (SearchRequest, RankingOptions, RelatedRequest):
        for opt in options(cls):
            out.setdefault(opt.name, getattr(opt, surface))
    return out


def _check(obj: Any) -> None:
    """Bounds and choices from the metadata: the one validation every surface shares."""
    for opt in options(type(obj)):
        value = getattr(obj, opt.name)
        if value is None:
            if not opt.optional:
                raise OptionError(opt.name, "a value is required")
            continue
        if opt.kind in ("int", "float"):
            if opt.minimum is not None and value < opt.minimum:
                raise OptionError(opt.name, f"must be at least {opt.minimum:g}, got {value}")
            if opt.maximum is not None and value > opt.maximum:
                raise OptionError(opt.name, f"must be at most {opt.maximum:g}, got {value}")
        elif opt.kind == "choice" and value not in opt.choices:
            raise OptionError(opt.name, f"{value!r} is not one of {', '.join(opt.choices)}")
        elif opt.kind == "many" and opt.choices:
            bad = [v for v in value if v not in opt.choices]
            if bad:
                raise OptionError(opt.name, f"{bad[0]!r} is not one of {', '.join(opt.choices)}")


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _number(obj: Any, name: str, kind: type) -> None:
    value = getattr(obj, name)
    if value is None:
        return
    if isinstance(value, bool):
        raise OptionError(name, f"a number is required, got {value!r}")
    try:
        _set(obj, name, kind(value))
    except (TypeError, ValueError):
        raise OptionError(name, f"not a number: {value!r}") from None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(str(x) for x in items if str(x)))


def _mapping(name: str, value: Any) -> dict[str, float]:
    """``{"title": 2}``, or ``["title=2", "body:1"]`` as the CLI and HTTP give it."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Mapping):
        pairs: dict[str, Any] = {}
        for item in value:
            key, sep, v = str(item).replace(":", "=", 1).partition("=")
            if not sep or not key.strip():
                raise OptionError(name, f"expected NAME=VALUE, got {item!r}")
            pairs[key.strip()] = v
        value = pairs
    out = {}
    for k, v in value.items():
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError):
            raise OptionError(name, f"{k}={v!r} is not a number") from None
    return out


def _as_datetime(value: Any, what: str, end: bool = False) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        from .article import parse_published

        try:
            parsed = parse_published(value)
        except Exception:
            parsed = None
        if parsed is None:
            raise OptionError(what, f"not a date: {value!r} (use YYYY-MM-DD)")
        dt = parsed
        if end and isinstance(value, str) and len(value.strip()) == 10:
            dt = dt + timedelta(days=1) - timedelta(microseconds=1)  # the whole day
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _bool(obj: Any, name: str) -> None:
    value = getattr(obj, name)
    if isinstance(value, str) and value.lower() in _BOOL_WORDS:
        value = _BOOL_WORDS[value.lower()]
    if not isinstance(value, bool):
        raise OptionError(name, f"true or false, got {value!r}")
    _set(obj, name, value)


def _normalize(obj: Any) -> None:
    """Coerce what the surfaces give (strings, lists) to each field's type, then check."""
    for opt in options(type(obj)):
        value = getattr(obj, opt.name)
        if opt.kind == "int":
            _number(obj, opt.name, int)
        elif opt.kind == "float":
            _number(obj, opt.name, float)
        elif opt.kind == "bool":
            _bool(obj, opt.name)
        elif opt.kind == "many":
            _set(obj, opt.name, _strings(value))
        elif opt.kind == "mapping":
            _set(obj, opt.name, _mapping(opt.name, value))
        elif opt.kind == "date":
            _set(obj, opt.name, _as_datetime(value, opt.name, end=opt.name.endswith("_to")))
    _check(obj)


#: The four filter fields searches and related news share: name -> (surface name, kind, help).
_FILTER_FIELDS = {
    "sources": ("source", "many", "only these sources (repeatable)"),
    "categories": ("category", "many", "only these categories (repeatable)"),
    "date_from": ("from", "date", "published on or after (YYYY-MM-DD)"),
    "date_to": ("to", "date", "published on or before (YYYY-MM-DD)"),
}


def _filter_field(name: str) -> Any:
    """One of the filter fields, declared once for every request class that has them."""
    surface, kind, help_text = _FILTER_FIELDS[name]
    default = () if kind == "many" else None
    return _opt(
        default, help_text, kind, http=surface, cli=f"--{surface}", optional=default is None
    )


@dataclass(frozen=True)
class Filters:
    """Which articles a result may contain: any of ``sources``, any of ``categories``,
    published in ``[date_from, date_to]`` (whole days, UTC, ``date_to`` inclusive)."""

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None

    _KEYS = frozenset(
        {"source", "sources", "category", "categories", "from", "date_from", "to", "date_to"}
    )

    @classmethod
    def of(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        """Filters from a mapping with ``source``/``sources``, ``category``/``categories``,
        ``from``/``date_from`` and ``to``/``date_to`` (dates or ISO strings)."""
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        unknown = set(value) - cls._KEYS
        if unknown:
            raise ConfigError(f"unknown filters {sorted(unknown)}; known: {sorted(cls._KEYS)}")
        return cls(
            sources=_strings(value.get("source")) + _strings(value.get("sources")),
            categories=_strings(value.get("category")) + _strings(value.get("categories")),
            date_from=_as_datetime(value.get("date_from", value.get("from")), "date_from"),
            date_to=_as_datetime(value.get("date_to", value.get("to")), "date_to", end=True),
        )

    def __bool__(self) -> bool:
        return bool(self.sources or self.categories or self.date_from or self.date_to)

    def narrowed(self, sources: Sequence[str] = (), categories: Sequence[str] = ()) -> Filters:
        """These filters narrowed by more values (the query's own ``source:`` terms): both
        given, only values in both; none in both, nothing matches."""

        def both(a: tuple[str, ...], b: Sequence[str]) -> tuple[str, ...]:
            if a and b:
                folded = {y.casefold() for y in b}
                return tuple(x for x in a if x.casefold() in folded) or ("\0none",)
            return a or tuple(b)

        return dataclasses.replace(
            self, sources=both(self.sources, sources), categories=both(self.categories, categories)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "categories": list(self.categories),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }


def _filters_of(obj: Any) -> Filters:
    return Filters(obj.sources, obj.categories, obj.date_from, obj.date_to)


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query text and what to show."""

    query: str = _opt(
        "",
        'search-box text: words, "phrases", -excluded, OR, source:X',
        "str",
        http="q",
        cli="query",
    )
    limit: int = _opt(10, "hits per page", "int", min=1, max=MAX_PAGE_SIZE, http="size")
    page: int = _opt(1, "1-based page", "int", min=1)
    sources: tuple[str, ...] = _filter_field("sources")
    categories: tuple[str, ...] = _filter_field("categories")
    date_from: datetime | None = _filter_field("date_from")
    date_to: datetime | None = _filter_field("date_to")
    sort: Sort = _opt(
        "relevance",
        "relevance, newest, oldest, or recency (relevance blended with freshness)",
        "choice",
        choices=SORTS,
    )
    facets: tuple[str, ...] = _opt(
        (), "count hits by these fields (source, category; true: both)", "many", choices=FACETS
    )
    date_histogram: Literal["day", "month"] | None = _opt(
        None,
        "count hits per day or month",
        "choice",
        choices=("day", "month"),
        http="histogram",
        cli="--histogram",
        optional=True,
    )
    highlight: bool = _opt(True, "mark matched words in titles and snippets", "bool")
    snippet_chars: int = _opt(240, "characters of a snippet", "int", min=20, max=2_000)
    fields: tuple[str, ...] = _opt(
        TEXT_FIELDS,
        "searched text fields",
        "many",
        choices=TEXT_FIELDS,
        http="field",
        cli="--field",
    )
    mode: Literal["simple", "advanced"] = _opt(
        "simple",
        "simple: the search box; advanced: Whoosh's query language",
        "choice",
        choices=("simple", "advanced"),
    )
    operator: Literal["or", "and"] = _opt(
        "or",
        "and: every word (or one of its OR alternatives) is required",
        "choice",
        choices=("or", "and"),
    )
    suggest: bool = _opt(True, "suggest a respelled query when little is found", "bool")

    def __post_init__(self) -> None:
        facets: Any = self.facets  # also True/False/"true" from the surfaces
        if facets is True or (isinstance(facets, str) and facets.lower() in ("true", "all")):
            facets = FACETS
        elif (
            facets is False
            or facets is None
            or (isinstance(facets, str) and facets.lower() == "false")
        ):
            facets = ()
        elif not isinstance(facets, str):
            words = _strings(facets)
            facets = (
                FACETS
                if any(w.lower() in ("true", "all") for w in words)
                else tuple(w for w in words if w.lower() != "false")
            )
        _set(self, "facets", facets)
        if not isinstance(self.query, str):
            _set(self, "query", "" if self.query is None else str(self.query))
        _normalize(self)
        if not self.fields:
            raise OptionError("fields", "at least one of title, body")
        if self.page * self.limit > MAX_PAGE_DEPTH:
            raise OptionError("page", f"results beyond the first {MAX_PAGE_DEPTH} are not served")

    @property
    def filters(self) -> Filters:
        return _filters_of(self)

    def replace(self, **changes: Any) -> SearchRequest:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class RankingOptions:
    """How results are ranked. Defaults are the measured best setup (docs/benchmarks.md)."""

    scorer: str = _opt("bm25f", "registered scorer: bm25f, bm25, tfidf, recency", "str")
    k1: float | None = _opt(
        None,
        "BM25 term-frequency saturation (default: the scorer's, 1.2)",
        "float",
        min=0,
        optional=True,
    )
    b: float | None = _opt(
        None,
        "BM25 length normalization, 0..1 (default: the scorer's, 0.9)",
        "float",
        min=0,
        max=1,
        optional=True,
    )
    scorer_params: Mapping[str, float] = _opt(
        {},
        "more scorer parameters, NAME=VALUE (e.g. title_b=0.3)",
        "mapping",
        http="scorer_param",
        cli="--scorer-param",
    )
    weights: Mapping[str, float] = _opt(
        {},
        "field weights over the defaults title=2, body=1, title_exact=0.5 (NAME=VALUE)",
        "mapping",
        http="weight",
        cli="--weight",
    )
    proximity: float = _opt(
        0.15,
        "weight of adjacent query words found together in a title or lead (0: off)",
        "float",
        min=0,
        max=10,
    )
    variants: bool = _opt(True, "also match other spellings of names, at a lower weight", "bool")
    cross_script: bool = _opt(
        True, "a Latin-script word also matches its Arabic spellings (Windows: ويندوز)", "bool"
    )
    word_forms: bool = _opt(
        True,
        "also match other forms of a word (verb and verbal noun, singular and plural), "
        "at a lower weight",
        "bool",
    )
    dates: bool = _opt(True, "a month and year in the query prefer articles of that month", "bool")
    feedback: Literal["auto", "on", "off"] = _opt(
        "auto",
        "add words of the first results to the query (pseudo-relevance feedback, RM3): "
        "auto: for keyword queries of feedback_min_words to feedback_max_words words, "
        "not questions",
        "choice",
        choices=FEEDBACK_MODES,
    )
    feedback_min_words: int = _opt(
        2, "feedback auto: the shortest query (searched words) it reads results for", "int",
        min=1, max=100,
    )  # fmt: skip
    feedback_max_words: int = _opt(
        4, "feedback auto: the longest query (searched words) it reads results for", "int",
        min=1, max=100,
    )  # fmt: skip
    feedback_docs: int = _opt(20, "feedback: first results read", "int", min=1, max=100)
    feedback_terms: int = _opt(10, "feedback: words added", "int", min=1, max=100)
    feedback_weight: float = _opt(
        0.15, "feedback: weight of the best added word", "float", min=0, max=10
    )
    fuzzy: bool = _opt(False, "expand words ending in ~ to close spellings", "bool")
    fuzzy_fallback: bool = _opt(True, "when nothing is found, retry with close spellings", "bool")
    half_life_days: float = _opt(
        7.0, "recency sort: days for freshness to halve", "float", min=0.001, max=36_500
    )
    now: datetime | None = _opt(
        None, "recency sort: the clock (default: the newest article)", "date", optional=True
    )

    def __post_init__(self) -> None:
        # true/false (what ``feedback`` was before ``auto``) mean on/off
        mode: Any = self.feedback
        if isinstance(mode, str) and mode.lower() in _BOOL_WORDS:
            mode = _BOOL_WORDS[mode.lower()]
        if isinstance(mode, bool):
            _set(self, "feedback", "on" if mode else "off")
        _normalize(self)
        from .scoring import build_scorer

        build_scorer(
            self.scorer, **self.scorer_kwargs()
        )  # an unknown scorer or parameter fails now

    def field_weights(self) -> dict[str, float]:
        """The effective field weights: the defaults, then :attr:`weights`."""
        return {**DEFAULT_FIELD_WEIGHTS, **self.weights}

    def scorer_kwargs(self) -> dict[str, float]:
        out = dict(self.scorer_params)
        if self.k1 is not None:
            out["k1"] = self.k1
        if self.b is not None:
            out["b"] = self.b
        return out

    def replace(self, **changes: Any) -> RankingOptions:
        return dataclasses.replace(self, **changes)


#: The ranking options related news uses (the others concern the search box).
RELATED_RANKING = ("scorer", "k1", "b", "scorer_params", "weights")


@dataclass(frozen=True)
class RelatedRequest:
    """Related news for one article: an id in the index, an :class:`~newsearch.article.Article`,
    a mapping with ``title``/``body``/``published``, or pasted text."""

    article: str | Article | Mapping[str, Any] = _opt(
        "", "the article's id", "str", http="article_id", cli="article_id"
    )
    k: int = _opt(10, "related articles wanted", "int", min=1, max=MAX_PAGE_SIZE)
    within_days: float | None = _opt(
        None,
        "only articles published within this many days of it",
        "float",
        min=0.001,
        max=36_500,
        optional=True,
        cli="--days",
    )
    sources: tuple[str, ...] = _filter_field("sources")
    categories: tuple[str, ...] = _filter_field("categories")
    date_from: datetime | None = _filter_field("date_from")
    date_to: datetime | None = _filter_field("date_to")
    time_weight: float = _opt(
        0.5, "lift of articles close in time to it (0: off)", "float", min=0, max=10
    )
    time_half_life_days: float = _opt(
        2.0, "days apart at which the time lift halves", "float", min=0.001, max=36_500
    )
    pair_weight: float = _opt(
        0.0,
        "weight of the title's adjacent word pairs (0: off, measured worse)",
        "float",
        min=0,
        max=10,
    )
    collapse: bool = _opt(
        True, "list copies of one dispatch once, the others under also_published_by", "bool"
    )
    highlight: bool = _opt(False, "mark key terms in titles and snippets", "bool")
    snippet_chars: int = _opt(240, "characters of a snippet", "int", min=20, max=2_000)

    def __post_init__(self) -> None:
        article = self.article
        if not isinstance(article, str):
            _set(self, "article", "")  # checked by the options below as text
        try:
            _normalize(self)
        finally:
            _set(self, "article", article)

    @property
    def filters(self) -> Filters:
        return _filters_of(self)

    def replace(self, **changes: Any) -> RelatedRequest:
        return dataclasses.replace(self, **changes)
