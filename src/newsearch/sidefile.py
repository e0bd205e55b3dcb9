"""The side file: a few fields' terms and postings in one compact file per segment.

Whoosh gives every term a whole entry of its terms table (the key, a 25-byte term info, the
inlined postings pickled, two hash slots): about 100 bytes for a word pair or an LSH band key
that one or two articles have, and such terms are most of a news index's terms. The fields
named by the codec (:data:`newsearch.schema.SIDE_FIELDS`, :mod:`newsearch.sidecodec`) are
written instead to ``<segment id>.nsside``, a file of sorted arrays:

- a header: magic, the JSON header's length (8 bytes, little-endian), the JSON header (each
  field's term and posting counts, value kind and where each of its arrays is);
- per field: the terms' UTF-8 bytes in one blob and the offset where each term ends (terms
  all of one width in lowercase hex, the band keys, are stored as their bytes instead, half
  the size, and need no offsets), where each term's postings end, then every posting's
  document number (``uint32``), weight (``uint8`` or ``uint16`` when every weight of the field
  is a whole number that fits, else ``float32``) and, only when some weight differs from its
  frequency, the frequencies; for a positional field (:class:`~newsearch.positions.
  PackedPositions`), every posting's positions one after the other (``uint16``, or ``uint32``
  when a position does not fit) and where each term's positions end (a posting's count of
  positions is its frequency);
- each array starts on an 8-byte boundary and is read as a numpy view of the file (memory
  mapped, or a slice of the segment's compound file): a lookup is a binary search on the
  sorted terms, and nothing is decoded until it is asked for.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import re
import struct
import tempfile
from array import array
from collections.abc import ItemsView, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "EXTENSION",
    "SideCounts",
    "SideField",
    "SideFileWriter",
    "SidePostings",
    "iter_side_postings",
    "open_side",
]

#: The side file's extension (after the segment id, as Whoosh names its own files, so that
#: its compound file takes it in and its clean-up deletes it).
EXTENSION = ".nsside"
_MAGIC = b"NSSIDE1\n"
#: Format 2 adds positional fields; a format 1 file (an index of schema 3) reads as before.
_FORMAT = 2
_READS = (1, 2)
_ALIGN = 8
#: Items buffered per array before they are spilled to the writer's temporary file.
_SPILL = 1 << 16
#: Bytes of a spill file read back at a time.
_CHUNK = 1 << 20
_HEX = re.compile(rb"[0-9a-f]+")
#: Bytes a spill file keeps in memory before it goes to disk.
_SPOOL = 8 << 20
_UINT = struct.Struct(">I")  # Whoosh's Frequency format: a posting's value is its frequency


# -- writing -----------------------------------------------------------------------------------


class _Spill:
    """One growing array of the side file, buffered and spilled to a temporary file, so a
    segment of millions of terms holds a few buffers in memory, not its postings."""

    def __init__(self, typecode: str) -> None:
        self.typecode = typecode
        self.buf = array(typecode)
        self.file: Any = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115
        self.count = 0  # items written so far (spilled or buffered)

    def extend(self, values: Any) -> None:
        if isinstance(values, np.ndarray):
            self.buf.frombytes(values.astype(self.typecode, copy=False).tobytes())
        elif isinstance(values, bytes):
            self.buf.frombytes(values)
        else:
            self.buf.extend(values)
        self.count += len(values)
        if len(self.buf) >= _SPILL:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.file.write(self.buf.tobytes())
            del self.buf[:]

    def read(self, start: int, stop: int) -> Iterator[npt.NDArray[Any]]:
        """Items ``start:stop`` in chunks (after :meth:`flush`)."""
        size = self.buf.itemsize
        dtype = np.dtype(self.typecode)
        step = _CHUNK // size
        for lo in range(start, stop, step):
            n = min(step, stop - lo)
            self.file.seek(lo * size)
            yield np.frombuffer(self.file.read(n * size), dtype=dtype, count=n)

    def close(self) -> None:
        self.file.close()


class _FieldStats:
    def __init__(self, name: str, values: str) -> None:
        self.name = name
        # "empty" (Existence), "uint" (Frequency: pack_uint(freq)) or "positions"
        # (PackedPositions: the positions as uint32)
        self.values = values
        self.starts: dict[str, int] = {}
        self.terms = 0
        self.postings = 0
        self.max_weight = 0.0
        self.whole = True  # every weight a whole number >= 0
        self.freq_is_weight = True
        self.width: int | None = None  # every term's length, while they are all alike
        self.hex = True  # every term lowercase hex digits
        self.positions = 0
        self.max_pos = 0


class SideFileWriter:
    """Collects the side fields' postings in the order Whoosh feeds them (field, then term,
    then document), a slice of terms at a time (:meth:`add_terms`), and writes the side
    file."""

    def __init__(self) -> None:
        self.kblob = _Spill("B")
        self.kend = _Spill("Q")  # each term's end in the field's blob
        self.pend = _Spill("Q")  # each term's end in the field's postings
        self.docs = _Spill("I")
        self.weights = _Spill("f")
        self.freqs = _Spill("I")
        self.pos = _Spill("I")
        self.qend = _Spill("Q")  # each term's end in the field's positions
        self.spills = {
            "kblob": self.kblob,
            "kend": self.kend,
            "pend": self.pend,
            "docs": self.docs,
            "weights": self.weights,
            "freqs": self.freqs,
            "pos": self.pos,
            "qend": self.qend,
        }
        self.fields: list[_FieldStats] = []
        self.field: _FieldStats | None = None
        self._kbytes = 0

    def start_field(self, name: str, format_: Any) -> None:
        kind = _KINDS.get(type(format_).__name__)
        if kind is None:
            raise ValueError(
                f"side field {name!r}: format {type(format_).__name__} is not supported"
            )
        self.field = _FieldStats(name, kind)
        self.field.starts = {k: s.count for k, s in self.spills.items()}
        self._kbytes = 0

    def add_terms(self, terms: list[bytes], postings: list[list[Any]]) -> None:
        """The next terms of the field, in order, each with its postings as one flat list
        ``[doc, weight, value, doc, ...]`` (documents ascending; ``value``: Whoosh's encoded
        value), the arrays built a slice at a time."""
        f = self.field
        assert f is not None
        if not terms:
            return
        flat = list(itertools.chain.from_iterable(postings))
        docs, weights, values = flat[0::3], flat[1::3], flat[2::3]
        packed = b"".join(values) if f.values != "empty" else b""
        pos = None
        if f.values == "positions":
            pos = np.frombuffer(packed, dtype="<u4")
            lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
            freqs = (lens // 4).astype(np.uint32)
        elif f.values == "uint" and len(packed) == _UINT.size * len(docs):
            freqs = np.frombuffer(packed, dtype=">u4").astype(np.uint32)
        elif f.values == "uint":
            freqs = np.array([_UINT.unpack(v)[0] for v in values], dtype=np.uint32)
        else:
            freqs = np.ones(len(docs), dtype=np.uint32)
        counts = np.fromiter(map(len, postings), dtype=np.int64, count=len(postings)) // 3
        self.add_arrays(terms, counts, docs, weights, freqs, pos)

    def add_arrays(
        self, terms: list[bytes], counts: Any, docs: Any, weights: Any, freqs: Any, pos: Any
    ) -> None:
        """The next ``terms`` of the field, in order, with ``counts[i]`` postings each: every
        posting's document, weight and frequency, and for a positional field every posting's
        positions one after the other (``pos``; as many as its frequency)."""
        f = self.field
        assert f is not None
        widths = set(map(len, terms))
        if f.width is None and len(widths) == 1:
            f.width = widths.pop()
        elif f.width is None or widths != {f.width}:
            f.width = -1
        blob = b"".join(terms)
        if f.hex and (0 in widths or _HEX.fullmatch(blob) is None):
            f.hex = False
        self.kblob.extend(blob)
        self.kend.extend([self._kbytes + n for n in itertools.accumulate(map(len, terms))])
        self._kbytes += len(blob)
        self.docs.extend(docs)
        self.weights.extend(weights)
        self.freqs.extend(freqs)
        ends = np.cumsum(counts, dtype=np.int64)
        if f.values == "positions":
            assert pos is not None
            self.pos.extend(pos)
            if len(pos):
                f.max_pos = max(f.max_pos, int(pos.max()))
            qends = np.cumsum(freqs, dtype=np.int64)
            self.qend.extend(f.positions + qends[ends - 1])
            f.positions += len(pos)
        w = np.asarray(weights, dtype=np.float64)
        f.max_weight = max(f.max_weight, float(w.max()))
        if f.whole and not ((w >= 0).all() and (w == np.floor(w)).all()):
            f.whole = False
        if f.freq_is_weight and not np.array_equal(freqs, w):
            f.freq_is_weight = False
        self.pend.extend(f.postings + ends)
        f.postings += len(docs)
        f.terms += len(terms)

    def finish_field(self) -> None:
        if self.field is not None:
            self.fields.append(self.field)
        self.field = None

    def write(self, out: Any) -> None:
        """The side file, to the open Whoosh file ``out``."""
        for s in self.spills.values():
            s.flush()
        # (format 1 without positional fields: what a schema-3 index's older readers read)
        positional = any(f.values == "positions" for f in self.fields)
        header: dict[str, Any] = {"format": _FORMAT if positional else 1, "fields": {}}
        plan: list[tuple[_Spill, int, int, str, bool]] = []
        pos = 0

        def place(spill: _Spill, start: int, stop: int, dtype: str, unhex: bool = False) -> Any:
            nonlocal pos
            plan.append((spill, start, stop, dtype, unhex))
            n = (stop - start) // 2 if unhex else stop - start
            where = [pos, np.dtype(dtype).str, n]
            pos += -(-(n * np.dtype(dtype).itemsize) // _ALIGN) * _ALIGN
            return where

        for f in self.fields:
            st = f.starts
            kstop = st["kend"] + f.terms
            blob_len = self._last(self.kend, st["kend"], kstop)
            pstop = st["docs"] + f.postings
            wdtype = "<f4"
            if f.whole and f.max_weight < 256:
                wdtype = "u1"
            elif f.whole and f.max_weight < 65536:
                wdtype = "<u2"
            width = f.width or 0
            # Terms all of one width in hex (the band keys): their bytes, half the size, and
            # no offsets (hex digits sort as their bytes do). Chunks of the blob are read
            # whole terms at a time when the width divides the chunk size.
            packed = f.hex and width > 0 and width % 2 == 0 and _CHUNK % width == 0
            kblob = place(self.kblob, st["kblob"], st["kblob"] + blob_len, "u1", packed)
            keys = {"kind": "hex", "width": width // 2} if packed else {"kind": "var"}
            arrays = {"kblob": kblob}
            if not packed:
                arrays["kend"] = place(self.kend, st["kend"], kstop, _index_dtype(blob_len))
            arrays |= {
                "pend": place(self.pend, st["pend"], st["pend"] + f.terms, _index_dtype(pstop)),
                "docs": place(self.docs, st["docs"], pstop, "<u4"),
                "weights": place(self.weights, st["weights"], st["weights"] + f.postings, wdtype),
            }
            if not f.freq_is_weight:
                arrays["freqs"] = place(self.freqs, st["freqs"], st["freqs"] + f.postings, "<u4")
            if f.values == "positions":
                pdtype = "<u2" if f.max_pos < 65536 else "<u4"
                arrays["pos"] = place(self.pos, st["pos"], st["pos"] + f.positions, pdtype)
                arrays["qend"] = place(
                    self.qend, st["qend"], st["qend"] + f.terms, _index_dtype(f.positions)
                )
            header["fields"][f.name] = {
                "keys": keys,
                "terms": f.terms,
                "postings": f.postings,
                "values": f.values,
                "arrays": arrays,
            }
        head = json.dumps(header).encode()
        head += b" " * (-(len(_MAGIC) + 8 + len(head)) % _ALIGN)
        out.write(_MAGIC + len(head).to_bytes(8, "little") + head)
        for spill, start, stop, dtype, unhex in plan:
            written = 0
            for chunk in spill.read(start, stop):
                if unhex:
                    data = bytes.fromhex(chunk.tobytes().decode("ascii"))
                else:
                    data = chunk.astype(dtype, copy=False).tobytes()
                out.write(data)
                written += len(data)
            out.write(b"\0" * (-written % _ALIGN))

    @staticmethod
    def _last(spill: _Spill, start: int, stop: int) -> int:
        if stop <= start:
            return 0
        *_, chunk = spill.read(stop - 1, stop)
        return int(chunk[-1])

    def close(self) -> None:
        for s in self.spills.values():
            s.close()


#: The side file's value kind of each Whoosh format it takes.
_KINDS = {"Existence": "empty", "Frequency": "uint", "PackedPositions": "positions"}


def _index_dtype(largest: int) -> str:
    return "<u4" if largest < 2**32 else "<u8"


#: Terms :meth:`SideField.texts` cuts at a time.
_TEXTS_AT_ONCE = 4096


class SideField:
    """One field of a side file: sorted terms and their postings, as numpy views."""

    def __init__(self, name: str, buf: memoryview, base: int, spec: Mapping[str, Any]) -> None:
        self.name = name
        self.values = spec["values"]
        arrays = {
            k: np.frombuffer(buf, dtype=np.dtype(dt), count=n, offset=base + pos)
            for k, (pos, dt, n) in spec["arrays"].items()
        }
        self.blob: npt.NDArray[np.uint8] = arrays["kblob"]
        self._raw = buf[base + spec["arrays"]["kblob"][0] :]
        keys = spec.get("keys", {"kind": "var"})
        self._width = int(keys["width"]) if keys["kind"] == "hex" else 0
        self._count = int(spec["terms"])
        self.kend: npt.NDArray[Any] | None = arrays.get("kend")  # None: hex terms, one width
        self.pend: npt.NDArray[Any] = arrays["pend"]
        self.docs: npt.NDArray[np.uint32] = arrays["docs"]
        self.weights: npt.NDArray[Any] = arrays["weights"]
        self.freqs: npt.NDArray[Any] | None = arrays.get("freqs")
        self.pos: npt.NDArray[Any] | None = arrays.get("pos")  # positional fields only
        self.qend: npt.NDArray[Any] | None = arrays.get("qend")

    def __len__(self) -> int:
        return self._count

    def term(self, i: int) -> bytes:
        if self.kend is None:
            w = self._width
            return bytes(self._raw[i * w : (i + 1) * w]).hex().encode()
        lo = int(self.kend[i - 1]) if i else 0
        return bytes(self._raw[lo : int(self.kend[i])])

    def terms(self, a: int, b: int) -> list[bytes]:
        """Terms ``a`` to ``b - 1``, cut from one copy of their bytes (a merge reads every
        term of every segment, twice: :meth:`term` apiece was 6 million calls at 30k)."""
        if a >= b:
            return []
        if self.kend is None:
            w = self._width
            raw = bytes(self._raw[a * w : b * w])
            return [raw[i : i + w].hex().encode() for i in range(0, len(raw), w)]
        lo = int(self.kend[a - 1]) if a else 0
        ends = self.kend[a:b].tolist()
        raw = bytes(self._raw[lo : ends[-1]])
        out = []
        prev = 0
        for end in ends:
            out.append(raw[prev : end - lo])
            prev = end - lo
        return out

    def find(self, key: bytes) -> int:
        """The position of term ``key``, or -1 (a binary search)."""
        lo, hi = 0, self._count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.term(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < self._count and self.term(lo) == key else -1

    def bisect(self, key: bytes) -> int:
        """The position of the first term >= ``key``."""
        lo, hi = 0, self._count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.term(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def span(self, i: int) -> tuple[int, int]:
        """Term ``i``'s postings: ``docs[a:b]``, ``weights[a:b]``."""
        return (int(self.pend[i - 1]) if i else 0), int(self.pend[i])

    def postings(self, i: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        a, b = self.span(i)
        return self.docs[a:b].astype(np.int64), self.weights[a:b].astype(np.float32)

    def lookup(self, token: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """(document numbers, weights) of ``token``, empty when absent."""
        i = self.find(token.encode("utf-8"))
        if i < 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.postings(i)

    def df(self, token: str) -> int:
        i = self.find(token.encode("utf-8"))
        return 0 if i < 0 else self.doc_frequency(i)

    def doc_frequency(self, i: int) -> int:
        a, b = self.span(i)
        return b - a

    def frequencies(self, a: int, b: int) -> npt.NDArray[Any]:
        return self.weights[a:b] if self.freqs is None else self.freqs[a:b]

    def value_bytes(self, i: int) -> list[bytes]:
        """Whoosh's encoded values of term ``i``'s postings (its Frequency format: the
        frequency as a big-endian ``uint32``; Existence: nothing; PackedPositions: the
        positions as little-endian ``uint32``)."""
        a, b = self.span(i)
        if self.values == "empty":
            return [b""] * (b - a)
        if self.values == "positions":
            return _split(self.positions(i), self.frequencies(a, b))
        return [_UINT.pack(int(f)) for f in self.frequencies(a, b)]

    def positions(self, i: int, j: int | None = None) -> npt.NDArray[Any]:
        """Every position of the postings of term ``i`` (terms ``i:j`` when given), posting
        after posting (a positional field)."""
        assert self.pos is not None and self.qend is not None
        j = i + 1 if j is None else j
        lo = int(self.qend[i - 1]) if i else 0
        return self.pos[lo : int(self.qend[j - 1])]

    def texts(self, start: int = 0) -> Iterator[bytes]:
        for a in range(start, len(self), _TEXTS_AT_ONCE):
            yield from self.terms(a, min(len(self), a + _TEXTS_AT_ONCE))

    def counts(self) -> SideCounts:
        return SideCounts(self)


def _split(positions: npt.NDArray[Any], counts: npt.NDArray[Any]) -> list[bytes]:
    """``positions`` cut into postings of ``counts`` positions, each packed as
    :func:`newsearch.positions.pack` packs it."""
    data = positions.astype("<u4").tobytes()
    ends = (4 * np.cumsum(counts, dtype=np.int64)).tolist()
    return [data[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True)]


class SideCounts(Mapping[str, int]):
    """A side field's ``term -> document frequency``, looked up in the file."""

    def __init__(self, field: SideField) -> None:
        self._f = field

    def __getitem__(self, key: str) -> int:
        i = self._f.find(key.encode("utf-8")) if isinstance(key, str) else -1
        if i < 0:
            raise KeyError(key)
        return self._f.doc_frequency(i)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._f.find(key.encode("utf-8")) >= 0

    def __len__(self) -> int:
        return len(self._f)

    def __iter__(self) -> Iterator[str]:
        return (t.decode("utf-8", "replace") for t in self._f.texts())

    def items(self) -> ItemsView[str, int]:
        return _SideItems(self)


class _SideItems(ItemsView[str, int]):
    """A side field's (term, document frequency) pairs, read straight through in order (the
    default view would binary-search the file for each term: ``dict(counts.items())``)."""

    _mapping: SideCounts

    def __iter__(self) -> Iterator[tuple[str, int]]:
        f = self._mapping._f
        dfs = np.diff(f.pend.astype(np.int64), prepend=0).tolist()
        return zip(self._mapping, dfs, strict=True)


class SidePostings:
    """The side file of one segment (empty when there is none)."""

    def __init__(self, fields: Mapping[str, SideField]) -> None:
        self.fields = dict(fields)

    def __contains__(self, field: object) -> bool:
        return field in self.fields

    def get(self, field: str) -> SideField | None:
        return self.fields.get(field)

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        """Every (field, term) >= (``fieldname``, ``prefix``), in order."""
        for name in sorted(self.fields):
            if name < fieldname:
                continue
            f = self.fields[name]
            start = f.bisect(prefix) if name == fieldname else 0
            for text in f.texts(start):
                yield name, text


def _map(storage: Any, name: str) -> memoryview | None:
    folder = getattr(storage, "folder", None)
    try:
        if folder and os.path.exists(os.path.join(folder, name)):
            with open(os.path.join(folder, name), "rb") as f:
                return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        if not storage.file_exists(name):
            return None
        f = storage.open_file(name)
        try:
            # A compound segment's file is a view of its map: kept as it is, not copied.
            view = getattr(f, "_buf", None)
            return view if isinstance(view, memoryview) else memoryview(f.read())
        finally:
            f.close()
    except (OSError, ValueError):
        return None


def open_side(storage: Any, segment_id: str) -> SidePostings:
    """The side file of segment ``segment_id``; an empty one when it has none."""
    buf = _map(storage, segment_id + EXTENSION)
    if buf is None or bytes(buf[: len(_MAGIC)]) != _MAGIC:
        return SidePostings({})
    n = int.from_bytes(buf[len(_MAGIC) : len(_MAGIC) + 8], "little")
    base = len(_MAGIC) + 8 + n
    header = json.loads(bytes(buf[len(_MAGIC) + 8 : base]))
    if header.get("format") not in _READS:
        raise ValueError(f"{segment_id}{EXTENSION}: side file format {header.get('format')}")
    return SidePostings(
        {name: SideField(name, buf, base, spec) for name, spec in header["fields"].items()}
    )


def iter_side_postings(
    side: SidePostings, docmap: Mapping[int, int] | None, base: int, *, local: bool = False
) -> Iterator[tuple[str, bytes, int, float, bytes]]:
    """A segment's side postings as a merge streams them: ``(field, term, document, weight,
    value)``, sorted, the postings of deleted documents (absent from ``docmap``) left out.
    Documents are numbered by ``docmap`` or shifted by ``base``, or, with ``local``, keep the
    segment's numbers (for a caller that renumbers them)."""
    for name in sorted(side.fields):
        f = side.fields[name]
        a = 0
        for i, b in enumerate(f.pend.tolist()):
            text = f.term(i)
            rows = zip(f.docs[a:b].tolist(), f.weights[a:b].tolist(), f.value_bytes(i), strict=True)
            for d, w, v in rows:
                if docmap is not None and d not in docmap:
                    continue
                if local:
                    yield name, text, d, float(w), v
                else:
                    yield name, text, (base + d if docmap is None else docmap[d]), float(w), v
            a = b
