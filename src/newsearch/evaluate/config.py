"""Benchmark runs described in TOML, and what a run writes (JSON, Markdown, plots, docs).

A run file names tasks and setups; a parameter given as a list expands to one setup per value
(see :func:`~newsearch.evaluate.experiment.expand_grid`)::

    tasks = ["arcd", "ans-paraphrase"]
    baseline = "lucene"
    k = 100                       # ranking depth
    metrics = ["nDCG@10", "RR@10", "AP@100", "P@10", "R@100", "Judged@10"]

    [setups.lucene]
    engine = "lucene"

    [setups.light]                # engine = "newsearch" is the default
    analyzer = "light"
    scorer = "bm25f"
    k1 = [0.9, 1.2]
    b = 0.75
    weights = { title = 2.0, body = 1.0, title_exact = 0.5 }

For each task, :func:`run_config` writes ``bench-<task>-<time>.json.gz`` (everything, per-query
scores included), ``.md`` (the table) and ``.png`` (the plot) into ``out_dir``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .experiment import Experiment, ExperimentResult, Setup, expand_grid
from .metrics import DEFAULT_METRICS
from .tasks import DEFAULT_DATA_DIR, load_task

__all__ = ["BenchConfig", "load_config", "report", "run_config", "update_docs"]

_KNOWN = {"tasks", "task", "baseline", "k", "metrics", "setups", "description"}


@dataclass
class BenchConfig:
    """A parsed run file."""

    tasks: list[str]
    setups: dict[str, Setup]
    baseline: str | None = None
    k: int = 100
    #: ``None``: each task's own metrics (ranking tasks: DEFAULT_METRICS).
    metrics: list[str] | None = None
    description: str = ""


def load_config(path: str | os.PathLike[str]) -> BenchConfig:
    """Parse a TOML run file; unknown keys and setups with no name are errors."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return parse_config(data, str(path))


def parse_config(data: Mapping[str, Any], where: str = "config") -> BenchConfig:
    unknown = set(data) - _KNOWN
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(_KNOWN)}")
    tasks = data.get("tasks", data.get("task"))
    if isinstance(tasks, str):
        tasks = [tasks]
    if not tasks:
        raise ConfigError(f'{where}: name the task(s): tasks = ["arcd", ...]')
    raw = data.get("setups") or {}
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{where}: no [setups.NAME] tables")
    setups: dict[str, Setup] = {}
    for name, params in raw.items():
        if not isinstance(params, Mapping):
            raise ConfigError(f"{where}: setups.{name} must be a table")
        setups.update(expand_grid(name, params))
    baseline = data.get("baseline")
    if baseline is not None and baseline not in setups:
        raise ConfigError(f"{where}: baseline {baseline!r} is not a setup: {sorted(setups)}")
    return BenchConfig(
        tasks=list(tasks),
        setups=setups,
        baseline=baseline,
        k=int(data.get("k", 100)),
        metrics=list(data["metrics"]) if "metrics" in data else None,
        description=str(data.get("description", "")),
    )


def run_config(
    config: BenchConfig,
    *,
    data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR,
    out_dir: str | os.PathLike[str] = "benchmarks/results",
    workdir: str | os.PathLike[str] | None = None,
    only_tasks: Iterable[str] = (),
    only_setups: Iterable[str] = (),
    max_queries: int | None = None,
    sample: int | None = None,
    log: Callable[[str], None] | None = None,
) -> list[tuple[ExperimentResult, dict[str, Path]]]:
    """Run every task of ``config``; write JSON, Markdown and a plot per task into
    ``out_dir``. Returns each result with the paths written.

    ``only_setups`` are regular expressions (a setup runs if one matches its name; the
    baseline always runs). ``max_queries`` keeps the first N queries of each task (smoke runs);
    ``sample`` a random sample of N (seed 0: the same queries in every run, for slow peers).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    patterns = [re.compile(p) for p in only_setups]
    setups = {
        n: s
        for n, s in config.setups.items()
        if not patterns or n == config.baseline or any(p.search(n) for p in patterns)
    }
    tasks = [t for t in config.tasks if not only_tasks or t in set(only_tasks)]
    from .provenance import git_info, machine, package_versions

    # Recorded once: the code a process runs is the code it loaded at its start, whatever is
    # committed while it runs.
    provenance = {"git": git_info(), "machine": machine(), "versions": package_versions()}
    done = []
    for name in tasks:
        task = load_task(name, data_dir)
        if max_queries is not None or sample is not None:
            keep = list(task.queries)
            if sample is not None and sample < len(keep):
                import random

                keep = sorted(random.Random(0).sample(keep, sample))
            keep = keep[:max_queries] if max_queries is not None else keep
            task.queries = {q: task.queries[q] for q in keep}
            task.qrels = {q: task.qrels[q] for q in keep if q in task.qrels}
        exp = Experiment(
            setups,
            task,
            config.metrics or task.metrics or DEFAULT_METRICS,
            baseline=config.baseline,
            k=config.k,
            workdir=None if workdir is None else Path(workdir),
            log=log,
            provenance=provenance,
        )
        result = exp.run()
        changed = git_info()["src_sha256"] != provenance["git"]["src_sha256"]
        result.provenance["git"] = {**provenance["git"], "src_changed_during_run": changed}
        paths = _write(result, out, name, log)
        done.append((result, paths))
    return done


def report(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "benchmarks/results",
    log: Callable[[str], None] | None = None,
) -> list[tuple[ExperimentResult, dict[str, Path]]]:
    """Merge run JSONs of the same task (see :meth:`ExperimentResult.merge`) and write the
    merged JSON, Markdown and plot per task, as :func:`run_config` does."""
    by_task: dict[str, list[ExperimentResult]] = {}
    for p in paths:
        res = ExperimentResult.read_json(Path(p))
        by_task.setdefault(res.task["name"], []).append(res)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for name, parts in by_task.items():
        merged = ExperimentResult.merge(parts)
        done.append((merged, _write(merged, out, name, log)))
    return done


def _write(
    result: ExperimentResult, out: Path, name: str, log: Callable[[str], None] | None
) -> dict[str, Path]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = out / f"bench-{name}-{stamp}"
    paths = {
        "json": stem.with_suffix(".json.gz"),
        "md": stem.with_suffix(".md"),
        "png": stem.with_suffix(".png"),
    }
    result.write_json(paths["json"])
    paths["md"].write_text(_markdown_page(result, paths), encoding="utf-8")
    result.plot(paths["png"])
    if log:
        log(f"wrote {paths['json']}, {paths['md']}, {paths['png']}")
    return paths


def _markdown_page(result: ExperimentResult, paths: Mapping[str, Path]) -> str:
    t = result.task
    git = result.provenance.get("git", {})
    m = result.provenance.get("machine", {})
    runs = result.provenance.get("runs")
    if runs:
        code = "merged runs: " + "; ".join(
            f"{len(r['setups'])} setups with the code of `{(r.get('commit') or '')[:7]}`"
            for r in runs
        )
    else:
        code = f"commit `{git.get('commit', '')[:10]}`{' (dirty)' if git.get('dirty') else ''}"
    return (
        f"# {t['name']}\n\n{t['description']} ({t['queries']} queries, "
        f"{t['judgments']} judgments; corpus `{t['corpus']}`, fields {', '.join(t['fields'])}).\n"
        f"Data: {t['citation']}.\n\n"
        f"Run {result.started}, {code}, {m.get('cpu_model', '')} × "
        f"{m.get('nproc', '?')}, Python {m.get('python', '')}; {result.seconds:.0f} s. "
        f"Depth {result.k}; p-values: two-sided paired t-test vs `{result.baseline}` "
        f"(uncorrected). Latency: per query, measured inside each engine.\n\n"
        + result.to_markdown()
        + f"\n![{t['name']}]({paths['png'].name})\n"
    )


_START = "<!-- bench:{task}:start -->"
_END = "<!-- bench:{task}:end -->"


def update_docs(
    doc: str | os.PathLike[str],
    results: Iterable[tuple[ExperimentResult, Mapping[str, Path]]],
    img_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Replace each task's section between ``<!-- bench:TASK:start -->`` and
    ``<!-- bench:TASK:end -->`` in ``doc`` (appending it when missing) with the run's
    table and plot (copied to ``img_dir/bench-TASK.png``; default: ``img/`` beside ``doc``)."""
    import shutil

    path = Path(doc)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    imgs = Path(img_dir) if img_dir is not None else path.parent / "img"
    imgs.mkdir(parents=True, exist_ok=True)
    for result, paths in results:
        name = result.task["name"]
        img = imgs / f"bench-{name}.png"
        shutil.copyfile(paths["png"], img)
        rel_img = os.path.relpath(img, path.parent)
        rel_json = os.path.relpath(paths["json"], path.parent)
        body = (
            f"{_START.format(task=name)}\n"
            + _markdown_page(result, paths)
            .split("\n", 2)[2]
            .replace(f"![{name}]({paths['png'].name})", f"![{name}]({rel_img})")
            + f"\nFull run (per-query scores): [{paths['json'].name}]({rel_json})\n"
            + f"{_END.format(task=name)}"
        )
        start, end = _START.format(task=name), _END.format(task=name)
        if start in text and end in text:
            head, _, rest = text.partition(start)
            _, _, tail = rest.partition(end)
            text = head + body + tail
        else:
            text = text.rstrip("\n") + f"\n\n### Task `{name}`\n\n{body}\n"
    path.write_text(text, encoding="utf-8")
