"""A merge policy for frequent small commits (a web backend's upserts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

__all__ = ["SmallSegmentMerge"]


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
        from whoosh.reading import SegmentReader

        chosen: list[Any] = []
        total = 0
        for seg in sorted(segments, key=lambda s: s.doc_count_all()):
            if total + seg.doc_count_all() > self.max_docs:
                break
            chosen.append(seg)
            total += seg.doc_count_all()
        if len(chosen) < self.min_segments:
            return list(segments)
        for seg in chosen:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return [s for s in segments if not any(s is c for c in chosen)]
