"""Scale-out: a sharded index built in parallel and searched by fan-out on Ray (extra
``[cluster]``), with the results of one index holding every article.

- :class:`ShardedIndex` — ``cluster.json`` and N ordinary index directories; articles routed
  by ``crc32(id) mod N`` (:mod:`.manifest`); ``ingest`` writes every shard at once, one
  writer actor each (:mod:`.writer`).
- :class:`ClusterSearcher` — ``search``, ``run``, ``related``, ``duplicates``, ``get``,
  ``suggest`` as :class:`~newsearch.search.Searcher`'s, scored with statistics merged from
  every shard (:mod:`.searcher`, :mod:`.related`); failures counted in ``shards`` or raised
  (:mod:`.fanout`).
"""

from __future__ import annotations

from .index import ShardedIndex
from .manifest import is_sharded, shard_of
from .runtime import RayRuntime
from .searcher import ClusterSearcher

__all__ = ["ClusterSearcher", "RayRuntime", "ShardedIndex", "is_sharded", "shard_of"]
