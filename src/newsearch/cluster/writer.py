"""The parallel build: one writer actor per shard, fed by one reader of the input.

:func:`ingest` reads the records once (JSON Lines, ``.gz``, standard input or objects),
validates each (:func:`~newsearch.ingest.parse_record`), rejects a malformed record or an id
already read (with its file and line), routes the rest by id (:func:`shard_of`) and sends them
to the shard's :class:`ShardWriter` in batches. Each writer indexes its batch with
``NewsIndex.ingest(..., workers=1)``: one commit per batch, so a shard's state is always its
last committed batch.

Faults: a writer actor is restarted by Ray (``max_restarts``) and its unfinished batch is sent
again (``max_task_retries``); the batch had not been committed, so it is indexed again from
the shard's last commit. Each writer notes the report of every batch it committed in
``ingest-journal.json`` beside its shard, so a batch retried after its commit returns its
first report instead of counting its articles again as unchanged. A rerun of a whole ingest
finds every article already there (``unchanged``): nothing is lost or indexed twice.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from ..article import MAX_FIELD_CHARS, Article
from ..errors import ArticleError, IngestAborted
from ..index import NewsIndex
from ..ingest import (
    IngestProgress,
    IngestReport,
    Rejection,
    Source,
    check_files,
    parse_record,
    read_records,
    record_id,
    truncation_note,
)
from ..manifest import write_json_atomic
from .manifest import shard_of

__all__ = ["DEFAULT_CLUSTER_BATCH", "ShardWriter", "ingest"]

#: Articles per batch sent to a shard writer (one commit each).
DEFAULT_CLUSTER_BATCH = 2_000
#: Batches in flight per writer: one indexing, one on its way.
_IN_FLIGHT = 2
JOURNAL = "ingest-journal.json"
_JOURNAL_KEEP = 16

#: One batch's outcome: (added, updated, unchanged, rejections as (file, line, reason, id)).
BatchResult = tuple[int, int, int, list[tuple[str, int, str, str | None]]]


class ShardWriter:
    """Writes one shard (a Ray actor; a plain object in tests). Opens the shard's index,
    creating it with the cluster's analysis if the directory is missing (a node-local
    disk on another machine)."""

    def __init__(self, path: str, create: dict[str, Any]) -> None:
        p = Path(path)
        if p.exists() and any(p.iterdir()):
            self.index = NewsIndex.open(p)
        else:
            self.index = NewsIndex.create(p, **create)
        self.journal = p / JOURNAL

    def pid(self) -> int:
        return os.getpid()

    def ingest(self, key: str, batch: list[tuple[str, int, Article]]) -> BatchResult:
        """Index one batch (one commit); ``key`` names it for the journal."""
        done = self._journal().get(key)
        if done is not None:
            return (done[0], done[1], done[2], [tuple(r) for r in done[3]])
        report = self.index.ingest(
            [a for _, _, a in batch], batch_size=len(batch) + 1, workers=1, progress=False
        )
        rejections = []
        for r in report.rejections:  # "<objects>:n" is the batch's n-th record
            file, line, _ = batch[r.line - 1]
            rejections.append((file, line, r.reason, r.id))
        result: BatchResult = (report.added, report.updated, report.unchanged, rejections)
        journal = self._journal()
        journal[key] = list(result)
        while len(journal) > _JOURNAL_KEEP:
            journal.pop(next(iter(journal)))
        write_json_atomic(self.journal, journal)
        return result

    def _journal(self) -> dict[str, Any]:
        try:
            data = orjson.loads(self.journal.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def count(self) -> int:
        return len(self.index)

    def close(self) -> None:
        self.index.close()


def ingest(
    writers: list[Any],
    sources: Source | Iterable[Source],
    *,
    batch_size: int = DEFAULT_CLUSTER_BATCH,
    strict: bool = False,
    progress: bool | None = None,
    max_field_chars: int = MAX_FIELD_CHARS,
    on_batch: Callable[[int, Any], None] | None = None,
) -> IngestReport:
    """Read ``sources`` once and index them through ``writers`` (one Ray actor handle per
    shard, in shard order); the report adds up as ``NewsIndex.ingest``'s. ``on_batch(shard,
    writer)`` is called as each batch is committed."""
    import ray

    check_files(sources)
    run = uuid.uuid4().hex[:12]
    n = len(writers)
    report = IngestReport()
    t0 = time.perf_counter()
    seen: dict[str, tuple[str, int]] = {}
    files: dict[str, int] = {}  # file -> order read, to list rejections in reading order
    batches: list[list[tuple[str, int, Article]]] = [[] for _ in range(n)]
    numbers = [0] * n
    pending: dict[Any, int] = {}  # ref -> shard
    bar = IngestProgress(progress)

    def collect(ref: Any) -> None:
        shard = pending.pop(ref)
        added, updated, unchanged, rejections = ray.get(ref)
        report.added += added
        report.updated += updated
        report.unchanged += unchanged
        report.rejected += len(rejections)
        report.rejections.extend(Rejection(*r) for r in rejections)
        report.commits += 1
        bar.set_indexed(report.added + report.updated + report.unchanged)
        if on_batch is not None:
            on_batch(shard, writers[shard])

    def send(shard: int) -> None:
        while sum(1 for s in pending.values() if s == shard) >= _IN_FLIGHT:
            done, _ = ray.wait(list(pending), num_returns=1)
            collect(done[0])
        numbers[shard] += 1
        ref = writers[shard].ingest.remote(f"{run}-{numbers[shard]}", batches[shard])
        pending[ref] = shard
        batches[shard] = []

    try:
        for rec in read_records(sources):
            report.read += 1
            bar.record_read()
            files.setdefault(rec.file, len(files))
            try:
                article = parse_record(rec, max_field_chars)
                first = seen.get(article.id)
                if first is not None:
                    raise ArticleError(
                        "id", f"duplicate id {article.id!r}: first read at {first[0]}:{first[1]}"
                    )
            except ArticleError as e:
                report.rejected += 1
                report.rejections.append(Rejection(rec.file, rec.line, str(e), record_id(rec)))
                if strict:
                    raise IngestAborted(
                        f"strict ingest stopped at {report.rejections[-1]}; batches already "
                        f"sent to the shards were committed",
                        report,
                    ) from None
                continue
            seen[article.id] = (rec.file, rec.line)
            if article.truncated:
                report.truncated.append(truncation_note(rec, article, max_field_chars))
            shard = shard_of(article.id, n)
            batches[shard].append((rec.file, rec.line, article))
            if len(batches[shard]) >= batch_size:
                send(shard)
        for shard in range(n):
            if batches[shard]:
                send(shard)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            collect(done[0])
    finally:
        bar.close()
    report.rejections.sort(key=lambda r: (files.get(r.file, 0), r.line))
    report.seconds = time.perf_counter() - t0
    report.check()
    return report
