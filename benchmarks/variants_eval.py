"""Name variants: does a name typed in one spelling find the articles that use another, and do
the articles with the typed spelling still come first?

For every spelling A of every group in ``variant_groups.tsv`` (foreign names spelled
differently by different outlets, collected from the ANT and SaudiNewsNet headlines), on an
index of ANT multi-source:

- ``other-recall``: of the articles that contain another spelling of the group and not A,
  the share among the first 1,000 results of the query A;
- ``exact@10``: the share of the top 10 that contain A, relative to the best possible
  (min(10, articles with A) / 10);

with name variants on (the default) and off. Writes ``results/variants_eval-TIME.json``/.md.

    python benchmarks/variants_eval.py --index .bench-cache/newsearch-ant-<key>/index
"""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import UTC, datetime
from pathlib import Path

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path

HERE = Path(__file__).parent


def groups(path: Path) -> list[list[str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append([p.strip() for p in line.split("|")])
    return out


def main() -> int:
    from whoosh import query as wq

    from newsearch.index import NewsIndex

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--groups", type=Path, default=HERE / "variant_groups.tsv")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    ix = NewsIndex.open(args.index)
    analyzer = ix.whoosh.schema["body"].analyzer
    rows = []
    with ix.searcher() as s, ix.whoosh.searcher() as ws:

        def docs_with(spelling: str) -> set[int]:
            toks = [t.text for t in analyzer(spelling, mode="query")]
            per_field = [wq.And([wq.Term(f, t) for t in toks]) for f in ("title", "body")]
            return set(ws.docs_for_query(wq.Or(per_field)))

        for group in groups(args.groups):
            have = {sp: docs_with(sp) for sp in group}
            for a in group:
                others = set().union(*(have[b] for b in group if b != a)) - have[a]
                if not others:
                    continue
                row = {"group": " | ".join(group), "query": a, "with_query_spelling": len(have[a]),
                       "other_only": len(others)}  # fmt: skip
                for label, variants in (("on", True), ("off", False)):
                    got: list[int] = []
                    for page in range(1, 11):
                        r = s.search(a, limit=100, page=page, variants=variants, highlight=False,
                                     fuzzy_fallback=False, suggest=False)  # fmt: skip
                        got += [h.docnum for h in r]
                        if len(r) < 100:
                            break
                    top = got[:10]
                    best = min(10, len(have[a])) or 1
                    row[f"other_recall_{label}"] = len(others & set(got)) / len(others)
                    row[f"exact10_{label}"] = (
                        sum(d in have[a] for d in top) / best if have[a] else None
                    )
                rows.append(row)
    summary = {
        k: statistics.fmean(r[k] for r in rows if r[k] is not None)
        for k in ("other_recall_on", "other_recall_off", "exact10_on", "exact10_off")
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"variants_eval-{stamp}.json"
    report = {"benchmark": "variants_eval", "index": str(args.index), "git": git_info(),
              "machine": machine(), "versions": package_versions(), "summary": summary,
              "rows": rows}  # fmt: skip
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        f"# Name variants ({len(rows)} queries from {len(groups(args.groups))} groups)\n",
        "| query | group | articles with it | other spelling only | other-recall on / off "
        "| exact@10 on / off |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        e_on = "—" if r["exact10_on"] is None else f"{r['exact10_on']:.2f}"
        e_off = "—" if r["exact10_off"] is None else f"{r['exact10_off']:.2f}"
        lines.append(
            f"| {r['query']} | {r['group']} | {r['with_query_spelling']} | {r['other_only']} | "
            f"{r['other_recall_on']:.2f} / {r['other_recall_off']:.2f} | {e_on} / {e_off} |"
        )
    lines.append(
        f"| **mean** | | | | **{summary['other_recall_on']:.2f} / "
        f"{summary['other_recall_off']:.2f}** | **{summary['exact10_on']:.2f} / "
        f"{summary['exact10_off']:.2f}** |"
    )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
