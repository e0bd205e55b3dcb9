"""What every benchmark run records about itself: machine, git state, package versions."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "git_info", "machine", "package_versions"]

PACKAGES = (
    "newsearch",
    "whoosh-reloaded",
    "pyarabic",
    "snowballstemmer",
    "PyStemmer",
    "orjson",
    "ir-measures",
    "scipy",
    "bm25s",
    "tantivy",
)


def run_cmd(*cmd: str, cwd: str | os.PathLike[str] | None = None) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=cwd)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


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


def source_hashes() -> dict[str, str]:
    """A short hash of each module of the installed newsearch package (detects edits)."""
    root = Path(__file__).resolve().parent.parent
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(root.rglob("*.py"))
    }


def git_info() -> dict[str, Any]:
    """Commit and dirtiness of the checkout the package runs from, and source hashes."""
    root = Path(__file__).resolve().parent.parent
    status = run_cmd("git", "status", "--porcelain", cwd=root).splitlines()
    return {
        "commit": run_cmd("git", "rev-parse", "HEAD", cwd=root),
        "dirty": bool(status),
        "status": status,
        "src_sha256": source_hashes(),
    }


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out = {}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
