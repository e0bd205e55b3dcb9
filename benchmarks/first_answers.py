"""The answers a fresh searcher gives, to compare two versions' first searches line for line.

Each query runs on a new searcher over an emptied cache (so the first-search path runs every
time: tables read from the side files, postings read, highlighting without memos) and writes
one JSON line: the query, the total, and per hit the id, the score (``repr``: every digit), the
marked title and the snippets. The queries are those of ``cold_start.py`` (the first N of
``search_speed.py``) plus a typo (the fuzzy fallback), a phrase, a joined name and a filter.

    PYTHONPATH=../main/src python benchmarks/first_answers.py OLD_INDEX before.jsonl
    PYTHONPATH=src python benchmarks/first_answers.py NEW_INDEX after.jsonl
    cmp before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cold_start import TYPO  # benchmarks/ is on sys.path
from newsearch import NewsIndex
from search_speed import queries

EXTRA = (TYPO, '"الحكومة المصرية"', "بوكوحرام", "ترامب source:SNN")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--queries", type=int, default=30, help="how many search_speed queries")
    ap.add_argument("--data", default="../shared/datasets", type=Path)
    args = ap.parse_args()
    ix = NewsIndex.open(args.index)
    lines = []
    for q in [*queries(args.data, args.queries), *EXTRA]:
        ix.cache.clear()
        with ix.searcher() as s:
            r = s.search(q, limit=10)
            hits = [[h.id, repr(h.score), h.title_html, h.snippets] for h in r.hits]
        lines.append(json.dumps({"q": q, "total": r.total, "hits": hits}, ensure_ascii=False))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} queries, {sum(ln.count('<mark>') for ln in lines)} marks -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
