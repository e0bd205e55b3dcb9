"""What a fresh process pays for its first search: opening reads no segment whole, and a plain
search loads no module it does not use."""

from __future__ import annotations

import io
import pickle
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.reading import ReaderClosed

from newsearch.arrays import sorted_unique
from newsearch.backend import IndexView
from newsearch.index import NewsIndex
from newsearch.viewfile import ViewFile

SRC = Path(__file__).parents[1] / "src"


def test_a_view_file_reads_like_bytesio() -> None:
    rng = random.Random(7)
    objects: list[Any] = [("ids", list(range(k)), {"w": k / 3}) for k in range(40)]
    objects.insert(20, ("longer than a peek", list(range(5_000)), "x" * 9_000))
    data = b"".join(pickle.dumps(o, protocol=-1) for o in objects) + b"line\nlast"
    view, ref = ViewFile(memoryview(data)), io.BytesIO(data)
    assert [pickle.load(view) for _ in objects] == objects
    assert [pickle.load(ref) for _ in objects] == objects
    assert view.tell() == ref.tell()
    assert view.readline() == ref.readline() == b"line\n"
    assert view.readline() == ref.readline() == b"last"
    for _ in range(500):
        op = rng.choice(["read", "seek", "seek1", "seek2", "line"])
        n = rng.randrange(-1, len(data) + 5)
        if op == "read":
            assert view.read(n) == ref.read(n)
        elif op == "seek":
            assert view.seek(abs(n)) == ref.seek(abs(n))
        elif op == "seek1":
            assert view.seek(-view.tell() // 2, 1) == ref.seek(-ref.tell() // 2, 1)
        elif op == "seek2":
            assert view.seek(-min(n, 3), 2) == ref.seek(-min(n, 3), 2)
        else:
            assert view.readline(n) == ref.readline(n)
        assert view.tell() == ref.tell()


def test_sorted_unique_is_numpys_unique() -> None:
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 50, 1000):
        ids = rng.integers(0, 40, size=size).astype(np.int64)
        assert np.array_equal(sorted_unique(ids), np.unique(ids))


def test_opening_a_searcher_does_not_copy_the_segments(fixture_index_dir: Path) -> None:
    segment_bytes = sum(p.stat().st_size for p in fixture_index_dir.glob("*.seg"))
    ix = NewsIndex.open(fixture_index_dir)
    tracemalloc.start()
    try:
        s = ix.searcher()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with s:
        assert s.search("الحكومة", limit=3).hits
    # Whoosh copied each segment's files (postings, terms) into memory on opening.
    assert peak < segment_bytes / 4


def test_a_plain_search_loads_no_module_it_does_not_use(fixture_index_dir: Path) -> None:
    code = f"""
import sys
from newsearch import NewsIndex
with NewsIndex.open({str(fixture_index_dir)!r}).searcher() as s:
    assert s.search("الحكومة المصرية", limit=10).hits
    assert s.search("الحكومهة", limit=10).hits  # a typo: the fuzzy fallback
    print(sorted(m for m in ("whoosh.searching", "numpy.ma") if m in sys.modules))
    assert s.search('"الحكومة المصرية"', limit=10).hits  # a phrase: Whoosh's matching
    print("whoosh.searching" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_a_view_opened_on_the_index_knows_when_it_is_stale(tmp_path: Path) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest([b'{"id": "a", "title": "\\u0643\\u062a\\u0627\\u0628", "body": "x"}'],
              progress=False, workers=1)  # fmt: skip
    view = IndexView.open(ix.whoosh, ix.cache)
    assert view.up_to_date() and view.docnum("a") == 0 and view.docnum("b") is None
    assert view.stored(0)["id"] == "a"
    ix.ingest([b'{"id": "b", "title": "t", "body": "y"}'], progress=False, workers=1)
    assert not view.up_to_date()
    view.close()
    with pytest.raises(ReaderClosed):
        view.reader.doc_count()


def test_postings_sizes_are_read_without_the_postings(fixture_index_dir: Path) -> None:
    with NewsIndex.open(fixture_index_dir).searcher() as s:
        view = s.view
        seg = view.segments[0]
        for field in ("title", "body", "title_exact"):
            for token in [*seg.terms(field)[::7], "لا-يوجد"]:
                size = view.postings_size(field, token)
                assert view.cache.postings.get((seg.key, field, token)) is None  # not read
                assert size == len(view.postings(field, token)[0])
                assert view.postings_size(field, token) == size  # from the read postings


def test_highlighting_marks_the_words_whose_forms_are_terms(fixture_index_dir: Path) -> None:
    """With a memo warm from other queries, marks are what analyzing each word gives."""
    from newsearch import highlight

    ix = NewsIndex.open(fixture_index_dir)
    analyzer = ix.whoosh.schema["body"].analyzer
    with ix.searcher() as s:
        bodies = [str(s.view.stored(d).get("body", "")) for d in range(0, 268, 5)]
    rng = random.Random(5)
    vocab = sorted({t.text for b in bodies[:5] for t in analyzer(b)})
    memo: dict[Any, Any] = {}
    for _ in range(2):  # the second pass: words remembered, asked with other terms
        for body in bodies:
            terms = set(rng.sample(vocab, 6)) | {"حكوم", "مصر", "لا-يوجد"}
            want = []
            for m in highlight._SPLIT_RE.finditer(body):
                forms = [t.text for t in analyzer(m.group(), mode="index")]
                if any(t in forms for t in terms):
                    want.append((m.start(), m.end()))
            got = highlight._matches(body, terms, analyzer, memo)
            assert [g[:2] for g in got] == want
            assert all(g[2] in terms for g in got)
    assert sum(len(highlight._matches(b, {"حكوم"}, analyzer, None)) for b in bodies) > 5


def test_warm_highlighting_analyzes_no_word_again(
    fixture_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each new word is analyzed once, then looked up: a warm search of the same pages analyzes
    nothing (checking the words again on every search made warm searches 1.4x slower)."""
    from newsearch import highlight

    ix = NewsIndex.open(fixture_index_dir)
    analyzer = ix.whoosh.schema["body"].analyzer
    with ix.searcher() as s:
        bodies = [str(s.view.stored(d).get("body", "")) for d in range(0, 60, 3)]
    analyzed: list[str] = []
    cls = type(analyzer)
    call = cls.__call__
    monkeypatch.setattr(
        cls, "__call__", lambda self, v, **kw: analyzed.extend(v.split(" ")) or call(self, v, **kw)
    )
    memo: dict[Any, Any] = {}
    counts = []
    for _ in range(3):
        analyzed.clear()
        marks = [highlight._matches(b, {"حكوم", "مصر"}, analyzer, memo) for b in bodies]
        counts.append(len(analyzed))
    words = {w for b in bodies for w in highlight._SPLIT_RE.split(b)[1::2]}
    assert counts == [len(words), 0, 0]
    assert sum(map(len, marks)) > 0


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ ـًٌٍَُِّْ٠١٢٣abcXYZ019-'.", max_size=80))
def test_words_analyzed_together_get_the_forms_they_get_alone(text: str) -> None:
    """Highlighting analyzes new words as one text; each must get what it gets on its own."""
    from newsearch import highlight
    from newsearch.analysis import _SPLIT_RE, get_analyzer

    words = sorted(set(_SPLIT_RE.split(text)[1::2]))
    for name in ("light", "exact", "snowball", "lucene-light"):
        analyzer = get_analyzer(name)
        alone = {w: frozenset(t.text for t in analyzer(w, mode="index")) for w in words}
        assert highlight._forms(words, analyzer) == alone, name


def test_postings_read_by_blocks_are_whooshs_postings(fixture_index_dir: Path) -> None:
    with NewsIndex.open(fixture_index_dir).searcher() as s:
        seg = s.view.segments[0]
        for field in ("title", "body", "body_pairs"):
            dfs = seg.term_dfs(field) if field != "body_pairs" else None
            terms = seg.terms(field)
            frequent = sorted(dfs, key=dfs.__getitem__)[-3:] if dfs else []
            for token in [*terms[::11], *frequent]:
                ids, tfs = seg.postings(field, token)
                m = s.view.reader.postings(field, token)
                expected_ids, expected_tfs = [], []
                while m.is_active():
                    expected_ids.append(m.id())
                    expected_tfs.append(m.weight())
                    m.next()
                assert ids.tolist() == expected_ids
                assert np.array_equal(tfs, np.array(expected_tfs, dtype=np.float32))
        body = seg.term_dfs("body")
        assert len(seg.postings("body", max(body, key=body.__getitem__))[0]) > 128  # blocks
