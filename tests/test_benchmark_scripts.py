"""The benchmark scripts still fit the library: every name they take from a ``newsearch``
module exists there, and each script answers ``--help``. (They are not type-checked with
the library; a function moved between modules once broke ``duplicates_eval.py`` unnoticed.)"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def _uses(tree: ast.AST) -> list[tuple[str, str, int]]:
    """(module, name, line) for ``from newsearch.x import name`` and for ``alias.name`` where
    ``alias`` is a ``newsearch`` module imported under that name (anywhere in the file)."""
    aliases: dict[str, str] = {}
    out: list[tuple[str, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newsearch"):
            for a in node.names:
                module = f"{node.module}.{a.name}"
                try:
                    importlib.import_module(module)
                    aliases[a.asname or a.name] = module  # a submodule
                except ImportError:
                    out.append((node.module or "", a.name, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("newsearch"):
                    aliases[a.asname or a.name] = a.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            out.append((aliases[node.value.id], node.attr, node.lineno))
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_names_taken_from_newsearch_exist(script: Path) -> None:
    missing = []
    for module, name, line in _uses(ast.parse(script.read_text(encoding="utf-8"))):
        mod = importlib.import_module(module)
        if not hasattr(mod, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{script.name}:{line}: {module}.{name}")
    assert missing == []


def test_the_check_sees_a_moved_function(tmp_path: Path) -> None:
    tree = ast.parse(
        "from newsearch import duplicates as dup\nfrom newsearch.copies import nothing_here\n"
        "def f():\n    return dup._candidate_pairs, dup.signature_of\n"
    )
    uses = _uses(tree)
    assert ("newsearch.duplicates", "_candidate_pairs", 4) in uses
    assert ("newsearch.copies", "nothing_here", 2) in uses
    assert not hasattr(importlib.import_module("newsearch.duplicates"), "_candidate_pairs")


@pytest.mark.parametrize(
    "script", [p for p in SCRIPTS if p.name != "profile_ingest.py"], ids=lambda p: p.name
)
def test_each_script_answers_help(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120,
        cwd=BENCH.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()
