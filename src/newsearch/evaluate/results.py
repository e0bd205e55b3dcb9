"""Results of benchmark runs: setups, what each did, and their tables, plots and JSON.

:class:`Setup` names one ranking setup; :class:`ExperimentResult` holds what every setup of
one run did on one task (metrics, per-query scores, paired comparisons with the baseline,
build and query times) and writes it as self-describing JSON, Markdown and a plot.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError
from .metrics import Comparison, paired_test
from .registry import get_engine

__all__ = [
    "LOWER_IS_BETTER",
    "ExperimentResult",
    "Setup",
    "SetupResult",
    "expand_grid",
    "latency_summary",
]

#: Metrics where less is better (bolded at their minimum in tables).
LOWER_IS_BETTER = frozenset({"Copies@10"})


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


def latency_summary(seconds: Iterable[float]) -> dict[str, float]:
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
        if self.task.get("groups"):
            lines += ["", *self._group_table(metrics[0])]
        return "\n".join(lines) + "\n"

    def group_means(self, metric: str) -> dict[str, dict[str, float]]:
        """Setup -> kind of query -> mean of ``metric`` over the task's queries of that kind
        (tasks with :attr:`~newsearch.evaluate.tasks.Task.groups`), ``all`` included."""
        groups: Mapping[str, str] = self.task.get("groups") or {}
        kinds = sorted(set(groups.values()))
        out: dict[str, dict[str, float]] = {}
        for r in self.ranked():
            values = r.per_query.get(metric, {})
            row = {
                k: statistics.fmean([v for q, v in values.items() if groups.get(q) == k] or [0.0])
                for k in kinds
            }
            out[r.name] = row | {"all": r.means.get(metric, 0.0)}
        return out

    def _group_table(self, metric: str) -> list[str]:
        """Per kind of query: ``metric`` of every setup, and its Judged@10 where the run has
        it (unjudged documents count as non-relevant: below 0.9 the figure is a guess)."""
        means = self.group_means(metric)
        judged = self.group_means("Judged@10") if "Judged@10" in self.metrics else {}
        kinds = [*sorted(set((self.task.get("groups") or {}).values())), "all"]
        lines = [
            f"{metric} by kind of query (Judged@10 in brackets):",
            "",
            "| setup | " + " | ".join(kinds) + " |",
            "|---|" + "---:|" * len(kinds),
        ]
        for name, row in means.items():
            cells = []
            for k in kinds:
                j = judged.get(name, {}).get(k)
                flag = "" if j is None else f" ({j:.2f}{'!' if j < 0.9 else ''})"
                cells.append(f"{row[k]:.3f}{flag}")
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
        return lines

    def plot(self, path: str | Path, metrics: Sequence[str] | None = None, top: int = 8) -> None:
        """Bar chart of ``metrics`` per setup, and the sorted per-query differences against
        the baseline (on the first metric) for the ``top`` best setups.

        Drawn on a :class:`matplotlib.figure.Figure` of its own (the object-oriented API), so
        the caller's pyplot state and backend (a notebook's, say) are left as they were."""
        from ..extras import require

        require("bench", "plot()", modules=("matplotlib",))
        from matplotlib.figure import Figure

        metrics = list(metrics or self.metrics[:2])
        ranked = self.ranked()
        fig = Figure(figsize=(14, max(4.0, 0.28 * len(ranked) + 1.5)))
        ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.2, 1])
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


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "p=n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"
