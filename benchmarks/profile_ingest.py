"""Where a single-process ingest spends its time: cProfile shares of the main parts.

python benchmarks/profile_ingest.py [FILE]   # default: examples/ant_sample.jsonl.gz
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile

from newsearch.index import NewsIndex

PARTS = [
    ("Whoosh posting writer at flush (add_postings)", "codec/base.py:add_postings"),
    ("Whoosh per-field indexing (word_values, incl. analyzer)", "formats.py:word_values"),
    ("our fused analyzer", "analysis.py:_fused"),
    ("pickling stored fields", "_pickle.dumps"),
    ("zlib (inside the posting writer)", "zlib.compress"),
    ("reading + validating articles", "ingest.py:parse_record"),
    ("content hashes", "schema.py:content_hash"),
]


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else "examples/ant_sample.jsonl.gz"
    with tempfile.TemporaryDirectory() as tmp:
        ix = NewsIndex.create(f"{tmp}/ix")
        profiler = cProfile.Profile()
        profiler.enable()
        ix.ingest(source, workers=1, progress=False)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = stats.stats  # type: ignore[attr-defined]
    for label, key in PARTS:
        seconds = sum(v[3] for k, v in entries.items() if key in f"{k[0]}:{k[2]}")
        print(f"{label:58s} {seconds:7.2f} s {100 * seconds / total:5.1f} %")
    print(f"{'total (under the profiler)':58s} {total:7.2f} s")


if __name__ == "__main__":
    main()
