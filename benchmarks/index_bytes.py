"""Where an index's bytes go: postings and terms per field, stored fields, columns, side files.

For a built index (any number of segments), sums over its segments: for each field, the bytes
of its posting lists (each term's extent in the postings file, or its inlined postings) and of
its entries in the terms table (key + term info, with the postings Whoosh inlines there); for
the fields a segment keeps in its side postings file (``.nsside``, newsearch.sidefile), that
file's arrays of the field (terms and postings together); the search tables' side files; the
rest (stored fields, columns, lengths) is what remains.

    python benchmarks/index_bytes.py INDEX_DIR [--json OUT.json]

Prints a Markdown table (MB and share of the index's bytes on disk).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.index import open_dir

from newsearch.sidecodec import side_of


def measure(path: Path) -> dict[str, Any]:
    ix = open_dir(str(path))
    per_field: dict[str, dict[str, int]] = {}
    with ix.reader() as r:
        leaves = r.leaf_readers() if hasattr(r, "leaf_readers") else [(r, 0)]
        for leaf, _ in leaves:
            table = leaf._terms._tindex
            fieldmap = leaf._terms._fieldmap
            names = {num: name for name, num in fieldmap.items()}
            for key, value in table.items():
                field = names.get(int.from_bytes(key[:2], "big"), "?")
                f = per_field.setdefault(field, {"terms": 0, "postings": 0, "term_count": 0})
                f["terms"] += len(key) + len(value) + 8  # + the table's length header
                f["term_count"] += 1
                t = W3TermInfo.from_bytes(value)
                if t._inlined is None and t._length is not None:
                    f["postings"] += int(t._length[0])  # Whoosh unpacks it as a 1-tuple
                else:  # inlined in the term info, counted with the terms table
                    f["inlined"] = f.get("inlined", 0) + 1
            side = side_of(leaf)
            for field, sf in (side.fields if side is not None else {}).items():
                f = per_field.setdefault(field, {"terms": 0, "postings": 0, "term_count": 0})
                arrays = (sf.blob, sf.kend, sf.pend, sf.docs, sf.weights, sf.freqs)
                f["side"] = f.get("side", 0) + sum(a.nbytes for a in arrays if a is not None)
                f["term_count"] += len(sf)
                f["side_postings"] = f.get("side_postings", 0) + len(sf.docs)
    side = sum(p.stat().st_size for p in path.glob("*.nstab"))
    total = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return {
        "index": str(path),
        "total_bytes": total,
        "side_files_bytes": side,
        "fields": per_field,
        "segments": len(leaves),
        "storage": isinstance(ix.storage, FileStorage),
    }


def table(res: dict[str, Any]) -> str:
    total = res["total_bytes"]
    rows = ["| part | MB | share |", "|---|--:|--:|"]
    for field, f in sorted(res["fields"].items(), key=lambda kv: -kv[1]["postings"]):
        if f.get("side"):
            n = f["term_count"]
            rows.append(
                f"| `{field}` terms + postings, side file ({n:,} terms, "
                f"{f['side_postings']:,} postings, {f['side'] / max(n, 1):.1f} B/term) | "
                f"{f['side'] / 1e6:.1f} | {f['side'] / total:.0%} |"
            )
            continue
        rows.append(
            f"| `{field}` postings ({f['term_count']:,} terms) | {f['postings'] / 1e6:.1f} | "
            f"{f['postings'] / total:.0%} |"
        )
    terms = sum(f["terms"] for f in res["fields"].values())
    rows.append(f"| terms tables (all fields) | {terms / 1e6:.1f} | {terms / total:.0%} |")
    side = res["side_files_bytes"]
    rows.append(f"| search tables (`.nstab`) | {side / 1e6:.1f} | {side / total:.0%} |")
    postings = sum(f["postings"] + f.get("side", 0) for f in res["fields"].values())
    rest = total - terms - side - postings
    rows.append(
        f"| the rest: stored fields, columns, lengths | {rest / 1e6:.1f} | {rest / total:.0%} |"
    )
    rows.append(f"| whole index on disk | {total / 1e6:.1f} | 100% |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    res = measure(args.index)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(table(res))
    print(f"segments: {res['segments']}", file=sys.stderr)
    return 0 if os.path.isdir(args.index) else 1


if __name__ == "__main__":
    raise SystemExit(main())
