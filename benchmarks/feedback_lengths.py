"""Where feedback pays: nDCG@10 of feedback settings against feedback off, per query length.

For each task, one built index (a ``newsearch bench`` build: ``--index``) answers every query
with feedback off, then with each setting given; the difference is reported over all queries
(two-sided paired t-test) and per number of searched words (stop words and expansions not
counted), which is what ``feedback="auto"`` decides on (with "not a question"). Settings are
``name:option=value,...`` with :class:`~newsearch.request.RankingOptions` fields (JSON values).

    python benchmarks/feedback_lengths.py --task arcd --index BUILD/index \\
        [--data ../shared/datasets] on:feedback='"on"' auto:
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path

HERE = Path(__file__).parent


def _setting(spec: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = spec.partition(":")
    opts: dict[str, Any] = {}
    for kv in filter(None, rest.split(",")):
        key, _, value = kv.partition("=")
        opts[key] = json.loads(value)
    return name, opts


def _run(index: Any, task: Any, opts: dict[str, Any]) -> tuple[dict[str, float], dict[str, int]]:
    """nDCG@10 per query (:func:`newsearch.evaluate.metrics.evaluate`) and each query's
    number of searched words."""
    from newsearch import RankingOptions, SearchRequest
    from newsearch.evaluate.metrics import evaluate

    run, words = {}, {}
    options = RankingOptions(**{"fuzzy_fallback": False, **opts})
    with index.searcher(options) as s:
        for qid, text in task.queries.items():
            request = SearchRequest(
                query=text, limit=100, highlight=False, suggest=False, fields=tuple(task.fields)
            )
            words[qid] = s.plan(request, options).searched_words
            skip = task.exclude.get(qid, frozenset())
            run[qid] = [(h.id, h.score) for h in s.run(request) if h.id not in skip]
    return evaluate(run, task.qrels, ["nDCG@10"])["nDCG@10"], words


def main() -> int:
    from newsearch import NewsIndex
    from newsearch.evaluate.metrics import paired_test
    from newsearch.evaluate.tasks import load_task

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", required=True)
    ap.add_argument("--index", type=Path, required=True, help="the task's built index")
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("settings", nargs="+", help="name:option=value,... (JSON values)")
    args = ap.parse_args()
    task = load_task(args.task, args.data)
    index = NewsIndex.open(args.index)
    t0 = time.perf_counter()
    base, words = _run(index, task, {"feedback": "off"})
    qids = sorted(base)
    rows = []
    for name, opts in map(_setting, args.settings):
        per, _ = _run(index, task, opts)
        by_len: dict[int, list[float]] = defaultdict(list)
        for q in qids:
            by_len[min(words.get(q, 0), 9)].append(per[q] - base[q])
        c = paired_test("nDCG@10", per, base)
        rows.append({
            "setting": name, "options": opts, "nDCG@10": statistics.mean(per.values()),
            "delta": c.mean_diff, "p": c.to_dict()["p_value"], "won": c.wins, "lost": c.losses,
            "by_words": {k: [statistics.mean(v), len(v)] for k, v in sorted(by_len.items())},
        })  # fmt: skip
    record = {
        "kind": "feedback_lengths", "task": args.task, "index": str(args.index),
        "queries": len(qids), "off": statistics.mean(base.values()), "settings": rows,
        "seconds": time.perf_counter() - t0, "started": datetime.now(UTC).isoformat(),
        "git": git_info(), "machine": machine(), "versions": package_versions(),
    }  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"feedback_lengths-{args.task}-{stamp}"
    out.with_suffix(".json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    lines = [
        f"# Feedback by query length: {args.task} ({len(qids)} queries)\n",
        f"nDCG@10 with feedback off: {record['off']:.4f}\n",
        "| setting | nDCG@10 | Δ | p | won / lost | Δ by searched words (queries) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        cells = " ".join(f"{k}: {d:+.3f} ({n})" for k, (d, n) in r["by_words"].items())
        p = "—" if r["p"] is None else f"{r['p']:.3f}"
        lines.append(
            f"| {r['setting']} | {r['nDCG@10']:.4f} | {r['delta']:+.4f} | {p} | "
            f"{r['won']} / {r['lost']} | {cells} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {out}.json, {out}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
