"""Same results as one index: a sharded index against one index on the dev and related tasks.

For each task of ``benchmarks/product.toml`` (search) and ``benchmarks/related.toml``
(related news), its corpus is indexed once as one :class:`~newsearch.index.NewsIndex` and
once as a :class:`~newsearch.cluster.ShardedIndex` of N shards (2 and 4 by default; builds
kept under ``--workdir`` and reused). Every query of the task then runs on both through the
product's entry points, ``Searcher.run(SearchRequest, RankingOptions)`` and
``related(RelatedRequest)``, with the parameters of each newsearch setup of the run files
(as ``newsearch bench`` gives them), and the top 10 are compared: the same ids in the same
order up to the order of tied scores, and scores equal to 1e-6 relative. The issue asks for
≥ 99.9 % of the queries.

    python benchmarks/cluster_same.py --data ../shared/datasets [--shards 2 4]
        [--tasks arcd ...] [--setups REGEX] [--workdir DIR] [--limit-queries N]

Writes ``results/cluster_same-TIME.json`` (config, git, per task × setup × shards: queries,
identical, differing examples) and a Markdown summary beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path

HERE = Path(__file__).resolve().parent
TOP = 10
#: The single index's ranking is read this deep, for the ids tied with the 10th score.
DEPTH = 30
REL = 1e-6


def same_top(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> tuple[bool, float]:
    """(identical up to tied scores, largest relative score difference) of two rankings;
    ``want`` may go deeper than ``got`` (its tail names what ties with the last place)."""
    head = want[: len(got)]
    if len(got) != min(len(want), TOP):
        return False, float("inf")
    worst = 0.0
    for (_, gs), (_, ws) in zip(got, head, strict=True):
        worst = max(worst, abs(gs - ws) / max(abs(ws), 1e-9))
    if worst > REL:
        return False, worst
    tied: dict[float, set[str]] = {}
    for i, s in want:
        tied.setdefault(round(s, 4), set()).add(i)
    return all(i in tied.get(round(s, 4), set()) for i, s in got), worst


def _records(docs: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for d in docs:
        yield {
            "id": d.id,
            "title": d.title,
            "body": d.body,
            "published": d.published,
            "source": d.source,
        }


def builds(task: Any, workdir: Path, shards: list[int]) -> dict[int, Path]:
    """The task's corpus as one index (key 0) and in each shard count, built once (a
    ``built.json`` with the corpus fingerprint marks a finished build)."""
    from newsearch.cluster import ShardedIndex
    from newsearch.index import NewsIndex

    base = workdir / re.sub(r"[^\w.+-]", "_", task.corpus)
    out: dict[int, Path] = {}
    docs: list[Any] | None = None
    for n in [0, *shards]:
        where = base / ("one" if n == 0 else f"shards-{n}")
        mark = where.parent / f"{where.name}.built.json"
        out[n] = where
        if mark.exists() and json.loads(mark.read_text())["fingerprint"] == task.fingerprint:
            continue
        if docs is None:
            docs = list(task.docs())
        t0 = time.perf_counter()
        if n == 0:
            ix = NewsIndex.create(where, "light", exact_fields=("title",), overwrite=True)
            report = ix.ingest(_records(docs), progress=False)
            ix.close()
        else:
            six = ShardedIndex.create(where, shards=n, exact_fields=("title",), overwrite=True)
            report = six.ingest(_records(docs), progress=False)
        print(f"built {where} ({report.added} articles, {time.perf_counter() - t0:.0f} s)")
        mark.write_text(json.dumps({"fingerprint": task.fingerprint, "added": report.added}))
    return out


def setups(path: Path, pattern: str) -> dict[str, dict[str, Any]]:
    """The newsearch setups of a run file whose names match ``pattern``: their search
    parameters (the index ones are this script's: the light analyzer, title's exact twin)."""
    from newsearch.evaluate.config import load_config

    cfg = load_config(path)
    return {
        name: s.split()[1]
        for name, s in cfg.setups.items()
        if s.engine == "newsearch" and re.search(pattern, name)
    }


def compare(
    task: Any,
    params: dict[str, Any],
    single: Any,
    clusters: dict[int, Any],
    limit: int,
) -> dict[int, dict[str, Any]]:
    """Every query of ``task`` on the single index and on each cluster searcher."""
    from newsearch.evaluate.peers import NewsearchEngine, _split
    from newsearch.request import RankingOptions, RelatedRequest, SearchRequest

    queries = list(task.queries.items())[: limit or None]
    out = {n: {"queries": 0, "identical": 0, "max_rel_diff": 0.0, "examples": []} for n in clusters}
    if task.kind == "related":
        asked, ranking = _split(params, RelatedRequest, RankingOptions)
        options = RankingOptions(**ranking)
        base = RelatedRequest(k=TOP, **asked)

        def one(s: Any, qid: str, _text: str) -> list[tuple[str, float]]:
            return [(h.id, h.score) for h in s.related(base.replace(article=qid), options=options)]

        want_of = one
    else:
        asked, ranking = _split(params, SearchRequest, RankingOptions)
        options = RankingOptions(**{**NewsearchEngine.RANKING_DEFAULTS, **ranking})
        base = SearchRequest(
            limit=TOP, fields=task.fields, **{**NewsearchEngine.SEARCH_DEFAULTS, **asked}
        )

        def one(s: Any, _qid: str, text: str) -> list[tuple[str, float]]:
            return [(h.id, h.score) for h in s.run(base.replace(query=text), options)]

        def want_of(s: Any, _qid: str, text: str) -> list[tuple[str, float]]:
            deep = base.replace(query=text, limit=DEPTH)
            return [(h.id, h.score) for h in s.run(deep, options)]

    for qid, text in queries:
        want = want_of(single, qid, text)
        for n, cs in clusters.items():
            got = one(cs, qid, text)
            ok, worst = same_top(got, want)
            r = out[n]
            r["queries"] += 1
            r["identical"] += ok
            if worst != float("inf"):
                r["max_rel_diff"] = max(r["max_rel_diff"], worst)
            if not ok and len(r["examples"]) < 5:
                r["examples"].append({"query": qid, "got": got, "want": want[:TOP]})
    return out


def report(args: argparse.Namespace, started: datetime, results: list[dict[str, Any]]) -> Path:
    """Write the run's JSON and Markdown (again after each task: a long run leaves its
    figures so far); returns the Markdown's path."""
    total = sum(r["queries"] for r in results)
    same = sum(r["identical"] for r in results)
    doc = {
        "benchmark": "cluster_same",
        "started": started.isoformat(),
        "config": vars(args),
        "git": git_info(),
        "machine": machine(),
        "versions": package_versions(),
        "criterion": f"top {TOP} ids in order up to tied scores, scores within {REL} relative",
        "results": results,
        "summary": {"queries": total, "identical": same, "share": same / total if total else 0},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"cluster_same-{started.strftime('%Y%m%dT%H%M%SZ')}"
    (out / f"{stem}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
    lines = [
        f"# Sharded vs one index: same results ({started:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Criterion: {doc['criterion']}. Commit {doc['git'].get('commit', '?')}.",
        "",
        "| task | setup | shards | queries | identical | share | max rel. score diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        share = r["identical"] / r["queries"] if r["queries"] else 0
        lines.append(
            f"| {r['task']} | {r['setup']} | {r['shards']} | {r['queries']} | {r['identical']} "
            f"| {share:.2%} | {r['max_rel_diff']:.1e} |"
        )
    lines += ["", f"All: {same} of {total} identical ({doc['summary']['share']:.3%})."]
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n", "utf-8")
    return out / f"{stem}.md"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--shards", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--tasks", nargs="*", default=None, help="default: every task of the runs")
    ap.add_argument("--setups", default=r"^newsearch-(search|related)$", help="setup names (regex)")
    ap.add_argument("--limit-queries", type=int, default=0, help="first N queries per task")
    ap.add_argument("--workdir", default=str(Path.home() / ".cache" / "newsearch-cluster-same"))
    ap.add_argument("--out", default=str(HERE / "results"))
    args = ap.parse_args()
    from newsearch.cluster import RayRuntime, ShardedIndex
    from newsearch.evaluate.config import load_config
    from newsearch.evaluate.tasks import load_task
    from newsearch.index import NewsIndex

    started = datetime.now(UTC)
    runs = [HERE / "product.toml", HERE / "related.toml"]
    plan: list[tuple[str, str, dict[str, Any]]] = []  # (task, setup, params)
    for run in runs:
        chosen = setups(run, args.setups)
        for t in load_config(run).tasks:
            if args.tasks is None or t in args.tasks:
                plan += [(t, name, params) for name, params in chosen.items()]
    results: list[dict[str, Any]] = []
    with RayRuntime(num_cpus=2):
        by_task: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for t, name, params in plan:
            by_task.setdefault(t, []).append((name, params))
        for t, chosen_setups in by_task.items():
            task = load_task(t, args.data)
            paths = builds(task, Path(args.workdir), args.shards)
            single = NewsIndex.open(paths[0])
            clusters = {n: ShardedIndex.open(paths[n]) for n in args.shards}
            with single.searcher() as s:
                searchers = {n: ix.searcher(timeout=120) for n, ix in clusters.items()}
                try:
                    for name, params in chosen_setups:
                        t0 = time.perf_counter()
                        got = compare(task, params, s, searchers, args.limit_queries)
                        for n, r in got.items():
                            row = {"task": t, "kind": task.kind, "setup": name, "shards": n, **r}
                            results.append(row)
                            print(
                                f"{t} {name} {n} shards: {r['identical']}/{r['queries']} "
                                f"identical, max rel diff {r['max_rel_diff']:.2e} "
                                f"({time.perf_counter() - t0:.0f} s)",
                                flush=True,
                            )
                        report(args, started, results)
                finally:
                    for cs in searchers.values():
                        cs.close()
            single.close()
    print(report(args, started, results))


if __name__ == "__main__":
    main()
