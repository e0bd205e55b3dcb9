"""Calling every shard and noticing those that fail: one :class:`FanOut` per request.

Each phase of a request calls the shards still answering (:meth:`FanOut.each`); a shard that
raises an error of its own (its process died, Ray lost it) or does not answer within the
timeout is marked failed for the rest of the request. ``allow_partial=False`` (the default)
turns the first failure into :class:`~newsearch.errors.ShardError`; with ``True`` the request
goes on with the other shards, and its result says how many answered
(:attr:`FanOut.shards`, as Elasticsearch's ``_shards``). A request error raised by a shard
(a :class:`~newsearch.errors.NewsearchError`: an unknown facet, an unknown article) is raised
as it is, as on one index.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import NewsearchError, ShardError

__all__ = ["FanOut"]


class FanOut:
    """The shards of one request (``actors[i]``: shard ``i``'s actor for this request)."""

    def __init__(self, actors: Sequence[Any], timeout: float, allow_partial: bool) -> None:
        self.actors = list(actors)
        self.timeout = timeout
        self.allow_partial = allow_partial
        self.failed: dict[int, str] = {}

    @property
    def alive(self) -> list[int]:
        return [i for i in range(len(self.actors)) if i not in self.failed]

    @property
    def shards(self) -> dict[str, int]:
        n = len(self.actors)
        return {"total": n, "successful": n - len(self.failed), "failed": len(self.failed)}

    def each(
        self, call: Callable[[Any], Any], shards: Sequence[int] | None = None
    ) -> dict[int, Any]:
        """``call(actor)`` (returning an object ref) on each shard still answering (or on
        ``shards``), and their results by shard."""
        targets = self.alive if shards is None else shards
        return self.calls({i: call for i in targets})

    def calls(self, calls: Mapping[int, Callable[[Any], Any]]) -> dict[int, Any]:
        """Each shard's own call (``{shard: call}``), made at once; results by shard."""
        import ray

        refs = {i: c(self.actors[i]) for i, c in calls.items() if i not in self.failed}
        if not refs:
            return {}
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=self.timeout)
        done = set(ready)
        out: dict[int, Any] = {}
        for i, ref in refs.items():
            if ref not in done:
                with contextlib.suppress(Exception):  # best effort: it counts as failed anyway
                    ray.cancel(ref)
                self.fail(i, f"shard {i} did not answer within {self.timeout} s")
                continue
            try:
                out[i] = ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, NewsearchError):
                    raise cause from None
                self.fail(i, f"shard {i} failed: {cause or e}")
            except ray.exceptions.RayError as e:
                self.fail(i, f"shard {i} failed: {type(e).__name__}: {e}".splitlines()[0])
        return out

    def one(self, shard: int, call: Callable[[Any], Any]) -> Any:
        """``call`` on one shard; a failure raises :class:`ShardError` whatever
        ``allow_partial`` says (the request cannot do without that shard)."""
        got = self.each(call, [shard])
        if shard not in got:
            raise ShardError(self.failed[shard], self.shards, list(self.failed.values()))
        return got[shard]

    def fail(self, shard: int, reason: str) -> None:
        self.failed[shard] = reason
        if not self.allow_partial:
            raise ShardError(
                f"{reason} (pass allow_partial=True for the other shards' results)",
                self.shards,
                list(self.failed.values()),
            )
