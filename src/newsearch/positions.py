"""The posting format of the positional text fields: positions as packed ``uint32``.

Whoosh's :class:`~whoosh.formats.Positions` encodes a posting's positions as a count and a
pickled list of deltas: a pickle to write for every posting at ingest and one to read for every
posting a phrase query looks at. :class:`PackedPositions` is the same format (frequency, weight,
positions, position boosts) with the positions as little-endian ``uint32``, one after the
other: the side file (:mod:`newsearch.sidefile`) reads a term's postings' values as one array
(``numpy.frombuffer`` of their concatenation) and keeps them as such.

Schema version 4 gives it to ``title``, ``body`` and the exact twins, whose postings then live
in the side file; an index of schema 3 keeps Whoosh's format and its postings where they were.
"""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.formats import Positions, tokens

__all__ = ["PackedPositions", "pack", "term_counts", "term_positions", "unpack"]

_SWAP = sys.byteorder != "little"


def pack(positions: Iterable[int]) -> bytes:
    """``positions`` as little-endian ``uint32``."""
    a = array("I", positions)
    if _SWAP:
        a.byteswap()
    return a.tobytes()


def unpack(value: bytes) -> list[int]:
    """The positions :func:`pack` packed."""
    a = array("I", value)
    if _SWAP:
        a.byteswap()
    return a.tolist()


def _fused(analyzer: Any, text: str) -> dict[str, list[int]] | None:
    """:meth:`NewsAnalyzer.term_positions <newsearch.analysis.NewsAnalyzer.term_positions>`
    (no token objects; boosts are 1), or ``None`` when ``analyzer`` has no fused path."""
    fast = getattr(analyzer, "term_positions", None)
    return fast(text) if fast is not None else None


def term_positions(analyzer: Any, text: str) -> dict[str, list[int]]:
    """Each index term ``analyzer`` makes of ``text``, with its positions."""
    got = _fused(analyzer, text)
    if got is not None:
        return got
    out: dict[str, list[int]] = {}
    for t in analyzer(text, positions=True, mode="index"):
        if t.text:
            out.setdefault(t.text, []).append(t.pos)
    return out


def term_counts(analyzer: Any, text: str) -> dict[str, int]:
    """Each index term ``analyzer`` makes of ``text``, with how often it occurs."""
    return {t: len(p) for t, p in term_positions(analyzer, text).items()}


class PackedPositions(Positions):
    """Whoosh's :class:`~whoosh.formats.Positions` with packed positions (see the module)."""

    def word_values(self, value: Any, analyzer: Analyzer, **kwargs: Any) -> Iterator[Any]:
        # As Positions.word_values, with the packed encoding.
        fb = self.field_boost
        plain = isinstance(value, str) and not (kwargs.get("no_morph") or kwargs.get("start_pos"))
        got = _fused(analyzer, value) if plain else None
        if got is not None:
            for w, poslist in got.items():
                yield w, len(poslist), len(poslist) * fb, pack(poslist)
            return
        poses: defaultdict[str, list[int]] = defaultdict(list)
        weights: defaultdict[str, float] = defaultdict(float)
        kwargs["positions"] = True
        kwargs["boosts"] = True
        for t in tokens(value, analyzer, kwargs):
            poses[t.text].append(t.pos)
            weights[t.text] += t.boost
        for w, poslist in poses.items():
            yield w, len(poslist), weights[w] * fb, pack(poslist)

    def encode(self, poslist: Iterable[int]) -> bytes:
        return pack(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return float(self.decode_frequency(valuestring) * self.field_boost)
