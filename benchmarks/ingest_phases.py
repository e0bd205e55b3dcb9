"""Where a default ingest's wall time goes: the last merge, the search tables, the commits.

    python benchmarks/ingest_phases.py [--workers N] \
        "../shared/datasets/ant-multisource/data/antms-00[0-3].jsonl.gz"

Times, by wrapping them, the merge in this process (``merging._merge``: Whoosh's ``add_reader``
of each merged segment; then ``SegmentWriter._finalize_segment``, which writes the merged
postings), the merge handed to the worker processes (``SafeMpWriter.merge_apart``), the search
tables stored at the last commit, and the multiprocess writer's commits as a whole (they wait
for the workers). Prints one JSON object: the totals in seconds, documents added, size in MB.
Like ``profile_ingest.py``, a tool for finding the cost, not a side-by-side benchmark.
"""

from __future__ import annotations

import argparse
import glob
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from whoosh.writing import SegmentWriter

import newsearch.merging as merging
import newsearch.search_tables as tables
from newsearch import mpwriter
from newsearch.index import NewsIndex

SECONDS: dict[str, float] = defaultdict(float)


def timed(owner: Any, name: str, label: str) -> None:
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SECONDS[label] += time.perf_counter() - t

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", help="a glob of .jsonl(.gz) files")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    timed(merging, "_merge", "merge in this process: add_reader")
    timed(SegmentWriter, "_finalize_segment", "finalize segments in this process")
    timed(mpwriter.SafeMpWriter, "merge_apart", "merge in the workers")
    timed(mpwriter.SafeMpWriter, "_commit", "multiprocess commits (waits for the workers)")
    timed(tables, "store_search_tables", "search tables")
    files = sorted(glob.glob(args.files))
    with tempfile.TemporaryDirectory() as tmp:
        ix = NewsIndex.create(Path(tmp) / "ix")
        t0 = time.perf_counter()
        report = ix.ingest(files, workers=args.workers, progress=False)
        total = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "ix").iterdir()) / 1e6
    out = {"total": total, "added": report.added, "size_mb": size, **SECONDS}
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}))


if __name__ == "__main__":
    main()
