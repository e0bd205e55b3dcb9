"""Copies on a sharded index: an article's copies on every shard, and every group of copies.

- :func:`duplicates`: the article's signature from its home shard, looked up on every shard
  (band-key terms, verified there), the copies described by the shards that hold them.
- :func:`duplicate_groups`: every shard's signatures stacked here and grouped by
  :func:`newsearch.copies.copy_groups` (the band keys and checks of one index), so a group
  may span shards. Copies published at the same instant are ordered by id (one index orders
  them by insertion), so such a group's representative may differ from one index's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from ..copies import copy_groups
from ..duplicates import THRESHOLD, exact, similarity
from ..errors import ArticleNotFoundError
from ..results import Copy, DuplicateGroup
from .fanout import FanOut

if TYPE_CHECKING:
    from .searcher import ClusterSearcher

__all__ = ["duplicate_groups", "duplicates"]

_NEVER = datetime.max.replace(tzinfo=UTC)


def duplicates(
    cs: ClusterSearcher, call: FanOut, article_id: str, min_similarity: float | None
) -> list[Copy]:
    """The article's copies on every shard, most similar first (ties: by id)."""
    shard = cs.home(article_id)
    found = call.one(shard, "source", article_id)
    if found is None:
        raise ArticleNotFoundError(article_id)
    _, docnum, sig = found
    threshold = THRESHOLD if min_similarity is None else min_similarity
    got = call.each("copies_of", sig, None, threshold)
    out: list[tuple[float, Copy]] = []
    for s, found_here in got.items():
        mine = [c for c in found_here if not (s == shard and c[0] == docnum)]
        if mine:
            copies = call.one(s, "describe", mine)
            out += [(c.similarity, c) for c in copies]
    out.sort(key=lambda p: (-p[0], p[1].id))
    return [c for _, c in out]


def duplicate_groups(call: FanOut, min_similarity: float | None) -> list[DuplicateGroup]:
    """Every group of copies over every shard, largest first (see the module docstring)."""
    got = call.each("signatures")
    rows = [(s, int(d)) for s in sorted(got) for d in got[s][0]]
    if not rows:
        return []
    sigs = np.concatenate([got[s][1] for s in sorted(got)])
    comps = copy_groups(sigs, np.ones(len(rows), dtype=bool), min_similarity)
    wanted: dict[int, list[tuple[int, float, bool]]] = {}
    for comp in comps:
        for r in comp:
            wanted.setdefault(rows[r][0], []).append((rows[r][1], 1.0, True))
    described = call.calls({s: ("describe", (items,)) for s, items in wanted.items()})
    found = {
        (s, d): c
        for s, items in wanted.items()
        for (d, _, _), c in zip(items, described.get(s, []), strict=False)
    }
    groups = []
    for comp in comps:
        members = sorted(
            (r for r in comp if rows[r] in found),
            key=lambda r: (found[rows[r]].published or _NEVER, found[rows[r]].id),
        )
        if len(members) < 2:  # (a shard failed since, and allow_partial said go on)
            continue
        rep = sigs[members[0]]
        copies = []
        for r in members:
            c = found[rows[r]]
            c.similarity, c.exact = similarity(rep, sigs[r]), exact(rep, sigs[r])
            copies.append(c)
        groups.append(DuplicateGroup(copies[0], copies))
    groups.sort(key=lambda g: (-len(g), g.representative.published or _NEVER, g.ids[0]))
    return groups
