"""Name variants: does a name typed in one spelling find the articles that use another, and do
the articles with the typed spelling still come first?

For every spelling A of every group in ``variant_groups.tsv`` (foreign names spelled
differently by different outlets, mined from same-story article pairs of ANT and SaudiNewsNet
and verified by reading), on one or more indexes (an ANT one and a SaudiNewsNet one measure
every group that has two spellings in the same corpus):

- ``other-recall``: of the articles that contain another spelling of the group and not A,
  the share among the first 1,000 results of the query A;
- ``exact@10``: the share of the top 10 that contain A, relative to the best possible
  (min(10, articles with A) / 10);

with name variants on (the default) and off. The same for the native look-alike pairs at the
end of the file (words a letter apart that mean different things): there other-recall counts
wrong matches, so lower is better. Writes ``results/variants_eval-TIME.json``/.md.

    python benchmarks/variants_eval.py --index .bench-cache/newsearch-ant-<key>/index \
        .bench-cache/newsearch-snn-<key>/index
"""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import UTC, datetime
from pathlib import Path

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path

HERE = Path(__file__).parent


NATIVE = "# native look-alikes"


def groups(path: Path, native: bool = False) -> list[list[str]]:
    """The name groups of ``path`` (or, with ``native``, the native look-alike pairs after the
    line ``# native look-alikes``)."""
    out = []
    in_native = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(NATIVE):
            in_native = True
        elif line.strip() and not line.startswith("#") and in_native == native:
            out.append([p.strip() for p in line.split("|")])
    return out


def _measure(ix: object, name_groups: list[list[str]], native: list[list[str]]) -> list[dict]:
    from whoosh import query as wq

    analyzer = ix.whoosh.schema["body"].analyzer  # type: ignore[attr-defined]
    rows: list[dict] = []
    with ix.searcher() as s, ix.whoosh.searcher() as ws:  # type: ignore[attr-defined]

        def docs_with(spelling: str) -> set[int]:
            toks = [t.text for t in analyzer(spelling, mode="query")]
            if not toks:  # all stop words (ذا, دي): nothing to look for
                return set()
            per_field = [wq.And([wq.Term(f, t) for t in toks]) for f in ("title", "body")]
            return set(ws.docs_for_query(wq.Or(per_field)))

        def first_1000(text: str, variants: bool) -> list[int]:
            got: list[int] = []
            for page in range(1, 11):
                r = s.search(text, limit=100, page=page, variants=variants, highlight=False,
                             fuzzy_fallback=False, suggest=False)  # fmt: skip
                got += [h.docnum for h in r]
                if len(r) < 100:
                    break
            return got

        for kind, sets in (("name", name_groups), ("native", native)):
            for group in sets:
                have = {sp: docs_with(sp) for sp in group}
                for a in group:
                    others = set().union(*(have[b] for b in group if b != a)) - have[a]
                    if not others or not have[a]:
                        continue
                    row = {"kind": kind, "group": " | ".join(group), "query": a,
                           "with_query_spelling": len(have[a]),
                           "other_only": len(others)}  # fmt: skip
                    for label, variants in (("on", True), ("off", False)):
                        got = first_1000(a, variants)
                        best = min(10, len(have[a]))
                        row[f"other_recall_{label}"] = len(others & set(got)) / len(others)
                        row[f"exact10_{label}"] = sum(d in have[a] for d in got[:10]) / best
                    rows.append(row)
    return rows


def main() -> int:
    from newsearch.index import NewsIndex

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True, type=Path, nargs="+",
                    help="one or more indexes (e.g. one of ANT, one of SaudiNewsNet)")  # fmt: skip
    ap.add_argument("--groups", type=Path, default=HERE / "variant_groups.tsv")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    name_groups, native = groups(args.groups), groups(args.groups, native=True)
    rows = []
    for path in args.index:
        for row in _measure(NewsIndex.open(path), name_groups, native):
            rows.append({"index": str(path), **row})

    def avg(kind: str, key: str) -> float:
        vals = [r[key] for r in rows if r["kind"] == kind]
        return statistics.fmean(vals) if vals else float("nan")

    summary = {
        "name_queries": sum(r["kind"] == "name" for r in rows),
        "name_groups_measured": len({r["group"] for r in rows if r["kind"] == "name"}),
        "native_queries": sum(r["kind"] == "native" for r in rows),
        **{f"{k}_{m}_{o}": avg(k, f"{m}_{o}") for k in ("name", "native")
           for m in ("other_recall", "exact10") for o in ("on", "off")},
    }  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"variants_eval-{stamp}.json"
    report = {"benchmark": "variants_eval", "index": [str(p) for p in args.index],
              "git": git_info(), "machine": machine(), "versions": package_versions(),
              "summary": summary, "rows": rows}  # fmt: skip
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        f"# Name variants ({summary['name_queries']} queries from "
        f"{summary['name_groups_measured']} name groups; {summary['native_queries']} queries "
        "from native look-alike pairs)\n",
        "| | variants on | off |",
        "|---|---:|---:|",
        f"| names: other-spelling recall (first 1,000) | **{summary['name_other_recall_on']:.3f}** "
        f"| {summary['name_other_recall_off']:.3f} |",
        f"| names: exact@10 | **{summary['name_exact10_on']:.3f}** "
        f"| {summary['name_exact10_off']:.3f} |",
        f"| native look-alikes: the other word's articles found (lower is better) "
        f"| **{summary['native_other_recall_on']:.3f}** "
        f"| {summary['native_other_recall_off']:.3f} |",
        f"| native look-alikes: exact@10 | **{summary['native_exact10_on']:.3f}** "
        f"| {summary['native_exact10_off']:.3f} |",
        "",
        "| index | kind | query | group | articles with it | other spelling only "
        "| other-recall on / off | exact@10 on / off |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {Path(r['index']).parent.name} | {r['kind']} | {r['query']} | {r['group']} | "
            f"{r['with_query_spelling']} | {r['other_only']} | "
            f"{r['other_recall_on']:.2f} / {r['other_recall_off']:.2f} | "
            f"{r['exact10_on']:.2f} / {r['exact10_off']:.2f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:8]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
