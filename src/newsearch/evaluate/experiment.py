"""``Experiment``: named setups, one task, metrics; in the spirit of PyTerrier's, much smaller.

>>> from newsearch.evaluate import Experiment, Setup
>>> exp = Experiment(
...     {"light": Setup(analyzer="light"), "lucene": Setup(engine="lucene")},
...     task, baseline="lucene")                                      # doctest: +SKIP
>>> result = exp.run()                                                # doctest: +SKIP
>>> print(result.to_markdown())                                       # doctest: +SKIP

Setups whose engine and index parameters agree share one build (the scorer and field weights
are chosen at search time). Builds are kept under ``workdir`` keyed by engine, index
parameters, corpus version and the newsearch analysis code, so a second run of a grid reuses
them and reports the build time measured when they were made.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError
from ..extras import require
from .engines import Doc, EngineUnavailable
from .metrics import DEFAULT_METRICS, evaluate, mean, paired_test
from .registry import get_engine
from .results import ExperimentResult, Setup, SetupResult, expand_grid, latency_summary
from .tasks import Task

__all__ = ["Experiment", "ExperimentResult", "Setup", "SetupResult", "expand_grid"]

#: Files whose content decides what a newsearch build contains (a change invalidates caches).
_BUILD_MODULES = (
    "normalize.py",
    "_lexicon.py",
    "stemmers.py",
    "analysis.py",
    "filters.py",
    "schema.py",
    "article.py",
    "index.py",
    "ingest.py",
    "duplicates.py",
)


def _code_hash() -> str:
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in _BUILD_MODULES:
        p = root / name
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


class Experiment:
    """Run every setup on ``task``, score with ``metrics`` and compare with ``baseline``.

    :param setups: name -> :class:`Setup`.
    :param task: a :class:`~newsearch.evaluate.tasks.Task`.
    :param metrics: ir-measures names; the first is the one setups are ranked by.
    :param baseline: the setup every other is compared with (paired t-test per metric).
    :param k: depth of each ranking.
    :param workdir: where builds are kept (reused across runs; see the module docstring).
    :param log: where progress lines go (``None``: silent).
    """

    def __init__(
        self,
        setups: Mapping[str, Setup],
        task: Task,
        metrics: Sequence[str] = DEFAULT_METRICS,
        *,
        baseline: str | None = None,
        k: int = 100,
        workdir: str | Path | None = None,
        reuse_builds: bool = True,
        log: Callable[[str], None] | None = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        # The packages first: without [bench] nothing below can finish, so say so now.
        require("bench", "Experiment", modules=("ir_measures", "scipy"))
        if not setups:
            raise ConfigError("an experiment needs at least one setup")
        if baseline is not None and baseline not in setups:
            raise ConfigError(f"baseline {baseline!r} is not one of the setups: {sorted(setups)}")
        for s in setups.values():
            get_engine(s.engine)  # unknown engine names fail now, listing the known ones
        self.setups = dict(setups)
        self.task = task
        self.metrics = list(metrics)
        self.baseline = baseline
        self.k = k
        if workdir is None:
            import tempfile

            workdir = tempfile.mkdtemp(prefix="newsearch-bench-")
            reuse_builds = False
        self.workdir = Path(workdir)
        self.reuse_builds = reuse_builds
        self.log = log
        # Git state and machine as of when the code was loaded (a caller running several
        # experiments in one process passes what it recorded at its start).
        self.provenance = dict(provenance) if provenance is not None else None
        self._doc_cache: list[Doc] | None = None

    def _say(self, msg: str) -> None:
        if self.log is not None:
            self.log(msg)

    def _build_key(self, setup: Setup) -> str:
        index_params, _ = setup.split()
        entry = get_engine(setup.engine)
        specific = getattr(entry.factory, "FIELD_SPECIFIC", False)
        key = {
            "engine": setup.engine,
            "index": index_params,
            "corpus": self.task.corpus,
            "fingerprint": self.task.fingerprint,
            "fields": list(self.task.fields) if specific else None,
            "code": _code_hash() if setup.engine == "newsearch" else None,
        }
        digest = hashlib.sha256(orjson.dumps(key, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
        return f"{setup.engine}-{self.task.corpus}-{digest}"

    def _docs(self) -> list[Doc]:
        if self._doc_cache is None:
            self._doc_cache = list(self.task.docs())
        return self._doc_cache

    def _engine(self, setup: Setup, key: str) -> tuple[Any, float, bool]:
        """The built engine for ``setup``: (engine, build seconds, reused from disk)."""
        index_params, _ = setup.split()
        engine = get_engine(setup.engine).factory(**index_params)
        where = self.workdir / key
        marker = where / "newsearch-build.json"
        if self.reuse_builds and marker.exists() and hasattr(engine, "open"):
            info = orjson.loads(marker.read_bytes())
            try:
                engine.open(where / "index")
            except Exception as exc:  # a build from an older version: make it again
                self._say(f"  cannot reuse build {key} ({exc}); rebuilding")
            else:
                self._say(f"  reusing build {key} ({info['seconds']:.1f} s when built)")
                return engine, float(info["seconds"]), True
        self._say(f"  building {key} ...")
        where.mkdir(parents=True, exist_ok=True)
        marker.unlink(missing_ok=True)
        seconds = engine.build(self._docs(), where / "index", self.task.fields)
        marker.write_bytes(orjson.dumps({"seconds": seconds, "setup": setup.to_dict()}))
        self._say(f"  built {key} in {seconds:.1f} s")
        return engine, seconds, False

    def _evaluate(
        self,
        run: dict[str, list[tuple[str, float]]],
        also: dict[str, list[str]],
        grouped: dict[str, dict[str, list[str]]] | None = None,
    ) -> dict[str, dict[str, float]]:
        """Per-query metric values. A relevant article that an engine lists as "also published
        by" counts as found where the reader sees it: a copy of the query's article at rank 1,
        a copy listed under a hit right after that hit.
        The task's own metrics (``extra_metrics``) see the related list as shown."""
        task = self.task
        grouped = grouped or {}
        extra = task.extra_metrics(run, also) if task.extra_metrics is not None else {}
        judged = run
        if also or grouped:
            judged = {}
            for qid, ranked in run.items():
                rel = task.qrels.get(qid, {})
                first = [(d, 0.0) for d in also.get(qid, ()) if rel.get(d, 0) > 0]
                seen = {d for d, _ in first}
                shown = []
                for d, s in ranked:
                    for x in (d, *(c for c in grouped.get(qid, {}).get(d, ()) if rel.get(c, 0))):
                        if x not in seen:
                            shown.append((x, s))
                            seen.add(x)
                judged[qid] = first + shown
        ir = [m for m in self.metrics if m not in extra]
        per_query = evaluate(judged, task.qrels, ir) if ir else {}
        for m in self.metrics:
            if m in extra:
                per_query[m] = {q: extra[m].get(q, 0.0) for q in task.qrels}
        return per_query

    def run(self) -> ExperimentResult:
        from .provenance import git_info, machine, package_versions

        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        t_start = time.perf_counter()
        provenance = self.provenance or {
            "git": git_info(),
            "machine": machine(),
            "versions": package_versions(),
        }
        self.workdir.mkdir(parents=True, exist_ok=True)
        task = self.task
        self._say(f"task {task.name}: {len(task.queries)} queries")
        max_excluded = max((len(v) for v in task.exclude.values()), default=0)
        results: dict[str, SetupResult] = {}
        by_key: dict[str, list[str]] = {}
        for name, setup in self.setups.items():
            try:
                key = self._build_key(setup)
            except EngineUnavailable as exc:
                results[name] = SetupResult(name, setup, skipped=str(exc))
                continue
            by_key.setdefault(key, []).append(name)
        # One build per key, all its setups searched before the next build (bounded memory).
        for key, names in by_key.items():
            first = self.setups[names[0]]
            try:
                engine, build_seconds, cached = self._engine(first, key)
            except EngineUnavailable as exc:
                self._say(f"  skipping {', '.join(names)}: {exc}")
                for n in names:
                    results[n] = SetupResult(n, self.setups[n], build_key=key, skipped=str(exc))
                continue
            for n in names:
                _, search_params = self.setups[n].split()
                t0 = time.perf_counter()
                if task.kind == "related":
                    related_all = getattr(engine, "related_all", None)
                    if related_all is None:
                        results[n] = SetupResult(
                            n, self.setups[n], build_key=key, skipped="no related_all"
                        )
                        continue
                    wanted = set(task.queries.values())
                    docs = {d.id: d for d in self._docs() if d.id in wanted}
                    out = related_all(task.queries, self.k + max_excluded, search_params, docs=docs)
                else:
                    out = engine.search_all(
                        task.queries, self.k + max_excluded, task.fields, search_params
                    )
                elapsed = time.perf_counter() - t0
                run = {}
                for qid, ranked in out.run.items():
                    drop = task.exclude.get(qid, frozenset())
                    run[qid] = [(d, s) for d, s in ranked if d not in drop][: self.k]
                per_query = self._evaluate(run, out.also, out.grouped)
                results[n] = SetupResult(
                    name=n,
                    setup=self.setups[n],
                    means={m: mean(v) for m, v in per_query.items()},
                    per_query=per_query,
                    build_key=key,
                    build_seconds=build_seconds,
                    build_cached=cached,
                    latency_ms=latency_summary(out.seconds.values()),
                    search_seconds=elapsed,
                    run=run,
                    also=dict(out.also),
                    grouped=dict(out.grouped),
                )
                m0 = self.metrics[0]
                self._say(
                    f"  {n}: {m0} {results[n].means[m0]:.4f}, "
                    f"p50 {results[n].latency_ms.get('p50', 0):.2f} ms"
                )
            close = getattr(engine, "close", None)
            if callable(close):
                close()
        if self.baseline is not None and results[self.baseline].skipped is None:
            base = results[self.baseline].per_query
            for r in results.values():
                if r.skipped is None and r.name != self.baseline:
                    r.comparisons = {
                        m: paired_test(m, r.per_query[m], base[m]) for m in self.metrics
                    }
        ordered = {n: results[n] for n in self.setups}
        return ExperimentResult(
            task=task.summary(),
            metrics=self.metrics,
            baseline=self.baseline,
            k=self.k,
            results=ordered,
            started=started,
            seconds=time.perf_counter() - t_start,
            provenance=provenance,
        )


def stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
