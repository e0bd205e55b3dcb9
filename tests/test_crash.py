"""Crash safety of the multiprocess writer: a parent killed mid-batch leaves no worker process
behind, no lock held, and the index at its last commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsearch.index import NewsIndex

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"
BATCH = 1_000  # the smallest batch the default writer indexes with worker processes

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="needs Linux's /proc and 2+ cores (the default writer uses workers there)",
)


def records(copies: int) -> list[dict[str, Any]]:
    """The fixture's 268 articles, ``copies`` times over with new ids (bodies cut, to keep
    the test quick)."""
    base = [orjson.loads(line) for line in FIXTURE.read_bytes().splitlines() if line.strip()]
    return [
        {**a, "id": f"{a['id']}#{k}", "body": a["body"][:400]} for k in range(copies) for a in base
    ]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


CHILD = textwrap.dedent(
    """
    import sys, orjson
    from pathlib import Path
    from newsearch.index import NewsIndex

    index_dir, src, marker, batch = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    lines = src.read_bytes().splitlines()

    def records():
        for i, line in enumerate(lines):
            if i == len(lines) - 1:  # the batch is full with this record: indexing starts
                marker.write_text("indexing")
            yield orjson.loads(line)

    NewsIndex.open(index_dir).ingest(records(), batch_size=int(batch), progress=False)
    """
)


def test_sigkill_of_the_parent_mid_batch_kills_its_workers_and_frees_the_lock(
    children: Callable[[int], set[int]],
    tmp_path: Path,
) -> None:
    recs = records(5)[: 268 + BATCH]
    committed = recs[:268]  # the last commit before the crash
    NewsIndex.create(tmp_path / "ix").ingest(committed, progress=False, workers=1)
    src = tmp_path / "articles.jsonl"  # the committed articles again, then one batch more
    src.write_bytes(b"\n".join(orjson.dumps(r) for r in recs) + b"\n")
    marker = tmp_path / "marker"
    with (tmp_path / "child.log").open("wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path / "ix"), str(src), str(marker), str(BATCH)],
            stdout=log,
            stderr=log,
        )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and len(workers := children(child.pid)) >= 2):
            assert child.poll() is None, (tmp_path / "child.log").read_text()
            assert time.monotonic() < deadline, "the child never started its workers"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert child.returncode == -signal.SIGKILL

        t0 = time.monotonic()
        while any(alive(w) for w in workers) and time.monotonic() - t0 < 3:
            time.sleep(0.05)
        assert not [w for w in workers if alive(w)], "worker processes outlived their parent"
    finally:
        for pid in [child.pid, *workers]:  # only what this test started
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    ix = NewsIndex.open(tmp_path / "ix", lock_timeout=0.5)  # the lock is free at once
    assert len(ix) == len(committed)  # the killed batch was lost whole
    report = ix.ingest(recs, batch_size=BATCH, progress=False)  # again with 2 workers
    assert (report.unchanged, report.added, report.rejected) == (len(committed), BATCH, 0)
    assert len(ix) == len(recs)
    with ix.reader() as r:
        assert r.doc_count() == r.doc_count_all() == len(recs)
        assert len(list(r.lexicon("id"))) == len(recs)  # no duplicate ids
    assert not (tmp_path / "ix" / "MAIN.tmp").exists()  # the dead batch's temp files are gone


def test_a_worker_killed_mid_batch_fails_the_batch_instead_of_losing_its_articles(
    children: Callable[[int], set[int]],
    tmp_path: Path,
) -> None:
    from newsearch.errors import WorkerFailedError

    recs = records(5)[: 268 + BATCH]
    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest(recs[:268], progress=False, workers=1)
    before = children(os.getpid())
    killed: list[int] = []

    def kill_a_worker_that_indexed_something() -> None:
        deadline = time.monotonic() + 30
        w = None
        while not killed and time.monotonic() < deadline:
            w = w or ix._writer  # the ingest lets go of it when it starts committing
            busy = [t.pid for t, n in zip(w.tasks, w._counts, strict=False) if n] if w else []
            if busy:
                os.kill(busy[0], signal.SIGKILL)  # as the OOM killer would
                killed.append(busy[0])
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_worker_that_indexed_something)
    killer.start()
    try:
        with pytest.raises(WorkerFailedError, match="not committed"):
            ix.ingest(recs, batch_size=BATCH, progress=False)  # 1,000 new: 2 workers
    finally:
        killed.append(0)  # stop the thread if it found nothing
        killer.join()
    assert killed[0] != 0
    assert children(os.getpid()) - before == set()  # the other worker was stopped too
    # The batch failed whole. Whoosh's own writer committed it without the dead worker's
    # articles, and the report counted them as added.
    assert len(ix) == 268
    again = NewsIndex.open(tmp_path / "ix", lock_timeout=0.5)  # the lock was released
    assert again.upsert(recs[-1]) == "added"
    again.commit()
    assert len(again) == 269


def test_an_interrupt_mid_batch_stops_the_workers_and_releases_the_lock(
    children: Callable[[int], set[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsearch.mpwriter import SafeMpWriter

    recs = records(4)[:BATCH]
    ix = NewsIndex.create(tmp_path / "ix")
    before = children(os.getpid())
    add = SafeMpWriter.add_document
    added: list[str] = []

    def interrupted(self: SafeMpWriter, **fields: Any) -> None:
        if len(added) == BATCH // 2:  # both workers have job files by now
            assert len(self.tasks) == 2 and all(t.is_alive() for t in self.tasks)
            raise KeyboardInterrupt  # Ctrl-C
        add(self, **fields)
        added.append(fields["id"])

    monkeypatch.setattr(SafeMpWriter, "add_document", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ix.ingest(recs, batch_size=BATCH, progress=False)
    assert children(os.getpid()) - before == set()  # no worker left behind
    assert len(ix) == 0
    monkeypatch.setattr(SafeMpWriter, "add_document", add)
    again = NewsIndex.open(tmp_path / "ix", lock_timeout=0.5)  # the lock was released
    assert again.upsert(recs[0]) == "added"
    again.commit()
    assert len(again) == 1
