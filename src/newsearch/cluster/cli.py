"""The command line's sharded-index paths: ``newsearch index DIR FILES --shards N [--address
ADDR]``, and ``search``/``related``/``info`` on a directory holding ``cluster.json``.

Ray is started on loopback for the command unless ``--address`` (or ``RAY_ADDRESS``) names a
cluster to join.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..request import RankingOptions
from .index import ShardedIndex
from .manifest import is_sharded

__all__ = ["index_command", "info_command", "open_searcher"]


def index_command(args: argparse.Namespace, print_report: Any) -> int:
    """``newsearch index`` on a sharded index (new with ``--shards N``, or existing)."""
    from ..errors import IngestAborted
    from ..ingest import check_files
    from ..schema import DEFAULT_EXACT_FIELDS

    path = Path(args.index_dir)
    check_files(args.files)
    address = getattr(args, "address", None)
    if is_sharded(path) and not args.overwrite:
        ix = ShardedIndex.open(path, address=address)
        if args.shards and args.shards != ix.shards:
            ix.close()
            print(
                f"newsearch: error: {path} has {ix.shards} shards, not {args.shards}; "
                "add --overwrite to rebuild",
                file=sys.stderr,
            )
            return 2
    else:
        exact = DEFAULT_EXACT_FIELDS
        if args.exact_fields is not None:
            exact = tuple(f.strip() for f in args.exact_fields.split(",") if f.strip())
        ix = ShardedIndex.create(
            path, shards=args.shards or 2, analyzer=args.analyzer or "light",
            cleaner=args.cleaner or "none", exact_fields=exact, overwrite=args.overwrite,
            address=address,
        )  # fmt: skip
    try:
        try:
            report = ix.ingest(
                args.files, strict=args.strict, batch_size=min(args.batch_size, 2000),
                progress=None if not args.quiet else False,
            )  # fmt: skip
        except IngestAborted as e:
            print_report(e.report)
            print(f"newsearch: error: {e}", file=sys.stderr)
            return 1
        print_report(report)
        print(f"{path}: {ix.info()['documents']} articles in {ix.shards} shards")
    finally:
        ix.close()
    return 0


@contextmanager
def open_searcher(path: str | Path, options: RankingOptions) -> Iterator[Any]:
    """A searcher over the index at ``path``: a :class:`ClusterSearcher` for a sharded index
    (Ray started for the block, or joined at ``RAY_ADDRESS``), else a plain ``Searcher``."""
    if is_sharded(path):
        with ShardedIndex.open(path) as ix, ix.searcher(options) as s:
            yield s
    else:
        from ..index import NewsIndex

        with NewsIndex.open(path).searcher(options) as s:
            yield s


def info_command(args: argparse.Namespace) -> int:
    """``newsearch info`` on a sharded index (reads the shard directories; no Ray)."""
    import orjson

    info = ShardedIndex.open(args.index_dir).info()  # the directories only: no Ray
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    print(f"index:      {info['path']} (sharded)")
    print(f"articles:   {info['documents']}")
    n, rule = info["shards"], info["routing"]["hash"]
    print(f"shards:     {n}, routed by {rule}(id) mod {n}")
    for s in info["per_shard"]:
        print(f"  {s['shard']}: {s['documents']} articles, {s['size_bytes'] / 1e6:.1f} MB")
    first, last = info["first_published"], info["last_published"]
    print(f"published:  {first[:10]} .. {last[:10]}" if first and last else "published:  none")
    print("sources:    " + ", ".join(f"{k} {v}" for k, v in info["sources"].items()))
    print("categories: " + ", ".join(f"{k} {v}" for k, v in info["categories"].items()))
    print(f"analyzer:   {info['analyzer']['name']} {info['analyzer'].get('params') or ''}".rstrip())
    print(f"size:       {info['size_bytes'] / 1e6:.1f} MB")
    return 0
