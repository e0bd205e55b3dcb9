"""Index build speed: newsearch's default ingest against stock Whoosh, side by side.

For each corpus (``ant``: ANT multi-source, 30,338 articles; ``all``: ANT multi-source +
SaudiNewsNet + Jawhara FM, about 71k) and each peer, one fresh child process builds an index
from the JSON Lines shards and reports build time, docs/s, peak RSS and size on disk. Peak RSS
is that of the child's whole process tree (the child and the worker processes it forks, their
RSS summed, sampled every 0.1 s: ``_treerss``); ``max_process_rss_mb`` is the largest single
process's ``ru_maxrss``, which earlier runs reported as peak RSS. Peers run one after another
(never two at once: the machine has 2 cores), in rounds, so noise spreads over all of them;
each figure is the median of the rounds.

Peers:

* ``newsearch`` -- ``NewsIndex.create(path).ingest(files)``: the defaults (light analyzer,
  stemmed fields + exact title twin, content hashes, batch commits, ``workers=None``: auto);
* ``newsearch-w1`` / ``newsearch-w2`` -- the same with ``workers=1`` / ``workers=2`` (Whoosh's
  multiprocess writer);
* ``whoosh-standard`` -- stock Whoosh: ``StandardAnalyzer`` on stored ``title``/``body``, plus
  ``id``, ``published``, ``source``, ``category``, one writer, one commit, single process.

Usage (from the repository root)::

    python benchmarks/index_speed.py --data ../shared/datasets [--corpus ant all] [--rounds 1]
    python benchmarks/index_speed.py --quick      # 2,000 articles, for a smoke test

Writes ``benchmarks/results/index_speed-<UTC time>.json`` (config, commit, machine, versions,
every measurement) and a Markdown table next to it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from _treerss import TreeSampler

CORPORA = {
    "ant": ["ant-multisource"],
    "all": ["ant-multisource", "saudinewsnet", "ant-jawharafm"],
    "snn": ["saudinewsnet"],
}
PEERS = ("newsearch", "newsearch-w1", "newsearch-w2", "whoosh-standard")


def shards(data: Path, corpus: str) -> list[Path]:
    files: list[Path] = []
    for name in CORPORA[corpus]:
        found = sorted((data / name / "data").glob("*.jsonl.gz"))
        if not found:
            raise SystemExit(f"no shards under {data / name / 'data'}; pass --data")
        files += found
    return files


def limited_copy(files: list[Path], limit: int, out: Path) -> list[Path]:
    """The first ``limit`` lines of ``files`` as one shard (for --quick / --limit)."""
    n = 0
    with gzip.open(out, "wb") as w:
        for f in files:
            with gzip.open(f) as r:
                for line in r:
                    if n >= limit:
                        return [out]
                    w.write(line)
                    n += 1
    return [out]


# --- the child: builds one index and prints one JSON line --------------------------------------


def child(peer: str, files: list[str], index_dir: str) -> None:
    t0 = time.perf_counter()
    if peer.startswith("newsearch"):
        from newsearch.index import NewsIndex

        workers = {"newsearch": None, "newsearch-w1": 1, "newsearch-w2": 2}[peer]
        ix = NewsIndex.create(index_dir, overwrite=True)
        report = ix.ingest(files, workers=workers, progress=False)
        docs, rejected = len(ix), report.rejected
    else:
        import orjson
        from whoosh import index
        from whoosh.analysis import StandardAnalyzer
        from whoosh.fields import DATETIME, ID, TEXT, Schema

        an = StandardAnalyzer()
        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=an, stored=True),
            body=TEXT(analyzer=an, stored=True),
            published=DATETIME(stored=True, sortable=True),
            source=ID(stored=True, sortable=True),
            category=ID(stored=True, sortable=True),
        )
        ix = index.create_in(index_dir, schema)
        w = ix.writer()
        docs = rejected = 0
        for f in files:
            with gzip.open(f) as r:
                for line in r:
                    d = orjson.loads(line)
                    pub = d.get("published")
                    w.add_document(
                        id=d["id"],
                        title=d.get("title") or "",
                        body=d.get("body") or "",
                        published=datetime.fromisoformat(pub[:19]) if pub else None,
                        source=d.get("source") or None,
                        category=d.get("category") or None,
                    )
                    docs += 1
        w.commit()
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in Path(index_dir).iterdir())
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "docs": docs,
                "rejected": rejected,
                "seconds": seconds,
                "docs_per_s": docs / seconds,
                "peak_rss_mb": max(rss_kib, kids_kib) / 1024,
                "size_mb": size / 1e6,
            }
        )
    )


def run_peer(peer: str, files: list[Path], workdir: Path) -> dict[str, Any]:
    index_dir = workdir / f"ix-{peer}"
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir()
    cmd = [sys.executable, __file__, "--child", peer, str(index_dir), *map(str, files)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        sampler = TreeSampler(proc.pid)  # the child and the worker processes it forks
        sampler.start()
        proc.wait()
        tree = sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    shutil.rmtree(index_dir, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{peer} failed:\n{stderr}")
    m = dict(json.loads(stdout.strip().splitlines()[-1]))
    m["max_process_rss_mb"] = m.pop("peak_rss_mb")
    m["peak_rss_mb"] = tree["peak_tree_rss_mb"]
    return m


# --- the parent ---------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[4:], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--corpus", nargs="+", default=["ant", "all"], choices=sorted(CORPORA))
    ap.add_argument("--peers", nargs="+", default=list(PEERS), choices=PEERS)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--quick", action="store_true", help="2,000 ANT articles, one round")
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    if args.quick:
        args.corpus, args.limit, args.rounds = ["ant"], 2000, 1
    data = Path(args.data)
    started = datetime.now(UTC)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for corpus in args.corpus:
            files = shards(data, corpus)
            if args.limit:
                files = limited_copy(files, args.limit, work / f"{corpus}-limited.jsonl.gz")
            runs: dict[str, list[dict[str, Any]]] = {p: [] for p in args.peers}
            for r in range(args.rounds):
                order = args.peers if r % 2 == 0 else list(reversed(args.peers))
                for peer in order:
                    m = run_peer(peer, files, work)
                    runs[peer].append(m)
                    print(f"{corpus} round {r + 1} {peer}: {m}", file=sys.stderr)
            results[corpus] = {
                peer: {
                    "runs": ms,
                    "median": {k: statistics.median(m[k] for m in ms) for k in ms[0]},
                }
                for peer, ms in runs.items()
            }
    record = {
        "benchmark": "index_speed",
        "started": started.isoformat(),
        "config": {
            "data": str(data),
            "corpora": {c: CORPORA[c] for c in args.corpus},
            "peers": args.peers,
            "rounds": args.rounds,
            "limit": args.limit,
        },
        "git": git_info(),
        "machine": machine(),
        "versions": package_versions(),
        "results": results,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (out / f"index_speed-{stamp}.json").write_text(json.dumps(record, indent=2))
    table = markdown(record)
    (out / f"index_speed-{stamp}.md").write_text(table)
    print(table)


def markdown(record: dict[str, Any]) -> str:
    m = record["machine"]
    lines = [
        f"Index build, median of {record['config']['rounds']} round(s); "
        f"{m['cpu_model']}, {m['nproc']} cores, Python {m['python']}; "
        f"commit {record['git']['commit'][:10]}{' (dirty)' if record['git']['dirty'] else ''}.",
        "",
        "| corpus | peer | docs | build s | docs/s | vs whoosh-standard | peak RSS MB (tree) "
        "| largest process MB | size MB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for corpus, peers in record["results"].items():
        base = peers.get("whoosh-standard", {}).get("median", {}).get("docs_per_s")
        for peer, res in peers.items():
            med = res["median"]
            ratio = f"{med['docs_per_s'] / base:.2f}×" if base else ""
            lines.append(
                f"| {corpus} | {peer} | {med['docs']:,.0f} | {med['seconds']:.1f} | "
                f"{med['docs_per_s']:.0f} | {ratio} | {med['peak_rss_mb']:.0f} | "
                f"{med['max_process_rss_mb']:.0f} | {med['size_mb']:.0f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
