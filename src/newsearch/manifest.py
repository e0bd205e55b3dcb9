"""What an index is: its manifest (how it was built, checked on every open) and its summary.

``manifest.json`` records the library, schema and analysis versions and the analyzers an index
was built with; :func:`check_manifest` refuses an index this library would search with
different analysis, saying how to rebuild it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from . import __version__
from .analysis import ANALYSIS_VERSION, AnalyzerSpec, build_analyzer
from .article import MAX_FIELD_CHARS
from .duplicates import params as duplicate_params
from .errors import ConfigError, IndexMismatchError
from .schema import READABLE_SCHEMAS, SCHEMA_VERSION

__all__ = [
    "FORMAT",
    "MANIFEST",
    "IndexInfo",
    "check_manifest",
    "index_info",
    "make_manifest",
    "rebuild_hint",
    "write_json_atomic",
]

MANIFEST = "manifest.json"
FORMAT = "newsearch-index"


@dataclass(frozen=True)
class IndexInfo:
    """What ``newsearch info`` prints."""

    path: str | None
    documents: int
    sources: dict[str, int]
    categories: dict[str, int]
    first_published: datetime | None
    last_published: datetime | None
    analyzer: dict[str, Any]
    cleaner: str
    size_bytes: int
    segments: int
    manifest: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("first_published", "last_published"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def make_manifest(
    analyzer: AnalyzerSpec, exact: AnalyzerSpec, cleaner: str, exact_fields: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "exact_fields": list(exact_fields),
        "format": FORMAT,
        "library_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "analysis_version": ANALYSIS_VERSION,
        "analyzer": analyzer.to_dict(),
        "exact_analyzer": exact.to_dict(),
        "cleaner": cleaner,
        "max_field_chars": MAX_FIELD_CHARS,
        "duplicates": duplicate_params(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    os.replace(tmp, path)


def rebuild_hint(path: Path) -> str:
    return (
        f"rebuild it from its source files: `newsearch index {path} FILE... --overwrite` "
        f"(or NewsIndex.create({str(path)!r}, overwrite=True).ingest(files))"
    )


def check_manifest(m: Any, path: Path) -> None:
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise IndexMismatchError(f"{path} is not a newsearch index manifest; {rebuild_hint(path)}")
    theirs = (m.get("schema_version"), m.get("analysis_version"))
    ours = (SCHEMA_VERSION, ANALYSIS_VERSION)
    if theirs[0] not in READABLE_SCHEMAS or theirs[1] != ours[1]:
        raise IndexMismatchError(
            f"the index at {path} was built by newsearch {m.get('library_version')} "
            f"(schema {theirs[0]}, analysis {theirs[1]}); this is newsearch {__version__} "
            f"(schema {ours[0]}, analysis {ours[1]}), which would search it with different "
            f"analysis; {rebuild_hint(path)}"
        )
    for key in ("analyzer", "exact_analyzer"):
        try:
            build_analyzer(AnalyzerSpec.from_dict(m[key]))
        except (KeyError, ConfigError) as e:
            raise IndexMismatchError(
                f"the index at {path} names analyzer {m.get(key)!r}, which this library cannot "
                f"build ({e}); {rebuild_hint(path)}"
            ) from None


def index_info(r: Any, manifest: dict[str, Any], path: Path | None) -> IndexInfo:
    """Document count, sources, categories, date span, analysis and size on disk of the
    index ``r`` (a Whoosh reader) reads."""
    first = last = None
    if r.doc_count():
        first, last = _date_span(r)
    return IndexInfo(
        path=str(path) if path else None,
        documents=int(r.doc_count()),
        sources=_term_counts(r, "source"),
        categories=_term_counts(r, "category"),
        first_published=first,
        last_published=last,
        analyzer=manifest["analyzer"],
        cleaner=manifest.get("cleaner", "none"),
        size_bytes=sum(f.stat().st_size for f in path.iterdir()) if path else 0,
        segments=len(r.leaf_readers()) if hasattr(r, "leaf_readers") else 1,
        manifest=manifest,
    )


def _date_span(r: Any) -> tuple[datetime | None, datetime | None]:
    """The first and last ``published`` date of the live documents. The column is read raw
    (Whoosh's ticks grow with time) and only the ends are converted: an article without a date
    holds a default that is no date (converting it raised ``OverflowError``)."""
    from whoosh.util.times import long_to_datetime

    ticks: set[int] = set()
    leaves = r.leaf_readers() if hasattr(r, "leaf_readers") else [(r, 0)]
    for leaf, _ in leaves:  # per segment: a MultiReader's column skips a segment without one
        if leaf.has_column("published"):
            col = leaf.column_reader("published", translate=False)
            ticks.update(
                v for n, v in enumerate(col) if isinstance(v, int) and not leaf.is_deleted(n)
            )
    ordered = sorted(ticks)

    def date(tick: int) -> datetime | None:
        try:
            d = long_to_datetime(tick)
        except (OverflowError, ValueError):
            return None
        return d.replace(tzinfo=UTC) if d.year > 1 else None

    ends = [
        next((d for d in map(date, seq) if d is not None), None) for seq in (ordered, ordered[::-1])
    ]
    return ends[0], ends[1]


def _term_counts(reader: Any, fieldname: str) -> dict[str, int]:
    from whoosh.reading import TermNotFound

    out = {}
    try:
        terms = list(reader.lexicon(fieldname))
    except (TermNotFound, KeyError):
        return {}
    for t in terms:
        text = t.decode("utf-8") if isinstance(t, bytes) else t
        n = sum(1 for _ in reader.postings(fieldname, text).all_ids())
        if n:
            out[text] = n
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))
