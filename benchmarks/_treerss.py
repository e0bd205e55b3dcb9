"""Peak memory of a whole process tree, sampled from ``/proc`` (Linux).

An ingest's default writer forks worker processes, so the memory an ingest takes is that of
its whole tree: ``ru_maxrss`` only gives the largest single process (``RUSAGE_CHILDREN`` is the
largest child, not their sum). :class:`TreeSampler` sums, every ``interval`` seconds, the RSS of
a process and all its descendants, and keeps the largest sum (and, optionally, the sum of PSS:
pages shared between a parent and its forked workers counted once, split between them).
A forked worker's RSS includes every page it still shares with its parent, so the RSS sum
counts those pages once per process: it is the stricter figure, and the one reported.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["TreeSampler", "tree_pids", "tree_rss_kib"]

_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            out += [int(c) for c in text.split()]
    except OSError:
        pass
    return out


def tree_pids(root: int) -> list[int]:
    """``root`` and every descendant still alive."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += _children(pid)
    return pids


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree_rss_kib(root: int) -> tuple[int, int]:
    """(sum of RSS in KiB, number of processes) of ``root``'s tree, now."""
    pids = tree_pids(root)
    return sum(_rss_kib(p) for p in pids), len(pids)


class TreeSampler(threading.Thread):
    """Samples the tree of ``root`` (default: this process) until :meth:`stop`. ``phase``
    may be set from outside; the peak of each phase is kept too."""

    def __init__(self, root: int | None = None, interval: float = 0.1, pss: bool = False):
        super().__init__(daemon=True, name="tree-rss-sampler")
        self.root = root if root is not None else os.getpid()
        self.interval = interval
        self.pss = pss
        self.phase = "start"
        self.peak_kib = 0
        self.peak_pss_kib = 0
        self.peak_single_kib = 0
        self.peak_procs = 0
        self.peak_phase = ""
        self.peak_detail: list[int] = []  # each process's RSS (KiB) at the peak, root first
        self.by_phase: dict[str, int] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        pids = tree_pids(self.root)
        rss = [_rss_kib(p) for p in pids]
        total = sum(rss)
        self.samples += 1
        if total > self.peak_kib:
            self.peak_kib, self.peak_phase, self.peak_detail = total, self.phase, rss
        self.peak_single_kib = max(self.peak_single_kib, max(rss, default=0))
        self.peak_procs = max(self.peak_procs, len(pids))
        self.by_phase[self.phase] = max(self.by_phase.get(self.phase, 0), total)
        if self.pss:
            self.peak_pss_kib = max(self.peak_pss_kib, sum(_pss_kib(p) for p in pids))

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            time.sleep(self.interval)

    def stop(self) -> dict[str, Any]:
        self._stop_event.set()
        self.join()
        return self.result()

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "peak_tree_rss_mb": self.peak_kib / 1024,
            "peak_single_rss_mb": self.peak_single_kib / 1024,
            "peak_processes": self.peak_procs,
            "peak_phase": self.peak_phase,
            "peak_detail_mb": [round(k / 1024, 1) for k in self.peak_detail],
            "by_phase_mb": {k: round(v / 1024, 1) for k, v in self.by_phase.items()},
            "samples": self.samples,
        }
        if self.pss:
            out["peak_tree_pss_mb"] = self.peak_pss_kib / 1024
        return out
