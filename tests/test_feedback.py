"""Pseudo-relevance feedback (``newsearch.feedback``): when it reads the first results
(``auto``: short keyword queries, not questions), what it adds, that it only ranks what the
query matched again, and that its cheaper second pass scores as a full one would."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsearch import NewsIndex, RankingOptions, SearchRequest
from newsearch.errors import ConfigError
from newsearch.feedback import (
    LeadStems,
    StemIds,
    counted,
    looks_like_question,
    relevance_model,
    wants_feedback,
)
from newsearch.snapshot import scorer_for


def _article(i: int, title: str, body: str) -> dict[str, Any]:
    return {"id": f"a{i:03d}", "title": title, "body": body, "source": "test",
            "published": "2015-08-01T10:00:00Z"}  # fmt: skip


MARKETS = [
    "ارتفاع مؤشر البورصة في ختام التداولات",
    "أسعار النفط تتراجع مع زيادة المخزونات",
    "الذهب يستقر قرب أعلى مستوى في أسبوع",
    "البنك المركزي يبقي أسعار الفائدة دون تغيير",
]


@pytest.fixture(scope="module")
def index() -> NewsIndex:
    """One article names MERS (ميرس) beside كورونا; four more report كورونا cases (إصابات) at
    some length; three short ones report the injured (إصابات) of traffic accidents, which the
    query's words alone rank above them."""
    docs = [
        _article(
            0,
            "أول إصابات بفيروس ميرس",
            "سجلت وزارة الصحة إصابات بفيروس ميرس المعروف باسم كورونا متلازمة الشرق الأوسط "
            "التنفسية في مستشفى بالرياض.",
        )
    ]
    for i in range(4):
        docs.append(
            _article(
                len(docs),
                f"وزارة الصحة تسجل إصابات جديدة بفيروس كورونا {i}",
                "أعلنت وزارة الصحة تسجيل إصابات جديدة بفيروس كورونا متلازمة الشرق الأوسط "
                "التنفسية في مستشفى المدينة وقالت الوزارة إنها تتابع المخالطين والحالات "
                "المشتبه بها وتدعو إلى الوقاية.",
            )
        )
    for i in range(3):
        docs.append(
            _article(
                len(docs),
                f"إصابات في حادث تصادم {i}",
                "وقع حادث تصادم بين سيارتين على الطريق السريع ونقلت الإصابات إلى المستشفى.",
            )
        )
    for i in range(100):
        docs.append(_article(len(docs), f"{MARKETS[i % 4]} {i}", f"{MARKETS[(i + 1) % 4]}."))
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    return ix


def _search(index: NewsIndex, query: str, **options: Any) -> Any:
    with index.searcher() as s:
        return s.search(query, limit=20, highlight=False, suggest=False, **options)


def _feedback(results: Any) -> tuple[str, ...]:
    return next((e.added for e in results.expansions if e.kind == "feedback"), ())


def test_feedback_ranks_the_topic_above_other_uses_of_a_word(index: NewsIndex) -> None:
    off = _search(index, "إصابات ميرس", feedback="off")
    auto = _search(index, "إصابات ميرس")
    assert [h.id for h in off][:1] == [h.id for h in auto][:1] == ["a000"]
    # The query's words alone: the short accident titles with إصابات come next.
    assert [h.id for h in off][1:4] == ["a005", "a006", "a007"]
    # The first results' words (كورونا, فيروس, الصحة ...) rank the MERS articles next.
    assert {h.id for h in auto.hits[1:5]} == {"a001", "a002", "a003", "a004"}
    added = _feedback(auto)
    assert 0 < len(added) <= 10 and any(w.startswith("كورون") for w in added)
    assert not _feedback(off)
    # It ranks what the query matched again: nothing added, nothing lost.
    assert auto.total == off.total
    assert {h.id for h in auto} == {h.id for h in off}


def test_auto_reads_short_keyword_queries_only(index: NewsIndex) -> None:
    assert _feedback(_search(index, "إصابات ميرس"))
    assert _feedback(_search(index, "إصابات ميرس في الرياض"))  # في is not searched
    assert not _feedback(_search(index, "ما هي إصابات ميرس؟"))
    assert not _feedback(_search(index, "كم عدد إصابات ميرس"))
    # A word alone (often a name) is what its articles are about already.
    assert not _feedback(_search(index, "ميرس"))
    assert _feedback(_search(index, "ميرس", feedback_min_words=1))
    long = "إصابات ميرس في الرياض والمدينة وجدة"
    assert not _feedback(_search(index, long))
    assert _feedback(_search(index, long, feedback_max_words=5))
    assert _feedback(_search(index, long, feedback="on"))
    assert _feedback(_search(index, "كم عدد إصابات ميرس", feedback="on"))


@pytest.mark.parametrize(
    ("value", "mode"),
    [(True, "on"), (False, "off"), ("true", "on"), ("0", "off"), ("auto", "auto"), ("on", "on")],
)
def test_feedback_option_takes_modes_and_the_old_booleans(value: Any, mode: str) -> None:
    assert RankingOptions(feedback=value).feedback == mode


def test_a_bad_feedback_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="feedback"):
        RankingOptions(feedback="sometimes")


@pytest.mark.parametrize(
    "query",
    ["ما هي عاصمة اليمن", "متى تأسست الجامعة", "في أي عام ولد", "من هو رئيس الوزراء",
     "أين تقع المدينة", "عاصمة اليمن؟", "how many?"],
)  # fmt: skip
def test_questions_are_recognized(query: str) -> None:
    assert looks_like_question(query)


@pytest.mark.parametrize(
    "query", ["اصابات MERS في الرياض", "حطام الطائره الماليزيه", "في الرياض", "الملا عمر"]
)
def test_keyword_queries_are_not_questions(query: str) -> None:
    assert not looks_like_question(query)


@given(st.text(max_size=30))
def test_question_check_never_raises(text: str) -> None:
    assert looks_like_question(text) in (True, False)


@pytest.mark.parametrize("scorer", ["bm25f", "bm25", "tfidf", "recency"])
def test_the_second_pass_scores_as_a_full_rescoring(index: NewsIndex, scorer: str) -> None:
    """Additive scorers score only the added words; the sum equals scoring all words."""
    options = RankingOptions(scorer=scorer, feedback="on")
    with index.searcher(options) as s:
        request = SearchRequest("إصابات ميرس")
        plan = s.plan(request, options)
        scores, matched, _, _ = s.match(plan, options, "relevance")
        first, _, _, _ = s.match(plan, options.replace(feedback="off"), "relevance")
        extra, _ = s.feedback(plan, options, first, first > 0, s.snapshot)
        assert extra
        # The added words scored with the query's, the way a sharded index asks for them.
        again, matched_again, _, _ = s.match(plan, options, "relevance", added=extra)
        assert np.allclose(scores, again, rtol=1e-5, atol=1e-6)
        assert (matched == matched_again).all()
        if scorer_for(options).additive:
            words = list(plan.words)
            rescored = scorer_for(options).score(
                s.view, words + extra, s.snapshot.statistics(words + extra)
            )
            summed = scorer_for(options).score(
                s.view, words, s.snapshot.statistics(words)
            ) + scorer_for(options).score(s.view, extra, s.snapshot.statistics(extra))
            assert np.allclose(rescored, summed, rtol=1e-5, atol=1e-6)


def test_lead_stems_are_kept_within_their_bound(index: NewsIndex) -> None:
    with index.searcher() as s:
        fresh = LeadStems(s.view, s.snapshot.analyzers["body"], limit=2)
        firsts = [fresh(d) for d in range(3)]
        assert len(fresh._kept) <= 2 and len(fresh.numbers.stems) < 200
        again = LeadStems(s.view, s.snapshot.analyzers["body"])
        assert [again(d) for d in range(3)] == firsts
        stems, counts, total = firsts[0]
        assert total == sum(counts) and len(stems) == len(counts)
        assert "كورون" in stems or "كورونا" in stems


def test_lead_stems_number_a_call_alike_when_the_store_starts_over(index: NewsIndex) -> None:
    """A store that fills up starts over before a call, so one call's leads share one
    numbering (a 71k benchmark once met leads numbered across a reset)."""
    with index.searcher() as s:
        body = s.snapshot.analyzers["body"]
        small = LeadStems(s.view, body, limit=4)
        for docs in ([0, 1, 2], [3, 4, 5], [0, 6, 7, 8], list(range(9))):
            got, stems = small.counted(docs)
            assert len(small._kept) <= 4
            want = [LeadStems(s.view, body)(d) for d in docs]
            assert [tuple(stems[i] for i in ids) for ids, _, _ in got] == [w[0] for w in want]


def test_relevance_model_weights_articles_by_score() -> None:
    ids = StemIds()
    a = counted((("x", "y"), (1, 1), 2), ids)
    b = counted((("y", "z"), (1, 3), 4), ids)
    model = relevance_model([(2.0, a), (1.0, b)], ids.stems)
    got = dict(model)
    # y: in both; x: only in the better article; z: three times in the weaker one.
    assert got == pytest.approx({"x": 0.5, "y": 0.5 + 0.125, "z": 0.375})
    assert [s for s, _ in model] == ["y", "x", "z"]
    # The best one only (ties at the cut stay), and nothing from no articles.
    assert [s for s, _ in relevance_model([(2.0, a), (1.0, b)], ids.stems, 1)] == ["y"]
    assert relevance_model([], ids.stems) == []


@given(
    st.lists(
        st.tuples(
            st.floats(0.1, 50), st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 5))
        ),
        max_size=6,
    )
)
def test_relevance_model_is_rm1(docs: list[tuple[float, dict[str, int]]]) -> None:
    """The numbered model equals RM1 written out: sum over articles of score share times the
    stem's share of the article."""
    docs.sort(key=lambda x: -x[0])
    ids = StemIds()
    firsts = [(sc, counted((tuple(c), tuple(c.values()), sum(c.values())), ids)) for sc, c in docs]
    want: dict[str, float] = {}
    for sc, c in docs:
        for stem, n in c.items():
            if c:
                want[stem] = want.get(stem, 0.0) + sc / docs[0][0] * n / sum(c.values())
    got = dict(relevance_model(firsts, ids.stems))
    assert got == pytest.approx(want)


def test_wants_feedback_follows_the_mode(index: NewsIndex) -> None:
    with index.searcher() as s:
        short = s.plan(SearchRequest("إصابات ميرس"), s.options)
        assert short.searched_words == 2
        assert wants_feedback(RankingOptions(), short)
        assert not wants_feedback(RankingOptions(feedback="off"), short)
        stop_words_only = s.plan(SearchRequest("في من"), s.options)
        assert stop_words_only.searched_words == 0
        assert not wants_feedback(RankingOptions(), stop_words_only)


@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى ًٌٍَُِّْـ0123456789abc.,،", max_size=80))
def test_term_counts_count_what_the_analyzer_yields(text: str) -> None:
    from newsearch.analysis import get_analyzer
    from newsearch.positions import term_counts

    analyzer = get_analyzer("light")
    want: dict[str, int] = {}
    for t in analyzer(text, mode="index"):
        if t.text:
            want[t.text] = want.get(t.text, 0) + 1
    assert term_counts(analyzer, text) == want
