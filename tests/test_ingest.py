"""Ingest from JSON Lines under bad input and faults: every bad line is rejected with its file,
line and reason, every good line is indexed, and the counts always balance."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsearch.article import MAX_FIELD_CHARS
from newsearch.errors import IngestAborted
from newsearch.index import NewsIndex

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"


def good(i: int, **kw: object) -> bytes:
    return orjson.dumps({"id": f"g{i}", "title": f"خبر {i}", "body": "نص الخبر", **kw})


BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"id": "x1", "title": "broken', "malformed JSON"),
    (b"[1, 2, 3]", "expected a JSON object, got array"),
    (b'"just a string"', "expected a JSON object, got string"),
    (b'{"title": "no id"}', "id: missing"),
    (b'{"id": "", "title": "empty id"}', "id: empty"),
    (b'{"id": "x2"}', "no text"),
    (b'{"id": "x3", "title": ["a"]}', "title: must be a string, got array"),
    (b'{"id": "x4", "title": "t", "published": "next tuesday"}', "published: not an ISO 8601"),
    (b'{"id": "x5", "title": "\xff\xfe bad bytes"}', "invalid UTF-8"),
    (good(1), "duplicate id 'g1'"),
]


def write_mixed(path: Path) -> list[int]:
    """Good lines around each bad one (plus a blank line); returns the bad lines' numbers."""
    lines: list[bytes] = []
    bad_numbers = []
    for n, (bad, _) in enumerate(BAD_LINES, 1):
        lines.append(good(n))
        lines.append(bad)
        bad_numbers.append(len(lines))
    lines.append(b"")
    lines.append(good(99, body="ب" * (20 * 1024 * 1024)))  # a 20 MB body
    path.write_bytes(b"\n".join(lines) + b"\n")
    return bad_numbers


def test_every_bad_line_rejected_with_reason_and_the_rest_indexed(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    bad_numbers = write_mixed(src)
    ix = NewsIndex.create(tmp_path / "ix")
    report = ix.ingest(src)
    assert report.read == len(BAD_LINES) * 2 + 1  # blank line not counted
    assert report.rejected == len(BAD_LINES)
    assert report.added == len(BAD_LINES) + 1
    assert report.read == report.added + report.updated + report.unchanged + report.rejected
    for rejection, (_, reason), line in zip(report.rejections, BAD_LINES, bad_numbers, strict=True):
        assert rejection.file == str(src)
        assert rejection.line == line, rejection
        assert reason in rejection.reason, (rejection, reason)
    assert "first read at" in report.rejections[-1].reason
    assert len(ix) == report.added
    big = ix.get("g99")
    assert big is not None and len(big.body) == MAX_FIELD_CHARS and big.truncated == ("body",)
    assert [t.line for t in report.truncated] == [len(BAD_LINES) * 2 + 2]


def test_gzip_stdin_and_objects(tmp_path: Path) -> None:
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wb") as f:
        f.write(FIXTURE.read_bytes())
    ix = NewsIndex.in_memory()
    assert ix.ingest(gz).added == 268
    assert ix.ingest([{"id": "o1", "title": "t"}, good(5)]).added == 2
    out = subprocess.run(
        [sys.executable, "-m", "newsearch", "index", str(tmp_path / "ix"), "-", "--quiet"],
        input=good(1) + b"\n" + good(2) + b"\nnot json\n",
        capture_output=True,
        check=True,
    )
    assert b"added 2" in out.stderr and b"<stdin>:3: malformed JSON" in out.stderr
    assert len(NewsIndex.open(tmp_path / "ix")) == 2


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    gz = tmp_path / "cut.jsonl.gz"
    with gzip.open(gz, "wb") as f:
        f.write(FIXTURE.read_bytes())
    data = gz.read_bytes()
    gz.write_bytes(data[: len(data) // 2])
    report = NewsIndex.in_memory().ingest(gz)
    assert report.added > 50 and report.rejected == 1
    assert "unreadable file" in report.rejections[0].reason


def test_missing_file_fails_before_indexing(tmp_path: Path) -> None:
    ix = NewsIndex.in_memory()
    with pytest.raises(FileNotFoundError):
        ix.ingest([FIXTURE, tmp_path / "nope.jsonl"])
    assert len(ix) == 0


def test_updates_are_counted(tmp_path: Path) -> None:
    ix = NewsIndex.in_memory()
    ix.ingest([good(1), good(2)])
    report = ix.ingest([good(1), good(2, body="نص معدل"), good(3)])
    assert (report.unchanged, report.updated, report.added) == (1, 1, 1)
    assert len(ix) == 3 and ix.get("g2").body == "نص معدل"  # type: ignore[union-attr]


def test_strict_stops_without_committing_the_open_batch(tmp_path: Path) -> None:
    lines = [good(i) for i in range(25)] + [b"{oops"] + [good(i) for i in range(25, 40)]
    ix = NewsIndex.create(tmp_path / "ix")
    with pytest.raises(IngestAborted) as e:
        ix.ingest(lines, strict=True, batch_size=10)
    assert e.value.report.rejected == 1 and e.value.report.commits == 2
    assert len(NewsIndex.open(tmp_path / "ix")) == 20  # two full batches, not the open one
    # the CLI exits 1 and says where it stopped
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b"\n".join(lines))
    out = subprocess.run(
        [sys.executable, "-m", "newsearch", "index", str(tmp_path / "ix2"), str(src), "--strict"],
        capture_output=True,
    )
    assert out.returncode == 1 and b"bad.jsonl:26" in out.stderr


CHILD = textwrap.dedent(
    """
    import sys, time, orjson
    from pathlib import Path
    from newsearch.index import NewsIndex

    index_dir, marker, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

    def records():
        for i in range(n):
            if i == 130:  # mid-way through the third batch: tell the parent, then stall
                marker.write_text("ready")
                time.sleep(60)
            yield {"id": f"d{i}", "title": f"خبر {i}", "body": "نص " * 50}

    ix = NewsIndex.open(index_dir)
    ix.ingest(records(), batch_size=50)
    """
)


def test_sigkill_mid_ingest_leaves_the_last_commit(tmp_path: Path) -> None:
    NewsIndex.create(tmp_path / "ix")
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "ix"), str(marker), "200"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the ingesting child died early"
            assert time.monotonic() < deadline, "the child never reached the third batch"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    ix = NewsIndex.open(tmp_path / "ix", lock_timeout=2)
    assert len(ix) == 100  # two committed batches; the third was lost whole
    report = ix.ingest(
        [{"id": f"d{i}", "title": f"خبر {i}", "body": "نص " * 50} for i in range(200)]
    )
    assert (report.unchanged, report.added) == (100, 100)
    assert len(ix) == 200
    with ix.reader() as r:
        assert len(list(r.lexicon("id"))) == 200  # no duplicate ids
        assert r.doc_count() == 200


def test_parallel_ingest_adds_updates_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recs = [{"id": f"p{i}", "title": f"خبر {i}", "body": "نص الخبر " * 20} for i in range(1200)]
    ix = NewsIndex.create(tmp_path / "ix")
    report = ix.ingest(recs, workers=2, progress=True)
    assert report.added == 1200 and report.commits == 1 and len(ix) == 1200
    err = capsys.readouterr().err  # the workers' count reaches the progress bar
    assert "indexed: 1200 articles" in err and "batch 1: merging and committing" in err
    recs[5] = {**recs[5], "body": "نص معدل"}
    again = ix.ingest(recs, workers=2)  # one update through the multiprocess writer
    assert (again.updated, again.unchanged, again.added) == (1, 1199, 0)
    assert len(ix) == 1200 and ix.get("p5").body == "نص معدل"  # type: ignore[union-attr]
    with ix.reader() as r:
        assert len(list(r.lexicon("id"))) == 1200


def _segment_sizes(ix: NewsIndex) -> list[int]:
    with ix.reader() as r:
        return sorted(int(leaf.doc_count_all()) for leaf, _ in r.leaf_readers())


@pytest.mark.parametrize("workers", [1, 2])
def test_an_ingest_leaves_one_new_segment_and_optimize_merges_all(
    tmp_path: Path, workers: int
) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    committed = []
    real_commit = ix.commit

    def commit(**kwargs: Any) -> None:
        real_commit(**kwargs)
        committed.append(_segment_sizes(ix))

    ix.commit = commit  # type: ignore[method-assign]
    report = ix.ingest([good(i) for i in range(25)], batch_size=10, workers=workers)
    assert report.commits == 3 and len(ix) == 25
    # Each batch is committed on its own (a crash loses one batch) ...
    assert [sum(sizes) for sizes in committed] == [0, 10, 20, 25]  # 0: pending changes first
    assert len(committed[2]) >= 2
    # ... and the last commit merges what the batches wrote into one segment.
    assert _segment_sizes(ix) == [25]
    ix.ingest([good(i) for i in range(25, 31)], batch_size=4, workers=workers)
    assert _segment_sizes(ix) == [6, 25]  # a smaller ingest leaves the bigger segment alone
    ix.ingest([good(i) for i in range(31, 71)], batch_size=20, workers=workers)
    assert _segment_sizes(ix) == [71]  # a bigger one takes the smaller segments in
    ix.ingest([good(i) for i in range(71, 74)], workers=workers)
    assert _segment_sizes(ix) == [3, 71]
    ix.optimize()
    assert _segment_sizes(ix) == [74]


def test_auto_workers_fits_the_machine() -> None:
    from newsearch.index import auto_workers

    assert auto_workers() == min(2, os.cpu_count() or 1)


@pytest.mark.parametrize("workers", [None, 2])
def test_in_memory_index_takes_big_batches_in_one_process(workers: int | None) -> None:
    # Worker processes cannot write into a RAM index: this failed with
    # NameError: MAIN_....seg once a batch reached PARALLEL_MIN_BATCH (1,000) records.
    ix = NewsIndex.in_memory()
    report = ix.ingest([good(i) for i in range(1072)], workers=workers, progress=False)
    assert report.added == 1072 and report.commits == 1 and len(ix) == 1072
    assert ix.get("g1071") is not None


def test_progress_shows_articles_indexed_and_the_commit_phases(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ix = NewsIndex.in_memory()
    lines = [good(i) for i in range(250)] + [b"{oops"]
    report = ix.ingest(lines, batch_size=100, progress=True)
    assert report.commits == 3
    err = capsys.readouterr().err
    # Two bars: records read, and articles indexed with what the writer is doing, so the
    # bar does not just stop while a batch is indexed and committed.
    assert "read: 251 records" in err and "indexed: 250 articles" in err
    phases = [
        "batch 1: indexing",
        "batch 1: committing",
        "batch 2: indexing",
        "batch 3: merging and committing",
        "done",
    ]
    positions = [err.find(p) for p in phases]
    assert -1 not in positions and positions == sorted(positions), (positions, err)
    assert ix.ingest([good(1)], progress=False).unchanged == 1
    assert capsys.readouterr().err == ""  # progress=False draws nothing


def _postings_by_id(ix: NewsIndex) -> dict[tuple[str, bytes], list[tuple[str, float, bytes]]]:
    """Every posting of the index, with article ids for document numbers (a merge renumbers)."""
    with ix.reader() as r:
        ids = {n: r.stored_fields(n)["id"] for n in r.all_doc_ids()}
        out: dict[tuple[str, bytes], list[tuple[str, float, bytes]]] = {}
        for field, text in r.all_terms():
            m = r.postings(field, text)
            while m.is_active():
                value = m.value() or b""  # an inlined list without values reads back as ""
                out.setdefault((field, text), []).append((ids[m.id()], m.weight(), value))
                m.next()
    return {k: sorted(v) for k, v in out.items()}


def test_merging_segments_keeps_every_posting_and_inlines_short_lists(tmp_path: Path) -> None:
    """Merges stream the segments' postings to the new segment (segwriter.StreamingMerge), and
    posting lists of up to INLINE_LIMIT documents live in the terms table: the merged index
    holds exactly the postings the segments held, updated articles' old postings gone."""
    from newsearch.schema import side_fields
    from newsearch.segwriter import INLINE_LIMIT

    ix = NewsIndex.create(tmp_path / "ix")
    keep_all = lambda writer, segments: list(segments)  # noqa: E731
    ix.ingest(FIXTURE, batch_size=60, workers=1, merge_policy=keep_all)
    rows = [orjson.loads(line) for line in FIXTURE.read_bytes().splitlines()[:5]]
    ix.ingest([{**row, "body": row["body"] + " تحديث"} for row in rows], merge_policy=keep_all)
    assert len(_segment_sizes(ix)) >= 5
    before = _postings_by_id(ix)
    ix.optimize()
    assert _segment_sizes(ix) == [268]
    assert _postings_by_id(ix) == before
    with ix.reader() as r:
        (leaf, _), *_ = r.leaf_readers()
        # (the text fields are side fields since schema 4: ids, dates, sources and authors
        # are in Whoosh's table, lists of one article and of many)
        terms = [(f, t) for f, t in leaf.all_terms() if f not in side_fields(ix.whoosh.schema)]
        infos = [(i.doc_frequency(), i.is_inlined()) for i in (leaf.term_info(*k) for k in terms)]
    assert {inlined for _, inlined in infos} == {True, False}
    assert all(inlined == (df <= INLINE_LIMIT) for df, inlined in infos)


def test_worker_processes_merge_an_ingest_in_parallel(tmp_path: Path) -> None:
    """With ``IngestMerge(parallel=True)`` the last commit hands each worker process a share of
    the segments to merge (SafeMpWriter.merge_apart): one segment per worker, of about equal
    size, with the same postings as a one-process ingest's single segment."""
    from newsearch.index import IngestMerge

    one = NewsIndex.create(tmp_path / "one")
    one.ingest(FIXTURE, batch_size=40, workers=1)
    two = NewsIndex.create(tmp_path / "two")
    committed: list[list[int]] = []
    real_commit = two.commit

    def commit(**kwargs: Any) -> None:
        real_commit(**kwargs)
        committed.append(_segment_sizes(two))

    two.commit = commit  # type: ignore[method-assign]
    report = two.ingest(FIXTURE, batch_size=40, workers=2, merge_policy=IngestMerge(parallel=True))
    assert report.added == 268 and len(committed[-2]) >= 6  # a segment per batch before ...
    sizes = _segment_sizes(two)
    assert len(sizes) == 2 and sum(sizes) == 268 and min(sizes) >= 100  # ... two after
    assert _segment_sizes(one) == [268]
    assert _postings_by_id(two) == _postings_by_id(one)
