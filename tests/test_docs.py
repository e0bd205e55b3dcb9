"""The README's Python examples run, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)


def test_readme_has_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    lines = code.rstrip("\n").split("\n")
    expected: list[str] = []
    while lines and lines[-1].startswith("# "):  # trailing comment lines = the printed output
        expected.insert(0, lines.pop()[2:])
    out = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(lines), "README.md", "exec"), namespace)
    if expected:
        assert out.getvalue().rstrip("\n").split("\n") == expected
    # Inline "# 'value'" comments after an expression state its value.
    for line in lines:
        m = re.match(r"^(\w[^#=]*\))\s+# (.+)$", line)
        if m:
            assert repr(eval(m.group(1), namespace)) == m.group(2).strip()
