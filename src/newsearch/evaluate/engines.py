"""Search engines the benchmark runner can drive: newsearch itself and its peers.

An engine indexes a corpus once (:meth:`Engine.build`) and answers a batch of queries
(:meth:`Engine.search_all`), timing each query itself so that peers running in another
process (Lucene, in Java) report the same thing as in-process ones: the time from query text
to ranked ids, without process start-up or result transfer.

Engines are registered by name (:mod:`newsearch.evaluate.registry`) so a TOML setup names one
in a line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Doc", "Engine", "EngineUnavailable", "SearchOutput", "timed_loop"]


@dataclass(frozen=True, slots=True)
class Doc:
    """One document of a benchmark corpus (what every engine indexes)."""

    id: str
    title: str
    body: str
    published: str | None = None
    source: str | None = None


@dataclass(slots=True)
class SearchOutput:
    """Ranked ids per query and the seconds each query took, measured by the engine; for
    related news, ``also`` lists per query the copies of the query's article that the engine
    shows apart ("also published by"), and ``grouped`` the copies listed under each hit."""

    run: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    also: dict[str, list[str]] = field(default_factory=dict)
    #: per query, each shown hit's own "also published by" copies (hit id -> copy ids)
    grouped: dict[str, dict[str, list[str]]] = field(default_factory=dict)


class EngineUnavailable(Exception):
    """Raised by an engine factory or :meth:`Engine.build` when the engine cannot run here
    (a missing optional package, no Java); the runner skips that setup with the message."""


class Engine(Protocol):
    """What the runner needs from an engine.

    The factory registered for an engine takes its *index* parameters (those that change the
    index, such as the analyzer); :meth:`search_all` takes the *search* parameters (scorer,
    k1, field weights). Setups that differ only in search parameters share one build.
    An engine may also define ``open(workdir)`` to reuse a build from an earlier run,
    ``FIELD_SPECIFIC = True`` when it indexes only the searched fields (one text per doc), and
    ``related_all(queries, k, params)`` (query id -> article id) for related-news tasks.
    """

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str]) -> float:
        """Index ``docs`` under ``workdir``; return the build time in seconds."""
        ...

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        """Top ``k`` ``(doc id, score)`` per query, searching only ``fields`` (names among
        ``"title"`` and ``"body"``), with the search parameters ``params``."""
        ...


def timed_loop(
    queries: Mapping[str, str], search: Callable[[str], list[tuple[str, float]]]
) -> SearchOutput:
    """Run ``search`` over ``queries`` one at a time, timing each with ``perf_counter``."""
    out = SearchOutput()
    clock = time.perf_counter
    for qid, text in queries.items():
        t0 = clock()
        hits = search(text)
        out.seconds[qid] = clock() - t0
        out.run[qid] = hits
    return out
