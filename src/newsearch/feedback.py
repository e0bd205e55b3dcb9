"""Pseudo-relevance feedback (RM3): words of the first results, added to the query.

After a first ranking, the top ``feedback_docs`` articles are read (title and lead) and their
stems weighted as in the relevance model RM1 (Lavrenko and Croft 2001): each article's share
of the first-pass score times the stem's share of the article, summed; stems in too few or too
many documents are skipped, and so are the query's own. The best ``feedback_terms`` join the
query as weaker words (RM3 interpolation: ``feedback_weight`` for the best, the others in
proportion), and the query is scored again with the collection statistics of the same source.

When (:func:`wants_feedback`): ``feedback="auto"`` (the default) reads the first results of a
short keyword query, of ``feedback_min_words`` (2) to ``feedback_max_words`` (4) searched words
and not a question (a word alone, often a name, is what its articles are about already);
``"on"`` of every query, ``"off"`` of none. A search-box query of a few words names a topic in
the reader's words, which the articles may not use (MERS for كورونا, النساء for المرأة); a
question or a pasted headline carries its own precise words, and there feedback pulls the
ranking toward the first results' topic instead (docs/benchmarks.md, "Feedback").

The stems of an article's title and lead are read and analyzed once per snapshot
(:class:`LeadStems`, bounded), and a scorer that adds its words' scores rescores only the
added words: the second pass costs a fraction of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .expand import Expansion
from .normalize import normalize
from .plan import QueryWord, Term
from .positions import term_counts
from .schema import TEXT_FIELDS

if TYPE_CHECKING:
    from .backend import IndexView
    from .plan import QueryPlan
    from .request import RankingOptions

__all__ = [
    "LEAD_CHARS",
    "MODEL_STEMS",
    "Counted",
    "Lead",
    "LeadStems",
    "StemIds",
    "choose_words",
    "counted",
    "feedback_words",
    "looks_like_question",
    "relevance_model",
    "top_documents",
    "wants_feedback",
]

#: Characters of an article's body read for feedback (its lead says what it is about).
LEAD_CHARS = 1_500
#: Stems in more than this share of the documents say nothing about a topic.
MAX_DOC_SHARE = 0.1
#: Articles whose lead stems a snapshot keeps (about 12 MB; it starts over when full).
LEADS_KEPT = 8_192
#: The model's best stems looked at per word wanted (all of them only when too few qualify).
MODEL_STEMS = 8

#: One article's title-and-lead stems: (stems, their counts, the number of stems).
Lead = tuple[tuple[str, ...], tuple[int, ...], int]

# Words that open a question (normalized), and the prepositions that may come before one
# (في اي عام). Plain strings: frozensets on first use (no work at import time).
QUESTION_WORDS = """
ما ماذا من متي كم اين كيف هل لماذا لمادا ماهي ماهو اي ايه بماذا لمن بكم ممن مما لما كيفيه
"""
QUESTION_PREPOSITIONS = "في علي الي من عن ب ل و"


@cache
def question_words() -> tuple[frozenset[str], frozenset[str]]:
    """(question words, prepositions that may come before one)."""
    return frozenset(QUESTION_WORDS.split()), frozenset(QUESTION_PREPOSITIONS.split())


def looks_like_question(text: str) -> bool:
    """Whether a query is a question: it ends with a question mark, or opens with a question
    word (after at most one preposition: في اي عام)."""
    stripped = text.strip()
    if stripped.endswith(("?", "؟")):
        return True
    asking, before = question_words()
    words = [normalize(w) for w in stripped.split()[:2]]
    if words and words[0] in asking:
        return True
    return len(words) == 2 and words[0] in before and words[1] in asking


def wants_feedback(options: RankingOptions, plan: QueryPlan) -> bool:
    """Whether a search of ``plan`` reads its first results (see the module docstring)."""
    if options.feedback == "on":
        return True
    if options.feedback == "off":
        return False
    n = plan.searched_words  # feedback_min_words is at least 1: a query of stop words is out
    return (
        options.feedback_min_words <= n <= options.feedback_max_words
        and not looks_like_question(plan.query.text)
    )


class StemIds:
    """Stems numbered in the order first seen, so a relevance model is a ``bincount``."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.stems: list[str] = []

    def of(self, stems: Iterable[str]) -> Any:
        ids, out = self.ids, []
        for stem in stems:
            i = ids.get(stem)
            if i is None:
                i = ids[stem] = len(self.stems)
                self.stems.append(stem)
            out.append(i)
        return np.asarray(out, dtype=np.int32)


#: One article's lead as a model reads it: stem ids (of a :class:`StemIds`), counts, total.
Counted = tuple[Any, Any, int]


def counted(lead: Lead, ids: StemIds) -> Counted:
    stems, counts, total = lead
    return ids.of(stems), np.asarray(counts, dtype=np.int32), total


class LeadStems:
    """The title-and-lead stems of a snapshot's articles, read and analyzed on first use and
    kept as numbered stems (at most :data:`LEADS_KEPT` articles, about 1.5 kB each; then it
    starts over): feedback reads the same first results of a popular query again and again."""

    def __init__(self, view: IndexView, analyzer: Any, limit: int = LEADS_KEPT) -> None:
        self.view = view
        self.analyzer = analyzer
        self.limit = limit
        self.numbers = StemIds()
        self._kept: dict[int, Counted] = {}

    def _get(self, docnum: int) -> Counted:
        got = self._kept.get(docnum)
        if got is None:
            stored = self.view.stored(docnum)
            text = f"{stored.get('title') or ''}\n{(stored.get('body') or '')[:LEAD_CHARS]}"
            counts = term_counts(self.analyzer, text)
            if len(self._kept) >= self.limit:
                self._start_over()
            got = self._kept[docnum] = (
                self.numbers.of(counts),
                np.fromiter(counts.values(), dtype=np.int32, count=len(counts)),
                sum(counts.values()),
            )
        return got

    def _start_over(self) -> None:
        self._kept.clear()
        self.numbers = StemIds()

    def __call__(self, docnum: int) -> Lead:
        """A document's lead stems (what a shard sends)."""
        ids, counts, total = self._get(docnum)
        stems = self.numbers.stems
        return tuple(stems[i] for i in ids.tolist()), tuple(counts.tolist()), total

    def counted(self, docnums: Sequence[int]) -> tuple[list[Counted], list[str]]:
        """The leads of ``docnums`` as numbered stems, and the stems by number (one
        numbering for all of them: the store starts over before the call, not during it)."""
        docs = [int(d) for d in docnums]
        if len(docs) > self.limit:  # more than it keeps: numbered for this call alone
            ids = StemIds()
            return [counted(self(d), ids) for d in docs], ids.stems
        if len(self._kept) + sum(d not in self._kept for d in docs) > self.limit:
            self._start_over()
        return [self._get(d) for d in docs], self.numbers.stems


def top_documents(scores: Any, matched: Any, n: int) -> Any:
    """The ``n`` best matched documents, best first (ties: lower document number first)."""
    cand = np.flatnonzero(matched)
    if not cand.size or n <= 0:
        return cand[:0]
    if cand.size > 4 * n:  # a partition first: a query may match most of the index
        cut = -np.partition(-scores[cand], n - 1)[n - 1]
        cand = cand[scores[cand] >= cut]
    return cand[np.argsort(-scores[cand], kind="stable")[:n]]


def relevance_model(
    firsts: Iterable[tuple[float, Counted]], stems: Sequence[str], best_n: int | None = None
) -> list[tuple[str, float]]:
    """RM1 over the first results, given as ``(score, lead)`` best first (``stems``: the
    stems by number): each stem's weight summed over the articles (the article's share of
    the best score times the stem's share of the article), best first (ties: the stem); the
    ``best_n`` best only, when given."""
    ids, weights = [], []
    best = 0.0
    for score, (numbers, counts, total) in firsts:
        best = best or float(score) or 1.0
        if total:
            ids.append(numbers)
            weights.append(counts * (float(score) / best / total))
    if not ids:
        return []
    p = np.bincount(np.concatenate(ids), weights=np.concatenate(weights))
    nz = np.flatnonzero(p)
    if best_n is not None and nz.size > best_n:
        cut = -np.partition(-p[nz], best_n - 1)[best_n - 1]
        nz = nz[p[nz] >= cut]  # ties at the cut all stay: the order below decides
    return sorted(((stems[i], float(p[i])) for i in nz.tolist()), key=lambda x: (-x[1], x[0]))


def feedback_words(
    model: Sequence[tuple[str, float]],
    words: Sequence[QueryWord],
    df: Callable[[str], int],
    doc_count: int,
    weights: dict[str, float],
    *,
    terms: int,
    weight: float,
) -> tuple[list[QueryWord], Expansion | None]:
    """The feedback words of a relevance ``model`` (:func:`relevance_model`): its best
    ``terms`` stems that are not the query's own and are in 2 to :data:`MAX_DOC_SHARE` of
    the ``doc_count`` documents (``df``: a stem's document frequency), and the
    :class:`~newsearch.expand.Expansion` that records them."""
    if terms <= 0:
        return [], None
    own = {t.token for w in words for t in w.terms}
    most = max(2, int(MAX_DOC_SHARE * doc_count))
    chosen: list[tuple[str, float]] = []
    for stem, p in model:
        if stem in own or len(stem) < 2:
            continue
        if 2 <= df(stem) <= most:
            chosen.append((stem, p))
        if len(chosen) == terms:
            break
    if not chosen:
        return [], None
    top_p = chosen[0][1]
    fields = [(f, w) for f, w in weights.items() if f in TEXT_FIELDS and w > 0]
    out = [
        QueryWord(tuple(Term(f, stem, w) for f, w in fields), weight * p / top_p, stem)
        for stem, p in chosen
    ]
    note = Expansion("feedback", "", tuple(s for s, _ in chosen), weight)
    return out, note


def choose_words(
    firsts: Sequence[tuple[float, Counted]],
    stems: Sequence[str],
    words: Sequence[QueryWord],
    frequencies: Callable[[Sequence[str]], Callable[[str], int]],
    doc_count: int,
    weights: dict[str, float],
    *,
    terms: int,
    weight: float,
) -> tuple[list[QueryWord], Expansion | None]:
    """:func:`feedback_words` of the :func:`relevance_model` of ``firsts``: its best
    ``MODEL_STEMS × terms`` stems, every stem only when too few of those qualify.
    ``frequencies(stems)`` gives the document-frequency lookup for those stems (a sharded
    index asks every shard for them at once)."""
    n = MODEL_STEMS * terms
    model = relevance_model(firsts, stems, n)
    out, note = feedback_words(
        model, words, frequencies([s for s, _ in model]), doc_count, weights,
        terms=terms, weight=weight,
    )  # fmt: skip
    if len(out) < terms and len(model) >= n:
        model = relevance_model(firsts, stems)
        out, note = feedback_words(
            model, words, frequencies([s for s, _ in model]), doc_count, weights,
            terms=terms, weight=weight,
        )  # fmt: skip
    return out, note
