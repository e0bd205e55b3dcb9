"""Shared test helpers: the bundled data directory, a TSV reader, and row parametrization.

Every fixture file lives under ``tests/data`` so the suite runs without ``/work/shared``.

Test modules cannot ``import conftest`` (pytest runs with ``--import-mode=importlib``), so
row-wise parametrization is offered through a marker instead::

    @pytest.mark.tsv("anchors/lucene_arabic_vectors.tsv", where=lambda r: r[0] == "X")
    def test_something(row): ...

runs ``test_something`` once per matching data row, with an id naming the line and the row.
``xfail={first_column_value: reason}`` marks single rows as strict expected failures.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


def read_tsv(path: Path | str) -> list[list[str]]:
    """Rows of a tab-separated file (header row skipped); every row must have the header's
    number of columns, so a damaged data file fails loudly instead of being half-read."""
    path = Path(path)
    if not path.is_absolute():
        path = DATA / path
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [row for row in reader if row]
    for n, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}:{n}: {len(row)} columns, header has {len(header)}")
    return rows


def _row_id(line: int, row: list[str]) -> str:
    text = " | ".join(row[:3])
    return f"L{line}: {text[:70]}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "tsv(path, where=None, xfail=None): parametrize the `row` argument over the rows "
        "of tests/data/<path> (optionally only rows where where(row) is true)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("tsv")
    if marker is None:
        return
    (path,) = marker.args
    where: Callable[[list[str]], bool] | None = marker.kwargs.get("where")
    xfail: dict[str, str] = marker.kwargs.get("xfail") or {}
    params = []
    seen_xfail = set()
    for line, row in enumerate(read_tsv(path), start=2):
        if where is not None and not where(row):
            continue
        marks: Any = ()
        if row[0] in xfail:
            seen_xfail.add(row[0])
            marks = pytest.mark.xfail(strict=True, reason=xfail[row[0]])
        params.append(pytest.param(row, id=_row_id(line, row), marks=marks))
    if not params:
        raise ValueError(f"{metafunc.function.__name__}: no row of {path} matches")
    if set(xfail) - seen_xfail:
        raise ValueError(f"xfail rows not in {path}: {sorted(set(xfail) - seen_xfail)}")
    metafunc.parametrize("row", params)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def tsv() -> Callable[[Path | str], list[list[str]]]:
    """The TSV reader, for tests that look at a whole file (e.g. coverage of its rows)."""
    return read_tsv


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid`` (Linux ``/proc``)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


@pytest.fixture(scope="session")
def children() -> Callable[[int], set[int]]:
    """``children(pid)``: the live child processes of ``pid`` (ingest workers)."""
    return _children


@pytest.fixture(scope="session")
def seed_article() -> str:
    return (DATA / "seed" / "scraped_article_ar.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ant_articles() -> list[dict[str, Any]]:
    path = DATA / "ant" / "fixture_articles.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def fixture_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index directory of the 268 fixture articles, built once per session: tests that
    write copy it first."""
    from newsearch.index import NewsIndex

    path = tmp_path_factory.mktemp("fixture-index") / "ix"
    fixture = DATA / "ant" / "fixture_articles.jsonl"
    NewsIndex.create(path).ingest(fixture, progress=False, workers=1)
    return path
