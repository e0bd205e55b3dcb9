"""Benchmark runner: compare ranking setups and peer engines on real Arabic retrieval tasks.

``Experiment(setups, task, metrics, baseline=...)`` runs named :class:`Setup`\\ s (an engine,
an analyzer, a scorer and its parameters, field weights) on a :class:`Task` (corpus, queries,
qrels), scores them with ir-measures, compares each with the baseline by a paired t-test and
writes a self-describing JSON, a Markdown table and a plot. ``newsearch bench TASK.toml`` runs
one from a file. Needs the ``[bench]`` extra (ir-measures, scipy, matplotlib; bm25s and tantivy
for those peers).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Experiment": "newsearch.evaluate.experiment",
    "ExperimentResult": "newsearch.evaluate.experiment",
    "Setup": "newsearch.evaluate.experiment",
    "SetupResult": "newsearch.evaluate.experiment",
    "expand_grid": "newsearch.evaluate.experiment",
    "Task": "newsearch.evaluate.tasks",
    "load_task": "newsearch.evaluate.tasks",
    "register_task": "newsearch.evaluate.tasks",
    "task_names": "newsearch.evaluate.tasks",
    "read_qrels": "newsearch.evaluate.tasks",
    "read_run": "newsearch.evaluate.tasks",
    "write_qrels": "newsearch.evaluate.tasks",
    "write_run": "newsearch.evaluate.tasks",
    "DEFAULT_METRICS": "newsearch.evaluate.metrics",
    "evaluate": "newsearch.evaluate.metrics",
    "paired_test": "newsearch.evaluate.metrics",
    "Doc": "newsearch.evaluate.engines",
    "EngineUnavailable": "newsearch.evaluate.engines",
    "SearchOutput": "newsearch.evaluate.engines",
    "engine_names": "newsearch.evaluate.registry",
    "register_engine": "newsearch.evaluate.registry",
    "load_config": "newsearch.evaluate.config",
    "run_config": "newsearch.evaluate.config",
}

__all__ = [
    "DEFAULT_METRICS",
    "Doc",
    "EngineUnavailable",
    "Experiment",
    "ExperimentResult",
    "SearchOutput",
    "Setup",
    "SetupResult",
    "Task",
    "engine_names",
    "evaluate",
    "expand_grid",
    "load_config",
    "load_task",
    "paired_test",
    "read_qrels",
    "read_run",
    "register_engine",
    "register_task",
    "run_config",
    "task_names",
    "write_qrels",
    "write_run",
]

if TYPE_CHECKING:
    from .config import load_config, run_config
    from .engines import Doc, EngineUnavailable, SearchOutput
    from .experiment import Experiment, ExperimentResult, Setup, SetupResult, expand_grid
    from .metrics import DEFAULT_METRICS, evaluate, paired_test
    from .registry import engine_names, register_engine
    from .tasks import (
        Task,
        load_task,
        read_qrels,
        read_run,
        register_task,
        task_names,
        write_qrels,
        write_run,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsearch.evaluate' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
