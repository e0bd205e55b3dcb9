"""Whole-collection arrays made from per-segment values: an ID column as integer codes, a
DATETIME column as seconds, and the sorted distinct values of an array of document numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["codes", "seconds", "sorted_unique"]

#: Whoosh stores a missing DATETIME as the largest unsigned long.
_MISSING_LONG = 2**64 - 1
#: Whoosh's DATETIME longs count microseconds from ``datetime.min``; this is 1970-01-01.
_EPOCH_SECONDS = 62_135_596_800.0


def codes(columns: Sequence[list[Any]]) -> tuple[npt.NDArray[np.int32], list[str]]:
    """ID column values (one list per segment) as one integer code per document and the
    values the codes index (-1: none)."""
    index: dict[Any, int] = {}
    values: list[str] = []
    parts = []
    for col in columns:
        out = np.empty(len(col), dtype=np.int32)
        for i, v in enumerate(col):
            if not v:
                out[i] = -1
                continue
            code = index.get(v)
            if code is None:
                code = index[v] = len(values)
                values.append(v.decode() if isinstance(v, bytes) else str(v))
            out[i] = code
        parts.append(out)
    return (np.concatenate(parts) if parts else np.zeros(0, np.int32), values)


def seconds(columns: Sequence[list[Any]]) -> npt.NDArray[np.float64]:
    """DATETIME column values (one list per segment) as seconds since 1970 (UTC) per
    document, NaN where missing."""
    parts = []
    for col in columns:
        raw = np.array([v if isinstance(v, int) else _MISSING_LONG for v in col], dtype=np.uint64)
        secs = raw.astype(np.float64) / 1e6 - _EPOCH_SECONDS
        secs[raw == _MISSING_LONG] = np.nan
        parts.append(secs)
    return np.concatenate(parts) if parts else np.zeros(0, np.float64)


def sorted_unique(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique(ids)`` of a 1-D array, without it: ``np.unique`` imports ``numpy.ma``
    (~40 ms of a fresh process's first search)."""
    if ids.size < 2:
        return ids
    ids = np.sort(ids)
    keep = np.empty(ids.size, dtype=bool)
    keep[0] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]
