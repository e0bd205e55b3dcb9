"""The index stores search's per-segment tables with each segment it writes.

Called by the writer of a commit (:class:`~newsearch.mpwriter.CommitHook`) with the segments the
commit is about to publish: every segment without a current side file gets one (new segments,
merged ones, and the segments of an index written by an older version, on its next commit or
``optimize``). What the tables hold is :func:`newsearch.variants.segment_tables`' business; how
they are stored is :mod:`newsearch.segtables`'.
"""

from __future__ import annotations

from typing import Any

from .backend import Segment
from .cache import IndexCache
from .segtables import load_tables, store_tables, table_key

__all__ = ["store_search_tables"]


def store_search_tables(storage: Any, schema: Any, segments: list[Any]) -> int:
    """Build and store the search tables of each of ``segments`` that lacks them; returns how
    many segments got a side file."""
    # The tables are search's (a layer above the index); the index only runs their builders.
    from .variants import segment_tables

    builders = segment_tables(schema.names())
    wanted = {table_key(what) for what in builders}
    done = 0
    for seg in segments:
        sid = seg.segment_id()
        if wanted <= load_tables(storage, sid).keys():
            continue
        from whoosh.reading import SegmentReader

        segment = Segment(SegmentReader(storage, schema, seg), 0, IndexCache(0))
        try:
            tables = {what: (build.__module__, build(segment)) for what, build in builders.items()}
        finally:
            segment.close()
        store_tables(storage, sid, tables)
        done += 1
    return done
