"""Prove a refactor changed no result: the same runs, on the same builds, before and after.

A newsearch build is keyed by the code that made it, so after a refactor the runner builds the
indexes again, and a multi-process build numbers documents differently each time: tied scores
then come back in another order. To compare like with like, ``link`` points the current code's
build keys at the builds the old code made (same corpus, same index parameters), so the runner
reuses them; ``diff`` then compares two directories of run files (``newsearch bench
--runs DIR``): ids and order equal, scores equal to ``--tol``, related news' copies equal.

    # before the change (old checkout): newsearch bench CONFIG --workdir OLD --runs BEFORE
    python benchmarks/same_runs.py link CONFIG --old OLD --new SAME
    newsearch bench CONFIG --workdir SAME --runs AFTER
    python benchmarks/same_runs.py diff BEFORE AFTER
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from newsearch.evaluate.config import load_config
from newsearch.evaluate.experiment import Experiment
from newsearch.evaluate.tasks import load_task


def link(config: Path, old: Path, new: Path, data: Path) -> int:
    cfg = load_config(config)
    new.mkdir(parents=True, exist_ok=True)
    for task_name in cfg.tasks:
        task = load_task(task_name, data)
        for name, setup in cfg.setups.items():
            if setup.engine != "newsearch":
                continue
            exp = Experiment({name: setup}, task, workdir=new)
            key = exp._build_key(setup)
            index_params, _ = setup.split()
            prefix = key.rsplit("-", 1)[0] + "-"
            found = []
            for d in sorted(old.glob(prefix + "*")):
                marker = d / "newsearch-build.json"
                if d.name == key or not marker.exists():
                    continue
                made = orjson.loads(marker.read_bytes())["setup"]
                if all(made.get(k, "light" if k == "analyzer" else None) == v
                       for k, v in index_params.items()):  # fmt: skip
                    found.append(d)
            if len(found) != 1:
                print(
                    f"{task_name}/{name}: {len(found)} old builds match {prefix}*", file=sys.stderr
                )
                return 2
            target = new / key
            if not target.exists():
                target.symlink_to(found[0].resolve())
            print(f"{task_name}/{name}: {key} -> {found[0].name}")
    return 0


def _read_run(path: Path) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        qid, _, doc, _rank, score, _tag = line.split()
        out.setdefault(qid, []).append((doc, float(score)))
    return out


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]], tol: float) -> bool:
    if [d for d, _ in a] != [d for d, _ in b]:
        return False
    return all(abs(x - y) <= tol for (_, x), (_, y) in zip(a, b, strict=True))


def diff(before: Path, after: Path, tol: float) -> int:
    runs = sorted(
        p.name for p in before.glob("*.run") if not p.name.split(".")[1].startswith("lucene")
    )
    bad = 0
    for name in runs:
        if not (after / name).exists():
            print(f"{name}: missing after")
            bad += 1
            continue
        a, b = _read_run(before / name), _read_run(after / name)
        queries = set(a) | set(b)
        differ = [q for q in sorted(queries) if not _same(a.get(q, []), b.get(q, []), tol)]
        copies = before / name.replace(".run", ".copies.json")
        same_copies = (
            not copies.exists() or copies.read_bytes() == (after / copies.name).read_bytes()
        )
        status = "identical" if not differ and same_copies else f"{len(differ)} queries differ"
        if not same_copies:
            status += ", copies differ"
        print(f"{name}: {len(queries)} queries, {status}")
        bad += bool(differ) or not same_copies
    print(f"{len(runs) - bad} of {len(runs)} run files identical (scores within {tol:g})")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("link", help="point the current code's build keys at old builds")
    a.add_argument("config", type=Path)
    a.add_argument("--old", type=Path, required=True, help="the old run's --workdir")
    a.add_argument("--new", type=Path, required=True, help="a fresh --workdir for the new run")
    a.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    d = sub.add_parser("diff", help="compare two directories of run files")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    d.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args()
    if args.cmd == "link":
        return link(args.config, args.old, args.new, args.data)
    return diff(args.before, args.after, args.tol)


if __name__ == "__main__":
    raise SystemExit(main())
