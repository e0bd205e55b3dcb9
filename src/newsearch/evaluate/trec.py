"""TREC files (qrels, runs, queries) and JSON Lines corpora: the formats tasks are made of."""

from __future__ import annotations

import gzip
import io
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import ConfigError
from .engines import Doc

__all__ = [
    "Qrels",
    "Run",
    "open_text",
    "read_docs",
    "read_qrels",
    "read_queries",
    "read_run",
    "write_qrels",
    "write_run",
]

Qrels = dict[str, dict[str, int]]
Run = dict[str, list[tuple[str, float]]]


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    p = Path(path)
    if p.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(p), encoding="utf-8")
    return p.open(encoding="utf-8")


def read_qrels(path: str | os.PathLike[str]) -> Qrels:
    """TREC qrels (``qid iter docid grade``) -> ``{qid: {docid: grade}}``."""
    out: Qrels = defaultdict(dict)
    with open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise ConfigError(f"{path}:{lineno}: a qrels line has 4 columns: {line!r}")
            out[parts[0]][parts[2]] = int(parts[3])
    return dict(out)


def write_qrels(qrels: Mapping[str, Mapping[str, int]], path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for qid in sorted(qrels):
            for docid, grade in sorted(qrels[qid].items()):
                f.write(f"{qid} 0 {docid} {grade}\n")


def read_run(path: str | os.PathLike[str]) -> Run:
    """A TREC run (``qid Q0 docid rank score tag``) -> ``{qid: [(docid, score), ...]}`` in
    rank order."""
    rows: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    with open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise ConfigError(f"{path}:{lineno}: a run line has 6 columns: {line!r}")
            rows[parts[0]].append((int(parts[3]), parts[2], float(parts[4])))
    return {q: [(d, s) for _, d, s in sorted(r)] for q, r in rows.items()}


def write_run(
    run: Mapping[str, list[tuple[str, float]]], path: str | os.PathLike[str], tag: str
) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for qid in sorted(run):
            for rank, (docid, score) in enumerate(run[qid], 1):
                # Full precision: a refactor proves itself by byte-identical run files.
                f.write(f"{qid} Q0 {docid} {rank} {score!r} {tag}\n")


def read_queries(path: str | os.PathLike[str]) -> dict[str, str]:
    """Queries from TSV (``qid<TAB>text``) or JSON Lines (``id`` and ``query`` or ``text``)."""
    out: dict[str, str] = {}
    with open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                obj = orjson.loads(line)
                out[str(obj["id"])] = str(obj.get("query", obj.get("text", "")))
                continue
            qid, sep, text = line.rstrip("\n").partition("\t")
            if not sep:
                raise ConfigError(f"{path}:{lineno}: expected 'qid<TAB>query'")
            out[qid] = text
    return out


def read_docs(*paths: str | os.PathLike[str]) -> Iterator[Doc]:
    """Docs from JSON Lines files (``id``, ``title``, ``body``, optional ``published`` and
    ``source``)."""
    for path in paths:
        with open_text(path) as f:
            for line in f:
                if line.strip():
                    obj = orjson.loads(line)
                    yield _doc(obj)


def _doc(obj: Mapping[str, Any]) -> Doc:
    return Doc(
        id=str(obj["id"]),
        title=str(obj.get("title") or ""),
        body=str(obj.get("body") or ""),
        published=obj.get("published"),
        source=obj.get("source"),
    )
