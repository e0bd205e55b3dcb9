"""Scorers (Whoosh weighting models) in a registry, chosen per search.

The analyzer is fixed when an index is built; the scorer is not: the same index answers with
``bm25f``, ``bm25`` or ``tfidf`` and any parameters, so a benchmark compares scorers without
re-indexing. A :class:`ScorerSpec` names one (``ScorerSpec("bm25f", {"k1": 1.2, "b": 0.75})``)
and :func:`build_scorer` makes the :class:`Scorer`, which ranks with numpy over the postings of
:mod:`newsearch.backend` and also names its closest Whoosh weighting model.

A scorer receives the collection statistics it uses (:class:`~newsearch.stats.CollectionStats`:
document counts, average field lengths, document frequencies) and reads only postings and
lengths from the view, so a shard scored with merged statistics scores as the whole index.

Field weights (title over body, exact-form matches over stem-only matches) are not part of the
scorer: they are query boosts, see :data:`newsearch.request.DEFAULT_FIELD_WEIGHTS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError, UnknownComponentError
from .stats import word_key

if TYPE_CHECKING:
    import numpy.typing as npt

    from .backend import FloatArray, IndexView
    from .plan import QueryWord
    from .stats import CollectionStats

__all__ = [
    "BM25F",
    "DEFAULT_BM25",
    "BM25Sum",
    "Recency",
    "Scorer",
    "ScorerSpec",
    "TfIdf",
    "build_scorer",
    "recency_blend",
    "register_scorer",
    "scorer_names",
]

#: BM25 parameters of the default setup, chosen on the four dev tasks (docs/benchmarks.md):
#: b 0.9 rather than the usual 0.75 gained on every task with long documents (ARCD +0.017
#: nDCG@10) and cost at most 0.0006 elsewhere.
DEFAULT_BM25: dict[str, float] = {"k1": 1.2, "b": 0.9}
#: A word with other spellings joined (``QueryWord.first``): the share of its score range
#: below which its documents without the spelling typed stay (docs/search.md, "Expansions").
FIRST_SHARE = 0.5


class Scorer:
    """A ranking function over :mod:`newsearch.backend`'s postings.

    :meth:`score` returns one score per document (0 = no match) for a list of query words,
    given the collection statistics (see the module docstring);
    :meth:`whoosh` gives the closest Whoosh weighting model, used where a query needs
    Whoosh's own matching (phrases, the advanced syntax).
    """

    name = "scorer"
    #: Whether :meth:`score` ranks a word's ``first`` documents (the spelling typed) above
    #: its other documents; if not, search multiplies their score instead.
    ranks_first = False
    #: Whether the score of some words is the sum of each word's score (feedback then
    #: scores only the words it adds).
    additive = False

    def params(self) -> dict[str, Any]:
        return {}

    def score(
        self, view: IndexView, words: Sequence[QueryWord], stats: CollectionStats
    ) -> FloatArray:
        raise NotImplementedError

    def whoosh(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def _idf_bm25(n_docs: int, df: int) -> float:
    # Lucene's BM25 idf: never negative, even for words in most documents.
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class BM25F(Scorer):
    """BM25F (Robertson, Zaragoza & Taylor 2004): a word's frequencies in every field, each
    length-normalized with its field's ``b`` and multiplied by the field's weight, are added
    *before* the ``k1`` saturation, and the word gets one idf (documents matching it in any
    field). A word in the title and the body is therefore not counted as two words, which a
    per-field sum (:class:`BM25Sum`, Whoosh's and Lucene ``most_fields``) does.
    """

    name = "bm25f"
    ranks_first = True
    additive = True

    def __init__(
        self, k1: float = DEFAULT_BM25["k1"], b: float = DEFAULT_BM25["b"], **field_b: float
    ) -> None:
        if k1 < 0 or not 0 <= b <= 1:
            raise ConfigError(f"{self.name} needs k1 >= 0 and 0 <= b <= 1 (got k1={k1}, b={b})")
        self.k1 = float(k1)
        self.b = float(b)
        self.field_b: dict[str, float] = {}
        for key, value in field_b.items():
            # ``title_b=0.3`` sets b for the title only.
            if not key.endswith("_b") or not 0 <= value <= 1:
                raise ConfigError(
                    f"unknown {self.name} parameter {key}={value!r}; known: k1, b, <field>_b"
                )
            self.field_b[key[:-2]] = float(value)

    def params(self) -> dict[str, Any]:
        return {"k1": self.k1, "b": self.b, **{f"{f}_b": v for f, v in self.field_b.items()}}

    def b_for(self, field: str) -> float:
        return self.field_b.get(field, self.field_b.get(field.removesuffix("_exact"), self.b))

    def score(
        self, view: IndexView, words: Sequence[QueryWord], stats: CollectionStats
    ) -> FloatArray:
        n = view.doccount_all
        scores = np.zeros(n, dtype=np.float32)
        acc = np.zeros(n, dtype=np.float32)  # reused: only touched entries are reset
        k1 = self.k1
        for word in words:
            key = word_key(word)
            # The live documents matching the word in any field: a sort of its postings.
            hit = view.word_docs(key)
            if not hit.size:
                continue
            touched = []
            for t in word.terms:
                ids, tf = view.postings(t.field, t.token)
                if ids.size:
                    norm = view.norm(t.field, self.b_for(t.field), stats.average_length(t.field))
                    acc[ids] += (t.weight * tf) * norm[ids]
                    touched.append(ids)
            s = acc[hit]
            for ids in touched:
                acc[ids] = 0.0
            idf = _idf_bm25(stats.doc_count, stats.word_df[key])
            sat = s / (k1 + s)
            if word.first:
                # The spelling typed first: its documents take the upper part of the word's
                # score range, the other spellings' the lower, each still ranked by BM25F. A
                # factor on the whole score (1.25) let frequent spellings outrank it, and a
                # larger one let a name outweigh the query's other words.
                first = np.isin(hit, view.word_docs(word.first), assume_unique=True)
                sat = np.where(first, FIRST_SHARE + (1.0 - FIRST_SHARE) * sat, FIRST_SHARE * sat)
            scores[hit] += (word.weight * idf * (k1 + 1.0)) * sat
        return scores

    def whoosh(self) -> Any:
        from whoosh import scoring

        per_field = {f"{f}_B": v for f, v in self.field_b.items()}
        return scoring.BM25F(B=self.b, K1=self.k1, **per_field)


class BM25Sum(BM25F):
    """BM25 per field, summed over fields (what Whoosh's ``BM25F`` and Lucene's
    ``most_fields`` compute): each (field, word) saturates and gets its own idf."""

    name = "bm25"

    def score(
        self, view: IndexView, words: Sequence[QueryWord], stats: CollectionStats
    ) -> FloatArray:
        n = view.doccount_all
        scores = np.zeros(n, dtype=np.float32)
        k1 = self.k1
        for word in words:
            for t in word.terms:
                ids, tf = view.postings(t.field, t.token)
                if not ids.size:
                    continue
                idf = _idf_bm25(stats.doc_count, stats.term_df[(t.field, t.token)])
                avg = stats.average_length(t.field)
                inv = view.norm(t.field, self.b_for(t.field), avg)[ids]
                scores[ids] += (word.weight * t.weight * idf) * tf * (k1 + 1.0) / (tf + k1 / inv)
        if view.deleted.size:
            scores[view.deleted] = 0.0
        return scores


class TfIdf(Scorer):
    """Whoosh's TF-IDF (``tf * (log(N / (df + 1)) + 1)``) per (field, word), weighted and
    summed: no length normalization, no saturation. A comparison point."""

    name = "tfidf"
    additive = True

    def score(
        self, view: IndexView, words: Sequence[QueryWord], stats: CollectionStats
    ) -> FloatArray:
        n = view.doccount_all
        scores = np.zeros(n, dtype=np.float32)
        for word in words:
            for t in word.terms:
                ids, tf = view.postings(t.field, t.token)
                if ids.size:
                    df = stats.term_df[(t.field, t.token)]
                    idf = math.log(stats.doc_count / (df + 1)) + 1.0
                    scores[ids] += (word.weight * t.weight * idf) * tf
        if view.deleted.size:
            scores[view.deleted] = 0.0
        return scores

    def whoosh(self) -> Any:
        from whoosh import scoring

        return scoring.TF_IDF()


def recency_blend(
    view: IndexView,
    relevance: FloatArray,
    docs: npt.NDArray[np.int64],
    *,
    half_life_days: float,
    weight: float,
    now: float | None = None,
    top: float | None = None,
) -> FloatArray:
    """``relevance / max + weight * 0.5 ** (age / half_life)`` for ``docs`` (age in days from
    ``now``, seconds since 1970; default: the newest article of the index, so an archive keeps
    its order over time; an article with no date counts as very old). ``top``: the ``max``
    (default: the best relevance among ``docs``; a sharded index passes every shard's)."""
    ts_all = view.timestamps("published")
    if now is None:
        finite = ts_all[~np.isnan(ts_all)]
        now = float(finite.max()) if finite.size else 0.0
    ts = ts_all[docs]
    age = np.clip((now - np.nan_to_num(ts, nan=-np.inf)) / 86400.0, 0.0, None)
    fresh = np.power(0.5, age / max(half_life_days, 1e-6))
    rel = relevance[docs]
    if top is None:
        top = float(rel.max()) if rel.size else 0.0
    return ((rel / top if top > 0 else rel) + weight * fresh).astype(np.float32)


class Recency(Scorer):
    """News-aware ranking for "latest news": BM25F relevance (scaled to 0..1 within the
    query) plus ``weight`` times a freshness that halves every ``half_life_days``. Only
    documents that match the query are scored."""

    name = "recency"

    def __init__(
        self,
        half_life_days: float = 7.0,
        weight: float = 0.5,
        now: float | None = None,
        **bm25f: float,
    ) -> None:
        if half_life_days <= 0 or weight < 0:
            raise ConfigError("recency needs half_life_days > 0 and weight >= 0")
        self.base = BM25F(**bm25f)
        self.half_life_days = float(half_life_days)
        self.weight = float(weight)
        self.now = now

    def params(self) -> dict[str, Any]:
        return {"half_life_days": self.half_life_days, "weight": self.weight,
                **self.base.params()}  # fmt: skip

    def score(
        self, view: IndexView, words: Sequence[QueryWord], stats: CollectionStats
    ) -> FloatArray:
        rel = self.base.score(view, words, stats)
        docs = np.flatnonzero(rel > 0)
        out = np.zeros_like(rel)
        if docs.size:
            out[docs] = recency_blend(
                view, rel, docs, half_life_days=self.half_life_days, weight=self.weight,
                now=self.now,
            )  # fmt: skip
        return out

    def whoosh(self) -> Any:
        return self.base.whoosh()


_SCORERS: dict[str, Callable[..., Scorer]] = {
    "bm25f": BM25F,
    "bm25": BM25Sum,
    "tfidf": TfIdf,
    "recency": Recency,
}
_DESCRIPTIONS = {
    "bm25f": "BM25F: field frequencies weighted and combined before saturation (k1, b, <field>_b)",
    "bm25": "BM25 per field, summed over fields (Whoosh BM25F, Lucene most_fields)",
    "tfidf": "Whoosh-style TF-IDF, summed over fields (comparison)",
    "recency": "BM25F blended with freshness (half_life_days, weight): latest news",
}


def register_scorer(name: str, factory: Callable[..., Scorer], description: str = "") -> None:
    """Register ``factory(**params) -> Scorer`` under ``name``."""
    _SCORERS[name] = factory
    _DESCRIPTIONS[name] = description


def scorer_names() -> dict[str, str]:
    """Registered scorer names and a one-line description of each."""
    return {name: _DESCRIPTIONS.get(name, "") for name in sorted(_SCORERS)}


@dataclass(frozen=True)
class ScorerSpec:
    """A scorer by registry name and parameters (JSON/TOML friendly)."""

    name: str = "bm25f"
    params: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> Scorer:
        return build_scorer(self.name, **dict(self.params))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params)}


def build_scorer(name: str = "bm25f", **params: Any) -> Scorer:
    """A scorer from the registry. Unknown names and parameters raise
    :class:`~newsearch.errors.ConfigError` listing the valid ones.

    >>> build_scorer("bm25f", k1=1.5, b=0.6, title_b=0.3)
    BM25F(k1=1.5, b=0.6, title_b=0.3)
    """
    try:
        factory = _SCORERS[name]
    except KeyError:
        raise UnknownComponentError("scorer", name, list(_SCORERS)) from None
    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(f"scorer {name!r}: {exc}") from None
