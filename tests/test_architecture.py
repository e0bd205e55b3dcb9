"""The layout holds: modules stay small, and imports go down the layers, never in a cycle.

Layers (docs/architecture.md), lowest first; a module may import its own layer and those
below, never one above:

    normalize → stemmers → analysis → article/schema → backend → index
      → request/plan/score/collect/present → search/related → cli/web/evaluate

Every import counts, at module level or inside a function (an import on first use is still a
dependency); only ``if TYPE_CHECKING:`` imports, which never run, are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "newsearch"
MAX_LINES = 600

LAYERS: dict[str, int] = {
    "errors": 0,
    "extras": 0,
    "sample": 0,
    "_lexicon": 0,
    "normalize": 0,
    "stemmers": 1,
    "analysis": 2,
    "filters": 2,
    "article": 3,
    "cleaning": 3,
    "ingest": 3,
    "duplicates": 3,
    "schema": 3,
    "positions": 3,
    "cache": 4,
    "backend": 4,
    "advanced_stats": 4,
    "mpwriter": 4,
    "segwriter": 4,
    "postpool": 4,
    "manifest": 4,
    "merging": 4,
    "segtables": 4,
    "sidefile": 4,
    "sidecodec": 4,
    "sidemerge": 4,
    "viewfile": 4,
    "arrays": 4,
    "index": 5,
    "search_tables": 5,
    "query": 6,
    "request": 6,
    "stats": 6,
    "plan": 6,
    "scoring": 6,
    "variants": 6,
    "collect": 6,
    "highlight": 6,
    "results": 6,
    "present": 6,
    "copies": 6,
    "snapshot": 6,
    "search": 7,
    "related": 7,
    "cli": 8,
    "cli_options": 8,
    "cli_parser": 8,
    "completion": 8,
    "terminal": 8,
    "__main__": 8,
    "web": 8,
    "evaluate": 8,
    "translit": 0,
    "loanwords": 0,
    "words": 6,
    "expand": 6,
    "feedback": 6,
    "cluster": 8,
}

#: Upward imports that are the point of their module, each made on use: ``NewsIndex.searcher()``
#: returns a Searcher (the index is below the query side, yet is where users start).
#: The index stores search's per-segment tables with each segment it writes: it runs the
#: builders that :mod:`newsearch.variants` declares (``segment_tables``), at commit.
ALLOWED_UPWARD = {("index", "search"), ("search_tables", "variants")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out[".".join(parts)] = path
    return out


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for n in ast.walk(inner):
                    if hasattr(n, "lineno"):
                        lines.add(n.lineno)
    return lines


def _imports(module: str, path: Path) -> set[str]:
    """The newsearch modules ``module`` imports (resolved to their own names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    known = set(_modules())
    out = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                prefix = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.startswith("newsearch"):
                prefix = node.module.removeprefix("newsearch").lstrip(".")
            else:
                continue
            for alias in node.names:
                full = f"{prefix}.{alias.name}" if prefix else alias.name
                names.append(full if full in known else prefix)
        elif isinstance(node, ast.Import):
            names = [
                a.name.removeprefix("newsearch").lstrip(".")
                for a in node.names
                if a.name.startswith("newsearch.")
            ]
        out.update(n for n in names if n and n in known and n != module)
    return out


def test_every_module_has_a_layer() -> None:
    missing = {m for m in _modules() if m and m.split(".")[0] not in LAYERS}
    assert not missing, (
        f"give these modules a layer (and a place in docs/architecture.md): {missing}"
    )


def test_no_module_over_600_lines() -> None:
    big = {
        m: n
        for m, p in _modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, f"split these modules (one job each): {big}"


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for module, path in _modules().items():
        if not module:
            continue  # the package's lazy re-exports
        for dep in _imports(module, path):
            up = _layer(dep) > _layer(module)
            if up and (module.split(".")[0], dep.split(".")[0]) not in ALLOWED_UPWARD:
                wrong.append(f"{module} (layer {_layer(module)}) imports {dep} ({_layer(dep)})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = {m: _imports(m, p) for m, p in _modules().items() if m}
    for a, b in ALLOWED_UPWARD:  # each made on use, to hand out an object of the layer above
        graph[a].discard(b)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_graph_sees_function_level_imports() -> None:
    """The checker itself: a lazy import inside a method is found, TYPE_CHECKING ones not."""
    deps = _imports("index", SRC / "index.py")
    assert "search" in deps  # `from .search import Searcher` inside NewsIndex.searcher()
    assert "request" not in deps  # only under TYPE_CHECKING there
    assert {"backend", "collect", "plan", "present", "snapshot"} <= _imports(
        "search", SRC / "search.py"
    )


def test_only_the_backend_reads_whoosh_internals() -> None:
    """Private Whoosh attributes (``._something`` of a Whoosh object) are read in backend.py."""
    private = (
        "_perdoc", "_terms", "_tindex", "_read_ids", "_next_block", "_cached_reader", "_dbfile",
    )  # fmt: skip
    pattern = re.compile(r"(?<!self)\.(" + "|".join(private) + r")\b")
    offenders = [
        m for m, p in _modules().items() if m != "backend" and pattern.search(p.read_text("utf-8"))
    ]
    assert not offenders
