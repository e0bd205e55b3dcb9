"""Reading articles from JSON Lines (plain, gzip, standard input or any iterable), the report
of what an ingest did, and the progress bars that show it doing it.

Every non-blank line is one record. A record that cannot become an :class:`Article` is a
:class:`Rejection` with its file, line number and reason; the other records go on. The report
always satisfies ``read == added + updated + unchanged + rejected``.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from .article import MAX_FIELD_CHARS, Article
from .errors import ArticleError

__all__ = [
    "IngestProgress",
    "IngestReport",
    "Record",
    "Rejection",
    "check_files",
    "parse_record",
    "read_records",
    "truncation_note",
]

Source = str | os.PathLike[str] | Mapping[str, Any] | Article | bytes


@dataclass(frozen=True, slots=True)
class Rejection:
    """One record that was not indexed, and why."""

    file: str
    line: int
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.reason}" + (f" (id {self.id!r})" if self.id else "")


@dataclass(frozen=True, slots=True)
class Record:
    """One input record before validation: where it came from and its raw value."""

    file: str
    line: int
    value: bytes | Mapping[str, Any] | Article | _Unreadable


@dataclass
class IngestReport:
    """What an ingest did. ``read == added + updated + unchanged + rejected`` always holds."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    #: Records indexed with a field cut to the length cap: (file, line, id, field names).
    truncated: list[Rejection] = field(default_factory=list)
    commits: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def check(self) -> None:
        total = self.added + self.updated + self.unchanged + self.rejected
        assert self.read == total, f"report out of balance: read {self.read} != {total}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"read {self.read}: added {self.added}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
            f" ({self.commits} commit{'s' if self.commits != 1 else ''}, {self.seconds:.1f} s)"
        )


class IngestProgress:
    """What an ingest is doing, on standard error (when ``enabled``; ``None``: when it is a
    terminal): one bar counts the records read, the other the articles indexed, with the
    writer's phase (``batch 2: indexing``, ``batch 2: committing``, ``merging segments``),
    so the long commits show as such instead of a bar that stopped. Disabled, every method
    does nothing."""

    def __init__(self, enabled: bool | None) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._read: Any = None
        self._indexed: Any = None
        if enabled:
            from tqdm import tqdm

            common: dict[str, Any] = {"file": sys.stderr, "mininterval": 0.5, "dynamic_ncols": True}
            self._read = tqdm(desc="read", unit=" records", position=0, **common)
            self._indexed = tqdm(desc="indexed", unit=" articles", position=1, **common)

    def record_read(self) -> None:
        if self._read is not None:
            self._read.update()

    def set_indexed(self, n: int) -> None:
        if self._indexed is not None and n > self._indexed.n:
            self._indexed.update(n - self._indexed.n)

    def phase(self, text: str) -> None:
        if self._indexed is not None:
            self._indexed.set_postfix_str(text)  # redrawn at once, whatever mininterval says

    def close(self) -> None:
        for b in (self._read, self._indexed):
            if b is not None:
                b.close()


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _lines(name: str, stream: IO[bytes]) -> Iterator[Record]:
    for lineno, raw in enumerate(stream, 1):
        if raw.strip():
            yield Record(name, lineno, raw)


def check_files(sources: Source | Iterable[Source]) -> None:
    """Fail, before anything is read or indexed, if a path among ``sources`` is not a readable
    file: ``FileNotFoundError``, ``IsADirectoryError`` or ``PermissionError`` naming it.
    ``"-"``, objects and lines pass; so does a generator of sources, which checking would
    consume."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) else sources
    if not isinstance(items, (list, tuple)):
        return
    for src in items:
        if not isinstance(src, (str, os.PathLike)) or src == "-":
            continue
        path = Path(src)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
        if not path.is_file():
            raise IsADirectoryError(f"not a file: {path}")
        try:
            with path.open("rb"):
                pass
        except OSError as e:
            raise type(e)(f"cannot read {path}: {e.strerror or e}") from None


def read_records(sources: Source | Iterable[Source]) -> Iterator[Record]:
    """Records from paths (``.jsonl``, ``.jsonl.gz``; ``"-"`` is standard input), or from an
    iterable of dicts, :class:`Article` objects or JSON lines (bytes/str)."""
    if isinstance(sources, (str, os.PathLike, Mapping, Article, bytes)):
        sources = [sources]
    n_obj = 0
    for src in sources:
        if isinstance(src, (Mapping, Article)):
            n_obj += 1
            yield Record("<objects>", n_obj, src)
        elif isinstance(src, bytes):
            n_obj += 1
            yield Record("<lines>", n_obj, src)
        elif src == "-":
            stdin = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode())
            yield from _lines("<stdin>", stdin)
        elif isinstance(src, str) and "\n" in src:
            raise TypeError("pass JSON lines as bytes or an iterable of lines, not one str")
        else:
            path = Path(src)
            last = 0
            with _open(path) as stream:
                try:
                    for rec in _lines(str(path), stream):
                        last = rec.line
                        yield rec
                except (OSError, EOFError, gzip.BadGzipFile) as e:
                    # A truncated or corrupt file: what was read is kept; the rest is one
                    # rejected record, and the next source is still read.
                    yield Record(str(path), last + 1, _Unreadable(f"unreadable file: {e}"))


@dataclass(frozen=True, slots=True)
class _Unreadable:
    reason: str


def parse_record(record: Record, max_field_chars: int = MAX_FIELD_CHARS) -> Article:
    """Turn one record into an :class:`Article`; raises :class:`ArticleError` with the reason."""
    value = record.value
    if isinstance(value, Article):
        return value
    if isinstance(value, _Unreadable):
        raise ArticleError(None, value.reason)
    if isinstance(value, bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as e:
            msg = str(e)
            if "UTF-8" in msg or "utf-8" in msg or "surrogate" in msg:
                raise ArticleError(None, f"invalid UTF-8: {msg}") from None
            raise ArticleError(None, f"malformed JSON: {msg}") from None
    return Article.from_dict(value, max_field_chars=max_field_chars)


def record_id(record: Record) -> str | None:
    """Best-effort id of a record, for error messages."""
    value = record.value
    if isinstance(value, Article):
        return value.id
    if isinstance(value, bytes):  # only on the rejection path, so parsing again is fine
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    if isinstance(value, Mapping):
        rid = value.get("id")
        return str(rid) if isinstance(rid, (str, int)) else None
    return None


def truncation_note(rec: Record, article: Any, max_field_chars: int) -> Rejection:
    """The report's note for an article whose fields were cut to the length cap."""
    return Rejection(
        rec.file,
        rec.line,
        f"truncated: {', '.join(article.truncated)} cut to {max_field_chars} characters",
        article.id,
    )
