"""Side postings (sidecodec, sidefile): the side fields' terms and postings live in one file
per segment and answer exactly as the plain W3 codec's terms table does, through Whoosh and
through the backend, across merges, updates, deletions, crashes and older indexes. Since schema
4 the positional fields (title, body, the exact twin) are side fields too, their positions
included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from newsearch import mpwriter, segwriter
from newsearch.index import NewsIndex
from newsearch.schema import SIDE_FIELDS as PAIRS_AND_KEYS
from newsearch.sidecodec import SideCodec
from newsearch.sidefile import EXTENSION

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
QUERIES = [
    "كوريا الشمالية",
    "ترمب",
    "بيونغ يانغ",
    "الرئيس الامريكي",
    "مجلس الامن الدولي",
    '"مجلس الامن"',  # a phrase: Whoosh's positional matching, positions from the side file
    '"كوريا الشمالية" -"الرئيس الامريكي"',
]
#: The side fields of a default index: the pairs, the band keys and the positional fields.
SIDE_FIELDS = (*PAIRS_AND_KEYS, "body", "title", "title_exact")


_CODEC = segwriter.codec


def _plain_codec(schema: Any = None) -> Any:
    from whoosh.codec.whoosh3 import W3Codec

    _CODEC()  # Whoosh's inlining fix
    return W3Codec(inlinelimit=segwriter.INLINE_LIMIT + 1)


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Write with the codec of before: every field in Whoosh's terms table."""

    def use(on: bool = True) -> None:
        if on:
            monkeypatch.setattr(segwriter, "codec", _plain_codec)
            monkeypatch.setattr(mpwriter, "codec", _plain_codec)
        else:
            monkeypatch.undo()

    return use


def _build(path: Path, *, deletions: bool = True) -> NewsIndex:
    """The fixture in segments of 60, then updates and deletions, segments kept."""
    ix = NewsIndex.create(path)
    keep_all = lambda writer, segments: list(segments)  # noqa: E731
    ix.ingest(FIXTURE, batch_size=60, workers=1, merge_policy=keep_all, progress=False)
    if deletions:
        changed = [{**a, "body": a["body"] + " تحديث كوريا"} for a in ARTICLES[:5]]
        ix.ingest(changed, merge_policy=keep_all, progress=False)
        for a in ARTICLES[100:104]:
            ix.delete(a["id"])
        ix.commit(merge=False)
    return ix


def _terms(ix: NewsIndex, field: str) -> dict[bytes, Any]:
    """Every term of ``field`` with its postings (article ids), df, total weight and term
    info, as Whoosh's own reader API gives them, summed over the segments."""
    out: dict[bytes, Any] = {}
    with ix.reader() as r:
        ids = {n: r.stored_fields(n)["id"] for n in r.all_doc_ids()}
        for leaf, base in r.leaf_readers():
            for text, ti in leaf.iter_field(field):
                got = out.setdefault(text, {"postings": [], "df": 0, "weight": 0.0, "info": []})
                got["df"] += leaf.doc_frequency(field, text)
                got["weight"] += leaf.frequency(field, text)
                info = (ti.doc_frequency(), ti.weight(), ti.min_length(), ti.max_length())
                got["info"].append((*info, ti.max_weight(), ti.min_id(), ti.max_id()))
                m = leaf.postings(field, text)
                while m.is_active():
                    if base + m.id() in ids:
                        value = m.value() or b""
                        got["postings"].append((ids[base + m.id()], m.weight(), value))
                    m.next()
    for got in out.values():
        got["postings"].sort()
    return out


def _backend(ix: NewsIndex, field: str, terms: list[bytes]) -> dict[bytes, Any]:
    """The backend's answers: live postings (by id), document frequencies. (Its postings
    include deleted documents, masked by callers: the side file's all of them, as documented;
    the plain codec's reading skipped those its filter had already passed.)"""
    out: dict[bytes, Any] = {}
    with ix.searcher() as s:
        view = s.view
        dfs = view.doc_frequencies(field)
        for t in terms:
            ids, tf = view.postings(field, t.decode())
            live = view.live[ids]
            docs = [view.doc_id(int(d)) for d in ids[live]]
            df = view.doc_frequency(field, t.decode())
            out[t] = (sorted(zip(docs, tf[live].tolist(), strict=True)), df, dfs(t.decode()))
            if isinstance(view.segments[0].reader.codec(), SideCodec):
                assert view.postings_size(field, t.decode()) == df == len(ids)
    return out


def _answers(ix: NewsIndex) -> list[Any]:
    out: list[Any] = []
    with ix.searcher() as s:
        for q in QUERIES:
            r = s.search(q, limit=20)
            out.append((q, [(h.id, round(h.score, 9)) for h in r.hits], r.total))
        out.append([(h.id, round(h.score, 9)) for h in s.related(ARTICLES[3]["id"]).hits])
        out.append(sorted(s.view.phrase_docs([("title_pairs", ["كوري شمال"], 0)]).tolist()))
        for field in ("body", "title", "title_exact"):
            for words, slop in ((["مجلس", "امن"], 1), (["كوري", "شمال"], 0), (["ترمب"], 0)):
                out.append(sorted(s.view.phrase_docs([(field, words, slop)]).tolist()))
    return out


def test_side_fields_answer_as_the_plain_codec_writes_them(tmp_path: Path, plain: Any) -> None:
    new = _build(tmp_path / "new")
    plain()
    old = _build(tmp_path / "old")
    for field in SIDE_FIELDS:
        want, got = _terms(old, field), _terms(new, field)
        assert len(want) > 50 and got == want, field
        sample = [*sorted(want)[:: max(1, len(want) // 60)], b"absent term"]
        assert _backend(new, field, sample) == _backend(old, field, sample)
    assert _answers(new) == _answers(old)
    with new.reader() as r:
        for leaf, _ in r.leaf_readers():
            assert isinstance(leaf.codec(), SideCodec)
            assert set(SIDE_FIELDS) <= set(leaf.indexed_field_names())
            assert ("dupkeys", b"no such key") not in leaf
            lexicon = list(leaf.lexicon("title_pairs"))
            assert lexicon == sorted(lexicon) and all(("title_pairs", t) in leaf for t in lexicon)
            # the side fields are not in Whoosh's terms table: only in the side file
            assert not any(f in SIDE_FIELDS for f in leaf.codec().terms_reader(
                leaf.storage(), leaf.segment())._fieldmap)  # fmt: skip


def test_merges_and_optimize_keep_every_side_posting(tmp_path: Path, plain: Any) -> None:
    new = _build(tmp_path / "new")
    before = {f: _terms(new, f) for f in SIDE_FIELDS}
    new.optimize()
    with new.reader() as r:
        assert len(r.leaf_readers()) == 1 and not r.has_deletions()
    after = {f: _terms(new, f) for f in SIDE_FIELDS}
    for f in SIDE_FIELDS:  # the same postings; df and term infos now without the deleted
        assert {t: v["postings"] for t, v in after[f].items()} == {
            t: v["postings"] for t, v in before[f].items() if v["postings"]
        }
    plain()
    old = _build(tmp_path / "old")
    old.optimize()
    assert {f: _terms(old, f) for f in SIDE_FIELDS} == after
    assert _answers(new) == _answers(old)


def test_two_processes_and_whooshs_own_merge(tmp_path: Path) -> None:
    """Worker processes write side files too; Whoosh's own merge (a writer's ``add_reader``
    of a non-streaming kind, here ``iter_postings``) reads them through the terms reader."""
    two = NewsIndex.create(tmp_path / "two")
    two.ingest(FIXTURE, workers=2, batch_size=60, progress=False)
    one = NewsIndex.create(tmp_path / "one")
    one.ingest(FIXTURE, workers=1, progress=False)
    for f in SIDE_FIELDS:
        want = {t: v["postings"] for t, v in _terms(one, f).items()}
        assert {t: v["postings"] for t, v in _terms(two, f).items()} == want
    with one.reader() as r:
        (leaf, _), *_ = r.leaf_readers()
        through_whoosh = [p for p in leaf.iter_postings() if p[0] in SIDE_FIELDS]
        from newsearch.sidecodec import side_of
        from newsearch.sidefile import iter_side_postings

        side = side_of(leaf)
        assert side is not None
        streamed = [(f, t, d, w, v or b"") for f, t, d, w, v in iter_side_postings(side, None, 0)]
    assert [(f, t, d, w, v or b"") for f, t, d, w, v in through_whoosh] == streamed


def test_an_old_index_takes_new_segments_and_merges_them(tmp_path: Path, plain: Any) -> None:
    plain()
    ref = _build(tmp_path / "ref", deletions=False)
    _build(tmp_path / "mixed", deletions=False)
    extra = [{**a, "id": a["id"] + "-2"} for a in ARTICLES[:40]]
    ref.ingest(extra, progress=False, merge_policy=lambda w, s: list(s))
    plain(False)  # the new codec from here on
    mixed_ix = NewsIndex.open(tmp_path / "mixed")
    mixed_ix.ingest(extra, progress=False, merge_policy=lambda w, s: list(s))
    with mixed_ix.reader() as r:
        kinds = {type(leaf.codec()).__name__ for leaf, _ in r.leaf_readers()}
    assert kinds == {"W3Codec", "SideCodec"}
    for f in SIDE_FIELDS:
        assert _terms(mixed_ix, f) == _terms(ref, f)
    assert _answers(mixed_ix) == _answers(ref)
    mixed_ix.optimize()  # an old segment and a new one into one new segment
    with mixed_ix.reader() as r:
        assert [type(leaf.codec()) for leaf, _ in r.leaf_readers()] == [SideCodec]
    ref_posts = {f: {t: v["postings"] for t, v in _terms(ref, f).items()} for f in SIDE_FIELDS}
    got = {f: {t: v["postings"] for t, v in _terms(mixed_ix, f).items()} for f in SIDE_FIELDS}
    assert got == ref_posts
    assert _answers(mixed_ix) == _answers(ref)


def test_the_side_file_is_compact_and_goes_with_its_segment(tmp_path: Path) -> None:
    from newsearch.sidefile import open_side

    ix = _build(tmp_path / "ix")
    (tmp_path / "ix" / f"MAIN_orphan0000000000{EXTENSION}").write_bytes(b"left by a crash")
    ix.optimize()
    assert not list((tmp_path / "ix").glob(f"*{EXTENSION}"))  # inside the compound file
    with ix.reader() as r:
        (leaf, _), *_ = r.leaf_readers()
        side = open_side(leaf.storage(), leaf.segment().segment_id())
        assert set(side.fields) == set(SIDE_FIELDS)
        f = side.fields["dupkeys"]
        assert f.weights.dtype == np.uint8 and f.docs.dtype == np.uint32 and f.freqs is None
        assert f.kend is None and f.blob.nbytes == 8 * len(f)  # hex keys as their 8 bytes
        assert f.pend.dtype == np.uint32
        pairs = side.fields["body_pairs"]
        assert pairs.kend is not None and pairs.kend.dtype == np.uint32
        texts = list(f.texts())
        assert texts == sorted(texts) and len(set(texts)) == len(texts)


def test_a_crash_before_the_commit_leaves_nothing_that_breaks_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The side file is written with its segment, before the table of contents: a commit that
    dies there leaves an unpublished segment, which the next commit deletes."""
    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest(ARTICLES[:50], workers=1, progress=False)
    files = set(p.name for p in (tmp_path / "ix").iterdir())

    def die(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed before the commit")

    with monkeypatch.context() as m:
        m.setattr(mpwriter.CommitHook, "_commit_toc", die)
        ix.upsert(ARTICLES[60])
        with pytest.raises(RuntimeError):
            ix.commit()
    left = set(p.name for p in (tmp_path / "ix").iterdir()) - files
    assert any(n.endswith(".seg") for n in left)  # the unpublished segment, side file inside
    again = NewsIndex.open(tmp_path / "ix")
    again.ingest(ARTICLES[50:80], workers=1, progress=False)
    assert len(again) == 80
    for f in SIDE_FIELDS:
        assert all(v["postings"] for v in _terms(again, f).values())
    names = {p.name for p in (tmp_path / "ix").iterdir()}
    assert not (left & names)  # Whoosh's clean-up took the dead segment


def test_the_posting_writer_reads_each_document_length_once() -> None:
    """Lengths as the posting writer sees them: a side field's are not read (0); another
    field's are Whoosh's, each document's read once however many postings ask."""
    from newsearch import sidecodec

    asked: list[tuple[int, str]] = []

    class Lengths:
        def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
            asked.append((docnum, fieldname))
            return 0 if docnum == 3 else docnum * 10 + len(fieldname)

    seen = sidecodec._MainLengths(Lengths(), frozenset(SIDE_FIELDS))
    postings = [
        (d, f) for _ in range(4) for f in ("body", "title", "body_pairs") for d in (5, 0, 3, 9)
    ]
    got = [seen.doc_field_length(d, f) for d, f in postings]
    want = [0 if f in SIDE_FIELDS or d == 3 else d * 10 + len(f) for d, f in postings]
    assert got == want
    assert sorted(asked) == sorted({(d, f) for d, f in postings if f not in SIDE_FIELDS})


def test_phrases_find_articles_through_the_side_file(tmp_path: Path) -> None:
    ix = _build(tmp_path / "ix", deletions=False)
    with ix.searcher() as s:
        for q in QUERIES[5:]:
            r = s.search(q, limit=50)
            assert r.total > 0, q
            for h in r.hits:  # every hit has the phrase, in its stored text
                text = ix.get(h.id)
                assert text is not None
                assert "كوري" in text.title + text.body or "مجلس" in text.title + text.body


def test_an_index_of_schema_3_is_read_and_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 3 kept Whoosh's Positions format, its positions in Whoosh's posting blocks: such
    an index opens, searches, takes new articles (whose positional postings stay with
    Whoosh: the schema decides, not the codec) and answers as a new one does."""
    from whoosh.fields import TEXT
    from whoosh.formats import Positions

    from newsearch import manifest, schema
    from newsearch.sidefile import open_side

    with monkeypatch.context() as m:
        m.setattr(
            schema, "_positional", lambda a, stored=False: TEXT(a, phrase=True, stored=stored)
        )
        m.setattr(manifest, "SCHEMA_VERSION", 3)
        old = NewsIndex.create(tmp_path / "old")
        old.ingest(ARTICLES[:120], workers=1, progress=False)
    old = NewsIndex.open(tmp_path / "old")
    assert old.manifest["schema_version"] == 3
    old.ingest(ARTICLES[120:], workers=1, progress=False, merge_policy=lambda w, s: list(s))
    new = NewsIndex.create(tmp_path / "new")
    new.ingest(ARTICLES, workers=1, progress=False)
    with old.reader() as r:
        assert type(r.schema["body"].format) is Positions
        assert len(r.leaf_readers()) == 2
        for leaf, _ in r.leaf_readers():
            side = open_side(leaf.storage(), leaf.segment().segment_id())
            assert set(side.fields) == set(PAIRS_AND_KEYS)
    for field in ("body", "title", "title_exact"):
        want = {t: [p[:2] for p in v["postings"]] for t, v in _terms(new, field).items()}
        assert {t: [p[:2] for p in v["postings"]] for t, v in _terms(old, field).items()} == want
    assert _answers(old) == _answers(new)
    old.optimize()
    assert _answers(old) == _answers(new)


def test_a_merge_of_side_fields_as_arrays_equals_the_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merges take the side fields from the segments' arrays (newsearch.sidemerge): the
    merged side file is the one streaming every posting writes, byte for byte (updates and
    deletions dropped, positions moved with their postings)."""
    from newsearch.sidefile import open_side

    def side_bytes(ix: NewsIndex) -> dict[str, list[bytes]]:
        with ix.reader() as r:
            (leaf, _), *_ = r.leaf_readers()
            side = open_side(leaf.storage(), leaf.segment().segment_id())
            return {n: [bytes(f.blob), f.pend.tobytes(), f.docs.tobytes(), f.weights.tobytes(),
                        b"" if f.pos is None else f.pos.tobytes()]
                    for n, f in side.fields.items()}  # fmt: skip

    arrays = _build(tmp_path / "arrays")
    merged: list[str] = []
    real = segwriter._arrayed
    monkeypatch.setattr(segwriter, "_arrayed", lambda *a: merged.extend(real(*a)) or real(*a))
    arrays.optimize()
    assert set(merged) == set(SIDE_FIELDS)
    monkeypatch.setattr(segwriter, "_arrayed", lambda *a: set())
    stream = _build(tmp_path / "stream")
    stream.optimize()
    assert side_bytes(arrays) == side_bytes(stream)
    for f in SIDE_FIELDS:
        assert _terms(arrays, f) == _terms(stream, f)


def test_a_merge_copies_each_documents_data_as_whoosh_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge copies stored fields as their compressed bytes and lengths as their bytes
    (segwriter._copy_per_doc): what a reader gets back equals Whoosh's own copy, document by
    document, with updates and deletions dropped."""

    def per_doc(ix: NewsIndex) -> Any:
        with ix.reader() as r:
            schema = ix.whoosh.schema
            names = schema.names()
            cols = [f for f in names if schema[f].column_type and r.has_column(f)]
            readers = {f: r.column_reader(f, translate=False) for f in cols}
            docs = [
                (
                    r.stored_fields(n),
                    [r.doc_field_length(n, f) for f in names],
                    [readers[f][n] for f in cols],
                )
                for n in r.all_doc_ids()
            ]
            return docs, [r.field_length(f) for f in names], r.doc_count_all()

    used: list[Any] = []
    real = segwriter._copy_per_doc
    monkeypatch.setattr(segwriter, "_copy_per_doc", lambda *a: used.append(real(*a)) or used[-1])
    copied = _build(tmp_path / "copied")
    copied.optimize()
    assert used and all(m is not False for m in used) and any(m for m in used)  # deletions
    monkeypatch.setattr(segwriter, "_copy_per_doc", lambda *a: False)
    whoosh = _build(tmp_path / "whoosh")
    whoosh.optimize()
    got, want = per_doc(copied), per_doc(whoosh)
    assert got[2] == want[2] == len(ARTICLES) - 4
    assert got == want
