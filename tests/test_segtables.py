"""Search tables stored with their segment: the same contents as built on first use, read
back from the side file, deleted with the segment, ignored when missing or stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from whoosh.filedb.filestore import FileStorage, RamStorage

from newsearch import segtables
from newsearch.index import NewsIndex
from newsearch.search import Searcher
from newsearch.variants import _SegmentKeys, _SegmentSpelling

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
VARIANTS = ("variants", ("title", "body"))
SPELLING = ("spelling", "title_exact")


class _Table:
    def __init__(self) -> None:
        self.words = {"كتاب", "جونغ", "b", "ä", ""}
        self.groups = {"GنG": {"جونغ", "جونج"}, "x": {"y"}, "": set()}
        self.deletes = {"ونغ": ["جونغ", "ونغا"], "a": ["z", "a", "b"]}
        self.counts = {"كتاب": 3, "a": 0, "b": 2**40}


@pytest.mark.parametrize("kind", ["ram", "file"])
def test_a_stored_table_reads_back_as_it_was(kind: str, tmp_path: Path) -> None:
    storage = RamStorage() if kind == "ram" else FileStorage(str(tmp_path)).create()
    table = _Table()
    segtables.store_tables(storage, "MAIN_abc", {("t", 1): (__name__, table)})
    loaded = segtables.load_tables(storage, "MAIN_abc")[segtables.table_key(("t", 1))]
    assert set(loaded.words) == table.words and len(loaded.words) == len(table.words)
    assert all(w in loaded.words for w in table.words) and "كتب" not in loaded.words
    assert dict(loaded.groups.items()) == table.groups
    assert loaded.groups["GنG"] == {"جونغ", "جونج"} and "nope" not in loaded.groups
    with pytest.raises(KeyError):
        loaded.groups["nope"]
    assert loaded.deletes.get("a") == ["z", "a", "b"]  # lists keep their order
    assert loaded.deletes.get("zz", ()) == ()
    assert dict(loaded.counts.items()) == table.counts and loaded.counts.get("x", 0) == 0
    assert storage.list() == ["MAIN_abc.nstab"]  # no temporary file left


def test_a_stored_table_answers_the_same_from_its_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looked-up keys (found or not) are remembered; lookups agree before, during and after the
    memo starts over."""
    monkeypatch.setattr(segtables, "_FOUND_MAX", 3)
    words = sorted({f"w{i:03d}" for i in range(0, 200, 3)} | {"كتاب", "جونغ"})
    storage = FileStorage(str(tmp_path)).create()
    table = _Table()
    table.counts = {w: i for i, w in enumerate(words)}
    segtables.store_tables(storage, "MAIN_m", {("t", 1): (__name__, table)})
    counts = segtables.load_tables(storage, "MAIN_m")[segtables.table_key(("t", 1))].counts
    asked = [f"w{i:03d}" for i in range(200)] + ["كتاب", "جونغ", "كتب", ""]
    for _ in range(3):
        assert [counts.get(w, -1) for w in asked] == [table.counts.get(w, -1) for w in asked]
        assert [w in counts for w in asked] == [w in table.counts for w in asked]


def test_unstorable_or_changed_tables_are_not_found(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path)).create()

    class Odd:
        def __init__(self) -> None:
            self.pairs = {"a": (1, 2)}

    tables = {"odd": (__name__, Odd()), "ok": (__name__, _Table())}
    segtables.store_tables(storage, "MAIN_a", tables)
    assert list(segtables.load_tables(storage, "MAIN_a")) == [segtables.table_key("ok")]
    segtables._fingerprints[__name__] = "another version of the builder"
    try:
        assert segtables.load_tables(storage, "MAIN_a") == {}
    finally:
        del segtables._fingerprints[__name__]
    (tmp_path / "MAIN_b.nstab").write_bytes(b"NSTAB0\nwhatever")
    (tmp_path / "MAIN_c.nstab").write_bytes(b"")
    assert segtables.load_tables(storage, "MAIN_b") == {}
    assert segtables.load_tables(storage, "MAIN_c") == {}
    assert segtables.load_tables(storage, "MAIN_missing") == {}


def _index(path: Path) -> NewsIndex:
    ix = NewsIndex.create(path)
    ix.ingest(FIXTURE, progress=False, workers=1, batch_size=70)
    for a in ARTICLES[:3]:  # a second commit adds a segment of its own
        ix.upsert({**a, "id": a["id"] + "-copy"})
    ix.commit(merge=False)
    return ix


def _side_files(path: Path) -> set[str]:
    return {p.name.removesuffix(".nstab") for p in path.glob("*.nstab")}


def _segment_names(ix: NewsIndex) -> set[str]:
    with ix.searcher() as s:
        return {seg.key.split(":")[0] for seg in s.view.segments if seg.key}


def test_every_committed_segment_has_its_tables_equal_to_the_ones_search_builds(
    tmp_path: Path,
) -> None:
    ix = _index(tmp_path / "ix")
    names = _segment_names(ix)
    assert len(names) >= 2 and _side_files(tmp_path / "ix") == names
    with ix.searcher() as s:
        for seg in s.view.segments:
            keys, spelling = seg.stored(VARIANTS), seg.stored(SPELLING)
            assert keys is not None and spelling is not None
            built = _SegmentKeys(seg, ("title", "body"), {})
            assert built.groups and dict(keys.groups.items()) == built.groups
            built_sp = _SegmentSpelling(seg, "title_exact")
            assert set(spelling.words) == built_sp.words
            assert {k: spelling.deletes[k] for k in spelling.deletes} == built_sp.deletes


def _answers(s: Searcher) -> list[Any]:
    out = []
    for q in ["كوريا الشمالية", "كورياا الشماليه", "ترمب", "الحكومهة", "بيونغ يانغ"]:
        r = s.search(q, limit=10)
        out.append((q, [(h.id, h.score) for h in r.hits], r.total, r.suggestion, r.fuzzy_used))
    out.append(s.snapshot.vocabulary.corrections("الحكومهة"))
    out.append(sorted(s.snapshot.vocabulary.variant_index.group("GنG")))
    return out


def test_search_answers_the_same_with_or_without_stored_tables(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix")
    with ix.searcher() as s:
        stored = _answers(s)
        assert all(seg.data.get("stored-tables") for seg in s.view.segments)
    for p in (tmp_path / "ix").glob("*.nstab"):
        p.unlink()
    again = NewsIndex.open(tmp_path / "ix")  # a fresh cache: tables built on first use
    with again.searcher() as s:
        assert _answers(s) == stored
        assert not any(seg.data.get("stored-tables") for seg in s.view.segments)


def test_tables_go_with_their_segments(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix")
    (tmp_path / "ix" / "MAIN_orphan0000000000.nstab").write_bytes(b"left by a crash")
    ix.optimize()
    names = _segment_names(ix)
    assert len(names) == 1 and _side_files(tmp_path / "ix") == names


def test_an_index_without_tables_gets_them_on_its_next_commit(tmp_path: Path) -> None:
    _index(tmp_path / "ix")
    for p in (tmp_path / "ix").glob("*.nstab"):
        p.unlink()
    old = NewsIndex.open(tmp_path / "ix")
    old.add({**ARTICLES[5], "id": "new-one"})
    old.commit(merge=False)
    assert _side_files(tmp_path / "ix") == _segment_names(old)


def test_ingest_stores_tables_in_memory_and_with_two_processes(tmp_path: Path) -> None:
    mem = NewsIndex.in_memory()
    mem.ingest(FIXTURE, progress=False)
    with mem.searcher() as s:
        assert all(seg.stored(VARIANTS) is not None for seg in s.view.segments)
    two = NewsIndex.create(tmp_path / "two")
    two.ingest(FIXTURE, progress=False, workers=2, batch_size=60)
    assert _side_files(tmp_path / "two") == _segment_names(two)


def test_term_tables_are_stored_and_answer_as_whooshs(tmp_path: Path) -> None:
    from newsearch.backend import _read_dfs

    ix = _index(tmp_path / "ix")
    with ix.searcher() as s:
        for seg in s.view.segments:
            for field in ("title", "body"):
                stored = seg.stored(("dfs", field))
                assert stored is not None
                want = _read_dfs(seg.reader, field)
                assert dict(stored.dfs.items()) == want and want
                assert seg.term_dfs(field) is seg.data[("dfs", field)]
        df = s.view.doc_frequencies("body")
        for word in ["كوريا", "الشمالي", "لا-كلمة"]:
            assert df(word) == s.view.doc_frequency("body", word)


def test_a_reading_process_finds_every_stored_table(tmp_path: Path) -> None:
    """A process that only searches never imports the writer's modules: the stored tables'
    builders are recognised from their source files all the same."""
    import subprocess
    import sys

    _index(tmp_path / "ix")
    code = (
        "import sys\n"
        "from newsearch import NewsIndex\n"
        f"s = NewsIndex.open({str(tmp_path / 'ix')!r}).searcher()\n"
        "s.search('كوريا')\n"
        "assert 'newsearch.search_tables' not in sys.modules\n"
        "whats = [('dfs', 'title'), ('dfs', 'body'), ('variants', ('title', 'body')),\n"
        "         ('spelling', 'title_exact')]\n"
        "print(all(seg.stored(w) is not None for seg in s.view.segments for w in whats))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
