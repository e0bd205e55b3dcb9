"""What a sharded index is: ``cluster.json``, the routing rule, and the shard directories.

A sharded index is a directory holding ``cluster.json`` and N ordinary newsearch index
directories ``shard-000``, ``shard-001``, ...::

    {"format": "newsearch-cluster", "shards": 3,
     "routing": {"key": "id", "hash": "crc32", "encoding": "utf-8"},
     "schema_version": 3, "analysis_version": 1, "analyzer": {...}, ...}

An article lives in shard ``crc32(id as UTF-8) mod shards``: the same on every machine and
every Python (unlike ``hash()``, which is salted per process), so an upsert or a delete of an
id reaches the shard that holds it. The shard count is fixed when the index is created;
changing it means re-indexing (as Elasticsearch's primary shard count).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import orjson

from ..analysis import ANALYSIS_VERSION
from ..errors import IndexMismatchError, IndexNotFoundError
from ..manifest import check_manifest
from ..schema import SCHEMA_VERSION

__all__ = [
    "CLUSTER_MANIFEST",
    "FORMAT",
    "ROUTING",
    "check_cluster_manifest",
    "is_sharded",
    "make_cluster_manifest",
    "read_cluster_manifest",
    "shard_name",
    "shard_of",
]

CLUSTER_MANIFEST = "cluster.json"
FORMAT = "newsearch-cluster"
#: The routing rule, as recorded in the manifest.
ROUTING = {"key": "id", "hash": "crc32", "encoding": "utf-8"}


def shard_of(article_id: str, shards: int) -> int:
    """The shard that holds ``article_id``: ``crc32(id as UTF-8) mod shards``.

    >>> shard_of("bbc-001", 3), shard_of("bbc-001", 3) == shard_of("bbc-001", 3)
    (1, True)
    """
    return zlib.crc32(article_id.encode("utf-8")) % shards


def shard_name(i: int) -> str:
    """``shard-000``, ``shard-001``, ..."""
    return f"shard-{i:03d}"


def is_sharded(path: str | Path) -> bool:
    """Whether ``path`` is a sharded index (it holds ``cluster.json``)."""
    return (Path(path) / CLUSTER_MANIFEST).is_file()


def make_cluster_manifest(shards: int, shard_manifest: dict[str, Any]) -> dict[str, Any]:
    """The cluster manifest of ``shards`` shards made with ``shard_manifest``'s analysis."""
    keep = (
        "library_version", "schema_version", "analysis_version", "analyzer", "exact_analyzer",
        "cleaner", "exact_fields", "max_field_chars", "duplicates",
    )  # fmt: skip
    return {
        "format": FORMAT,
        "shards": shards,
        "routing": dict(ROUTING),
        "created": shard_manifest.get("created"),
        "shard_manifest": {k: shard_manifest[k] for k in keep if k in shard_manifest},
    } | {k: shard_manifest[k] for k in ("schema_version", "analysis_version", "analyzer")}


def read_cluster_manifest(path: Path) -> dict[str, Any]:
    """The checked manifest of the sharded index at ``path``."""
    mpath = path / CLUSTER_MANIFEST
    if not mpath.is_file():
        raise IndexNotFoundError(
            f"no sharded newsearch index at {path} (missing {CLUSTER_MANIFEST})"
        )
    try:
        m = orjson.loads(mpath.read_bytes())
    except orjson.JSONDecodeError as e:
        raise IndexMismatchError(f"{mpath} is not valid JSON ({e})") from None
    check_cluster_manifest(m, path)
    return m  # type: ignore[no-any-return]


def check_cluster_manifest(m: Any, path: Path) -> None:
    """Refuse a cluster manifest this library would route or analyse differently."""
    hint = f"rebuild it: `newsearch index {path} FILE... --shards N --overwrite`"
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise IndexMismatchError(f"{path} is not a sharded newsearch index; {hint}")
    shards = m.get("shards")
    if not isinstance(shards, int) or shards < 1:
        raise IndexMismatchError(f"{path}/{CLUSTER_MANIFEST} has no valid shard count; {hint}")
    if m.get("routing") != ROUTING:
        raise IndexMismatchError(
            f"{path} routes articles by {m.get('routing')}, this library by {ROUTING}; {hint}"
        )
    theirs = (m.get("schema_version"), m.get("analysis_version"))
    if theirs != (SCHEMA_VERSION, ANALYSIS_VERSION):
        raise IndexMismatchError(
            f"the sharded index at {path} has schema {theirs[0]}, analysis {theirs[1]}; this "
            f"library has schema {SCHEMA_VERSION}, analysis {ANALYSIS_VERSION}; {hint}"
        )
    check_manifest({"format": "newsearch-index", **m["shard_manifest"]}, path)
