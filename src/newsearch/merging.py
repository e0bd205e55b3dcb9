"""Merge policies: how a commit merges the index's segments.

- :class:`IngestMerge` (the default of :meth:`NewsIndex.ingest`): an ingest leaves one new
  segment, merging with it only the older segments smaller than itself.
- :class:`SmallSegmentMerge` (the web app's): bounded work per commit for frequent small commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

__all__ = ["IngestMerge", "SmallSegmentMerge"]


def _merge(writer: Any, chosen: list[Any]) -> None:
    from whoosh.reading import SegmentReader

    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()


def _shares(segments: list[Any], count: int) -> list[list[Any]]:
    """``segments`` in ``count`` groups of about equal document counts (largest first, each to
    the group with the fewest), each group in the segments' order."""
    groups: list[list[int]] = [[] for _ in range(count)]
    sizes = [0] * count
    for i in sorted(range(len(segments)), key=lambda i: -segments[i].doc_count_all()):
        g = sizes.index(min(sizes))
        groups[g].append(i)
        sizes[g] += segments[i].doc_count_all()
    return [[segments[i] for i in sorted(group)] for group in groups]


@dataclass(frozen=True)
class IngestMerge:
    """The last commit of an ingest merges every segment the ingest wrote into one (one per
    worker process with ``parallel``: they merge at the same time), together with each
    older segment holding fewer documents than those new ones; larger older segments are kept
    as they are.

    An ingest writes a segment per batch and worker (31 at 71k articles, batches of 5,000, two
    processes): searching them all costs more than one, and so does opening them in every new
    process. One merge at the end rewrites each new document once; the older segments it takes
    in are smaller than what it writes, so a document is rewritten at most about log2(index /
    first ingest) times over a series of growing ingests (size tiers), never the whole index on a
    small ingest. ``segments_before``: ids of the segments that existed when the ingest began.
    """

    segments_before: frozenset[str] = frozenset()
    #: Merge in the ingest's worker processes, each a share of the segments, in parallel: an
    #: ingest then leaves one segment per worker. Faster (30k ANT: 186 docs/s against 127),
    #: but the workers keep what their batches left them through the merge: at 71k the
    #: ingest's process tree peaked at 844 MB (430 MB merging in one process), so it is off
    #: by default (docs/benchmarks.md, "Index build speed").
    parallel: bool = False

    def __call__(self, writer: Any, segments: list[Any]) -> list[Any]:
        """Whoosh's merge-policy protocol (see :class:`SmallSegmentMerge`)."""
        new = [s for s in segments if s.segment_id() not in self.segments_before]
        size = sum(s.doc_count_all() for s in new)
        old = [s for s in segments if s.segment_id() in self.segments_before]
        chosen = new + [s for s in old if s.doc_count_all() < size]
        # The writer's own documents (the last batch, in one process) make a segment of their
        # own: one more is worth merging into it; alone, a segment stays as it is.
        added = getattr(writer, "_added", False)
        if len(chosen) < (1 if added else 2):
            return list(segments)
        kept = [s for s in segments if not any(s is c for c in chosen)]
        # With worker processes (and no documents of the writer's own to merge with), each
        # worker merges a share of the segments: the merge takes 1/workers of the time and
        # leaves one segment per worker.
        apart = getattr(writer, "merge_apart", None) if self.parallel else None
        shares = min(getattr(writer, "procs", 1), len(chosen) // 2)
        if apart is not None and not added and shares > 1:
            merged: list[Any] | None = apart(_shares(chosen, shares))
            if merged is not None:
                return kept + merged
        _merge(writer, chosen)
        return kept


@dataclass(frozen=True)
class SmallSegmentMerge:
    """A merge policy for frequent small commits (a web backend's upserts), with a bounded
    cost: it merges the smallest segments, together at most ``max_docs`` documents, once
    ``min_segments`` of them fit, and never rewrites a bigger segment.

    Whoosh's default policy (``merge=True``) now and then merges *every* segment, i.e.
    rewrites the whole index inside one commit: measured 215 s at 30k articles, on a commit
    of 20 (docs/web.md). Segments this policy leaves alone are merged by :meth:`NewsIndex.optimize`
    or a bulk :meth:`NewsIndex.ingest`, run off-peak.
    """

    max_docs: int = 200
    min_segments: int = 4

    def __post_init__(self) -> None:
        if self.max_docs < 1 or self.min_segments < 2:
            raise ConfigError("SmallSegmentMerge needs max_docs >= 1 and min_segments >= 2")

    def __call__(self, writer: Any, segments: list[Any]) -> list[Any]:
        """Whoosh's merge-policy protocol: add the merged segments' readers to ``writer``
        and return the segments kept as they are."""
        chosen: list[Any] = []
        total = 0
        for seg in sorted(segments, key=lambda s: s.doc_count_all()):
            if total + seg.doc_count_all() > self.max_docs:
                break
            chosen.append(seg)
            total += seg.doc_count_all()
        if len(chosen) < self.min_segments:
            return list(segments)
        _merge(writer, chosen)
        return [s for s in segments if not any(s is c for c in chosen)]
