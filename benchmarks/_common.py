"""What every benchmark records about its run: machine, git state, package versions.

Imported by the scripts in this folder (run as ``python benchmarks/NAME.py``, so this folder is
on ``sys.path``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PACKAGES = ("newsearch", "whoosh-reloaded", "pyarabic", "snowballstemmer", "PyStemmer", "orjson")


def run_cmd(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "cpu_model": cpu,
        "nproc": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
    }


def git_info() -> dict[str, Any]:
    """Commit, dirtiness and a hash of each source file (to detect edits during a run)."""
    status = run_cmd("git", "status", "--porcelain").splitlines()
    src = sorted(Path("src/newsearch").glob("*.py"))
    return {
        "commit": run_cmd("git", "rev-parse", "HEAD"),
        "dirty": bool(status),
        "status": status,
        "src_sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in src},
    }


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out = {}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
