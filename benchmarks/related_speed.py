"""Related-news and duplicate-lookup latency at scale, beside stock Whoosh's ``more_like``.

Indexes a corpus (``all``: ANT + SaudiNewsNet + Jawhara FM, ~71k records; ``ant``: 30k) with
newsearch's defaults and with stock Whoosh (``StandardAnalyzer``, as ``search_speed.py``), then
for the same random articles (seed 0) times, alternating engines article by article:

``related``      newsearch ``searcher.related(id, k=10)``: a first pass right after
                 ``searcher.warm()`` (each article's key terms' postings read for the first
                 time) and a second pass (steady state: postings cached)
``more_like``    stock Whoosh ``searcher.more_like(docnum, "body", text, top=10, numterms=25)``
``duplicates``   newsearch ``searcher.duplicates(id)``

and once ``find_duplicates`` over the whole index. Writes ``results/related_speed-TIME.json``
and ``.md``.

    python benchmarks/related_speed.py --data ../shared/datasets [--corpus all] [--articles 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from index_speed import CORPORA, shards
from search_speed import build_newsearch, build_whoosh, pct, records


def summary(xs: list[float]) -> dict[str, float]:
    return {
        "n": len(xs),
        "p50": statistics.median(xs),
        "p95": pct(xs, 95),
        "p99": pct(xs, 99),
        "mean": statistics.fmean(xs),
        "max": max(xs),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets", type=Path)
    ap.add_argument("--corpus", default="all", choices=sorted(CORPORA))
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--whoosh-articles", type=int, default=100, help="stock Whoosh: slower")
    ap.add_argument("--workdir", type=Path, default=Path(".bench-cache/speed"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()

    from newsearch.index import NewsIndex
    from newsearch.schema import SCHEMA_VERSION
    from newsearch.search import find_duplicates

    files = shards(args.data, args.corpus)
    ns_path = args.workdir / f"newsearch-{args.corpus}-schema{SCHEMA_VERSION}"
    wh_path = args.workdir / f"whoosh-{args.corpus}"
    b1 = build_newsearch(ns_path, files)
    b2 = build_whoosh(wh_path, files)
    print(f"built newsearch {b1:.0f} s, whoosh {b2:.0f} s", file=sys.stderr)
    texts = {
        str(r["id"]): (r.get("title") or "", r.get("body") or "")
        for r in records(files)
        if (r.get("title") or r.get("body"))
    }
    ix = NewsIndex.open(ns_path)
    git = git_info()
    rng = random.Random(0)
    ids = [i for i in rng.sample(sorted(texts), args.articles * 2) if i in ix][: args.articles]

    from whoosh import index as windex
    from whoosh import scoring

    wix = windex.open_dir(str(wh_path))
    times: dict[str, list[float]] = {"related_first": [], "related": [], "more_like": []}
    times["duplicates"] = []
    clock = time.perf_counter
    with ix.searcher() as s, wix.searcher(weighting=scoring.BM25F()) as ws:
        t0 = clock()
        s.warm()
        warm_s = clock() - t0
        for n, aid in enumerate(ids):
            t0 = clock()
            s.related(aid, k=10)
            times["related_first"].append((clock() - t0) * 1000)
            if n < args.whoosh_articles:
                title, body = texts[aid]
                docnum = ws.document_number(id=aid)
                t0 = clock()
                ws.more_like(docnum, "body", text=f"{title}\n{body}", top=10, numterms=25)
                times["more_like"].append((clock() - t0) * 1000)
        for aid in ids:
            t0 = clock()
            s.related(aid, k=10)
            times["related"].append((clock() - t0) * 1000)
            t0 = clock()
            s.duplicates(aid)
            times["duplicates"].append((clock() - t0) * 1000)
        t0 = clock()
        groups = find_duplicates(s)
        find_s = clock() - t0
    report: dict[str, Any] = {
        "benchmark": "related_speed",
        "started": datetime.now(UTC).isoformat(),
        "config": {
            "corpus": args.corpus,
            "articles": len(ids),
            "whoosh_articles": len(times["more_like"]),
            "k": 10,
            "docs": len(ix),
        },
        "git": {**git, "src_changed_during_run": git_info()["src_sha256"] != git["src_sha256"]},
        "machine": machine(),
        "versions": package_versions(),
        "build_seconds": {"newsearch": b1, "whoosh": b2},
        "warm_seconds": warm_s,
        "find_duplicates": {"seconds": find_s, "groups": len(groups)},
        "latency_ms": {k: summary(v) for k, v in times.items() if v},
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"related_speed-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    lat = report["latency_ms"]
    lines = [
        f"# Related news and duplicates latency ({args.corpus}, {len(ix):,} articles; ms)\n",
        "| what | articles | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    names = {
        "related_first": "newsearch related, first pass",
        "related": "newsearch related, steady state",
        "more_like": "stock Whoosh more_like",
        "duplicates": "newsearch duplicates(id)",
    }
    for key, label in names.items():
        if key in lat:
            x = lat[key]
            lines.append(
                f"| {label} | {x['n']} | {x['p50']:.1f} | {x['p95']:.1f} | {x['p99']:.1f} | "
                f"{x['max']:.1f} |"
            )
    lines.append(
        f"\n`searcher.warm()` {warm_s:.1f} s; `find_duplicates` over the index {find_s:.1f} s "
        f"({len(groups):,} groups)."
    )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
