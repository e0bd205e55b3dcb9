"""Rebuild examples/ant_sample.jsonl.gz: the demo's sample of real articles.

2,000 articles of the ANT Corpus v2.1 multi-source (see examples/README.md for attribution),
drawn with a fixed seed, stratified by outlet and category so every facet has members.

    python examples/make_sample.py --data ../shared/datasets
"""

from __future__ import annotations

import argparse
import gzip
import random
from collections import defaultdict
from pathlib import Path

import orjson

KEEP = ("id", "source", "category", "categories", "url", "title", "published", "author", "body")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--out", default=str(Path(__file__).parent / "ant_sample.jsonl.gz"))
    args = ap.parse_args()
    groups: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for shard in sorted(Path(args.data, "ant-multisource", "data").glob("antms-*.jsonl.gz")):
        with gzip.open(shard) as f:
            for line in f:
                doc = orjson.loads(line)
                if doc["published"] >= "2018-02":
                    groups[(doc["source"], doc["category"])].append(doc)
    rng = random.Random(2018)
    per_group = args.n // len(groups)
    picked = []
    for key in sorted(groups):
        docs = groups[key]
        picked += rng.sample(docs, min(per_group, len(docs)))
    rest = [d for key in sorted(groups) for d in groups[key] if d not in picked]
    picked += rng.sample(rest, args.n - len(picked))
    picked.sort(key=lambda d: (str(d["published"]), str(d["id"])))
    with gzip.open(args.out, "wb", compresslevel=9) as out:
        for doc in picked:
            out.write(orjson.dumps({k: doc.get(k) for k in KEEP}) + b"\n")
    print(f"wrote {len(picked)} articles to {args.out}")


if __name__ == "__main__":
    main()
