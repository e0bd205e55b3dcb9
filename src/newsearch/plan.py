"""The query plan: what a search will look for, made without touching an index.

:func:`plan_search` turns a parsed query, the searched fields and the ranking options into a
:class:`QueryPlan`: the scored words (each with the (field, token) pairs it matches: its stem
in ``title``/``body``, its exact form in ``title_exact``), their spelling variants, adjacent
pairs, phrases, exclusions and filters. It needs the index's analyzers and a few vocabulary
lookups (:class:`Vocabulary`), both passed in, so it is a pure function that a test can call
with a dictionary for a vocabulary, and a sharded search plans once for every shard.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .expand import (
    DATE_BOOST,
    FORM_WEIGHT,
    RARE_SPELLING_WEIGHT,
    DateWindow,
    Expansion,
    find_dates,
    form_terms,
    native_neighbours,
    script_terms,
    spelling_terms,
)
from .normalize import normalize
from .query import ParsedQuery
from .request import Filters, RankingOptions
from .schema import TEXT_FIELDS
from .words import Analyzers, Clause, QueryWord, Term

__all__ = [
    "PHRASE_BONUS",
    "VARIANT_WEIGHT",
    "Clause",
    "QueryPlan",
    "QueryWord",
    "Term",
    "Vocabulary",
    "fuzzy_words",
    "key_terms",
    "plan_search",
]

#: Weight of a word's spelling variants (scored as a word of their own) relative to the word.
VARIANT_WEIGHT = 0.4
#: Score factor of an article containing a quoted phrase (when the phrase is not required).
PHRASE_BONUS = 1.25
#: Score factor of an article with the spelling typed, when more common spellings joined it,
#: for scorers that cannot rank it first within the word (``QueryWord.first``).
TYPED_SPELLING_BONUS = 1.25
#: Weight of a fuzzy (close-spelling) alternative of a word.
FUZZY_WEIGHT = 0.5


class Vocabulary(Protocol):
    """The lookups in an index's vocabulary a plan needs."""

    def variants(self, token: str) -> list[str]:
        """Other spellings of a stem found in the index (transliteration variants)."""
        ...

    def joined(self, tokens: Sequence[str]) -> list[str]:
        """Single words of the index that spell ``tokens`` written together."""
        ...

    def known(self, field: str, token: str) -> bool:
        """Whether ``token`` occurs in ``field``."""
        ...

    def corrections(self, word: str, limit: int = 3) -> list[str]:
        """Close spellings of a whole word, most frequent first."""
        ...

    def frequency(self, field: str, token: str) -> int:
        """The number of documents with ``token`` in ``field``."""
        ...

    def size(self) -> int:
        """The number of documents searched."""
        ...


@dataclass(frozen=True)
class QueryPlan:
    """What a search looks for (see the module docstring).

    ``exclusions`` and ``any_of`` are lists of alternatives; an alternative is the (field,
    token) pairs of which a document needs one (``terms``) or a positional clause. A plan
    whose ``listing`` is true ranks nothing: it lists the articles its filters admit.
    """

    query: ParsedQuery
    filters: Filters
    words: tuple[QueryWord, ...] = ()
    #: documents matching any of these are left out: term sets, then phrase clauses
    excluded_terms: tuple[tuple[tuple[str, str], ...], ...] = ()
    excluded_phrases: tuple[tuple[Clause, ...], ...] = ()
    #: each phrase's clauses; required when ``phrases_required``, else a score bonus
    phrases: tuple[tuple[Clause, ...], ...] = ()
    phrases_required: bool = False
    #: operator "and": a document needs a term of every one of these groups
    required_groups: tuple[tuple[tuple[str, str], ...], ...] = ()
    listing: bool = False
    fields: tuple[str, ...] = TEXT_FIELDS
    weights: Mapping[str, float] = field(default_factory=dict)
    #: what was added to the typed words (spellings, scripts, forms, a date), for the reader
    expansions: tuple[Expansion, ...] = ()
    #: a month the query named: articles published then score higher
    date_window: DateWindow | None = None
    #: the typed terms of words joined by their more common spellings (``QueryWord.first``):
    #: a scorer that cannot rank them first within the word scores articles with the
    #: spelling typed :data:`TYPED_SPELLING_BONUS` times higher instead
    typed_spellings: tuple[tuple[tuple[str, str], ...], ...] = ()
    #: how many of the query's own words are searched (stop words and expansions not
    #: counted): feedback's ``auto`` reads the first results of short queries only
    searched_words: int = 0

    @property
    def highlight_terms(self) -> set[str]:
        """The title/body tokens the plan scores (what snippets mark)."""
        return {t.token for w in self.words for t in w.terms if t.field in TEXT_FIELDS}


def searched_fields(
    weights: Mapping[str, float], fields: Sequence[str], names: Sequence[str]
) -> list[tuple[str, float]]:
    """The weighted index fields a search looks in: ``title`` also means ``title_exact``."""
    return [
        (name, w)
        for name, w in weights.items()
        if w > 0 and name in names and name.removesuffix("_exact") in fields
    ]


def plan_search(
    parsed: ParsedQuery,
    *,
    filters: Filters,
    fields: Sequence[str],
    options: RankingOptions,
    analyzers: Analyzers,
    vocabulary: Vocabulary,
) -> QueryPlan:
    """The plan of a parsed search-box query (see :class:`QueryPlan`)."""
    weights = options.field_weights()
    specs = searched_fields(weights, fields, list(analyzers))
    flt = filters.narrowed(parsed.filters.get("source", ()), parsed.filters.get("category", ()))
    excluded_terms = []
    excluded_phrases = []
    for ex in parsed.excluded:
        if len(ex) == 1:
            excluded_terms.append(_word_terms(ex[0], fields, analyzers))
        else:
            excluded_phrases.append(_phrase_clauses(ex, fields, analyzers))
    # A phrase is required when the query asks for every word, or is nothing but phrases (the
    # user's whole intent); next to other words, as in Lucene's OR queries, it only ranks its
    # articles higher: a pasted headline's quoted words are a quotation, and rarely appear
    # verbatim in the articles that report it (measured: requiring them cost 0.06 nDCG@10 on
    # the known-item task).
    required = parsed.operator == "and" or not parsed.groups
    phrases = tuple(_phrase_clauses(ph, fields, analyzers) for ph in parsed.phrases)
    groups = []
    if parsed.operator == "and":
        for group in parsed.groups:
            groups.append(tuple(t for w in group for t in _word_terms(w, fields, analyzers)))
    texts = [w for g in parsed.groups for w in g] + [w for p in parsed.phrases for w in p]
    expansions: list[Expansion] = []
    typed: list[tuple[tuple[str, str], ...]] = []
    window = None
    if options.dates:
        texts, window = _date_words(parsed, texts, expansions)
    searched: list[str] = []
    words = query_words(
        texts,
        specs,
        analyzers,
        vocabulary if options.variants else None,
        expand=Expanders(vocabulary, options.cross_script, options.word_forms),
        record=expansions,
        typed=typed,
        searched=searched,
    )
    if options.proximity > 0:
        words += pair_words(parsed, fields, weights, options.proximity, analyzers)
    if parsed.fuzzy:
        words += fuzzy_words(parsed.fuzzy, specs, analyzers, vocabulary)
    return QueryPlan(
        query=parsed,
        filters=flt,
        words=tuple(words),
        excluded_terms=tuple(excluded_terms),
        excluded_phrases=tuple(excluded_phrases),
        phrases=phrases,
        phrases_required=required,
        required_groups=tuple(groups),
        listing=not words
        and parsed.is_empty
        and bool(parsed.filters or filters or parsed.excluded),
        fields=tuple(fields),
        weights=weights,
        expansions=tuple(expansions),
        date_window=window,
        typed_spellings=tuple(typed),
        searched_words=len(searched),
    )


def _date_words(
    parsed: ParsedQuery, texts: list[str], record: list[Expansion]
) -> tuple[list[str], DateWindow | None]:
    """The query words without a month-and-year they name (which becomes a date preference),
    unless nothing else would be left to search for."""
    singles = [g[0] for g in parsed.groups if len(g) == 1]
    drop, window = find_dates(singles)
    if window is None or len(drop) >= len(texts):
        return texts, None
    dropped = [singles[i] for i in drop]
    rest = list(texts)
    for w in dropped:
        rest.remove(w)
    start, end = window.start.date().isoformat(), window.end.date().isoformat()
    record.append(Expansion("date", window.text, (start, end), DATE_BOOST))
    return rest, window


def _word_terms(
    word: str, fields: Sequence[str], analyzers: Analyzers
) -> tuple[tuple[str, str], ...]:
    """The (field, token) pairs of one word in ``fields``: a document has the word when it
    has one of them (a stem match)."""
    return tuple((f, t.text) for f in fields for t in analyzers[f](word, mode="query"))


def _phrase_clauses(
    phrase: Sequence[str], fields: Sequence[str], analyzers: Analyzers
) -> tuple[Clause, ...]:
    out: list[Clause] = []
    for f in fields:
        analyzed = [
            (t.text, t.pos) for t in analyzers[f](" ".join(phrase), positions=True, mode="query")
        ]
        toks = tuple(t for t, _ in analyzed)
        if len(toks) == 1:
            out.append((f, toks, 0))
        elif toks:
            # Stop words dropped from the phrase leave gaps in the text's positions too.
            gaps = [b - a for (_, a), (_, b) in itertools.pairwise(analyzed)]
            out.append((f, toks, max(1, *gaps)))
    return tuple(out)


@dataclass(frozen=True)
class Expanders:
    """Which expansions :func:`query_words` makes beside name variants, from ``vocabulary``."""

    vocabulary: Vocabulary
    cross_script: bool = True
    word_forms: bool = True


def _spellings(
    text: str,
    terms: list[Term],
    fields: Sequence[tuple[str, float]],
    analyzers: Any,
    vocabulary: Vocabulary,
) -> tuple[list[Term], tuple[str, ...], list[Term]]:
    """:func:`~newsearch.expand.spelling_terms` (its found spellings and, third, the weaker
    word's terms), remembered by the snapshot's vocabulary when it keeps a table for them: a
    foreign-looking word's candidates are hundreds of strings, made again by every search that
    types it, and they depend only on the word, its terms and the snapshot."""
    from .variants import remembered

    def make() -> tuple[list[Term], tuple[str, ...], list[Term]]:
        other: list[Term] = []
        rare, added = spelling_terms(text, terms, fields, analyzers, vocabulary, other)
        return rare, added, other

    rare, added, other = remembered(
        vocabulary, "spellings", (text, tuple(terms), tuple(fields)), make
    )
    return list(rare), added, list(other)


def query_words(
    texts: Sequence[str],
    fields: Sequence[tuple[str, float]],
    analyzers: Analyzers,
    vocabulary: Vocabulary | None,
    *,
    expand: Expanders | None = None,
    record: list[Expansion] | None = None,
    typed: list[tuple[tuple[str, str], ...]] | None = None,
    searched: list[str] | None = None,
) -> list[QueryWord]:
    """One :class:`QueryWord` per query word (its stem in title/body, its exact form in
    title_exact) and, with a ``vocabulary``, one more weaker word per query word holding its
    spelling variants: a separate word, with its own idf, so that a rare typed spelling
    (3 articles) is not outranked by a frequent variant's articles. ``expand``: the Arabic
    spellings of a Latin word join the word itself (the same word in another script); other
    forms of a word are one more weaker word. What was added goes to ``record``, the texts
    that gave terms (stop words do not) to ``searched``."""
    from .variants import remembered

    out: list[QueryWord] = []
    alt: list[QueryWord] = []
    stems: list[list[str]] = []
    typed_words: list[str] = []
    notes = record if record is not None else []
    for i, text in enumerate(texts):
        terms: list[Term] = []
        for name, w in fields:
            terms.extend(Term(name, t.text, w) for t in analyzers[name](text, mode="query"))
        if not terms:
            continue  # a stop word
        if expand is not None and expand.cross_script:
            after = texts[i + 1] if i + 1 < len(texts) else ""
            script, added = script_terms(text, after, fields, analyzers, expand.vocabulary)
            if script:
                terms += script
                notes.append(Expansion("script", text, added, 1.0))
        other: list[Term] = []
        first: tuple[tuple[str, str], ...] = ()
        if vocabulary is not None:
            rare, added, other = _spellings(text, terms, fields, analyzers, vocabulary)
            if rare:
                # Inside the word (its idf is the name's), weaker; the spelling typed first.
                first = tuple((t.field, t.token) for t in terms)
                if typed is not None:
                    typed.append(first)
                terms += [Term(t.field, t.token, t.weight * RARE_SPELLING_WEIGHT) for t in rare]
                notes.append(Expansion("spelling", text, added, RARE_SPELLING_WEIGHT))
        stems.append([t.token for t in terms if t.field in TEXT_FIELDS][:1])
        typed_words.append(text)
        out.append(QueryWord(tuple(dict.fromkeys(terms)), 1.0, text, first))
        if vocabulary is not None:
            # A separate, weaker word with its own idf (measured better on snn-topics than
            # the same terms inside the typed word: 0.890 against 0.885 nDCG@10).
            extra = _variant_words(text, terms, analyzers, vocabulary) + other
            own = {(t.field, t.token) for t in terms}
            extra = [t for t in extra if (t.field, t.token) not in own]
            if extra:
                alt.append(QueryWord(tuple(dict.fromkeys(extra)), VARIANT_WEIGHT, text))
                shown = tuple(
                    dict.fromkeys(t.token for t in extra if t.field.removesuffix("_pairs")
                                  in TEXT_FIELDS)
                )  # fmt: skip
                notes.append(Expansion("spelling", text, shown, VARIANT_WEIGHT))
        if expand is not None and expand.word_forms:  # 70 us a word: a fifth of a warm plan
            forms, added = remembered(
                expand.vocabulary, "word_forms", (text, tuple(terms), tuple(fields)),
                functools.partial(form_terms, text, terms, fields, analyzers, expand.vocabulary),
            )  # fmt: skip
            if forms:
                alt.append(QueryWord(tuple(forms), FORM_WEIGHT, text))
                notes.append(Expansion("form", text, added, FORM_WEIGHT))
    if vocabulary is not None and len(out) > 1:
        key = (tuple(map(tuple, stems)), tuple(fields), tuple(typed_words))
        joined = remembered(
            vocabulary, "joined_words", key,
            functools.partial(_joined_variants, stems, fields, vocabulary, typed_words, analyzers),
        )  # fmt: skip
        alt += joined
        notes.extend(Expansion("joined", w.text, (w.text,), VARIANT_WEIGHT) for w in joined)
    if searched is not None:
        searched.extend(typed_words)
    return out + alt


def plan_memos() -> dict[str, Any]:
    """The planner's memos a snapshot adds to its vocabulary's (``variants.word_memos``, a
    module whose source is a stored table's fingerprint): other word forms and joined
    spellings (:func:`query_words`; neither result is changed by its callers)."""
    from .variants import WordMemo

    return {"word_forms": WordMemo(50_000), "joined_words": WordMemo(50_000)}


def _variant_words(
    text: str, terms: list[Term], analyzers: Analyzers, vocabulary: Vocabulary
) -> list[Term]:
    """The spelling variants of ``terms`` but their native look-alikes, remembered by the
    snapshot's vocabulary as :func:`_spellings` are (a warm search made them again)."""
    from .variants import remembered

    def make() -> list[Term]:
        extra = _variant_terms(terms, vocabulary)
        drop = _native_neighbours(text, terms, extra, analyzers, vocabulary)
        return [t for t in extra if t.token not in drop]

    return list(remembered(vocabulary, "variant_words", (text, tuple(terms)), make))


def _native_neighbours(
    text: str, terms: list[Term], extra: list[Term], analyzers: Analyzers, vocabulary: Vocabulary
) -> set[str]:
    stems = [t.token for t in terms if t.field in TEXT_FIELDS]
    if not stems or not extra:
        return set()
    word = normalize(text).strip()
    variants = list(dict.fromkeys(t.token for t in extra))
    return native_neighbours(word, stems[0], variants, analyzers, vocabulary)


def _variant_terms(terms: list[Term], vocabulary: Vocabulary) -> list[Term]:
    """Spelling variants of the stemmed terms. (A word written joined is split by
    :func:`~newsearch.expand.spelling_terms`, as a word pair: its halves alone would match
    other senses.)"""
    extra: list[Term] = []
    for t in terms:
        if t.field not in TEXT_FIELDS:
            continue
        for v in vocabulary.variants(t.token):
            extra.append(Term(t.field, v, t.weight))
    return extra


def _joined_variants(
    stems: list[list[str]],
    fields: Sequence[tuple[str, float]],
    vocabulary: Vocabulary,
    texts: Sequence[str] = (),
    analyzers: Analyzers | None = None,
) -> list[QueryWord]:
    """Two adjacent query words that the index also spells as one word (بيونغ يانغ /
    بيونغيانغ, واتس اب / واتساب): the joined spelling, as a variant word. The stems joined
    are looked up among the spelling variants, the typed words joined as a word of their own
    (the stemmer may cut a part differently alone: واتس -> اتس)."""
    weights = {name: w for name, w in fields if name in TEXT_FIELDS}
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(stems)):
        if not a or not b:
            continue
        joined = vocabulary.joined([a[0], b[0]])
        if analyzers is not None and i + 1 < len(texts) and "body" in analyzers:
            surface = normalize(texts[i]).strip() + normalize(texts[i + 1]).strip()
            whole = [t.text for t in analyzers["body"](surface, mode="query") if t.text]
            if (
                surface.isalpha()
                and len(whole) == 1
                and len(whole[0]) > 4
                and whole[0] not in joined
                and vocabulary.frequency("body", whole[0]) >= 2
            ):
                joined = [*joined, whole[0]]
        if joined:
            terms = tuple(Term(f, j, w) for j in joined for f, w in weights.items())
            out.append(QueryWord(terms, VARIANT_WEIGHT, f"{a[0]}{b[0]}"))
    return out


def pair_words(
    parsed: ParsedQuery,
    fields: Sequence[str],
    weights: Mapping[str, float],
    weight: float,
    analyzers: Analyzers,
) -> list[QueryWord]:
    """Adjacent query words as pairs to find in ``title_pairs``/``body_pairs``: one extra,
    rarer "word" per pair, so an article where the words stand together outranks one where
    they are scattered (BM25F's saturation and idf keep the bonus bounded)."""
    runs: list[list[str]] = [[]]
    for group in parsed.groups:  # an OR group breaks the run: its words are alternatives
        if len(group) == 1:
            runs[-1].append(group[0])
        elif runs[-1]:
            runs.append([])
    runs += [list(p) for p in parsed.phrases]
    counts: dict[str, float] = {}
    for run in runs:
        if len(run) < 2:
            continue
        for pair in _pairs(analyzers["title"], " ".join(run)):
            counts[pair] = counts.get(pair, 0.0) + 1.0
    targets = pair_targets(fields, weights, list(analyzers))
    if not targets:
        return []
    return [
        QueryWord(tuple(Term(f, pair, w) for f, w in targets), weight * n, pair)
        for pair, n in counts.items()
    ]


def pair_targets(
    fields: Sequence[str], weights: Mapping[str, float], names: Sequence[str]
) -> list[tuple[str, float]]:
    """The pair fields of the searched text fields, each weighted as its text field unless the
    weights name it (``title_pairs=...``)."""
    targets = [
        (f"{name}_pairs", weights.get(f"{name}_pairs", weights.get(name, 0.0)))
        for name in TEXT_FIELDS
        if name in fields and f"{name}_pairs" in names
    ]
    return [(f, w) for f, w in targets if w > 0]


def _pairs(analyzer: Any, text: str) -> list[str]:
    stems = [t.text for t in analyzer(text, mode="query") if t.text]
    return [f"{a} {b}" for a, b in itertools.pairwise(stems) if a != b]


def title_pair_words(
    title: str, weights: Mapping[str, float], weight: float, analyzers: Analyzers
) -> list[QueryWord]:
    """The title's adjacent stem pairs as words (related news), in both pair fields."""
    names = list(analyzers)
    targets = [
        (f"{f}_pairs", weights.get(f, 0.0))
        for f in TEXT_FIELDS
        if f"{f}_pairs" in names and weights.get(f, 0.0) > 0
    ]
    if not targets:
        return []
    pairs = dict.fromkeys(_pairs(analyzers["title"], title))
    return [QueryWord(tuple(Term(f, p, w) for f, w in targets), weight, p) for p in pairs]


def fuzzy_words(
    texts: Sequence[str],
    fields: Sequence[tuple[str, float]],
    analyzers: Analyzers,
    vocabulary: Vocabulary,
) -> list[QueryWord]:
    """Close spellings of ``texts`` from the vocabulary, as weaker words."""
    out: list[QueryWord] = []
    for text in texts:
        for alt in vocabulary.corrections(text):
            words = query_words([alt], fields, analyzers, None)
            out.extend(QueryWord(w.terms, FUZZY_WEIGHT, alt) for w in words)
    return out


#: Related news' key terms: how many, a title occurrence's weight, and the document
#: frequency band (Lucene MoreLikeThis keeps 25).
KEY_TERMS = 25
TITLE_TF = 3.0
MIN_DOC_FREQ = 2
MAX_DOC_SHARE = 0.3
#: Characters of a body analyzed for key terms (a long article's start says what it is about).
MAX_BODY_CHARS = 20_000


def key_terms(
    title: str,
    body: str,
    analyzer: Any,
    df: Callable[[str], int],
    doc_count: int,
    n: int = KEY_TERMS,
) -> list[tuple[str, float]]:
    """The ``n`` stems that best say what ``title`` + ``body`` are about, with weights (the
    best is 1.0): frequency (title words count :data:`TITLE_TF` times) times idf, with ``df``
    the document frequency of a stem in the collection of ``doc_count`` documents. Stems in
    fewer than :data:`MIN_DOC_FREQ` or more than :data:`MAX_DOC_SHARE` of the documents are
    skipped."""
    tf: dict[str, float] = {}
    for t in analyzer(title, mode="index"):
        if t.text:
            tf[t.text] = tf.get(t.text, 0.0) + TITLE_TF
    for t in analyzer(body[:MAX_BODY_CHARS], mode="index"):
        if t.text:
            tf[t.text] = tf.get(t.text, 0.0) + 1.0
    n_docs = max(1, doc_count)
    max_df = max(MIN_DOC_FREQ, int(MAX_DOC_SHARE * n_docs))
    scored = []
    for stem, f in sorted(tf.items(), key=lambda x: -x[1])[:400]:
        d = df(stem)
        if d < MIN_DOC_FREQ or d > max_df:
            continue
        scored.append((stem, f * math.log(1 + (n_docs - d + 0.5) / (d + 0.5))))
    scored.sort(key=lambda x: (-x[1], x[0]))
    scored = scored[:n]
    top = scored[0][1] if scored else 1.0
    return [(stem, w / top) for stem, w in scored]
