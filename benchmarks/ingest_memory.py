"""Where an ingest's memory goes: the peak RSS of its whole process tree, by phase.

Runs ``NewsIndex.create(dir).ingest(files)`` (the defaults unless told otherwise) in a fresh
child process that samples its own process tree (itself and the worker processes it forks)
from ``/proc`` every 0.1 s (:mod:`_treerss`), and reports the peak of the tree's summed RSS,
which phase of the ingest it fell in (``batch N: indexing``, ``batch N: committing``,
``merging`` = the last commit's merge, ``tables`` = building the search tables), each
process's share at the peak, and the peak of each phase.

Usage (from the repository root)::

    python benchmarks/ingest_memory.py --data ../shared/datasets --corpus ant [--limit N]
        [--plain] [--workers N] [--batch-size N] [--pss]

``--plain`` first decompresses the shards into one plain ``.jsonl`` file (the issue compared
that with the ``.jsonl.gz`` shards). Prints one JSON object; ``--out FILE`` also writes it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def child(args: argparse.Namespace) -> None:
    import newsearch.search_tables as st
    from _treerss import TreeSampler
    from newsearch import merging
    from newsearch.index import NewsIndex
    from newsearch.ingest import IngestProgress

    sampler = TreeSampler(interval=args.interval, pss=args.pss)
    phase_of = IngestProgress.phase

    def phase(self: IngestProgress, text: str) -> None:
        sampler.phase = text
        phase_of(self, text)

    IngestProgress.phase = phase  # type: ignore[method-assign]
    merge_call = merging.IngestMerge.__call__

    def merge(self: Any, writer: Any, segments: list[Any]) -> Any:
        before, sampler.phase = sampler.phase, "merging"
        try:
            return merge_call(self, writer, segments)
        finally:
            sampler.phase = before + " (after merge)"

    merging.IngestMerge.__call__ = merge  # type: ignore[method-assign]
    store = st.store_search_tables

    def tables(*a: Any) -> int:
        before, sampler.phase = sampler.phase, "tables"
        try:
            return store(*a)
        finally:
            sampler.phase = before

    st.store_search_tables = tables
    if args.limitmb:  # an experiment: every writer's posting pool (Whoosh's limitmb)
        from whoosh.writing import SegmentWriter

        init = SegmentWriter.__init__

        def sized(self: Any, *a: Any, **kw: Any) -> None:
            init(self, *a, **{**kw, "limitmb": args.limitmb})

        SegmentWriter.__init__ = sized  # type: ignore[method-assign]
    sampler.start()
    t0 = time.perf_counter()
    ix = NewsIndex.create(args.index, overwrite=True)
    kwargs: dict[str, Any] = {"workers": args.workers, "progress": False}
    if args.batch_size:
        kwargs["batch_size"] = args.batch_size
    report = ix.ingest(args.files, **kwargs)
    seconds = time.perf_counter() - t0
    sampler.phase = "done"
    sampler.sample()
    out = sampler.stop()
    size = sum(p.stat().st_size for p in Path(args.index).iterdir())
    out.update(
        docs=len(ix),
        rejected=report.rejected,
        seconds=round(seconds, 1),
        docs_per_s=round(len(ix) / seconds, 1),
        size_mb=round(size / 1e6, 1),
        segments=sum(1 for p in Path(args.index).iterdir() if p.suffix == ".seg"),
    )
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--corpus", default="ant")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--plain", action="store_true", help="one plain .jsonl instead of shards")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=0)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--limitmb", type=int, default=0, help="every writer's posting pool, MB")
    ap.add_argument("--pss", action="store_true", help="also sum PSS (slower to sample)")
    ap.add_argument("--out", default="")
    ap.add_argument("--keep", default="", help="build the index in this directory, and keep it")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--index", default="", help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    # Imported here: the child measures its own memory and imports only what an ingest needs.
    from _common import git_info  # benchmarks/ is on sys.path
    from index_speed import limited_copy, shards

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = shards(Path(args.data), args.corpus)
        if args.limit:
            files = limited_copy(files, args.limit, work / "limited.jsonl.gz")
        if args.plain:
            plain = work / "all.jsonl"
            with plain.open("wb") as w:
                for f in files:
                    with gzip.open(f) as r:
                        w.writelines(r)
            files = [plain]
        index = args.keep or str(work / "ix")
        cmd = [sys.executable, __file__, "--child", "--index", index,
               "--interval", str(args.interval)]  # fmt: skip
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.batch_size:
            cmd += ["--batch-size", str(args.batch_size)]
        if args.limitmb:
            cmd += ["--limitmb", str(args.limitmb)]
        if args.pss:
            cmd.append("--pss")
        out = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    result["config"] = {
        k: v for k, v in vars(args).items() if k not in ("child", "index", "files", "keep")
    }
    git = git_info()
    result["git"] = {"commit": git["commit"], "dirty": git["dirty"]}
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
