"""What an ingest keeps in memory: worker processes forked before the parent holds a batch and
kept for all batches, segment files read from their memory map, a terms-table writer that
stores 12 bytes a term; none of it changes a byte of the index."""

from __future__ import annotations

import io
import os
import random
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from whoosh.filedb.structfile import StructFile

from newsearch import segwriter
from newsearch.index import NewsIndex

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]


class _Bytes(io.BytesIO):
    def close(self) -> None:  # the writer closes its file; keep the bytes readable
        pass


def _terms_file(writer_class: Any, items: list[tuple[bytes, bytes]]) -> bytes:
    f = _Bytes()
    w = writer_class(StructFile(f))
    w.extras["fieldmap"] = {"body": 0}
    for key, value in items:
        w.add(key, value)
    w.close()
    return f.getvalue()


@pytest.mark.parametrize("n", [0, 1, 7, 3000])
def test_the_lean_terms_writer_writes_whooshs_file_byte_for_byte(n: int) -> None:
    whooshs = segwriter._LeanTermsWriter.__mro__[1]  # (the module's name now points at ours)
    assert whooshs.__name__ == "OrderedHashWriter"
    rng = random.Random(n)
    keys = sorted({rng.randbytes(rng.randrange(1, 5)) for _ in range(n)})  # short: collisions
    items = [(k, rng.randbytes(rng.randrange(0, 12))) for k in keys]
    assert _terms_file(segwriter._LeanTermsWriter, items) == _terms_file(whooshs, items)


def test_opening_a_segment_copies_none_of_its_files(tmp_path: Path) -> None:
    from whoosh.reading import SegmentReader

    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest(ARTICLES, progress=False, workers=1)
    seg = ix.whoosh._segments()[0]
    size = sum(p.stat().st_size for p in (tmp_path / "ix").glob("*.seg"))
    tracemalloc.start()
    try:
        reader = SegmentReader(ix.whoosh.storage, ix.whoosh.schema, seg)
        allocated = tracemalloc.get_traced_memory()[0]
        reader.close()
    finally:
        tracemalloc.stop()
    # Whoosh copied the postings and terms files (most of the segment) into BytesIO objects.
    assert allocated < size / 20, (allocated, size)
    with ix.searcher() as s:  # and the index reads as before
        assert s.search("كوريا").total > 0


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="needs Linux's /proc and 2+ cores",
)
def test_workers_are_forked_before_the_first_record_and_serve_every_batch(
    children: Callable[[int], set[int]],
    tmp_path: Path,
) -> None:
    batch = 1_000  # the smallest batch indexed by worker processes
    recs = [
        {**a, "id": f"{a['id']}#{k}", "body": a["body"][:300]} for k in range(8) for a in ARTICLES
    ][: 2 * batch]
    seen: list[set[int]] = []

    def records() -> Iterator[dict[str, Any]]:
        for i, rec in enumerate(recs):
            if i in (0, batch):  # before the first record of each batch is read
                seen.append(children(os.getpid()))
            yield rec

    before = children(os.getpid())
    ix = NewsIndex.create(tmp_path / "ix")
    report = ix.ingest(records(), batch_size=batch, workers=2, progress=False)
    assert (report.added, report.commits) == (2 * batch, 2)
    first, second = (s - before for s in seen)
    # Forked before this process held any record (so they are not copies of a batch), and
    # the same two processes indexed the second batch.
    assert len(first) == 2 and second == first
    assert children(os.getpid()) - before == set()  # ended with the ingest
    assert len(ix) == 2 * batch
