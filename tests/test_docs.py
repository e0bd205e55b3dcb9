"""The README's and the documentation's Python examples run, and print what they say they
print; the documentation site builds with no warnings.

Examples in ``docs/*.md`` that open ``news-index`` run in a temporary directory holding an index
of that name built from the bundled sample (what ``newsearch demo --index news-index`` makes). A
block whose first line is ``# not run: REASON`` (one that serves until stopped) is compiled
here, not run, and listed in ``NOT_RUN`` so that none slips in unnoticed.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsearch.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```python\n(.*?)```", re.S)
BLOCKS = FENCE.findall((ROOT / "README.md").read_text("utf-8"))
DOC_BLOCKS = [
    (f"{path.name}:{i}", code)
    for path in sorted((ROOT / "docs").glob("*.md"))
    for i, code in enumerate(FENCE.findall(path.read_text("utf-8")))
]
COMMANDS = list(
    next(a for a in build_parser()._actions if a.dest == "command").choices  # type: ignore[arg-type]
)
#: Blocks that are compiled but not run, and why (must match the block's first line).
NOT_RUN = {
    "web.md:0": "serves until stopped",
    "scale-out.md:0": "starts Ray (tests/test_cluster.py runs the same calls)",
}


def _run_block(code: str, where: str) -> None:
    lines = code.rstrip("\n").split("\n")
    expected: list[str] = []
    while lines and lines[-1].startswith("# "):  # trailing comment lines = the printed output
        expected.insert(0, lines.pop()[2:])
    out = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(lines), where, "exec"), namespace)
    if expected:
        assert out.getvalue().rstrip("\n").split("\n") == expected
    # Inline "# 'value'" comments after a call state its value (a repr: quoted, a number...).
    for line in lines:
        m = re.match(r"^(\w[^#=]*\))\s+# (['\"\d\[({-].*|True|False|None)$", line)
        if m:
            assert repr(eval(m.group(1), namespace)) == m.group(2).strip()


def test_readme_has_examples() -> None:
    assert BLOCKS and len(DOC_BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the README's examples need no file of the repository
    _run_block(code, "README.md")


@pytest.mark.parametrize("code", [c for _, c in DOC_BLOCKS], ids=[n for n, _ in DOC_BLOCKS])
def test_docs_block(
    code: str,
    request: pytest.FixtureRequest,
    fixture_index_dir: Path,
    tmp_path: Path,
) -> None:
    name = request.node.callspec.id
    first = code.split("\n", 1)[0]
    if first.startswith("# not run:"):
        assert NOT_RUN.get(name, "?") in first, f"{name} is not run: list it in NOT_RUN"
        compile(code, name, "exec")
        return
    assert name not in NOT_RUN, f"{name} runs now: remove it from NOT_RUN"
    shutil.copytree(fixture_index_dir, tmp_path / "news-index")
    # In a process of its own, as a reader would run it: threads a block starts (the web
    # app's refresher) end with it, and nothing of one block leaks into the next.
    driver = "\n".join(
        ["import contextlib, io, re, sys", inspect.getsource(_run_block),
         "_run_block(open(sys.argv[1], encoding='utf-8').read(), sys.argv[2])"]
    )  # fmt: skip
    (tmp_path / "block.py").write_text(code, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-c", driver, "block.py", name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr


def test_docs_site_builds_without_warnings(tmp_path: Path) -> None:
    """``make docs``: mkdocs build --strict (API reference from the docstrings, CLI reference
    from the parser); a warning fails it."""
    pytest.importorskip("mkdocs", reason="needs the [docs] extra (make test installs it)")
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # the theme's banner about its future
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert not re.search(r"^WARNING\b", p.stderr, re.M), p.stderr
    for page in ("index.html", "getting-started/index.html", "reference/api/index.html",
                 "reference/cli/index.html", "search/index.html"):  # fmt: skip
        assert (tmp_path / page).exists(), page
    api = (tmp_path / "reference/api/index.html").read_text("utf-8")
    assert "NewsIndex" in api and "SearchRequest" in api and "sample_path" in api
    cli = (tmp_path / "reference/cli/index.html").read_text("utf-8")
    assert "--limit" in cli and cli.count("examples:") >= len(COMMANDS)
    for command in COMMANDS:
        assert f"newsearch {command}</h2>" in cli or f"newsearch {command}<a" in cli, command
    assert time.perf_counter() - t0 < 120
