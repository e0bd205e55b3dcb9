"""Search latency: newsearch vs stock Whoosh on the same corpus, machine and queries.

For each corpus (``ant``: ANT multi-source, 30,338 articles; ``all``: ANT + SaudiNewsNet +
Jawhara FM, ~71k records) both engines index the same articles (newsearch: ``NewsIndex``
defaults; stock Whoosh: ``StandardAnalyzer`` title/body plus ``source``/``category``/
``published`` columns), then answer the same 1-5 word queries (the first 1..5 words of ANT's
known-item titles and of ARCD questions, cycling through the lengths) in four modes:

``plain``     top 10 with snippets
``filter``    top 10 with snippets, one source and a one-month date range
``facets``    top 10 with snippets, counts by source and category (Whoosh: a second,
              ``groupedby`` search; highlighting a grouped search's hits takes it seconds)
``filter+facets``

Engines alternate query by query (so machine noise hits both alike) after one untimed warm-up
pass; each figure is over every query. Writes ``results/search_speed-TIME.json`` and ``.md``.

    python benchmarks/search_speed.py --data ../shared/datasets [--corpus ant all]
        [--queries 600] [--workdir .bench-cache/speed]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from index_speed import CORPORA, limited_copy, shards

MODES = ("plain", "filter", "facets", "filter+facets")


def queries(data: Path, n: int) -> list[str]:
    titles = [
        line.split("\t", 1)[1].strip()
        for line in (data / "ant-multisource/sample/known_item_title_queries.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    questions = [
        json.loads(line)["query"]
        for line in (data / "arcd/derived/queries.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    mixed = [t for pair in zip(titles, questions, strict=False) for t in pair]
    out = []
    for i, text in enumerate(mixed[:n]):
        words = [w for w in text.replace('"', " ").split() if w.strip("؟?.,:")]
        out.append(" ".join(words[: 1 + i % 5]))
    return out


def records(paths: list[Path]) -> Any:
    for p in paths:
        with gzip.open(p, "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


def build_newsearch(path: Path, files: list[Path]) -> float:
    from newsearch.index import NewsIndex

    if (path / "manifest.json").exists():
        return float("nan")
    t0 = time.perf_counter()
    ix = NewsIndex.create(path, overwrite=True)
    ix.ingest(files, progress=False)
    return time.perf_counter() - t0


def build_whoosh(path: Path, files: list[Path]) -> float:
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import DATETIME, ID, TEXT, Schema

    if path.exists() and index.exists_in(str(path)):
        return float("nan")
    path.mkdir(parents=True, exist_ok=True)
    a = StandardAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=a, stored=True),
        body=TEXT(analyzer=a, stored=True),
        source=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        published=DATETIME(stored=True, sortable=True),
    )
    ix = index.create_in(str(path), schema)
    t0 = time.perf_counter()
    with ix.writer(limitmb=256) as w:
        for r in records(files):
            if not (r.get("title") or r.get("body")):
                continue
            doc = {"id": r["id"], "title": r.get("title") or "", "body": r.get("body") or ""}
            for f in ("source", "category"):
                if r.get(f):
                    doc[f] = r[f]
            if r.get("published"):
                doc["published"] = datetime.fromisoformat(r["published"].replace("Z", ""))
            w.add_document(**doc)
    return time.perf_counter() - t0


class Newsearch:
    name = "newsearch"

    def __init__(self, path: Path) -> None:
        from newsearch.index import NewsIndex

        self.s = NewsIndex.open(path).searcher()

    def run(self, q: str, mode: str, source: str, month: tuple[datetime, datetime]) -> int:
        filters = {"source": source, "from": month[0], "to": month[1]} if "filter" in mode else None
        r = self.s.search(q, limit=10, filters=filters, facets="facets" in mode)
        return r.total


class StockWhoosh:
    name = "whoosh"

    def __init__(self, path: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup

        self.ix = index.open_dir(str(path))
        self.s = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=OrGroup)

    def run(self, q: str, mode: str, source: str, month: tuple[datetime, datetime]) -> int:
        from whoosh import query as wq
        from whoosh.highlight import ContextFragmenter

        flt = None
        if "filter" in mode:
            flt = wq.And([
                wq.Term("source", source),
                wq.DateRange("published", month[0], month[1]),
            ])  # fmt: skip
        parsed = self.parser.parse(q)
        hits = self.s.search(parsed, limit=10, filter=flt)
        hits.fragmenter = ContextFragmenter(maxchars=240)
        for h in hits:
            h.highlights("body")  # snippets, as newsearch makes
        if "facets" in mode:
            # A second, grouped search for the counts: highlighting the hits of a grouped
            # search takes Whoosh seconds (measured 11 s for one query at 30k articles).
            grouped = self.s.search(parsed, limit=1, filter=flt, groupedby=["source", "category"])
            grouped.groups("source")
            grouped.groups("category")
        return hits.scored_length()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets", type=Path)
    ap.add_argument("--corpus", nargs="+", default=["ant", "all"], choices=sorted(CORPORA))
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--workdir", type=Path, default=Path(".bench-cache/speed"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--limit", type=int, default=None, help="first N records (smoke runs)")
    ap.add_argument(
        "--warm-all",
        action="store_true",
        help="warm up on every query (steady state) instead of the first 50 (then the first "
        "mode also pays for reading each new term's postings)",
    )
    args = ap.parse_args()
    qs = queries(args.data, args.queries)
    git = git_info()
    report: dict[str, Any] = {
        "benchmark": "search_speed",
        "started": datetime.now(UTC).isoformat(),
        "config": {
            "corpora": args.corpus,
            "queries": len(qs),
            "modes": MODES,
            "limit": 10,
            "warm_all": args.warm_all,
        },
        "git": git,
        "machine": machine(),
        "versions": package_versions(),
        "results": {},
    }
    sources = ["skynews", "alarabia", "BBC", "CNN", "france24"]
    months = [(datetime(2018, m, 1), datetime(2018, m + 1, 1)) for m in range(3, 10)]
    for corpus in args.corpus:
        files = shards(args.data, corpus)
        tag = corpus
        if args.limit:
            tag = f"{corpus}-{args.limit}"
            args.workdir.mkdir(parents=True, exist_ok=True)
            files = limited_copy(files, args.limit, args.workdir / f"{tag}.jsonl.gz")
        ns_path = args.workdir / f"newsearch-{tag}"
        wh_path = args.workdir / f"whoosh-{tag}"
        b1 = build_newsearch(ns_path, files)
        b2 = build_whoosh(wh_path, files)
        print(f"{corpus}: built newsearch {b1:.0f} s, whoosh {b2:.0f} s", file=sys.stderr)
        engines = [Newsearch(ns_path), StockWhoosh(wh_path)]
        warm = qs if args.warm_all else qs[:50]
        for e in engines:  # warm-up: lazy tables, postings and file caches
            for i, q in enumerate(warm):
                e.run(q, MODES[i % 4], sources[i % 5], months[i % 7])
        times: dict[str, dict[str, list[float]]] = {e.name: {m: [] for m in MODES} for e in engines}
        for mode in MODES:
            for i, q in enumerate(qs):
                for e in engines if i % 2 == 0 else engines[::-1]:
                    t0 = time.perf_counter()
                    e.run(q, mode, sources[i % 5], months[i % 7])
                    times[e.name][mode].append((time.perf_counter() - t0) * 1000)
            print(f"  {corpus} {mode} done", file=sys.stderr)
        res: dict[str, Any] = {"build_seconds": {"newsearch": b1, "whoosh": b2}}
        for name, per_mode in times.items():
            res[name] = {
                m: {
                    "p50": statistics.median(v),
                    "p95": pct(v, 95),
                    "p99": pct(v, 99),
                    "mean": statistics.fmean(v),
                    "max": max(v),
                }
                for m, v in per_mode.items()
            }
        res["ratio_p50"] = {m: res["newsearch"][m]["p50"] / res["whoosh"][m]["p50"] for m in MODES}
        report["results"][corpus] = res
    report["git"]["src_changed_during_run"] = git_info()["src_sha256"] != git["src_sha256"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"search_speed-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    lines = [
        f"# Search latency ({len(qs)} queries of 1-5 words, top 10 with snippets; ms)\n",
        "| corpus | mode | newsearch p50 | p95 | p99 | whoosh p50 | p95 | p99 | p50 ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for corpus, res in report["results"].items():
        for m in MODES:
            n, w = res["newsearch"][m], res["whoosh"][m]
            lines.append(
                f"| {corpus} | {m} | {n['p50']:.1f} | {n['p95']:.1f} | {n['p99']:.1f} | "
                f"{w['p50']:.1f} | {w['p95']:.1f} | {w['p99']:.1f} | {res['ratio_p50'][m]:.2f} |"
            )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
