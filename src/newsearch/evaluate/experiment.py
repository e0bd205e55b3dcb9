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
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError
from .engines import Doc, EngineUnavailable, get_engine
from .metrics import DEFAULT_METRICS, Comparison, evaluate, mean, paired_test
from .tasks import Task

__all__ = ["Experiment", "ExperimentResult", "Setup", "SetupResult", "expand_grid"]

#: Files whose content decides what a newsearch build contains (a change invalidates caches).
#: Metrics where less is better (bolded at their minimum in tables).
LOWER_IS_BETTER = frozenset({"Copies@10"})

_BUILD_MODULES = (
    "normalize.py",
    "_lexicon.py",
    "stemmers.py",
    "analysis.py",
    "schema.py",
    "article.py",
    "index.py",
    "ingest.py",
    "duplicates.py",
)


@dataclass(frozen=True)
class Setup:
    """One ranking setup: an engine (``newsearch`` or a peer) and its parameters.

    For ``newsearch``: ``analyzer`` (index time), ``scorer`` (``bm25f``, ``tfidf``), scorer
    parameters (``k1``, ``b``, ``title_b``, ...) and ``weights`` (field -> query weight;
    missing fields keep :data:`newsearch.scoring.DEFAULT_FIELD_WEIGHTS`).
    """

    engine: str = "newsearch"
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __init__(
        self,
        engine: str = "newsearch",
        params: Mapping[str, Any] | None = None,
        description: str = "",
        **kwargs: Any,
    ) -> None:
        object.__setattr__(self, "engine", engine)
        object.__setattr__(self, "params", {**(params or {}), **kwargs})
        object.__setattr__(self, "description", description)

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(index parameters, search parameters) by the engine's registration."""
        index_names = get_engine(self.engine).index_params
        index = {k: v for k, v in self.params.items() if k in index_names}
        search = {k: v for k, v in self.params.items() if k not in index_names}
        return index, search

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.engine, **self.params}
        if self.description:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Setup:
        data = dict(data)
        engine = str(data.pop("engine", "newsearch"))
        description = str(data.pop("description", ""))
        return cls(engine, data, description)


def expand_grid(name: str, data: Mapping[str, Any]) -> dict[str, Setup]:
    """A setup whose parameters are lists becomes one setup per combination, named
    ``name[k1=0.9,b=0.5]``; ``weights`` may be a list of tables.

    >>> sorted(expand_grid("bm25", {"k1": [0.9, 1.2], "b": 0.75}))
    ['bm25[k1=0.9]', 'bm25[k1=1.2]']
    """
    keys = [k for k, v in data.items() if isinstance(v, list)]
    if not keys:
        return {name: Setup.from_dict(data)}
    out = {}
    for combo in itertools.product(*(data[k] for k in keys)):
        params = dict(data)
        params.update(zip(keys, combo, strict=True))
        label = ",".join(f"{k}={_short(v)}" for k, v in zip(keys, combo, strict=True))
        out[f"{name}[{label}]"] = Setup.from_dict(params)
    return out


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return "/".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


@dataclass
class SetupResult:
    """What one setup did on the task."""

    name: str
    setup: Setup
    means: dict[str, float] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    build_key: str = ""
    build_seconds: float | None = None
    build_cached: bool = False
    latency_ms: dict[str, float] = field(default_factory=dict)
    search_seconds: float = 0.0
    skipped: str | None = None
    run: dict[str, list[tuple[str, float]]] = field(default_factory=dict, repr=False)
    #: related news: per query, the article's own copies and each shown hit's copies
    also: dict[str, list[str]] = field(default_factory=dict, repr=False)
    grouped: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)

    def to_dict(self, per_query: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "setup": self.setup.to_dict(),
            "skipped": self.skipped,
            "means": self.means,
            "vs_baseline": {m: c.to_dict() for m, c in self.comparisons.items()},
            "build": {
                "key": self.build_key,
                "seconds": self.build_seconds,
                "cached": self.build_cached,
            },
            "latency_ms": self.latency_ms,
            "search_seconds": self.search_seconds,
        }
        if per_query:
            out["per_query"] = self.per_query
        return out


def _latency(seconds: Iterable[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {}

    def pct(p: float) -> float:
        # nearest-rank percentile: a value that was really measured
        return ms[min(len(ms) - 1, max(0, math.ceil(p / 100 * len(ms)) - 1))]

    return {
        "p50": statistics.median(ms),
        "p95": pct(95),
        "p99": pct(99),
        "mean": statistics.fmean(ms),
        "max": ms[-1],
    }


def _code_hash() -> str:
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in _BUILD_MODULES:
        p = root / name
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class ExperimentResult:
    """Results of :meth:`Experiment.run`: serializable to JSON and Markdown, plottable."""

    task: dict[str, Any]
    metrics: list[str]
    baseline: str | None
    k: int
    results: dict[str, SetupResult]
    started: str
    seconds: float
    provenance: dict[str, Any] = field(default_factory=dict)

    def ranked(self, metric: str | None = None) -> list[SetupResult]:
        """Setups that ran, best first by ``metric`` (default: the first metric)."""
        metric = metric or self.metrics[0]
        ran = [r for r in self.results.values() if r.skipped is None]
        return sorted(ran, key=lambda r: -r.means.get(metric, 0.0))

    def to_dict(self, per_query: bool = True) -> dict[str, Any]:
        return {
            "kind": "newsearch-bench",
            "task": self.task,
            "config": {"metrics": self.metrics, "baseline": self.baseline, "k": self.k},
            "started": self.started,
            "seconds": self.seconds,
            **self.provenance,
            "results": {n: r.to_dict(per_query) for n, r in self.results.items()},
        }

    def write_runs(self, directory: str | Path) -> list[Path]:
        """Each setup's ranking as a TREC run file ``<task>.<setup>.run`` (only for setups
        that ran in this process: runs are not kept in the JSON)."""
        from .tasks import write_run

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, r in self.results.items():
            if r.skipped is None and r.run:
                safe = "".join(c if c.isalnum() or c in "-_.=," else "_" for c in name)
                path = out / f"{self.task['name']}.{safe}.run"
                write_run(r.run, path, tag=safe)
                written.append(path)
                if r.also or r.grouped:
                    copies = path.with_suffix(".copies.json")
                    copies.write_bytes(
                        orjson.dumps(
                            {"also": r.also, "grouped": r.grouped}, option=orjson.OPT_SORT_KEYS
                        )
                    )
                    written.append(copies)
        return written

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExperimentResult:
        """Rebuild a result from its JSON (``write_json``), per-query scores included."""
        results = {}
        for name, r in data["results"].items():
            comps = {}
            for m, c in (r.get("vs_baseline") or {}).items():
                p = c.get("p_value")
                comps[m] = Comparison(
                    c["metric"], c["mean_diff"], float("nan") if p is None else p,
                    c["wins"], c["losses"], c["ties"],
                )  # fmt: skip
            build = r.get("build") or {}
            results[name] = SetupResult(
                name=name,
                setup=Setup.from_dict(r["setup"]),
                means=dict(r.get("means") or {}),
                per_query={m: dict(v) for m, v in (r.get("per_query") or {}).items()},
                comparisons=comps,
                build_key=build.get("key", ""),
                build_seconds=build.get("seconds"),
                build_cached=bool(build.get("cached")),
                latency_ms=dict(r.get("latency_ms") or {}),
                search_seconds=float(r.get("search_seconds") or 0.0),
                skipped=r.get("skipped"),
            )
        config = data["config"]
        return cls(
            task=dict(data["task"]),
            metrics=list(config["metrics"]),
            baseline=config.get("baseline"),
            k=int(config.get("k", 100)),
            results=results,
            started=data["started"],
            seconds=float(data["seconds"]),
            provenance={k: data[k] for k in ("git", "machine", "versions", "runs") if k in data},
        )

    @classmethod
    def merge(cls, parts: Sequence[ExperimentResult]) -> ExperimentResult:
        """One result from runs of the same task (e.g. slow peers run in a second process):
        setups are united (a later run's setup replaces an earlier one of the same name) and
        every setup is compared again with the baseline, query by query."""
        if not parts:
            raise ConfigError("nothing to merge")
        names = {p.task["name"] for p in parts}
        if len(names) != 1:
            raise ConfigError(f"results of different tasks cannot be merged: {sorted(names)}")
        first = parts[0]
        results: dict[str, SetupResult] = {}
        for p in parts:
            results.update(p.results)
        merged = cls(
            task=first.task,
            metrics=first.metrics,
            baseline=first.baseline,
            k=first.k,
            results=results,
            started=min(p.started for p in parts),
            seconds=sum(p.seconds for p in parts),
            provenance=dict(first.provenance),
        )
        merged.provenance["runs"] = [
            {"started": p.started, "commit": p.provenance.get("git", {}).get("commit"),
             "setups": sorted(p.results)}
            for p in parts
        ]  # fmt: skip
        base = results.get(first.baseline or "")
        if base is not None and base.skipped is None:
            for r in results.values():
                if r.skipped is None and r.name != first.baseline:
                    r.comparisons = {
                        m: paired_test(m, r.per_query[m], base.per_query[m])
                        for m in merged.metrics
                        if m in r.per_query and m in base.per_query
                    }
        return merged

    def write_json(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as JSON; gzip-compressed when ``path`` ends in ``.gz`` (the
        per-query scores of a 40-setup grid are ~17 MB of JSON)."""
        p = Path(path)
        if p.suffix == ".gz":
            import gzip

            p.write_bytes(gzip.compress(orjson.dumps(self.to_dict()), mtime=0))
        else:
            p.write_bytes(orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2))

    @classmethod
    def read_json(cls, path: str | Path) -> ExperimentResult:
        """Read a result written by :meth:`write_json` (plain or ``.gz``)."""
        p = Path(path)
        raw = p.read_bytes()
        if p.suffix == ".gz":
            import gzip

            raw = gzip.decompress(raw)
        return cls.from_dict(orjson.loads(raw))

    def to_markdown(self, metrics: Sequence[str] | None = None) -> str:
        """A table of every setup, best first, with the difference from the baseline and its
        p-value on the first two metrics, the build time and the query latency."""
        metrics = list(metrics or self.metrics)
        compared = [m for m in metrics[:2] if self.baseline]
        head = ["setup", *metrics]
        head += [f"Δ{m} vs {self.baseline} (p)" for m in compared]
        head += ["build s", "p50 ms", "p95 ms"]
        lines = [
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
        ]
        best = {
            m: (min if m in LOWER_IS_BETTER else max)(
                (r.means.get(m, 0.0) for r in self.ranked()), default=0.0
            )
            for m in metrics
        }
        for r in self.ranked():
            cells = [f"`{r.name}`"]
            for m in metrics:
                v = r.means.get(m, 0.0)
                cells.append(f"**{v:.3f}**" if v == best[m] else f"{v:.3f}")
            for m in compared:
                c = r.comparisons.get(m)
                if c is None or r.name == self.baseline:
                    cells.append("—")
                else:
                    cells.append(f"{c.mean_diff:+.3f} ({_fmt_p(c.p_value)})")
            cells.append("—" if r.build_seconds is None else f"{r.build_seconds:.1f}")
            cells.append(f"{r.latency_ms.get('p50', float('nan')):.2f}")
            cells.append(f"{r.latency_ms.get('p95', float('nan')):.2f}")
            lines.append("| " + " | ".join(cells) + " |")
        for r in self.results.values():
            if r.skipped is not None:
                lines.append(f"\n*`{r.name}` skipped: {r.skipped}*")
        return "\n".join(lines) + "\n"

    def plot(self, path: str | Path, metrics: Sequence[str] | None = None, top: int = 8) -> None:
        """Bar chart of ``metrics`` per setup, and the sorted per-query differences against
        the baseline (on the first metric) for the ``top`` best setups."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        metrics = list(metrics or self.metrics[:2])
        ranked = self.ranked()
        fig, (ax1, ax2) = plt.subplots(
            1, 2, figsize=(14, max(4.0, 0.28 * len(ranked) + 1.5)), width_ratios=[1.2, 1]
        )
        names = [r.name for r in ranked][::-1]
        height = 0.8 / len(metrics)
        for i, m in enumerate(metrics):
            vals = [r.means.get(m, 0.0) for r in ranked][::-1]
            ax1.barh([y + i * height for y in range(len(names))], vals, height=height, label=m)
        ax1.set_yticks([y + height * (len(metrics) - 1) / 2 for y in range(len(names))])
        ax1.set_yticklabels(names, fontsize=7)
        ax1.set_xlim(0, 1)
        ax1.legend(loc="lower right", fontsize=8)
        ax1.set_title(f"{self.task['name']}: mean per setup", fontsize=10)
        m0 = metrics[0]
        if self.baseline and self.baseline in self.results:
            base = self.results[self.baseline].per_query.get(m0, {})
            shown = [r for r in ranked if r.name != self.baseline][:top]
            for r in shown:
                diffs = sorted(
                    (r.per_query[m0][q] - base[q] for q in base if q in r.per_query[m0]),
                    reverse=True,
                )
                ax2.plot(range(len(diffs)), diffs, label=r.name, linewidth=1)
            ax2.axhline(0, color="black", linewidth=0.5)
            ax2.set_xlabel("queries, sorted by difference")
            ax2.set_ylabel(f"{m0} − {self.baseline}")
            ax2.legend(fontsize=6)
            ax2.set_title(f"per-query {m0} difference vs {self.baseline}", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "p=n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


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
                    latency_ms=_latency(out.seconds.values()),
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
