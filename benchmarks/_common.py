"""What every benchmark records about its run: machine, git state, package versions.

Imported by the scripts in this folder (run as ``python benchmarks/NAME.py``, so this folder is
on ``sys.path``); the functions live in :mod:`newsearch.evaluate.provenance`.
"""

from __future__ import annotations

from newsearch.evaluate.provenance import git_info, machine, package_versions, run_cmd

__all__ = ["git_info", "machine", "package_versions", "run_cmd"]
