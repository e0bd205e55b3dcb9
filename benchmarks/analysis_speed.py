"""Analysis speed: tokens/s of every newsearch analyzer against Whoosh and plain-Python peers.

Each analyzer is iterated exactly as Whoosh iterates it when indexing a field with positions and
character offsets, reading every attribute it stores::

    for t in analyzer(text, positions=True, chars=True, mode="index", removestops=True):
        (t.text, t.pos, t.startchar, t.endchar)

Peers, timed in one process on the same texts (title + "\\n" + body of each article, loaded into
memory first, so no JSON reading is timed): every analyzer in newsearch's registry, Whoosh's bare
``RegexTokenizer()``, a bare ``re.findall(r"\\w+")`` split (the ceiling for any Python
tokenizer), and a naive per-word pyarabic chain. Before timing, each registry analyzer is built
fresh with ``build_analyzer(name)`` (stemmer memos cleared) and its first, cold pass is timed;
that pass is also its warm-up, so the repeats measure the steady state of a warm memo. The other
peers get one untimed warm-up pass. Then each repetition runs every peer once, in a shuffled
order (round-robin), so machine noise hits all peers alike. The default ``light`` analyzer also
gets a "where the time goes" breakdown (split, offsets, memo lookup, full analyzer).

Run from the repository root (writes JSON + Markdown to benchmarks/results/)::

    .venv/bin/python benchmarks/analysis_speed.py --data ../shared/datasets [--repeat 5]
    .venv/bin/python benchmarks/analysis_speed.py --quick   # 500 articles, 2 repeats
"""

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from pyarabic.araby import normalize_hamza, strip_tashkeel, strip_tatweel
from whoosh.analysis import RegexTokenizer

from _common import git_info, machine, package_versions
from newsearch.analysis import (
    _SPLIT_RE,
    MEMO_SIZE,
    NewsAnalyzer,
    analyzer_names,
    build_analyzer,
)
from newsearch.stemmers import get_stemmer

Peer = Callable[[list[str]], int]  # runs over all texts, returns the number of tokens emitted
CORPUS = "ANT Corpus v2.1 multi-source (Chouigui, Ben Khiroun, Elayeb, 2021)"
PYARABIC_CHAIN = (
    're.findall(r"\\w+", text); per word: pyarabic.araby.strip_tashkeel -> strip_tatweel -> '
    'normalize_hamza(method="tasheel") -> newsearch get_stemmer("light") (its memo included); '
    "no stopwords"
)
BARE = "bare-split"
REGEX = "RegexTokenizer"
_FINDALL = re.compile(r"\w+").findall


def load_texts(data: Path, limit: int | None) -> tuple[list[str], list[Path]]:
    files = sorted((data / "ant-multisource" / "data").glob("antms-00*.jsonl.gz"))
    if not files:
        sys.exit(f"no antms-00*.jsonl.gz under {data / 'ant-multisource' / 'data'}")
    texts: list[str] = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                texts.append(doc["title"] + "\n" + doc["body"])
                if limit is not None and len(texts) >= limit:
                    return texts, files
    return texts, files


def analyzer_peer(an: Any) -> Peer:
    def run(texts: list[str]) -> int:
        n = 0
        for text in texts:
            for t in an(text, positions=True, chars=True, mode="index", removestops=True):
                _ = (t.text, t.pos, t.startchar, t.endchar)
                n += 1
        return n

    return run


def bare_split(texts: list[str]) -> int:
    findall = _FINDALL
    return sum(len(findall(text)) for text in texts)


def pyarabic_chain(texts: list[str]) -> int:
    stem, findall, n = get_stemmer("light"), _FINDALL, 0
    for text in texts:
        for w in findall(text):
            _ = stem(normalize_hamza(strip_tatweel(strip_tashkeel(w)), method="tasheel"))
            n += 1
    return n


def split_only(texts: list[str]) -> int:
    split = _SPLIT_RE.split
    return sum(len(split(text)) // 2 for text in texts)


def split_offsets(texts: list[str], memo: dict[str, Any] | None = None) -> int:
    split, n = _SPLIT_RE.split, 0
    get = memo.get if memo is not None else None
    for text in texts:
        end = 0
        parts = iter(split(text))
        for gap, surface in zip(parts, parts, strict=False):
            start = end + len(gap)
            end = start + len(surface)
            if get is not None:
                _ = get(surface)
            n += 1
    return n


def timed(fn: Peer, texts: list[str]) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    n = fn(texts)
    return time.perf_counter() - t0, n


def rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def markdown(result: dict[str, Any]) -> str:
    rows = [
        "| peer | median s | min s | cold 1st pass s | tokens emitted | input words/s "
        "| tokens/s | % of bare split | % of RegexTokenizer |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, r in sorted(result["peers"].items(), key=lambda kv: kv[1]["median_s"]):
        cold = f"{r['cold_first_pass_s']:.2f}" if "cold_first_pass_s" in r else ""
        rows.append(
            f"| {name} | {r['median_s']:.2f} | {r['min_s']:.2f} | {cold} | {r['tokens']:,} "
            f"| {rate(r['input_words_per_s'])} | {rate(r['tokens_per_s'])} "
            f"| {r['pct_of_bare_split']:.1f} | {r['pct_of_regex_tokenizer']:.1f} |"
        )
    b = result["light_breakdown"]
    rows += ["", "Where the time goes (light, steady state, median s):", ""]
    rows += ["| stage | median s | % of full analyzer |", "|---|--:|--:|"]
    for stage in b["stages"]:
        rows.append(f"| {stage['stage']} | {stage['median_s']:.2f} | {stage['pct_of_full']:.0f} |")
    rows.append("")
    rows.append(
        f"Surface words {b['surface_words']:,}; memo {b['memo_size']:,} entries "
        f"(bound {b['memo_bound']:,}); memo hit ratio: cold pass {b['cold_hit_ratio']:.2%}, "
        f"steady pass {b['steady_hit_ratio']:.2%}."
    )
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--limit", type=int, default=None, help="articles (default: all)")
    ap.add_argument("--repeat", type=int, default=None, help="timed repetitions (default 5)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--seed", type=int, default=2021, help="seed of the per-round shuffles")
    ap.add_argument("--quick", action="store_true", help="smoke run: 500 articles, 2 repeats")
    args = ap.parse_args()
    limit = args.limit if args.limit is not None else (500 if args.quick else None)
    repeat = args.repeat if args.repeat is not None else (2 if args.quick else 5)
    started = datetime.now(UTC)
    host = machine()  # load average at start; the end value is added below
    git = git_info()  # at start: the code imported above is the code measured
    log = sys.stderr

    texts, files = load_texts(args.data, limit)
    input_words = bare_split(texts)
    print(f"{len(texts):,} articles, {input_words:,} input words", file=log)

    # Cold first pass of each registry analyzer (fresh analyzer, fresh stemmer memos); it doubles
    # as the warm-up pass. get_analyzer(name) is a cached build_analyzer(name): same analyzer.
    rng = random.Random(args.seed)
    names = list(analyzer_names())
    peers: dict[str, Peer] = {}
    # name -> (seconds, tokens, memo size after the pass)
    cold: dict[str, tuple[float, int, int | None]] = {}
    analyzers: dict[str, Any] = {}
    for name in rng.sample(names, len(names)):
        get_stemmer.cache_clear()
        an = analyzers[name] = build_analyzer(name)
        peers[name] = analyzer_peer(an)
        secs, n = timed(peers[name], texts)
        size = len(an._memo) if isinstance(an, NewsAnalyzer) else None
        cold[name] = (secs, n, size)
        print(f"cold {name}: {secs:.2f} s", file=log)

    light = analyzers["light"]
    memo: dict[str, Any] = light._memo
    peers[REGEX] = analyzer_peer(RegexTokenizer())
    peers[BARE] = bare_split
    peers["pyarabic-chain"] = pyarabic_chain
    stages: dict[str, Peer] = {
        "(a) _SPLIT_RE.split": split_only,
        "(b) split + gap/word walk with offsets": split_offsets,
        "(b') (b) + memo lookup": lambda texts: split_offsets(texts, memo),
    }
    for name in (REGEX, BARE, "pyarabic-chain"):
        timed(peers[name], texts)  # untimed warm-up
    memo_before = len(memo)

    times: dict[str, list[float]] = {name: [] for name in [*peers, *stages]}
    tokens: dict[str, int] = {}
    jobs = {**peers, **stages}
    for rep in range(repeat):
        order = rng.sample(list(jobs), len(jobs))
        for name in order:
            secs, tokens[name] = timed(jobs[name], texts)
            times[name].append(secs)
        print(f"round {rep + 1}/{repeat} done", file=log)
    steady_misses = len(memo) - memo_before  # each miss adds one entry (no clear below bound)

    bare_med = median(times[BARE])
    regex_med = median(times[REGEX])
    results: dict[str, Any] = {}
    for name in peers:
        med = median(times[name])
        r: dict[str, Any] = {
            "kind": "newsearch registry" if name in analyzers else "peer",
            "description": analyzer_names().get(name, ""),
            "seconds": times[name],
            "median_s": med,
            "min_s": min(times[name]),
            "tokens": tokens[name],
            "input_words": input_words,
            "input_words_per_s": input_words / med,
            "tokens_per_s": tokens[name] / med,
            "pct_of_bare_split": 100 * bare_med / med,
            "pct_of_regex_tokenizer": 100 * regex_med / med,
        }
        if name in cold:
            secs, n, size = cold[name]
            r |= {"cold_first_pass_s": secs, "cold_tokens": n, "cold_memo_size": size}
        results[name] = r
    results[REGEX]["description"] = "whoosh.analysis.RegexTokenizer() (default pattern)"
    results[BARE]["description"] = 're.findall(r"\\w+", text), counts len() per text'
    results["pyarabic-chain"]["description"] = PYARABIC_CHAIN

    full = median(times["light"])
    surface = tokens["(a) _SPLIT_RE.split"]
    breakdown = {
        "analyzer": "light",
        "surface_words": surface,
        "memo_size": len(memo),
        "memo_bound": MEMO_SIZE,
        "memo_never_cleared": len(memo) < MEMO_SIZE,  # else the hit ratios below are estimates
        "cold_hit_ratio": 1 - (cold["light"][2] or 0) / surface,
        "steady_hit_ratio": 1 - steady_misses / (surface * repeat),
        "steady_misses_total": steady_misses,
        "stages": [
            {
                "stage": stage,
                "seconds": times[stage],
                "median_s": median(times[stage]),
                "pct_of_full": 100 * median(times[stage]) / full,
            }
            for stage in stages
        ]
        + [{"stage": "(c) full light analyzer", "seconds": times["light"], "median_s": full}],
    }
    breakdown["stages"][-1]["pct_of_full"] = 100.0

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    result = {
        "benchmark": "analysis_speed",
        "started_utc": started.isoformat(),
        "wall_s": (datetime.now(UTC) - started).total_seconds(),
        "config": {
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "limit": limit,
            "repeat": repeat,
            "corpus": CORPUS,
            "corpus_files": [
                {"path": str(p), "bytes": p.stat().st_size, "sha256": sha256(p)} for p in files
            ],
            "articles": len(texts),
            "text": 'title + "\\n" + body, loaded in memory before timing',
            "iteration": 'analyzer(text, positions=True, chars=True, mode="index", '
            "removestops=True), reading t.text, t.pos, t.startchar, t.endchar",
            "warmup": "registry analyzers: their timed cold first pass (fresh build_analyzer, "
            "get_stemmer.cache_clear() first); other peers: one untimed pass",
            "order": "round-robin: each repetition runs every peer and stage once, shuffled",
            "pyarabic_chain": PYARABIC_CHAIN,
            "input_words": "count of re.findall(r'\\w+') over the texts, same for all peers",
        },
        "git": git | {"src_changed_during_run": git_info()["src_sha256"] != git["src_sha256"]},
        "machine": host | {"loadavg_end": os.getloadavg()},
        "packages": package_versions(),
        "peers": results,
        "light_breakdown": breakdown,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"analysis_speed-{stamp}"
    base.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    table = markdown(result)
    m = result["machine"]
    header = (
        f"Analysis speed on {CORPUS}: {len(texts):,} articles, {input_words:,} input words, "
        f"median of {repeat} (steady state after a warm-up pass).\n"
        f"Machine: {m['cpu_model']}, {m['nproc']} CPUs, {m['platform']}, Python {m['python']}.\n\n"
    )
    base.with_suffix(".md").write_text(header + table)
    print(header + table)
    print(f"wrote {base}.json and .md", file=log)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
