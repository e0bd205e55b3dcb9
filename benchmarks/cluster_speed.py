"""Scale-out on Ray: build time of a sharded index, and the fan-out's cost per query.

**Build.** The same articles indexed (a) by ``NewsIndex.ingest(workers=1)`` and (b) by
``ShardedIndex.ingest`` with 1, 2, 4 shards on a local Ray given 1 or 2 CPUs. "1 worker"
means the whole process tree (driver, Ray, actors) is pinned to one core
(``sched_setaffinity``, inherited by Ray's processes), "2 workers" to two; each build runs
in a fresh process.

**Search.** On the 1-index build and each sharded build: the queries of
``search_speed.queries`` (top 10 with snippets), single index and cluster taking turns query
by query; p50/p95 of each and of the per-query difference
(the fan-out overhead); the same for related news (``k=10``, copies collapsed) on a sample of
ids. The first pass (each query's first run: the cluster searcher's vocabulary answers and
merged statistics made) is reported apart from the steady pass. Also counts the queries whose
top-10 ids (ties aside) or scores (1e-6) differ.

    python benchmarks/cluster_speed.py --data ../shared/datasets [--corpus all] [--limit 5000]
        [--shards 1 2 4] [--workers 1 2] [--queries 300] [--related 100]

Writes ``results/cluster_speed-TIME.json`` (config, versions, timings).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from index_speed import limited_copy, shards

HERE = Path(__file__).resolve().parent


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def _summary(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p95": _pct(ms, 95), "n": len(ms)}


def build(files: list[str], out: str, n_shards: int, cpus: int) -> dict[str, Any]:
    """One build in this process, pinned to ``cpus`` cores (0 shards: one plain index)."""
    os.sched_setaffinity(0, set(range(cpus)))
    t0 = time.perf_counter()
    if n_shards == 0:
        from newsearch.index import NewsIndex

        ix = NewsIndex.create(out, overwrite=True)
        report = ix.ingest(files, workers=1, progress=False)
        return {"seconds": time.perf_counter() - t0, "ray_start": 0.0, "read": report.read}
    from newsearch.cluster import RayRuntime, ShardedIndex

    with RayRuntime(num_cpus=cpus):
        started = time.perf_counter() - t0
        t1 = time.perf_counter()
        ix = ShardedIndex.create(out, shards=n_shards, overwrite=True)
        report = ix.ingest(files, progress=False)
        return {
            "seconds": time.perf_counter() - t1,
            "ray_start": started,
            "read": report.read,
            "added": report.added,
        }


def _same(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> bool:
    if len(got) != len(want):
        return False
    for (_, gs), (_, ws) in zip(got, want, strict=True):
        if abs(gs - ws) > 1e-6 * max(abs(ws), 1e-9):
            return False
    tied: dict[float, set[str]] = {}
    for i, s in want:
        tied.setdefault(round(s, 4), set()).add(i)
    # Ties aside: the same score at every rank; an id may differ only among articles of equal
    # score, including at the cut, where which of several tied articles makes the top k is the
    # tie-break's choice (the cluster breaks ties by id, one index by document order).
    cut = round(want[-1][1], 4) if want else None
    return all(i in tied.get(round(s, 4), set()) or round(s, 4) == cut for i, s in got)


def latency(one: str, sharded: str, data: Path, n_q: int, n_rel: int) -> dict[str, Any]:
    """Single index vs cluster, query by query (see the module docstring)."""
    from newsearch.cluster import RayRuntime, ShardedIndex
    from newsearch.index import NewsIndex
    from search_speed import queries

    qs = queries(Path(data), n_q)
    with RayRuntime(num_cpus=2):
        ix = ShardedIndex.open(sharded)
        single = NewsIndex.open(one).searcher()
        cs = ix.searcher(timeout=60)
        view = single.view
        step = max(1, view.doccount_all // n_rel)
        sample = [view.doc_id(d) for d in range(0, view.doccount_all, step) if view.live[d]]
        sample = sample[:n_rel]
        first_one: list[float] = []
        first_cl: list[float] = []
        for q in qs:  # the first pass: caches, vocabulary answers and statistics made
            t0 = time.perf_counter()
            single.search(q)
            t1 = time.perf_counter()
            cs.search(q)
            first_one.append((t1 - t0) * 1000)
            first_cl.append((time.perf_counter() - t1) * 1000)
        one_ms: list[float] = []
        cl_ms: list[float] = []
        diff: list[float] = []
        differ = 0
        for q in qs:
            t0 = time.perf_counter()
            a = single.search(q)
            t1 = time.perf_counter()
            b = cs.search(q)
            t2 = time.perf_counter()
            one_ms.append((t1 - t0) * 1000)
            cl_ms.append((t2 - t1) * 1000)
            diff.append(cl_ms[-1] - one_ms[-1])
            differ += not _same([(h.id, h.score) for h in b], [(h.id, h.score) for h in a])
        r_one: list[float] = []
        r_cl: list[float] = []
        r_diff: list[float] = []
        r_differ = 0
        r_first_one: list[float] = []
        r_first_cl: list[float] = []
        for aid in sample:  # the first pass: each article's first request
            t0 = time.perf_counter()
            single.related(aid, k=10)
            t1 = time.perf_counter()
            cs.related(aid, k=10)
            r_first_one.append((t1 - t0) * 1000)
            r_first_cl.append((time.perf_counter() - t1) * 1000)
        for aid in sample:
            t0 = time.perf_counter()
            a = single.related(aid, k=10)
            t1 = time.perf_counter()
            b = cs.related(aid, k=10)
            t2 = time.perf_counter()
            r_one.append((t1 - t0) * 1000)
            r_cl.append((t2 - t1) * 1000)
            r_diff.append(r_cl[-1] - r_one[-1])
            r_differ += not _same([(h.id, h.score) for h in b], [(h.id, h.score) for h in a])
        import ray

        usage = ray.get([a.usage.remote() for a in cs.actors])
        cs.close()
        single.close()
    return {
        "shards": usage,
        "search": {
            "single": _summary(one_ms),
            "cluster": _summary(cl_ms),
            "overhead": _summary(diff),
            "differing_top10": differ,
            "queries": len(qs),
            "first_pass": {
                "single": _summary(first_one),
                "cluster": _summary(first_cl),
                "overhead": _summary([b - a for a, b in zip(first_one, first_cl, strict=True)]),
            },
        },
        "related": {
            "single": _summary(r_one),
            "cluster": _summary(r_cl),
            "overhead": _summary(r_diff),
            "differing_top10": r_differ,
            "articles": len(sample),
            "first_pass": {
                "single": _summary(r_first_one),
                "cluster": _summary(r_first_cl),
                "overhead": _summary([b - a for a, b in zip(r_first_one, r_first_cl, strict=True)]),
            },
        },
    }


def _child(what: str, *args: Any) -> dict[str, Any]:
    """Run ``what`` in a fresh process (Ray and the CPU pinning are per process)."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import cluster_speed as c; "
        f"print('@@' + json.dumps(c.{what}(*json.loads(sys.argv[1]))))"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            json.dumps([str(a) if isinstance(a, Path) else a for a in args]),
        ],
        capture_output=True,
        text=True,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("@@")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][2:])  # type: ignore[no-any-return]


def _write(args: argparse.Namespace, started: datetime, results: dict[str, Any]) -> Path:
    doc = {
        "benchmark": "cluster_speed",
        "started": started.isoformat(),
        "config": vars(args),
        "git": git_info(),
        "machine": machine(),
        "versions": package_versions(),
        "results": results,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"cluster_speed-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def search_only(args: argparse.Namespace) -> None:
    """The search stage on builds made before (``--one DIR --sharded DIR...``)."""
    started = datetime.now(UTC)
    results: dict[str, Any] = {"build": {}, "search": {}}
    for sharded in args.sharded:
        name = f"{json.loads((Path(sharded) / 'cluster.json').read_text())['shards']}-shards"
        results["search"][name] = r = _child(
            "latency", args.one, sharded, Path(args.data), args.queries, args.related
        )
        print(name, json.dumps(r), flush=True)
    lines = [f"# cluster_speed, search only ({started:%Y-%m-%d %H:%M} UTC)", ""]
    lines += ["| shards | what | one index p50 / p95 | sharded p50 / p95 | overhead p50 / p95 |"]
    lines += ["|---|---|---|---|---|"]
    for name, r in results["search"].items():
        for what, part in (
            ("search, steady", r["search"]),
            ("search, first run", r["search"]["first_pass"]),
            ("related, steady (article asked before)", r["related"]),
            ("related, first request of an article", r["related"]["first_pass"]),
        ):
            a, b, o = part["single"], part["cluster"], part["overhead"]
            lines.append(
                f"| {name} | {what} | {a['p50']:.1f} / {a['p95']:.1f} ms "
                f"| {b['p50']:.1f} / {b['p95']:.1f} ms | {o['p50']:.1f} / {o['p95']:.1f} ms |"
            )
        lines.append(
            f"| {name} | top 10 differing | | {r['search']['differing_top10']} of "
            f"{r['search']['queries']} queries, {r['related']['differing_top10']} of "
            f"{r['related']['articles']} articles | |"
        )
    path = _write(args, started, results)
    path.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--related", type=int, default=100)
    ap.add_argument("--no-search", action="store_true", help="build times only")
    ap.add_argument("--no-single", action="store_true", help="no one-index builds (sharded only)")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--workdir", default=None, help="keep the builds here (default: a temp dir)")
    ap.add_argument("--one", default=None, help="search only: this one-index build ...")
    ap.add_argument("--sharded", nargs="*", default=[], help="... against these sharded builds")
    args = ap.parse_args()
    if args.one:
        search_only(args)
        return
    data = Path(args.data)
    started = datetime.now(UTC)
    results: dict[str, Any] = {"build": {}, "search": {}}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        files = shards(data, args.corpus)
        if args.limit:
            files = limited_copy(files, args.limit, Path(tmp) / "limited.jsonl.gz")
        names = [str(f) for f in files]
        one = str(Path(tmp) / "one")
        for cpus in args.workers:
            if not args.no_single:
                key = f"single-index/{cpus}cpu"
                results["build"][key] = _child("build", names, one, 0, cpus)
                print(key, results["build"][key], flush=True)
            for n in args.shards:
                key = f"{n}-shards/{cpus}cpu"
                out = str(Path(tmp) / f"sharded-{n}")
                results["build"][key] = _child("build", names, out, n, cpus)
                print(key, results["build"][key], flush=True)
        if not args.no_search:
            for n in args.shards:
                out = str(Path(tmp) / f"sharded-{n}")
                results["search"][f"{n}-shards"] = r = _child(
                    "latency", one, out, data, args.queries, args.related
                )
                print(f"{n}-shards", json.dumps(r), flush=True)
    print(_write(args, started, results))


if __name__ == "__main__":
    main()
