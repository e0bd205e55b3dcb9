"""The search pipeline's seams: a plan made without an index, and scoring with collection
statistics given from outside (the shard equivalence that a sharded index relies on)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsearch.analysis import get_analyzer
from newsearch.index import NewsIndex
from newsearch.plan import VARIANT_WEIGHT, QueryWord, plan_search
from newsearch.query import parse_query
from newsearch.request import Filters, RankingOptions, RelatedRequest, SearchRequest
from newsearch.search import Searcher
from newsearch.stats import CollectionStats

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]


# --- the plan, without an index --------------------------------------------------------------


class _Vocabulary:
    """A vocabulary from a dictionary: what the planner may ask, answered by hand."""

    def __init__(self, variants: dict[str, list[str]], known: set[str]) -> None:
        self._variants = variants
        self._known = known

    def variants(self, token: str) -> list[str]:
        return self._variants.get(token, [])

    def joined(self, tokens: Sequence[str]) -> list[str]:
        word = "".join(tokens)
        return [word] if word in self._known else []

    def known(self, field: str, token: str) -> bool:
        return token in self._known

    def corrections(self, word: str, limit: int = 3) -> list[str]:
        return []

    def frequency(self, field: str, token: str) -> int:
        return 5 if token in self._known else 0

    def size(self) -> int:
        return 1000


def _analyzers() -> dict[str, Any]:
    light, exact = get_analyzer("light"), get_analyzer("exact")
    # The pair fields only need to exist: pairs are made with the title's analyzer.
    return {"title": light, "body": light, "title_exact": exact, "title_pairs": light}


def test_plan_is_made_from_analyzers_and_vocabulary_alone() -> None:
    analyzers = _analyzers()
    stem = next(iter(analyzers["title"]("بيونغ", mode="query"))).text
    vocab = _Vocabulary({stem: ["بيونج"]}, known={"بيونغيانغ"})
    parsed = parse_query('بيونغ يانغ -صواريخ "القمة التاريخية" source:BBC')
    plan = plan_search(
        parsed,
        filters=Filters(sources=("BBC", "CNN")),
        fields=("title", "body"),
        options=RankingOptions(),
        analyzers=analyzers,
        vocabulary=vocab,
    )
    main = [w for w in plan.words if w.weight == 1.0]
    assert [w.text for w in main] == ["بيونغ", "يانغ", "القمة", "التاريخية"]
    assert {t.field for t in main[0].terms} == {"title", "body", "title_exact"}
    variant_words = [w for w in plan.words if w.weight == VARIANT_WEIGHT]
    assert any(t.token == "بيونج" for w in variant_words for t in w.terms)
    assert any(t.token == "بيونغيانغ" for w in variant_words for t in w.terms)  # joined
    pairs = [w for w in plan.words if any(t.field.endswith("_pairs") for t in w.terms)]
    assert pairs and all(w.weight == pytest.approx(0.15) for w in pairs)
    assert plan.filters.sources == ("BBC",)  # narrowed by the query's own source:
    assert plan.excluded_terms and plan.phrases and not plan.phrases_required
    off = plan_search(
        parsed,
        filters=Filters(),
        fields=("body",),
        options=RankingOptions(variants=False, proximity=0),
        analyzers=analyzers,
        vocabulary=vocab,
    )
    assert all(w.weight == 1.0 for w in off.words)
    assert {t.field for w in off.words for t in w.terms} == {"body"}


def test_plan_of_filters_only_lists_and_of_stop_words_finds_nothing() -> None:
    vocab = _Vocabulary({}, set())
    kw: dict[str, Any] = dict(
        fields=("title", "body"), options=RankingOptions(), analyzers=_analyzers(), vocabulary=vocab
    )
    assert plan_search(parse_query(""), filters=Filters(sources=("BBC",)), **kw).listing
    assert not plan_search(parse_query(""), filters=Filters(), **kw).listing
    stop = plan_search(parse_query("في من"), filters=Filters(sources=("BBC",)), **kw)
    assert not stop.words and not stop.listing


# --- collection statistics from outside: two shards score as one index -----------------------


class _Merged:
    """The statistics of several shards merged: what a sharded searcher hands each shard."""

    def __init__(self, shards: list[Searcher]) -> None:
        self.shards = shards

    @property
    def doc_count(self) -> int:
        return sum(s.snapshot.doc_count for s in self.shards)

    def statistics(self, words: Sequence[QueryWord]) -> CollectionStats:
        return CollectionStats.merge(s.snapshot.statistics(words) for s in self.shards)

    def document_frequency(self, field: str, token: str) -> int:
        return sum(s.snapshot.document_frequency(field, token) for s in self.shards)


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[NewsIndex, list[NewsIndex]]:
    root = tmp_path_factory.mktemp("shards")
    whole = NewsIndex.create(root / "whole")
    whole.ingest(ARTICLES, progress=False, workers=1)
    shards = [NewsIndex.create(root / f"shard{i}") for i in range(2)]
    for i, shard in enumerate(shards):
        shard.ingest(ARTICLES[i::2], progress=False, workers=1)
    return whole, shards


def _fused(results: list[list[tuple[str, float]]], k: int) -> list[tuple[str, float]]:
    hits = [h for r in results for h in r]
    return sorted(hits, key=lambda h: -h[1])[:k]


def _same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    """Equal scores, and equal ids up to the order of tied scores."""
    assert [s for _, s in got] == [s for _, s in want]
    by_score: dict[float, set[str]] = {}
    for i, s in want:
        by_score.setdefault(s, set()).add(i)
    for i, s in got:
        assert i in by_score[s]


QUERIES = [
    "كوريا الشمالية",
    "الرئيس الأمريكي ترامب",
    '"القمة التاريخية" بيونغ يانغ',
    "أسعار النفط -السعودية",
    "كرة القدم كأس العالم",
]


@pytest.mark.parametrize("scorer", ["bm25f", "bm25", "tfidf"])
def test_shards_scored_with_merged_statistics_equal_the_whole_index(
    indexes: tuple[NewsIndex, list[NewsIndex]], scorer: str
) -> None:
    whole, shards = indexes
    # Feedback reads the first results of the whole index: a round of the cluster searcher
    # (tests/test_cluster.py), not of a shard's own pipeline.
    options = RankingOptions(scorer=scorer, feedback="off")
    with whole.searcher(options) as one:
        parts = [s.searcher(options) for s in shards]
        merged = _Merged(parts)
        for text in QUERIES:
            request = SearchRequest(text, limit=20, highlight=False, suggest=False)
            want = [(h.id, h.score) for h in one.run(request)]
            # A sharded search plans once with every shard's vocabulary (the whole index's).
            plan = one.plan(request, options)
            got = _fused(
                [[(h.id, h.score) for h in p.run(request, stats=merged, plan=plan)] for p in parts],
                20,
            )
            assert len(want) >= 5
            _same_ranking(got, want)
            # With each shard's own statistics, scores differ: the merge is what makes them equal.
            local = _fused([[(h.id, h.score) for h in p.run(request)] for p in parts], 20)
            assert [s for _, s in local] != [s for _, s in want]
        for p in parts:
            p.close()


def test_related_news_on_shards_with_merged_statistics_equals_the_whole_index(
    indexes: tuple[NewsIndex, list[NewsIndex]],
) -> None:
    whole, shards = indexes
    with whole.searcher() as one:
        parts = [s.searcher() for s in shards]
        merged = _Merged(parts)
        for article in ARTICLES[:40:8]:
            source = {k: article[k] for k in ("id", "title", "body", "published")}
            request = RelatedRequest(source, k=10, collapse=False)
            want = [(h.id, h.score) for h in one.related(request)]
            got = _fused(
                [[(h.id, h.score) for h in p.related(request, stats=merged)] for p in parts], 10
            )
            assert want
            _same_ranking(got, want)
        for p in parts:
            p.close()


def test_statistics_merge_by_addition() -> None:
    a = CollectionStats(3, 4, {"body": 10}, {("body", "x"): 1}, {(("body", "x"),): 1})
    b = CollectionStats(5, 5, {"body": 7, "title": 2}, {("body", "x"): 2}, {})
    m = CollectionStats.merge([a, b])
    assert (m.doc_count, m.doc_count_all) == (8, 9)
    assert m.field_length == {"body": 17, "title": 2} and m.term_df == {("body", "x"): 3}
    assert m.average_length("body") == pytest.approx(17 / 9)
