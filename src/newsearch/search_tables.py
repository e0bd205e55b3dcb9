"""The index stores search's per-segment tables with each segment it writes.

Called by the writer of a commit (:class:`~newsearch.mpwriter.CommitHook`) with the segments the
commit is about to publish: every segment without a current side file gets one (new segments,
merged ones, and the segments of an index written by an older version, on its next commit or
``optimize``). What the tables hold is :func:`newsearch.variants.segment_tables`' business; how
they are stored is :mod:`newsearch.segtables`'.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .backend import Segment
from .cache import IndexCache
from .segtables import load_tables, store_tables, table_key

__all__ = ["store_search_tables"]


class _TermDfs:
    """A segment's terms of one field with their document frequencies (``Segment.term_dfs``,
    which reads them from here when stored)."""

    def __init__(self, segment: Segment, field: str) -> None:
        self.dfs = dict(segment.term_dfs(field).items())


def _term_tables(field_names: list[str]) -> dict[Any, Callable[[Segment], Any]]:
    """The term tables related news reads whole (title and body), on its first request or in
    ``warm()``: stored too."""
    return {("dfs", f): functools.partial(_TermDfs, field=f) for f in ("title", "body")
            if f in field_names}  # fmt: skip


def _module(build: Any) -> str:
    """The module whose source decides what ``build`` makes (its fingerprint is stored)."""
    return str(getattr(build, "func", build).__module__)


def store_search_tables(storage: Any, schema: Any, segments: list[Any]) -> int:
    """Build and store the search tables of each of ``segments`` that lacks them; returns how
    many segments got a side file."""
    # The tables are search's (a layer above the index); the index only runs their builders.
    from .variants import segment_tables

    names = list(schema.names())
    builders = {**_term_tables(names), **segment_tables(names)}
    wanted = {table_key(what) for what in builders}
    done = 0
    for seg in segments:
        sid = seg.segment_id()
        if wanted <= load_tables(storage, sid).keys():
            continue
        from whoosh.reading import SegmentReader

        segment = Segment(SegmentReader(storage, schema, seg), 0, IndexCache(0))
        try:
            # Each table is built as it is stored and let go before the next one is built
            # (each is the size of the segment's vocabulary).
            built = ((what, (_module(build), build(segment))) for what, build in builders.items())
            store_tables(storage, sid, built)
        finally:
            segment.close()
        done += 1
    return done
