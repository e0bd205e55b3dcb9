"""Latency of two versions of the code on one index, side by side in one run.

A refactor must not make search slower. Both versions (``--a``, ``--b``: the ``src`` folders of
two checkouts) answer the same queries on the same index directory, each in fresh processes,
taking turns (A B, then B A, ...) so machine noise hits both alike. Per process:

``open``        ``NewsIndex.open`` + ``searcher()``
``first``       the first search of the process (what every CLI call pays)
``first pass``  each query once, right after opening (cold caches)
``steady``      each query again (warm)
``related``     ``related(id, k=10)`` for a sample of articles: first pass, then steady

Queries are :func:`search_speed.queries` (1-5 words of ANT titles and ARCD questions) in the
four modes of ``search_speed.py`` (plain, filter, facets, filter+facets). The figures are
medians over rounds of each process's p50/p95 (ms); ``b/a`` is the ratio of medians.
``--index-b`` gives B an index of its own: the same code (``--a``/``--b`` default to this
checkout's ``src``) on two layouts of one corpus, e.g. before and after ``newsearch optimize``.

    python benchmarks/code_ab.py --a ../old/src --b src --index .bench-cache/speed/newsearch-all
        [--data ../shared/datasets] [--rounds 3] [--queries 600] [--related 200]
    python benchmarks/code_ab.py --index TWO_SEGMENTS --index-b ONE_SEGMENT
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = ("plain", "filter", "facets", "filter+facets")
SOURCES = ["skynews", "alarabia", "BBC", "CNN", "france24"]


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def _summary(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p95": _pct(ms, 95), "n": len(ms)}


def worker(index: Path, data: Path, n_queries: int, n_related: int) -> dict[str, Any]:
    """One fresh process of the version on ``sys.path``: the figures of the docstring."""
    from search_speed import queries

    qs = queries(data, n_queries)
    months = [(datetime(2018, m, 1), datetime(2018, m + 1, 1)) for m in range(3, 10)]
    t0 = time.perf_counter()
    from newsearch.index import NewsIndex

    ix = NewsIndex.open(index)
    s = ix.searcher()
    opened = (time.perf_counter() - t0) * 1000

    def run(i: int, q: str, mode: str) -> None:
        flt = None
        if "filter" in mode:
            flt = {"source": SOURCES[i % 5], "from": months[i % 7][0], "to": months[i % 7][1]}
        s.search(q, limit=10, filters=flt, facets="facets" in mode)

    out: dict[str, Any] = {"open_ms": opened}
    t0 = time.perf_counter()
    run(0, qs[0], "plain")
    out["first_ms"] = (time.perf_counter() - t0) * 1000
    for phase in ("first_pass", "steady"):
        for mode in MODES:
            ms = []
            for i, q in enumerate(qs):
                t0 = time.perf_counter()
                run(i, q, mode)
                ms.append((time.perf_counter() - t0) * 1000)
            out[f"{phase}/{mode}"] = _summary(ms)
    with ix.whoosh.reader() as r:
        ids = [t.decode() if isinstance(t, bytes) else t for t in r.lexicon("id")]
    step = max(1, len(ids) // n_related)
    sample = ids[::step][:n_related]
    for phase in ("first_pass", "steady"):
        ms = []
        for aid in sample:
            t0 = time.perf_counter()
            s.related(aid, k=10)
            ms.append((time.perf_counter() - t0) * 1000)
        out[f"related/{phase}"] = _summary(ms)
    s.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", type=Path, help="src folder of version A (before)")
    ap.add_argument("--b", type=Path, help="src folder of version B (after)")
    ap.add_argument("--index", type=Path, required=True, help="a newsearch index directory")
    ap.add_argument(
        "--index-b",
        type=Path,
        help="B's index, to compare two layouts of one corpus (default: --index)",
    )
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--related", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.index, args.data, args.queries, args.related)))
        return 0
    from _common import git_info, machine, package_versions

    here = Path(__file__).resolve().parents[1] / "src"
    versions = {"a": (args.a or here).resolve(), "b": (args.b or here).resolve()}
    indexes = {"a": args.index.resolve(), "b": (args.index_b or args.index).resolve()}
    runs: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    for r in range(args.rounds):
        for name in ("a", "b") if r % 2 == 0 else ("b", "a"):
            env = dict(os.environ, PYTHONPATH=f"{versions[name]}{os.pathsep}{HERE}")
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--index",
                   str(indexes[name]), "--data", str(args.data.resolve()),
                   "--queries", str(args.queries), "--related", str(args.related)]  # fmt: skip
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1} {name} done", file=sys.stderr)
    keys = [k for k in runs["a"][0] if k not in ("open_ms", "first_ms")]
    table: dict[str, Any] = {}
    for key in ("open_ms", "first_ms"):
        a = statistics.median(x[key] for x in runs["a"])
        b = statistics.median(x[key] for x in runs["b"])
        table[key] = {"a": a, "b": b, "b/a": b / a}
    for key in keys:
        row: dict[str, Any] = {}
        for stat in ("p50", "p95"):
            a = statistics.median(x[key][stat] for x in runs["a"])
            b = statistics.median(x[key][stat] for x in runs["b"])
            row[stat] = {"a": a, "b": b, "b/a": b / a}
        table[key] = row
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "benchmark": "code_ab",
        "started": stamp,
        "config": {k: str(v) for k, v in vars(args).items() if k != "worker"},
        "git": git_info(),
        "machine": machine(),
        "versions": package_versions(),
        "runs": runs,
        "medians": table,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"code_ab-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    lines = [
        f"# Latency, A = {versions['a']} on {indexes['a']}, B = {versions['b']} on "
        f"{indexes['b']} ({args.rounds} rounds, medians; ms)\n",
        "| what | A p50 | B p50 | B/A | A p95 | B p95 | B/A |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key in ("open_ms", "first_ms"):
        t = table[key]
        lines.append(f"| {key} | {t['a']:.1f} | {t['b']:.1f} | {t['b/a']:.2f} | | | |")
    for key in keys:
        p50, p95 = table[key]["p50"], table[key]["p95"]
        lines.append(
            f"| {key} | {p50['a']:.1f} | {p50['b']:.1f} | {p50['b/a']:.2f} | "
            f"{p95['a']:.1f} | {p95['b']:.1f} | {p95['b/a']:.2f} |"
        )
    path.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
