"""Before and after: one setup's per-query metrics in two runs of the same tasks, compared.

A change to ranking must not make a task significantly worse. Given the result files of two
``newsearch bench`` runs (before, after; any number of tasks each), for every task in both it
prints the setup's mean of each metric before and after, the difference, the two-sided paired
t-test p-value and the queries won/lost (``newsearch.evaluate.metrics.paired_test``), and
writes ``results/paired-TIME.json``/``.md``.

    python benchmarks/paired.py --before OLD/bench-*.json.gz --after NEW/bench-*.json.gz \
        [--setup newsearch-search] [--metrics nDCG@10 RR@10 R@100]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from newsearch.evaluate import ExperimentResult
from newsearch.evaluate.metrics import paired_test

HERE = Path(__file__).parent


def _by_task(paths: list[Path]) -> dict[str, ExperimentResult]:
    out = {}
    for p in paths:
        r = ExperimentResult.read_json(p)
        out[r.task["name"]] = r
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, nargs="+", required=True)
    ap.add_argument("--after", type=Path, nargs="+", required=True)
    ap.add_argument("--setup", default="newsearch-search")
    ap.add_argument("--metrics", nargs="+", default=["nDCG@10", "RR@10", "R@100"])
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    before, after = _by_task(args.before), _by_task(args.after)
    rows = []
    for task in sorted(set(before) & set(after)):
        a, b = before[task].results[args.setup], after[task].results[args.setup]
        for m in args.metrics:
            if m not in a.per_query or m not in b.per_query:
                continue
            c = paired_test(m, b.per_query[m], a.per_query[m])
            rows.append({"task": task, "metric": m, "before": a.means[m], "after": b.means[m],
                         "diff": c.mean_diff, "p_value": c.p_value, "wins": c.wins,
                         "losses": c.losses, "ties": c.ties,
                         "queries": len(b.per_query[m])})  # fmt: skip
    lines = [
        f"| task | metric | before | after | Δ | p | won / lost (`{args.setup}`) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['metric']} | {r['before']:.4f} | {r['after']:.4f} | "
            f"{r['diff']:+.4f} | {r['p_value']:.3f} | {r['wins']} / {r['losses']} |"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"paired-{stamp}.json"
    report = {"benchmark": "paired", "setup": args.setup,
              "before": [str(p) for p in args.before], "after": [str(p) for p in args.after],
              "git": git_info(), "machine": machine(), "versions": package_versions(),
              "rows": rows}  # fmt: skip
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
