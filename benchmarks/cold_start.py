"""Cold start: the first search of a fresh process, and ``Searcher.warm()``, on built indexes.

Every CLI call and every new web worker is a fresh process: it opens the index and searches
once. For each index given, ``--processes`` fresh Python processes each open it
(``NewsIndex.open``), make a searcher and run one query (the i-th process the i-th query: the
first 1-5 words of ANT titles and ARCD questions, as ``search_speed.py``); as many more run
one misspelt word that finds nothing (the fuzzy fallback, which needs the spelling tables); as
many more call ``warm()`` first. Each process reports its own timings; the figures are the
median and p95 over the processes. Modules are compiled once beforehand and their bytecode
cached (as an installed package has it), so the figures do not include compiling Python.
Indexes are built beforehand (``newsearch index``), so the same index can be measured before
and after a change of the search code.

Usage (from the repository root; one label per index)::

    python benchmarks/cold_start.py --index before=/path/a after=/path/b [--processes 10]
    python benchmarks/cold_start.py --index main=/path/a,/work/main/.venv/bin/python new=/path/b
    python benchmarks/cold_start.py --index before=/p,/venv/bin/python,../main/src after=/p,,src

An index may name the Python to run its processes with (``LABEL=PATH,PYTHON``): another
checkout's virtual environment measures that checkout's code in the same run. A third part
puts a source directory first on the children's ``PYTHONPATH`` (``LABEL=PATH,PYTHON,SRC``; an
empty PYTHON is this one), so two checkouts can share one environment; each child reports the
``newsearch`` it imported (``module`` in the result file).

Writes ``benchmarks/results/cold_start-<UTC time>.json`` (config, commit, machine, versions,
every process's timings) and a Markdown table next to it.
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

from _common import git_info, machine, package_versions, run_cmd  # benchmarks/ is on sys.path
from search_speed import pct, queries

#: A word no article contains (a typo of الحكومة): the search finds nothing and falls back to
#: close spellings.
TYPO = "الحكومهة"


def child(index: str, mode: str, query: str) -> None:
    """One fresh process: open, make a searcher, then search once or warm; prints JSON."""
    t0 = time.perf_counter()
    from newsearch import NewsIndex

    t1 = time.perf_counter()
    ix = NewsIndex.open(index)
    t2 = time.perf_counter()
    s = ix.searcher()
    t3 = time.perf_counter()
    if mode == "warm":
        s.warm()
        hits = -1
    else:
        hits = len(s.search(query, limit=10).hits)
    t4 = time.perf_counter()
    out = {
        "import_s": t1 - t0,
        "open_s": t2 - t1,
        "searcher_s": t3 - t2,
        "action_s": t4 - t3,
        # What the target counts: everything after NewsIndex.open returns.
        "after_open_s": t4 - t2,
        "hits": hits,
        "segments": len(s.view.segments),
        "module": sys.modules["newsearch"].__file__,
    }
    s.close()
    print(json.dumps(out))


def _env(src: str = "") -> dict[str, str]:
    """The children's environment: compiled modules cached (as after ``pip install``), even
    where ``PYTHONDONTWRITEBYTECODE`` is set, under ``.bench-cache`` rather than the source;
    ``src`` first on the path when given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(".bench-cache/pycache").resolve())
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve())
    return env


def run_child(python: str, index: Path, mode: str, query: str, src: str = "") -> dict[str, Any]:
    cmd = [python, __file__, "--child", str(index), mode, query]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env(src))
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _commit(src: str) -> str:
    """The commit (and ``+dirty``) of the checkout holding ``src``; "" without ``src``."""
    if not src:
        return ""
    head = run_cmd("git", "rev-parse", "HEAD", cwd=Path(src))
    dirty = run_cmd("git", "status", "--porcelain", "--", ".", cwd=Path(src))
    return head + ("+dirty" if dirty else "")


def summary(xs: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in xs]
    return {"p50": statistics.median(ms), "p95": pct(ms, 95), "max": max(ms), "n": len(ms)}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--index", nargs="+", required=True, help="LABEL=PATH[,PYTHON[,SRC]] of a built index"
    )
    ap.add_argument("--data", default="../shared/datasets", type=Path)
    ap.add_argument("--processes", type=int, default=10)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()
    qs = queries(args.data, args.processes)
    indexes: list[tuple[str, str, str, str]] = []
    for spec in args.index:
        label, rest = spec.split("=", 1)
        path, _, rest = rest.partition(",")
        python, _, src = rest.partition(",")
        indexes.append((label, path, python or sys.executable, src))
    git = git_info()
    report: dict[str, Any] = {
        "benchmark": "cold_start",
        "started": datetime.now(UTC).isoformat(),
        "config": {
            "indexes": {
                lb: {"path": p, "python": py, "src": sr, "src_commit": _commit(sr)}
                for lb, p, py, sr in indexes
            },
            "processes": args.processes,
            "queries": qs,
        },
        "git": git,
        "machine": machine(),
        "versions": package_versions(),
        "results": {},
    }
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        label: {"first": [], "fuzzy": [], "warm": []} for label, _, _, _ in indexes
    }
    for _, path, python, src in indexes:  # untimed: compiles and caches every module once
        run_child(python, Path(path), "search", qs[0], src)
    # Interleaved, so that load on the machine spreads over every index and mode.
    for i in range(args.processes):
        for label, path, python, src in indexes:
            runs[label]["first"].append(run_child(python, Path(path), "search", qs[i], src))
            runs[label]["fuzzy"].append(run_child(python, Path(path), "search", TYPO, src))
            runs[label]["warm"].append(run_child(python, Path(path), "warm", "", src))
        print(f"round {i + 1}/{args.processes} done", file=sys.stderr)
    for label, modes in runs.items():
        report["results"][label] = {
            "segments": modes["first"][0]["segments"],
            "module": sorted({r["module"] for rs in modes.values() for r in rs}),
            "open": summary([r["open_s"] for r in modes["first"]]),
            **{m: summary([r["after_open_s"] for r in rs]) for m, rs in modes.items()},
            "runs": modes,
        }
    report["git"]["src_changed_during_run"] = git_info()["src_sha256"] != git["src_sha256"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"cold_start-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    lines = [
        f"# Cold start ({args.processes} fresh processes per figure; ms after NewsIndex.open)\n",
        "| index | segments | open p50 | first search p50 | p95 | fuzzy fallback p50 | p95 "
        "| warm() p50 | p95 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, res in report["results"].items():
        lines.append(
            f"| {label} | {res['segments']} | {res['open']['p50']:.0f} | "
            f"{res['first']['p50']:.0f} | {res['first']['p95']:.0f} | "
            f"{res['fuzzy']['p50']:.0f} | {res['fuzzy']['p95']:.0f} | "
            f"{res['warm']['p50']:.0f} | {res['warm']['p95']:.0f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
