"""``ShardedIndex``: N ordinary newsearch indexes behind one manifest, built and searched on Ray.

Example (it starts Ray)::

    ix = ShardedIndex.create("news", shards=4)
    report = ix.ingest(["a.jsonl.gz", "b.jsonl"])            # one writer actor per shard
    with ix.searcher() as s:                                 # one searcher actor per shard
        print(s.search("الحكومة المصرية").total)

Ray is started on loopback for the index's lifetime when ``address`` is ``None`` (and no Ray is
running in the process yet), or joined at ``address``; :meth:`close` stops what it started.

Where shard files live: by default every shard directory is under the index directory, which
every node must see (one machine, or a shared filesystem). With ``placement="resources"`` the
writer and searcher actors of shard ``i`` need the custom Ray resource ``shard-00i``: start
each node with the shards it holds (``ray start --resources '{"shard-000": 1}'``) and the
shard's files stay on that node's disk (see docs/scale-out.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from ..analysis import AnalyzerSpec
from ..article import MAX_FIELD_CHARS, Article
from ..cache import DEFAULT_CACHE_MB
from ..errors import ConfigError
from ..index import NewsIndex
from ..ingest import IngestReport, Source
from ..manifest import MANIFEST, write_json_atomic
from ..request import RankingOptions
from ..schema import DEFAULT_EXACT_FIELDS
from .manifest import (
    CLUSTER_MANIFEST,
    make_cluster_manifest,
    read_cluster_manifest,
    shard_name,
    shard_of,
)
from .runtime import RayRuntime, require_ray
from .searcher import ClusterSearcher
from .writer import DEFAULT_CLUSTER_BATCH, ShardWriter
from .writer import ingest as cluster_ingest

__all__ = ["ShardedIndex"]

Placement = Literal["shared", "resources"]
#: Times Ray restarts a dead writer or searcher actor (-1: always).
WRITER_RESTARTS = 3
SEARCHER_RESTARTS = -1


class ShardedIndex:
    """A sharded index directory (:meth:`create`, :meth:`open`); see the module docstring."""

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        placement: Placement = "shared",
    ) -> None:
        self.path = path
        self.manifest = manifest
        self.placement = placement
        self.address = address
        self.num_cpus = num_cpus
        self.runtime: RayRuntime | None = None

    def ray(self) -> RayRuntime:
        """Ray, started (or joined) on first use: opening an index and ``info()`` need none."""
        if self.runtime is None:
            self.runtime = RayRuntime(self.address, self.num_cpus)
        return self.runtime

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        shards: int = 2,
        analyzer: str | AnalyzerSpec | Mapping[str, Any] = "light",
        *,
        exact_analyzer: str | AnalyzerSpec | Mapping[str, Any] = "exact",
        cleaner: str = "none",
        exact_fields: tuple[str, ...] = DEFAULT_EXACT_FIELDS,
        overwrite: bool = False,
        address: str | None = None,
        num_cpus: int | None = None,
        placement: Placement = "shared",
    ) -> ShardedIndex:
        """An empty sharded index of ``shards`` shards in ``path`` (analysis options as
        :meth:`NewsIndex.create <newsearch.index.NewsIndex.create>`)."""
        if shards < 1:
            raise ConfigError("shards must be at least 1")
        p = Path(path)
        if p.exists() and any(p.iterdir()):
            if not overwrite:
                raise ConfigError(
                    f"{p} is not empty; pass overwrite=True (CLI: --overwrite) to replace the index"
                )
            if not (p / CLUSTER_MANIFEST).exists() and not (p / MANIFEST).exists():
                raise ConfigError(
                    f"{p} holds files that are not a newsearch index; not touching it"
                )
            shutil.rmtree(p)
        p.mkdir(parents=True, exist_ok=True)
        # With placement="resources" each shard is made on its node by its writer (its disk,
        # not this one); here one is made and removed, for the manifest it would have.
        made = range(shards) if placement == "shared" else [0]
        first: dict[str, Any] = {}
        for i in made:
            ix = NewsIndex.create(
                p / shard_name(i), analyzer, exact_analyzer=exact_analyzer, cleaner=cleaner,
                exact_fields=exact_fields,
            )  # fmt: skip
            first = first or ix.manifest
            ix.close()
        if placement != "shared":
            shutil.rmtree(p / shard_name(0))
        write_json_atomic(p / CLUSTER_MANIFEST, make_cluster_manifest(shards, first))
        return cls(p, read_cluster_manifest(p), address=address, num_cpus=num_cpus,
                   placement=placement)  # fmt: skip

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        placement: Placement = "shared",
    ) -> ShardedIndex:
        """Open a sharded index; checks ``cluster.json`` as ``NewsIndex.open`` checks its
        manifest (each shard's own manifest is checked where the shard is opened)."""
        p = Path(path)
        m = read_cluster_manifest(p)
        if placement == "shared":
            missing = [
                shard_name(i) for i in range(m["shards"]) if not (p / shard_name(i)).is_dir()
            ]
            if missing:
                raise ConfigError(f"{p} lacks shard directories {missing}")
        return cls(p, m, address=address, num_cpus=num_cpus, placement=placement)

    def close(self) -> None:
        """Stop Ray if this index started it."""
        if self.runtime is not None:
            self.runtime.shutdown()
            self.runtime = None

    def __enter__(self) -> ShardedIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- shards -------------------------------------------------------------------------------
    @property
    def shards(self) -> int:
        return int(self.manifest["shards"])

    def shard_path(self, i: int) -> Path:
        return self.path / shard_name(i)

    def shard_of(self, article_id: str) -> int:
        """The shard that holds ``article_id`` (``crc32(id) mod shards``)."""
        return shard_of(article_id, self.shards)

    def _actor_options(self, i: int) -> dict[str, Any]:
        if self.placement == "resources":
            return {"resources": {shard_name(i): 0.01}}
        return {}

    def _create_options(self) -> dict[str, Any]:
        sm = self.manifest["shard_manifest"]
        return {
            "analyzer": sm["analyzer"],
            "exact_analyzer": sm["exact_analyzer"],
            "cleaner": sm.get("cleaner", "none"),
            "exact_fields": tuple(sm.get("exact_fields", DEFAULT_EXACT_FIELDS)),
        }

    # --- writing ------------------------------------------------------------------------------
    def writers(self) -> list[Any]:
        """One writer actor per shard (restarted by Ray if it dies; its batch is retried)."""
        ray = require_ray()

        self.ray()
        # Every shard gets its writer at once: with more shards than CPUs, they share them
        # (a writer that waited for a CPU would stall the reader, which feeds every shard).
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        need = min(1.0, cpus / self.shards)
        actor = ray.remote(num_cpus=need, max_restarts=WRITER_RESTARTS, max_task_retries=3)(
            ShardWriter
        )
        create = self._create_options()
        return [
            actor.options(**self._actor_options(i)).remote(str(self.shard_path(i)), create)
            for i in range(self.shards)
        ]

    def ingest(
        self,
        sources: Source | Iterable[Source],
        *,
        batch_size: int = DEFAULT_CLUSTER_BATCH,
        strict: bool = False,
        progress: bool | None = None,
        max_field_chars: int = MAX_FIELD_CHARS,
        on_batch: Callable[[int, Any], None] | None = None,
    ) -> IngestReport:
        """Upsert every record of ``sources`` (as :meth:`NewsIndex.ingest
        <newsearch.index.NewsIndex.ingest>`), each shard written by its own actor, in
        parallel; see :mod:`newsearch.cluster.writer`. ``on_batch(shard, writer)``: called
        after each committed batch."""
        ray = require_ray()

        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        writers = self.writers()
        try:
            return cluster_ingest(
                writers, sources, batch_size=batch_size, strict=strict, progress=progress,
                max_field_chars=max_field_chars, on_batch=on_batch,
            )  # fmt: skip
        finally:
            # A writer that cannot close has committed all it will: it is stopped anyway.
            with contextlib.suppress(ray.exceptions.RayError):
                ray.get([w.close.remote() for w in writers], timeout=60)
            for w in writers:
                ray.kill(w, no_restart=True)

    def write(self, records: list[Any], *, merge_policy: Any = None) -> IngestReport:
        """Upsert a few records (dicts or JSON lines) from this process, each shard's share
        committed in its directory (no actors: a web server's ``POST /articles``; bulk loads
        go through :meth:`ingest`). The report is :meth:`NewsIndex.ingest
        <newsearch.index.NewsIndex.ingest>`'s, rejections numbered by position in
        ``records``. The shard directories must be reachable from here (shared placement)."""
        by_shard: dict[int, list[int]] = {}
        for pos, rec in enumerate(records):
            by_shard.setdefault(self._route(rec), []).append(pos)
        report = IngestReport()
        for shard, positions in sorted(by_shard.items()):
            with NewsIndex.open(self.shard_path(shard)) as ix:
                part = ix.ingest(
                    [records[p] for p in positions], workers=1, progress=False,
                    merge_policy=merge_policy,
                )  # fmt: skip

            def renumber(r: Any, where: list[int] = positions) -> Any:
                n = where[r.line - 1] + 1 if 0 < r.line <= len(where) else r.line
                return dataclasses.replace(r, line=n)

            for name in ("read", "added", "updated", "unchanged", "rejected", "commits"):
                setattr(report, name, getattr(report, name) + getattr(part, name))
            report.seconds += part.seconds
            report.rejections += [renumber(r) for r in part.rejections]
            report.truncated += [renumber(r) for r in part.truncated]
        report.rejections.sort(key=lambda r: r.line)
        report.truncated.sort(key=lambda r: r.line)
        return report

    def _route(self, record: Any) -> int:
        """The shard of a record's id; a record with no readable id goes to shard 0, whose
        ingest rejects it with the reason."""
        try:
            obj = record if isinstance(record, Mapping) else orjson.loads(record)
            return self.shard_of(str(obj["id"])) if obj.get("id") is not None else 0
        except (orjson.JSONDecodeError, TypeError, AttributeError, KeyError):
            return 0

    def cancel(self) -> None:
        """Nothing to cancel: :meth:`write`, :meth:`upsert` and :meth:`delete` commit or
        cancel each shard's changes themselves (the web app calls this after a failure)."""

    def upsert(self, article: Article | Mapping[str, Any]) -> str:
        """Add or replace one article in the shard its id routes to, committed at once
        (``"added"``, ``"updated"`` or ``"unchanged"``). Opens the shard directory here: for
        shards on a shared filesystem; bulk changes go through :meth:`ingest`."""
        a = article if isinstance(article, Article) else Article.from_dict(article)
        with NewsIndex.open(self.shard_path(self.shard_of(a.id))) as ix:  # commits on exit
            return ix.upsert(a)

    def delete(self, article_id: str) -> bool:
        """Delete one article from the shard its id routes to (committed); ``True`` if it
        was there."""
        with NewsIndex.open(self.shard_path(self.shard_of(article_id))) as ix:  # commits on exit
            return ix.delete(article_id)

    # --- searching ----------------------------------------------------------------------------
    def searcher_actors(
        self, options: RankingOptions, *, replicas: int = 1, cache_mb: float | None = None
    ) -> list[list[Any]]:
        """``replicas`` searcher actors per shard (restarted by Ray if they die)."""
        from .shard import ShardSearcher

        ray = require_ray()

        self.ray()
        if replicas < 1:
            raise ConfigError("replicas must be at least 1")
        actor = ray.remote(num_cpus=0, max_restarts=SEARCHER_RESTARTS, max_task_retries=0)(
            ShardSearcher
        )
        mb = DEFAULT_CACHE_MB if cache_mb is None else cache_mb
        return [
            [
                actor.options(**self._actor_options(i)).remote(str(self.shard_path(i)), options, mb)
                for _ in range(replicas)
            ]
            for i in range(self.shards)
        ]

    def searcher(
        self,
        options: RankingOptions | None = None,
        *,
        timeout: float = 10.0,
        allow_partial: bool = False,
        replicas: int = 1,
        cache_mb: float | None = None,
    ) -> ClusterSearcher:
        """A :class:`ClusterSearcher` over every shard's last commit (see its parameters)."""
        return ClusterSearcher(
            self, options, timeout=timeout, allow_partial=allow_partial, replicas=replicas,
            cache_mb=cache_mb,
        )  # fmt: skip

    # --- about --------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Documents, size and segments per shard and in all (reads the shard directories:
        on a shared filesystem or one machine)."""
        shards = []
        sources: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        dates: list[datetime] = []
        for i in range(self.shards):
            ix = NewsIndex.open(self.shard_path(i))
            try:
                info = ix.info()
            finally:
                ix.close()
            sources.update(info.sources)
            categories.update(info.categories)
            dates += [d for d in (info.first_published, info.last_published) if d is not None]
            shards.append(
                {
                    "shard": shard_name(i),
                    "documents": info.documents,
                    "size_bytes": info.size_bytes,
                    "segments": info.segments,
                }
            )
        return {
            "path": str(self.path),
            "shards": self.shards,
            "routing": self.manifest["routing"],
            "documents": sum(s["documents"] for s in shards),
            "first_published": min(dates).isoformat() if dates else None,
            "last_published": max(dates).isoformat() if dates else None,
            "sources": dict(sources.most_common()),
            "categories": dict(categories.most_common()),
            "size_bytes": sum(s["size_bytes"] for s in shards),
            "analyzer": self.manifest["analyzer"],
            "per_shard": shards,
            "manifest": orjson.loads(orjson.dumps(self.manifest)),
        }
