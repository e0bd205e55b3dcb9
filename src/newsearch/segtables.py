"""Search tables stored with their segment, so that opening an index costs reading, not
computing.

Search derives a few tables from each segment's vocabulary (the name-variant groups and the
spelling table of :mod:`newsearch.variants`). Built on first use they cost seconds per process
at 71k articles, and every CLI call and web worker paid them. The index builds them when it
writes a segment (at each commit, for the segments that lack them, before the commit makes
them visible) and stores them in one side file per segment, ``<segment id>.nstab``: Whoosh's
own clean-up deletes that file with its segment (the name matches its segment file pattern),
and a crash before the commit leaves it behind only with its uncommitted segment, which the
next commit deletes the same way.

A stored table is read back as an object with the same attributes as the one built, backed by
sorted string arrays in the (memory-mapped) file: membership and lookups are binary searches,
so nothing is decoded until it is asked for. The file records each table's builder module and a
fingerprint of that module's source; a table whose builder changed since, a missing file or a
file of another format is simply not found, and search builds the table on first use as before
(old indexes keep working; their next commit or ``optimize`` stores the tables).

Only these kinds of attributes are stored: a set of strings, a dict from strings to integers,
and a dict from strings to sets or lists of strings. A table with any other attribute is not
stored.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import mmap
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

__all__ = [
    "EXTENSION",
    "StoredTable",
    "load_tables",
    "store_tables",
    "table_key",
]

#: The side file's extension (after the segment id, as Whoosh names its own files).
EXTENSION = ".nstab"
_MAGIC = b"NSTAB1\n"
_FORMAT = 1
_ALIGN = 8


def table_key(what: Any) -> str:
    """The name a table is stored under: its ``segment_table`` key as JSON."""
    return orjson.dumps(what).decode()


_fingerprints: dict[str, str | None] = {}


def fingerprint(module: str) -> str | None:
    """A hash of a builder module's source (``None`` when it has no readable source file: then
    nothing of it is stored or trusted)."""
    if module not in _fingerprints:
        path = getattr(sys.modules.get(module), "__file__", None)
        if path is None:  # not imported in this process: find its file without running it
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            path = spec.origin if spec is not None else None
        try:
            data = open(path, "rb").read() if path else None  # noqa: SIM115 - read at once
        except OSError:
            data = None
        _fingerprints[module] = hashlib.blake2b(data, digest_size=12).hexdigest() if data else None
    return _fingerprints[module]


# -- sorted string arrays ----------------------------------------------------------------------


#: Keys a stored table remembers finding (or not) before it starts over.
_FOUND_MAX = 50_000


class _Strings(Sequence[bytes]):
    """Sorted UTF-8 strings: one blob and the offsets of each string in it."""

    def __init__(self, blob: memoryview, offsets: memoryview) -> None:
        self.blob = blob
        self.off = offsets  # len + 1 entries
        # Keys found before: a binary search makes ~18 Python-level probes, and related news
        # looks up the same ~150 terms' counts again for every article it is asked about.
        self._found: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.off) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return bytes(self.blob[self.off[i] : self.off[i + 1]])

    def find(self, key: bytes) -> int:
        """The position of ``key``, or -1."""
        found = self._found.get(key)
        if found is None:
            i = bisect.bisect_left(self, key)
            found = i if i < len(self) and self[i] == key else -1
            if len(self._found) >= _FOUND_MAX:
                self._found.clear()
            self._found[key] = found
        return found

    def text(self, i: int) -> str:
        return bytes(self.blob[self.off[i] : self.off[i + 1]]).decode("utf-8")


def _pack_strings(words: Sequence[bytes]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    dtype = np.uint32 if offsets[-1] < 2**32 else np.int64
    return np.frombuffer(b"".join(words), dtype=np.uint8), offsets.astype(dtype)


class StoredSet:
    """A stored set of strings: ``in``, ``len`` and iteration, like the ``set`` it was."""

    def __init__(self, strings: _Strings) -> None:
        self._s = strings

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._s.find(word.encode("utf-8")) >= 0

    def __len__(self) -> int:
        return len(self._s)

    def __iter__(self) -> Iterator[str]:
        return (self._s.text(i) for i in range(len(self._s)))


class StoredMultimap(Mapping[str, Any]):
    """A stored ``dict`` from strings to sets (or lists, in their order) of strings; each
    lookup makes a new set or list."""

    def __init__(
        self,
        keys: _Strings,
        starts: memoryview,
        members: memoryview,
        values: _Strings,
        as_set: bool,
    ) -> None:
        self._keys = keys
        self._starts = starts
        self._members = members
        self._values = values
        self._make: Callable[[Iterator[str]], Any] = set if as_set else list

    def _at(self, i: int) -> Any:
        lo, hi = self._starts[i], self._starts[i + 1]
        text = self._values.text
        return self._make(text(self._members[j]) for j in range(lo, hi))

    def __getitem__(self, key: str) -> Any:
        i = self._keys.find(key.encode("utf-8")) if isinstance(key, str) else -1
        if i < 0:
            raise KeyError(key)
        return self._at(i)

    def get(self, key: str, default: Any = None) -> Any:
        i = self._keys.find(key.encode("utf-8")) if isinstance(key, str) else -1
        return default if i < 0 else self._at(i)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._keys.find(key.encode("utf-8")) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return (self._keys.text(i) for i in range(len(self._keys)))


class StoredCounts(Mapping[str, int]):
    """A stored ``dict`` from strings to integers."""

    def __init__(self, keys: _Strings, values: memoryview) -> None:
        self._keys = keys
        self._values = values

    def __getitem__(self, key: str) -> int:
        i = self._keys.find(key.encode("utf-8")) if isinstance(key, str) else -1
        if i < 0:
            raise KeyError(key)
        return int(self._values[i])

    def get(self, key: str, default: Any = None) -> Any:
        i = self._keys.find(key.encode("utf-8")) if isinstance(key, str) else -1
        return default if i < 0 else int(self._values[i])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._keys.find(key.encode("utf-8")) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return (self._keys.text(i) for i in range(len(self._keys)))


class StoredTable:
    """A table read back from a side file: the attributes of the object that was stored."""

    def __init__(self, attrs: Mapping[str, Any]) -> None:
        self.__dict__.update(attrs)


# -- writing -----------------------------------------------------------------------------------


def _encode_attr(value: Any) -> tuple[str, dict[str, npt.NDArray[Any]]] | None:
    """The arrays of one attribute, and its kind; ``None`` when it cannot be stored."""
    if isinstance(value, set | frozenset) and all(isinstance(w, str) for w in value):
        blob, off = _pack_strings(sorted(w.encode("utf-8") for w in value))
        return "set", {"blob": blob, "off": off}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return None
    kinds = {type(v) for v in value.values()}
    if kinds == {int}:
        keys = sorted(value)
        kblob, koff = _pack_strings([k.encode("utf-8") for k in keys])
        counts = np.fromiter((value[k] for k in keys), dtype=np.int64, count=len(keys))
        return "map-int", {"kblob": kblob, "koff": koff, "values": counts}
    if not kinds <= {set, list}:
        return None
    if len(kinds) > 1:
        return None
    as_set = kinds != {list}
    keys = sorted(value)  # code point order is UTF-8 byte order: the order lookups bisect
    pool = sorted({w for v in value.values() for w in v})
    if not all(isinstance(w, str) for w in pool):
        return None
    index = {w: i for i, w in enumerate(pool)}
    sizes = np.fromiter((len(value[k]) for k in keys), dtype=np.int64, count=len(keys))
    starts = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    members = np.fromiter(
        (index[w] for k in keys for w in value[k]), dtype=np.uint32, count=int(starts[-1])
    )
    if as_set:  # each group in pool order, so that the file does not depend on set order
        owner = np.repeat(np.arange(len(keys)), sizes)
        members = members[np.lexsort((members, owner))]
    kblob, koff = _pack_strings([k.encode("utf-8") for k in keys])
    vblob, voff = _pack_strings([w.encode("utf-8") for w in pool])
    return ("map-set" if as_set else "map-list"), {
        "kblob": kblob,
        "koff": koff,
        "starts": starts.astype(np.uint32 if len(members) < 2**32 else np.int64),
        "members": members,
        "vblob": vblob,
        "voff": voff,
    }


def _encode_table(obj: Any, pos: int, chunks: list[bytes]) -> tuple[dict[str, Any], int]:
    """Append the arrays of ``obj``'s attributes to ``chunks`` (from file offset ``pos``);
    returns their descriptions (empty when one cannot be stored) and the next offset."""
    attrs: dict[str, Any] = {}
    for name, value in vars(obj).items():
        enc = _encode_attr(value)
        if enc is None:
            return {}, pos
        kind, arrays = enc
        placed = {}
        for aname, arr in arrays.items():
            data = np.ascontiguousarray(arr).tobytes()
            placed[aname] = [pos, arr.dtype.str, len(arr)]
            pad = -len(data) % _ALIGN
            chunks.append(data + b"\0" * pad)
            pos += len(data) + pad
        attrs[name] = {"kind": kind, "arrays": placed}
    return attrs, pos


Tables = Mapping[Any, tuple[str, Any]] | Iterable[tuple[Any, tuple[str, Any]]]


def encode(tables: Tables) -> bytes:
    """The side file of ``tables`` (``what -> (builder module, built object)``, or such pairs:
    a generator that builds each table as it is asked for has one in memory at a time)."""
    header: dict[str, Any] = {"format": _FORMAT, "tables": {}}
    chunks: list[bytes] = []
    pos = 0
    for what, (module, obj) in tables.items() if isinstance(tables, Mapping) else tables:
        fp = fingerprint(module)
        if fp is None:
            continue
        attrs, pos = _encode_table(obj, pos, chunks)
        del obj  # encoded: let the table go before the next one is built
        if attrs:
            header["tables"][table_key(what)] = {
                "module": module,
                "fingerprint": fp,
                "attrs": attrs,
            }
    head = orjson.dumps(header)
    head += b" " * (-(len(_MAGIC) + 8 + len(head)) % _ALIGN)
    return _MAGIC + len(head).to_bytes(8, "little") + head + b"".join(chunks)


def side_file(segment_id: str) -> str:
    return segment_id + EXTENSION


def store_tables(storage: Any, segment_id: str, tables: Tables) -> None:
    """Write the side file of one segment in a Whoosh storage (atomically on disk: a reader
    never sees half a file)."""
    data = encode(tables)
    name = side_file(segment_id)
    tmp = name + ".tmp"
    f = storage.create_file(tmp)
    try:
        f.write(data)
    finally:
        f.close()
    storage.rename_file(tmp, name, safe=False)


# -- reading -----------------------------------------------------------------------------------


def _read(storage: Any, name: str) -> memoryview | None:
    folder = getattr(storage, "folder", None)
    try:
        if folder:
            with open(os.path.join(folder, name), "rb") as f:
                return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        if not storage.file_exists(name):
            return None
        f = storage.open_file(name)
        try:
            return memoryview(f.read())
        finally:
            f.close()
    except (OSError, ValueError):  # absent, or empty (mmap refuses an empty file)
        return None


def _decode_attr(buf: memoryview, base: int, spec: Mapping[str, Any]) -> Any:
    arrays = {
        n: buf[base + pos : base + pos + np.dtype(dt).itemsize * length].cast(np.dtype(dt).char)
        for n, (pos, dt, length) in spec["arrays"].items()
    }
    if spec["kind"] == "set":
        return StoredSet(_Strings(arrays["blob"], arrays["off"]))
    if spec["kind"] == "map-int":
        return StoredCounts(_Strings(arrays["kblob"], arrays["koff"]), arrays["values"])
    return StoredMultimap(
        _Strings(arrays["kblob"], arrays["koff"]),
        arrays["starts"],
        arrays["members"],
        _Strings(arrays["vblob"], arrays["voff"]),
        as_set=spec["kind"] == "map-set",
    )


def load_tables(storage: Any, segment_id: str) -> dict[str, StoredTable]:
    """The tables stored for one segment whose builders have not changed since, by
    :func:`table_key`; empty when there is no usable side file."""
    buf = _read(storage, side_file(segment_id))
    if buf is None or bytes(buf[: len(_MAGIC)]) != _MAGIC:
        return {}
    try:
        n = int.from_bytes(buf[len(_MAGIC) : len(_MAGIC) + 8], "little")
        base = len(_MAGIC) + 8 + n
        header = orjson.loads(bytes(buf[len(_MAGIC) + 8 : base]))
        if header.get("format") != _FORMAT:
            return {}
        out = {}
        for key, table in header["tables"].items():
            if fingerprint(table["module"]) != table["fingerprint"]:
                continue  # its builder changed: build it again on first use
            attrs = {name: _decode_attr(buf, base, spec) for name, spec in table["attrs"].items()}
            out[key] = StoredTable(attrs)
        return out
    except (ValueError, KeyError, TypeError):
        return {}
