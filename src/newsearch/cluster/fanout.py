"""Calling every shard and noticing those that fail: one :class:`FanOut` per request.

Each phase of a request calls the shards still answering (:meth:`FanOut.each`); a shard that
raises an error of its own (its process died, Ray lost it) or does not answer within the
timeout is marked failed for the rest of the request. ``allow_partial=False`` (the default)
turns the first failure into :class:`~newsearch.errors.ShardError`; with ``True`` the request
goes on with the other shards, and its result says how many answered
(:attr:`FanOut.shards`, as Elasticsearch's ``_shards``). A request error raised by a shard
(a :class:`~newsearch.errors.NewsearchError`: an unknown facet, an unknown article) is raised
as it is, as on one index.

Why calls are packed: Ray serializes each argument of each actor call on its own (a few tens
of microseconds apiece); a phase sends the same plan, request, options and statistics to
every shard, so they are pickled once into one ``bytes`` (:func:`pack`) and every shard
answers with one ``bytes`` (:meth:`Packed.call`). A whole phase is then one ``ray.get``;
the slower path that tells shards apart runs only when something failed.
"""

from __future__ import annotations

import contextlib
import pickle
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import NewsearchError, ShardError

__all__ = ["FanOut", "Packed", "pack"]


def pack(method: str, args: Sequence[Any], epoch: int = 0) -> bytes:
    """One actor call's method, arguments and snapshot epoch, pickled once for every shard."""
    return pickle.dumps((method, tuple(args), epoch), protocol=pickle.HIGHEST_PROTOCOL)


class Packed:
    """Mixed into a shard actor: :meth:`call` runs a packed call (see the module docstring)
    on the snapshot of the call's epoch (:meth:`use`)."""

    #: The methods a packed call may name.
    PACKED: frozenset[str] = frozenset()

    def use(self, epoch: int) -> None:
        """Serve the next call from the snapshot of ``epoch`` (see the shard's refresh)."""

    def call(self, blob: bytes) -> bytes:
        method, args, epoch = pickle.loads(blob)
        if method not in self.PACKED:
            raise ValueError(f"{method!r} is not a shard method")
        self.use(epoch)
        return pickle.dumps(getattr(self, method)(*args), protocol=pickle.HIGHEST_PROTOCOL)


class FanOut:
    """The shards of one request (``actors[i]``: shard ``i``'s actor for this request)."""

    def __init__(
        self, actors: Sequence[Any], timeout: float, allow_partial: bool, epoch: int = 0
    ) -> None:
        self.actors = list(actors)
        self.timeout = timeout
        self.allow_partial = allow_partial
        #: Every phase of the request reads the shards' snapshots of this epoch, so document
        #: numbers stay valid from one phase to the next across a refresh.
        self.epoch = epoch
        self.failed: dict[int, str] = {}

    @property
    def alive(self) -> list[int]:
        return [i for i in range(len(self.actors)) if i not in self.failed]

    @property
    def shards(self) -> dict[str, int]:
        n = len(self.actors)
        return {"total": n, "successful": n - len(self.failed), "failed": len(self.failed)}

    def each(self, method: str, *args: Any, shards: Sequence[int] | None = None) -> dict[int, Any]:
        """``method(*args)`` on each shard still answering (or on ``shards``); results by
        shard. The arguments are pickled once for all."""
        targets = self.alive if shards is None else shards
        blob = pack(method, args, self.epoch)
        return self._run({i: blob for i in targets})

    def calls(self, calls: Mapping[int, tuple[str, Sequence[Any]]]) -> dict[int, Any]:
        """Each shard's own call (``{shard: (method, args)}``), made at once; results by
        shard."""
        return self._run({i: pack(m, a, self.epoch) for i, (m, a) in calls.items()})

    def one(self, shard: int, method: str, *args: Any) -> Any:
        """``method(*args)`` on one shard; a failure raises :class:`ShardError` whatever
        ``allow_partial`` says (the request cannot do without that shard)."""
        got = self.each(method, *args, shards=[shard])
        if shard not in got:
            raise ShardError(self.failed[shard], self.shards, list(self.failed.values()))
        return got[shard]

    def _run(self, blobs: Mapping[int, bytes]) -> dict[int, Any]:
        import ray

        refs = {i: self.actors[i].call.remote(b) for i, b in blobs.items() if i not in self.failed}
        if not refs:
            return {}
        deadline = time.monotonic() + self.timeout
        try:  # every shard answered: the common case, one call into Ray
            got = ray.get(list(refs.values()), timeout=self.timeout)
            return {i: pickle.loads(b) for i, b in zip(refs, got, strict=True)}
        except (ray.exceptions.RayError, TimeoutError):
            pass  # which shard, and why: below
        left = max(0.0, deadline - time.monotonic())
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=left)
        done = set(ready)
        out: dict[int, Any] = {}
        for i, ref in refs.items():
            if ref not in done:
                with contextlib.suppress(Exception):  # best effort: it counts as failed anyway
                    ray.cancel(ref)
                self.fail(i, f"shard {i} did not answer within {self.timeout} s")
                continue
            try:
                out[i] = pickle.loads(ray.get(ref))
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, NewsearchError):
                    raise cause from None
                self.fail(i, f"shard {i} failed: {cause or e}")
            except ray.exceptions.RayError as e:
                self.fail(i, f"shard {i} failed: {type(e).__name__}: {e}".splitlines()[0])
        return out

    def fail(self, shard: int, reason: str) -> None:
        self.failed[shard] = reason
        if not self.allow_partial:
            raise ShardError(
                f"{reason} (pass allow_partial=True for the other shards' results)",
                self.shards,
                list(self.failed.values()),
            )
