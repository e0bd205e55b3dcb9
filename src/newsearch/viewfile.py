"""A read-only file over memory, copying only what is read.

``io.BytesIO`` copies a memoryview it is given whole; :class:`ViewFile` reads slices of it, so
a file over a memory-mapped index segment costs nothing until it is read
(:mod:`newsearch.backend` gives Whoosh's segment files one).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ViewFile"]


class ViewFile:
    """A read-only binary file over a memoryview (``read``, ``seek``, ``tell``, ``readline``,
    ``peek``, ``readinto``, as ``BytesIO``) that copies only what is read."""

    __slots__ = ("_buf", "_end", "_pos")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._end = len(buf)
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        pos = self._pos
        end = self._end if n is None or n < 0 else min(pos + n, self._end)
        if end <= pos:
            return b""
        self._pos = end
        return bytes(self._buf[pos:end])

    def peek(self, n: int = 1) -> bytes:
        """What follows, without moving: lets pickle prefetch instead of reading byte by byte.
        At most 4 KB (pickle asks for 128 KB, and Whoosh's pickles are small headers, often
        near the end of a segment's map: the rest would be pages read for nothing)."""
        return bytes(self._buf[self._pos : min(self._pos + min(max(n, 1), 4096), self._end)])

    def readinto(self, out: Any) -> int:
        data = self.read(len(out))
        out[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        stop = self._end if limit is None or limit < 0 else min(self._pos + limit, self._end)
        pos = self._pos
        while pos < stop:
            chunk = bytes(self._buf[pos : min(pos + 256, stop)])
            nl = chunk.find(b"\n")
            if nl >= 0:
                return self.read(pos + nl + 1 - self._pos)
            pos += len(chunk)
        return self.read(stop - self._pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, self._end)[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass
