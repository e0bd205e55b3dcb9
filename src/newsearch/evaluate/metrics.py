"""Metrics (computed by ir-measures, which wraps trec_eval) and paired significance tests.

Every judged query counts: a query a setup answered with nothing scores 0 (trec_eval's ``-c``),
so a setup cannot look better by failing on hard queries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

__all__ = ["DEFAULT_METRICS", "Comparison", "evaluate", "paired_test"]

#: The metrics every run reports (ir-measures names).
DEFAULT_METRICS: tuple[str, ...] = ("nDCG@10", "RR@10", "AP@100", "P@10", "R@100", "Judged@10")


def _need(module: str) -> Any:
    from importlib import import_module

    from ..extras import require

    require("bench", "the benchmark runner", modules=(module,))
    return import_module(module)


def _measures(names: Sequence[str]) -> list[Any]:
    ir_measures = _need("ir_measures")

    out = []
    for name in names:
        try:
            out.append(ir_measures.parse_measure(name))
        except Exception as exc:  # ir-measures raises several types for a bad name
            raise ConfigError(f"unknown metric {name!r}: {exc}") from None
    return out


def evaluate(
    run: Mapping[str, Sequence[tuple[str, float]]],
    qrels: Mapping[str, Mapping[str, int]],
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, dict[str, float]]:
    """Per-query values: ``{metric: {qid: value}}`` for every query in ``qrels``.

    Ranks are taken from the order of ``run`` (scores are rewritten to be strictly
    decreasing, since trec_eval re-sorts by score and would reorder ties by doc id).

    >>> qrels = {"q1": {"d1": 1}, "q2": {"d9": 1}}
    >>> run = {"q1": [("d2", 2.0), ("d1", 1.0)]}
    >>> evaluate(run, qrels, ["RR@10"])["RR@10"]
    {'q1': 0.5, 'q2': 0.0}
    """
    ir_measures = _need("ir_measures")

    measures = _measures(metrics)
    qrel_rows = [
        ir_measures.Qrel(qid, docid, grade)
        for qid, judged in qrels.items()
        for docid, grade in judged.items()
    ]
    run_rows = [
        ir_measures.ScoredDoc(qid, docid, float(len(ranked) - rank))
        for qid, ranked in run.items()
        if qid in qrels
        for rank, (docid, _) in enumerate(ranked)
    ]
    out: dict[str, dict[str, float]] = {name: dict.fromkeys(qrels, 0.0) for name in metrics}
    by_measure = {str(m): name for m, name in zip(measures, metrics, strict=True)}
    for metric in ir_measures.iter_calc(measures, qrel_rows, run_rows):
        out[by_measure[str(metric.measure)]][metric.query_id] = float(metric.value)
    return out


def mean(values: Mapping[str, float]) -> float:
    return sum(values.values()) / len(values) if values else 0.0


@dataclass(frozen=True)
class Comparison:
    """A setup against the baseline on one metric, over the same queries."""

    metric: str
    mean_diff: float
    p_value: float  # two-sided paired t-test; NaN when every difference is 0
    wins: int
    losses: int
    ties: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "mean_diff": self.mean_diff,
            "p_value": None if math.isnan(self.p_value) else self.p_value,
            "wins": self.wins,
            "losses": self.losses,
            "ties": self.ties,
        }


def paired_test(
    metric: str, system: Mapping[str, float], baseline: Mapping[str, float]
) -> Comparison:
    """Two-sided paired t-test (scipy) of ``system`` against ``baseline`` per query, with
    win/loss/tie counts. The t-test is the usual choice in IR evaluation (Urbano et al., SIGIR
    2019); p-values are not corrected for the number of setups compared.

    >>> c = paired_test("m", {"a": 1.0, "b": 1.0, "c": 0.5}, {"a": 0.0, "b": 0.5, "c": 0.5})
    >>> (c.wins, c.losses, c.ties, round(c.mean_diff, 3))
    (2, 0, 1, 0.5)
    """
    stats = _need("scipy.stats")
    qids = sorted(set(system) & set(baseline))
    xs = [system[q] for q in qids]
    ys = [baseline[q] for q in qids]
    diffs = [x - y for x, y in zip(xs, ys, strict=True)]
    wins = sum(d > 0 for d in diffs)
    losses = sum(d < 0 for d in diffs)
    if len(qids) < 2 or all(d == diffs[0] for d in diffs):
        p = float("nan") if not any(diffs) else (0.0 if len(qids) >= 2 else float("nan"))
    else:
        p = float(stats.ttest_rel(xs, ys).pvalue)
    return Comparison(
        metric=metric,
        mean_diff=sum(diffs) / len(diffs) if diffs else 0.0,
        p_value=p,
        wins=wins,
        losses=losses,
        ties=len(qids) - wins - losses,
    )
