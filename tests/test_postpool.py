"""The grouped posting pool (postpool) writes the same segment as Whoosh's own pool: every
term, posting, term statistic, stored field and length, with and without spilling to disk,
for posting lists that span several blocks, and through the worker processes."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import orjson
import pytest
from whoosh.writing import SegmentWriter

from newsearch import mpwriter, postpool
from newsearch.index import NewsIndex
from newsearch.mpwriter import CommitHook
from newsearch.segwriter import StreamingMerge

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]


class _WhooshPoolWriter(CommitHook, StreamingMerge, SegmentWriter):
    """The one-process writer as it was: Whoosh's posting pool and posting-by-posting flush."""


class _WhooshPoolWorker(StreamingMerge, SegmentWriter):
    """A worker process's writer as it was."""


def _dump(ix: NewsIndex) -> list[Any]:
    """Everything a segment holds that a search reads, in order."""
    out: list[Any] = []
    with ix._ix.reader() as r:
        for field, text in r.all_terms():
            m = r.postings(field, text)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            ti = r.term_info(field, text)
            stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length())
            out.append((field, text, postings, stats, ti.max_weight(), ti.min_id(), ti.max_id()))
        for d in range(r.doc_count_all()):
            lengths = [r.doc_field_length(d, f) for f in sorted(r.schema.scorable_names())]
            out.append((sorted(r.stored_fields(d).items(), key=str), lengths))
    return out


def _build(path: Path, articles: list[dict[str, Any]], **kwargs: Any) -> list[Any]:
    ix = NewsIndex.create(path)
    ix.ingest(articles, progress=False, **kwargs)
    try:
        return _dump(ix)
    finally:
        ix.close()


@pytest.fixture
def whoosh_pool(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use() -> None:
        monkeypatch.setattr(mpwriter, "HookedSegmentWriter", _WhooshPoolWriter)
        monkeypatch.setattr(mpwriter, "_WorkerWriter", _WhooshPoolWorker)  # workers fork

    return use


def test_one_process_writes_what_whooshs_pool_writes(tmp_path: Path, whoosh_pool: Any) -> None:
    # Articles without a body among them: a field's lengths are read for every document.
    articles = [*ARTICLES[:50], {"id": "t1", "title": "عنوان بلا نص"}, *ARTICLES[50:]]
    grouped = _build(tmp_path / "grouped", articles, workers=1)
    whoosh_pool()
    plain = _build(tmp_path / "plain", articles, workers=1)
    assert len(grouped) > 10_000
    assert grouped == plain


def test_a_spilled_pool_writes_the_same(
    tmp_path: Path, whoosh_pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spills: list[int] = []
    spill = postpool.GroupedPool.spill

    def counted(self: postpool.GroupedPool) -> None:
        spills.append(self.count)
        spill(self)

    monkeypatch.setattr(postpool.GroupedPool, "spill", counted)
    monkeypatch.setattr(postpool, "_BYTES_PER_POSTING", 1 << 20)  # limitmb postings: 128
    grouped = _build(tmp_path / "grouped", ARTICLES, workers=1)
    assert len(spills) > 10
    monkeypatch.undo()
    whoosh_pool()
    assert grouped == _build(tmp_path / "plain", ARTICLES, workers=1)


def test_long_posting_lists_span_blocks_as_whoosh_writes_them(
    tmp_path: Path, whoosh_pool: Any
) -> None:
    # 300 articles sharing words: posting lists of 300 (three blocks of 128 and one of 44).
    base = ARTICLES[0]
    many = [
        {**base, "id": f"n{i}", "title": f"{base['title']} رقم{i % 7}", "body": base["body"][:400]}
        for i in range(300)
    ]
    grouped = _build(tmp_path / "grouped", many, workers=1)
    whoosh_pool()
    plain = _build(tmp_path / "plain", many, workers=1)
    assert max(len(row[2]) for row in grouped if len(row) == 7) == 300
    assert grouped == plain


def test_two_worker_processes_write_the_same(tmp_path: Path, whoosh_pool: Any) -> None:
    grouped = _build(tmp_path / "grouped", ARTICLES, workers=2, batch_size=len(ARTICLES))
    whoosh_pool()
    assert grouped == _build(tmp_path / "plain", ARTICLES, workers=2, batch_size=len(ARTICLES))


def test_the_pool_groups_postings_by_field_and_term_in_document_order(tmp_path: Path) -> None:
    pool = postpool.GroupedPool(None, limitmb=1)
    pool.add(("b", b"x", 0, 1.0, b""))
    pool.add(("a", b"y", 0, 2.0, None))
    pool.add(("b", b"w", 1, 1.0, b""))
    pool.add(("b", b"x", 2, 3.0, b"v"))
    assert list(pool.iter_postings()) == [
        ("a", b"y", 0, 2.0, None),
        ("b", b"w", 1, 1.0, b""),
        ("b", b"x", 0, 1.0, b""),
        ("b", b"x", 2, 3.0, b"v"),
    ]
    assert pool.count == 4
    assert pickle.loads(pickle.dumps(list(pool.iter_postings()))) == list(pool.iter_postings())
