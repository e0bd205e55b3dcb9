"""The vectorized ranking path: postings read in blocks equal Whoosh's own, scores equal
Whoosh's or hand-computed values, deletions and segments are handled."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from newsearch.backend import IndexView
from newsearch.collect import top_k
from newsearch.index import NewsIndex
from newsearch.plan import QueryWord, Term
from newsearch.plan import query_words as plan_words
from newsearch.scoring import BM25F, BM25Sum, Scorer, TfIdf, build_scorer
from newsearch.stats import gather

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex.create(tmp_path_factory.mktemp("rank") / "ix")
    index.ingest(FIXTURE, progress=False, workers=1)
    return index


def _view(ix: NewsIndex) -> IndexView:
    return IndexView(ix.whoosh.searcher(), ix.cache)


def query_words(text: str, fields: list[tuple[str, float, object]]) -> list[QueryWord]:
    analyzers = {name: analyzer for name, _, analyzer in fields}
    return plan_words(text.split(), [(n, w) for n, w, _ in fields], analyzers, None)


def score(scorer: Scorer, view: IndexView, words: list[QueryWord]) -> np.ndarray:
    """Score with the snapshot's own collection statistics."""
    return scorer.score(view, words, gather(view, words))


def _whoosh_postings(reader: object, field: str, token: str) -> tuple[list[int], list[float]]:
    m = reader.postings(field, token)  # type: ignore[attr-defined]
    ids, tfs = [], []
    while m.is_active():
        ids.append(m.id())
        tfs.append(m.weight())
        m.next()
    return ids, tfs


def test_block_reads_equal_whooshs_postings(ix: NewsIndex) -> None:
    with ix.whoosh.searcher() as s:
        r = s.reader()
        view = _view(ix)
        terms = [t for t, _ in zip(r.lexicon("body"), range(400), strict=False)]
        frequent = sorted(terms, key=lambda t: -r.doc_frequency("body", t))[:5]
        for raw in [*terms[::37], *frequent]:
            token = raw.decode() if isinstance(raw, bytes) else raw
            want_ids, want_tf = _whoosh_postings(r, "body", token)
            ids, tf = view.postings("body", token)
            assert ids.tolist() == want_ids
            assert tf.tolist() == pytest.approx(want_tf)
        assert view.postings("body", "لاتوجدهذهالكلمة")[0].size == 0


def test_tfidf_equals_whooshs_tf_idf(ix: NewsIndex) -> None:
    from whoosh import query as wq
    from whoosh import scoring

    text = "وزير الخارجية الأمريكي في كوريا الشمالية"
    body = ix.whoosh.schema["body"].analyzer
    with ix.whoosh.searcher(weighting=scoring.TF_IDF()) as s:
        view = _view(ix)
        words = query_words(text, [("body", 1.0, body)])
        ours = score(TfIdf(), view, words)
        q = wq.Or([wq.Term("body", w.terms[0].token) for w in words])
        hits = s.search(q, limit=None)
        assert len(hits) == int((ours > 0).sum()) > 10
        for h in hits:
            assert ours[h.docnum] == pytest.approx(h.score, rel=1e-5)


def test_bm25f_by_hand_on_a_tiny_index() -> None:
    ix = NewsIndex.in_memory()
    ix.add({"id": "a", "title": "مطار", "body": "رحلة رحلة جوية"})
    ix.add({"id": "b", "title": "قمة", "body": "مطار جديد مطار كبير جدا هنا"})
    ix.add({"id": "c", "title": "طقس", "body": "امطار غزيرة"})
    ix.commit()
    k1, b = 1.2, 0.75
    with _view(ix) as view:
        word = QueryWord((Term("title", "مطار", 2.0), Term("body", "مطار", 1.0)))
        scores = score(BM25F(k1=k1, b=b), view, [word])
        avg_t = view.field_length("title") / view.doccount_all
        avg_b = view.field_length("body") / view.doccount_all
        lt, lb = view.lengths("title"), view.lengths("body")
        idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # matched in a (title) and b (body)
        by_id = {view.doc_id(d): d for d in range(3)}
        tf_a = 2.0 * 1 / ((1 - b) + b * lt[by_id["a"]] / avg_t)
        tf_b = 1.0 * 2 / ((1 - b) + b * lb[by_id["b"]] / avg_b)
        assert scores[by_id["a"]] == pytest.approx(idf * tf_a * (k1 + 1) / (k1 + tf_a), rel=1e-5)
        assert scores[by_id["b"]] == pytest.approx(idf * tf_b * (k1 + 1) / (k1 + tf_b), rel=1e-5)
        assert scores[by_id["c"]] == 0.0


def test_bm25f_counts_a_word_once_across_fields() -> None:
    """BM25F saturates the combined frequency: a title+body match of one word scores less
    than the per-field sum does, so documents matching more words win."""
    ix = NewsIndex.in_memory()
    ix.add({"id": "both", "title": "ليبيا", "body": "ليبيا اليوم"})
    ix.add({"id": "two-words", "title": "ليبيا", "body": "طرابلس اليوم"})
    for i in range(8):
        ix.add({"id": f"x{i}", "title": "خبر", "body": f"نص عادي رقم {i}"})
    ix.commit()
    analyzer = ix.whoosh.schema["title"].analyzer
    fields = [("title", 1.0, analyzer), ("body", 1.0, analyzer)]
    with _view(ix) as view:
        words = query_words("ليبيا طرابلس", fields)
        for scorer, winner in ((BM25F(), "two-words"), (BM25Sum(), None)):
            docs, _ = top_k(score(scorer, view, words), 2)
            if winner:
                assert view.doc_id(int(docs[0])) == winner


def test_deleted_documents_are_never_ranked_and_segments_agree(tmp_path: Path) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest(FIXTURE, progress=False, workers=1, batch_size=100)
    analyzer = ix.whoosh.schema["body"].analyzer
    words_text = "الحكومة تعلن عن خطة اقتصادية جديدة"

    def ranking() -> list[str]:
        with _view(ix) as view:
            words = query_words(words_text, [("body", 1.0, analyzer)])
            docs, _ = top_k(score(build_scorer("bm25f"), view, words), 20)
            return [view.doc_id(int(d)) for d in docs]

    before = ranking()
    assert len(before) == 20
    ix.delete(before[0])
    ix.commit(merge=False)
    after = ranking()
    assert before[0] not in after and after[:5] == before[1:6]
    ix.optimize()
    merged = ranking()
    # One merged segment ranks like several; only the collection statistics move a little
    # (a deleted article's length leaves the average once it is merged away).
    assert len(set(merged) & set(after)) >= 18 and merged[:3] == after[:3]


def test_top_k_orders_by_score_then_docnum() -> None:
    scores = np.array([0.0, 2.0, 1.0, 2.0, 0.5], dtype=np.float32)
    docs, vals = top_k(scores, 3)
    assert docs.tolist() == [1, 3, 2] and vals.tolist() == [2.0, 2.0, 1.0]
    assert top_k(np.zeros(3, dtype=np.float32), 5)[0].size == 0
    allowed = np.array([True, False, True, True, True])
    assert top_k(scores, 2, allowed)[0].tolist() == [3, 2]


def test_query_words_pair_stem_and_exact_forms(ix: NewsIndex) -> None:
    schema = ix.whoosh.schema
    fields = [
        ("title", 2.0, schema["title"].analyzer),
        ("title_exact", 0.5, schema["title_exact"].analyzer),
    ]
    words = query_words("والحكومة في الحكومة", fields)
    assert len(words) == 2  # في is a stop word; the two forms of one stem stay two words
    for w in words:
        assert [t.field for t in w.terms] == ["title", "title_exact"]
    assert words[0].terms[0].token == words[1].terms[0].token  # same stem
    assert words[0].terms[1].token != words[1].terms[1].token  # two exact forms
    again = query_words("الحكومة الحكومة", fields)
    assert len(again) == 2 and again[0] == again[1]  # a repeated word counts twice
    assert query_words("", fields) == [] and query_words("في من", fields) == []


def test_scorer_registry_rejects_bad_parameters() -> None:
    from newsearch.errors import ConfigError, UnknownComponentError

    with pytest.raises(UnknownComponentError, match="bm25f"):
        build_scorer("nope")
    with pytest.raises(ConfigError):
        build_scorer("bm25f", k1=-1)
    with pytest.raises(ConfigError):
        build_scorer("bm25f", title_x=0.3)
    with pytest.raises(ConfigError):
        build_scorer("tfidf", k1=1.0)
    assert build_scorer("bm25f", title_b=0.2).b_for("title_exact") == 0.2  # type: ignore[attr-defined]


def test_recency_scorer_blends_freshness(ix: NewsIndex) -> None:
    from newsearch.scoring import Recency

    analyzer = ix.whoosh.schema["body"].analyzer
    with _view(ix) as view:
        words = query_words("الرئيس", [("body", 1.0, analyzer)])
        rel = score(BM25F(), view, words)
        fresh = score(Recency(half_life_days=1.0, weight=5.0), view, words)
        assert set(np.flatnonzero(fresh)) == set(np.flatnonzero(rel))  # same matches
        ts = view.timestamps()
        top_fresh = int(np.argmax(fresh))
        newest_match = int(np.flatnonzero(rel)[np.nanargmax(ts[np.flatnonzero(rel)])])
        assert ts[top_fresh] == ts[newest_match]  # a strong freshness weight: newest first
        assert np.argmax(score(Recency(weight=0.0), view, words)) == np.argmax(rel)
    assert build_scorer("recency", half_life_days=3, k1=1.0).params()["k1"] == 1.0  # type: ignore[attr-defined]


def test_scores_do_not_depend_on_the_merge_history(tmp_path: Path) -> None:
    # The same articles, written in three ingests (three segments, each with Whoosh's exact
    # length totals) and then merged into one (whose totals Whoosh sums from the stored,
    # rounded lengths): the collection statistics, and so the scores, are the same.
    import json

    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    ix = NewsIndex.create(tmp_path / "ix")
    for part in (records[:100], records[100:200], records[200:]):
        ix.ingest(part, progress=False, workers=1)

    def answers() -> tuple[int, list[tuple[str, float]]]:
        with ix.searcher() as s:
            r = s.search("الحكومة تعلن عن خطة اقتصادية جديدة", limit=20, highlight=False)
            return len(s.view.segments), [(h.id, h.score) for h in r]

    segments, before = answers()
    ix.optimize()
    merged, after = answers()
    assert segments > 1 and merged == 1
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-6)
