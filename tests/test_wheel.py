"""The wheel works on its own: built from this source, installed into a fresh virtual
environment outside the repository (its dependencies from the package index), then used in an
empty directory the way the README tells a new user: ``newsearch --version``, ``newsearch
demo``, and the README's Python examples that need no extra (the one that needs ``[bench]``
must stop at once with the install hint); then, with ``[web]`` installed, the web example.

About 45 s, most of it ``pip install`` (pip's cache makes later runs faster). Skipped, saying
why, only when no wheel can be built or installed because the package index is out of reach.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import newsearch

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
OFFLINE = re.compile(
    r"Could not find a version|No matching distribution|Connection|Temporary failure|"
    r"Network is unreachable|Name or service not known|ProxyError|timed out",
    re.I,
)

RUN_BLOCKS = textwrap.dedent(
    """
    import contextlib, io, json, sys

    failures = 0
    for i, code in enumerate(json.load(open(sys.argv[1], encoding="utf-8"))):
        lines = code.rstrip("\\n").split("\\n")
        expected = []
        while lines and lines[-1].startswith("# "):
            expected.insert(0, lines.pop()[2:])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile("\\n".join(lines), f"README block {i}", "exec"), {})
        got = out.getvalue().rstrip("\\n").split("\\n")
        if expected and got != expected:
            print(f"block {i}: printed {got!r}, README says {expected!r}")
            failures += 1
    print("blocks run:", i + 1)
    sys.exit(failures)
    """
)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 180) -> str:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        output = p.stdout + p.stderr
        if OFFLINE.search(output) and "pip" in " ".join(cmd):
            pytest.skip(f"cannot build or install the wheel, the package index is unreachable: "
                        f"{output.strip().splitlines()[-1]}")  # fmt: skip
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{output}")
    return p.stdout


def test_wheel_installs_and_runs_in_an_empty_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    # Build from a copy of the sources, so the build leaves nothing in the working tree.
    src = tmp_path / "src-copy"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", str(src), "--no-deps", "-q", "-w", str(dist)], tmp_path, env)
    (wheel,) = dist.glob("newsearch-*.whl")
    assert wheel.name.startswith(f"newsearch-{newsearch.__version__}-py3-none-any")
    names = zipfile.ZipFile(wheel).namelist()
    info = f"newsearch-{newsearch.__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    assert "newsearch/data/ant_sample.jsonl.gz" in names
    assert "newsearch/data/ATTRIBUTION.md" in names and "newsearch/py.typed" in names
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Requires-Dist: pyarabic" not in metadata.split("Provides-Extra")[0]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env, timeout=300)

    empty = tmp_path / "empty"
    empty.mkdir()
    newsearch_cmd = str(bin_dir / "newsearch")
    out = _run([newsearch_cmd, "--version"], empty, env)
    assert out.strip() == f"newsearch {newsearch.__version__}"
    out = _run([newsearch_cmd, "demo"], empty, env)
    assert "Indexed 268 articles from the bundled sample" in out
    assert "## كوريا الشمالية  (41 matching articles" in out and "<mark>" not in out

    core = [b for b in BLOCKS if "newsearch.web" not in b and "newsearch.evaluate" not in b]
    bench = [b for b in BLOCKS if "newsearch.evaluate" in b]
    assert len(core) >= 4 and len(bench) == 1
    (tmp_path / "blocks.json").write_text(json.dumps(core), encoding="utf-8")
    (tmp_path / "run_blocks.py").write_text(RUN_BLOCKS, encoding="utf-8")
    out = _run([str(python), str(tmp_path / "run_blocks.py"), str(tmp_path / "blocks.json")],
               empty, env)  # fmt: skip
    assert f"blocks run: {len(core)}" in out
    # Without [bench] the Experiment example stops before any work, with the install command.
    probe = tmp_path / "bench_block.py"
    probe.write_text(bench[0], encoding="utf-8")
    p = subprocess.run([str(python), str(probe)], cwd=empty, env=env, capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert p.returncode == 1 and "MissingExtraError" in p.stderr, p.stderr
    assert "pip install 'newsearch[bench]'" in p.stderr
    # With [web] (which brings httpx2 for FastAPI's TestClient) the web example runs too.
    _run([str(python), "-m", "pip", "install", "-q", f"{wheel}[web]"], tmp_path, env, timeout=300)
    web = [b for b in BLOCKS if "newsearch.web" in b]
    assert len(web) == 1
    (tmp_path / "blocks.json").write_text(json.dumps(web), encoding="utf-8")
    out = _run([str(python), str(tmp_path / "run_blocks.py"), str(tmp_path / "blocks.json")],
               empty, env)  # fmt: skip
    assert "blocks run: 1" in out
    assert list(empty.iterdir()) == []
