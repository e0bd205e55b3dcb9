"""``NewsIndex``: a Whoosh index of news articles that records how it was built.

An index directory holds Whoosh's files plus ``manifest.json``::

    {"format": "newsearch-index", "library_version": "0.1.0", "schema_version": 4,
     "analysis_version": 1, "analyzer": {"name": "light", "params": {}},
     "exact_analyzer": {"name": "exact", "params": {}}, "cleaner": "none", ...}

:meth:`NewsIndex.open` rebuilds the analysis from the manifest and refuses (with
:class:`~newsearch.errors.IndexMismatchError`, saying how to rebuild) an index of another
analysis version or an unreadable schema version, so results never change silently.

Writes go through one Whoosh writer that is opened on the first change and committed by
:meth:`commit` (or per batch by :meth:`ingest`). Readers see the last commit. A crash loses at
most the uncommitted batch: Whoosh writes new segments first and switches the table of
contents last, and its lock is an ``fcntl`` lock that dies with the process. Ingest batches may
go to worker processes (:class:`~newsearch.mpwriter.SafeMpWriter`): no lock, die with parent.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson

from .analysis import AnalyzerSpec, build_analyzer
from .article import MAX_FIELD_CHARS, Article
from .backend import segment_ids
from .cache import DEFAULT_CACHE_MB, IndexCache
from .cleaning import Cleaner, get_cleaner
from .errors import (
    ArticleError,
    ConfigError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestAborted,
)
from .ingest import (
    IngestProgress,
    IngestReport,
    Record,
    Rejection,
    Source,
    check_files,
    parse_record,
    read_records,
    record_id,
    truncation_note,
)
from .manifest import (
    MANIFEST,
    IndexInfo,
    check_manifest,
    index_info,
    make_manifest,
    rebuild_hint,
    write_json_atomic,
)
from .merging import IngestMerge, SmallSegmentMerge
from .schema import (
    DEFAULT_EXACT_FIELDS,
    article_to_document,
    build_schema,
    content_hash,
    document_to_article,
)

if TYPE_CHECKING:
    from .request import RankingOptions
    from .search import Searcher

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MANIFEST",
    "IndexInfo",
    "IngestMerge",
    "NewsIndex",
    "SmallSegmentMerge",
    "auto_workers",
]

#: Records per commit in :meth:`NewsIndex.ingest`: a crash loses at most this many.
DEFAULT_BATCH_SIZE = 5_000
#: A batch is also committed once its title + body text reaches this many characters, so a
#: run of huge articles cannot fill memory.
MAX_BATCH_CHARS = 50_000_000
#: Smallest batch worth Whoosh's multiprocess writer (starting the worker processes costs a
#: fraction of a second; measured in docs/benchmarks.md).
PARALLEL_MIN_BATCH = 1_000


def auto_workers() -> int:
    """The default number of indexing processes: 2 where there are 2 or more cores (measured
    best on the 2-core machines we benchmark on; see docs/benchmarks.md), else 1."""
    return min(2, os.cpu_count() or 1)


UpsertResult = Literal["added", "updated", "unchanged"]


def _spec(analyzer: str | AnalyzerSpec | Mapping[str, Any]) -> AnalyzerSpec:
    if isinstance(analyzer, AnalyzerSpec):
        return analyzer
    if isinstance(analyzer, str):
        return AnalyzerSpec(analyzer)
    if isinstance(analyzer, Mapping):
        return AnalyzerSpec.from_dict(analyzer)
    raise ConfigError(
        f"an index analyzer must be a registered name or an AnalyzerSpec, got {analyzer!r}"
    )


class NewsIndex:
    """A news index on disk (:meth:`create`, :meth:`open`) or in memory (:meth:`in_memory`)."""

    def __init__(
        self,
        whoosh_index: Any,
        manifest: dict[str, Any],
        path: Path | None,
        lock_timeout: float,
        cache_mb: float = DEFAULT_CACHE_MB,
    ) -> None:
        self._ix = whoosh_index
        #: What searches keep in memory for this index (:class:`~newsearch.cache.IndexCache`):
        #: bounded by ``cache_mb``; ``index.cache.clear()`` frees it.
        self.cache = IndexCache(cache_mb)
        self.manifest = manifest
        self.path = path
        self.lock_timeout = lock_timeout
        self.cleaner: Cleaner | None = get_cleaner(manifest.get("cleaner", "none"))
        self._writer: Any = None
        self._pending: dict[str, str] = {}  # id -> hash written by the open writer
        self.exact_fields: tuple[str, ...] = tuple(manifest.get("exact_fields", ("title",)))

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        analyzer: str | AnalyzerSpec | Mapping[str, Any] = "light",
        *,
        exact_analyzer: str | AnalyzerSpec | Mapping[str, Any] = "exact",
        cleaner: str = "none",
        exact_fields: tuple[str, ...] = DEFAULT_EXACT_FIELDS,
        overwrite: bool = False,
        lock_timeout: float = 10.0,
        cache_mb: float = DEFAULT_CACHE_MB,
    ) -> NewsIndex:
        """Create an empty index in ``path`` (made if missing).

        :param analyzer: registry name or spec of the analyzer of ``title``/``body``.
        :param exact_analyzer: the analyzer of the unstemmed twins ``title_exact``/``body_exact``.
        :param cleaner: ``"none"`` (clean corpora) or ``"scraped"`` (see :mod:`.cleaning`).
        :param exact_fields: which text fields get an unstemmed twin (``title`` by default;
            ``("title", "body")`` doubles ingest time, see :mod:`.schema`).
        :param overwrite: replace an index already in ``path``; otherwise that is an error.
        :param cache_mb: the search cache's postings budget (:class:`~newsearch.cache.IndexCache`).
        """
        from whoosh import index as whoosh_index

        p = Path(path)
        a, e = _spec(analyzer), _spec(exact_analyzer)
        get_cleaner(cleaner)
        exact_fields = tuple(exact_fields)
        schema = build_schema(a, e, exact_fields)  # fails early on a bad spec
        if p.exists() and any(p.iterdir()):
            if not overwrite:
                raise ConfigError(
                    f"{p} is not empty; pass overwrite=True (CLI: --overwrite) to replace the index"
                )
            if not (p / MANIFEST).exists() and not whoosh_index.exists_in(str(p)):
                raise ConfigError(
                    f"{p} holds files that are not a newsearch index; not touching it"
                )
            shutil.rmtree(p)
        p.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(p), schema)
        manifest = make_manifest(a, e, cleaner, exact_fields)
        write_json_atomic(p / MANIFEST, manifest)
        return cls(ix, manifest, p, lock_timeout, cache_mb)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = 10.0,
        cache_mb: float = DEFAULT_CACHE_MB,
    ) -> NewsIndex:
        """Open an index made by :meth:`create`; checks its manifest against this library.
        ``cache_mb``: the search cache's postings budget (:class:`~newsearch.cache.IndexCache`)."""
        from whoosh import index as whoosh_index

        p = Path(path)
        mpath = p / MANIFEST
        if not mpath.exists():
            raise IndexNotFoundError(f"no newsearch index at {p} (missing {MANIFEST})")
        try:
            manifest = orjson.loads(mpath.read_bytes())
        except orjson.JSONDecodeError as e:
            raise IndexMismatchError(
                f"{mpath} is not valid JSON ({e}); {rebuild_hint(p)}"
            ) from None
        check_manifest(manifest, p)
        ix = whoosh_index.open_dir(str(p))
        checks = [("title", "analyzer")]
        checks += [(f"{f}_exact", "exact_analyzer") for f in manifest.get("exact_fields", [])]
        for name, key in checks:
            expected = build_analyzer(AnalyzerSpec.from_dict(manifest[key]))
            if name not in ix.schema or ix.schema[name].analyzer != expected:
                raise IndexMismatchError(
                    f"the {name!r} field of {p} was analyzed differently from what its "
                    f"manifest says ({manifest[key]}); {rebuild_hint(p)}"
                )
        return cls(ix, manifest, p, lock_timeout, cache_mb)

    @classmethod
    def in_memory(
        cls,
        analyzer: str | AnalyzerSpec | Mapping[str, Any] = "light",
        *,
        exact_analyzer: str | AnalyzerSpec | Mapping[str, Any] = "exact",
        cleaner: str = "none",
        exact_fields: tuple[str, ...] = DEFAULT_EXACT_FIELDS,
        cache_mb: float = DEFAULT_CACHE_MB,
    ) -> NewsIndex:
        """An index held in RAM: for tests and small apps; gone when the object is."""
        from .mpwriter import ram_storage

        a, e = _spec(analyzer), _spec(exact_analyzer)
        get_cleaner(cleaner)
        exact_fields = tuple(exact_fields)
        ix = ram_storage().create_index(build_schema(a, e, exact_fields))
        return cls(ix, make_manifest(a, e, cleaner, exact_fields), None, 1.0, cache_mb)

    # --- reading ------------------------------------------------------------------------------

    @property
    def whoosh(self) -> Any:
        """The underlying ``whoosh.index.Index`` (for what this class does not wrap)."""
        return self._ix

    @property
    def analyzer_spec(self) -> AnalyzerSpec:
        return AnalyzerSpec.from_dict(self.manifest["analyzer"])

    def __len__(self) -> int:
        """Number of (non-deleted) articles as of the last commit."""
        return int(self._ix.doc_count())

    @contextmanager
    def reader(self) -> Iterator[Any]:
        r = self._ix.reader()
        try:
            yield r
        finally:
            r.close()

    def searcher(self, options: RankingOptions | None = None) -> Searcher:
        """A :class:`~newsearch.search.Searcher` over the last commit (use it in a ``with``
        block): ``s.search(...)``, ``s.related(...)``, ``s.duplicates(...)``. ``options``:
        the :class:`~newsearch.request.RankingOptions` of its calls (default: the measured
        defaults). Searchers share this index's :attr:`cache`. For Whoosh's own searcher use
        ``index.whoosh.searcher()``."""
        from .search import Searcher  # the index is below the query side: import on use

        return Searcher(self, options)

    def get(self, article_id: str) -> Article | None:
        """The article with this id as of the last commit, or ``None``."""
        with self._ix.searcher() as s:
            fields = s.document(id=article_id)
        return document_to_article(fields) if fields else None

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, str) and self._stored_hash(article_id) is not None

    def _stored_hash(self, article_id: str, reader: Any = None, hashes: Any = None) -> str | None:
        from whoosh.reading import TermNotFound

        own = reader is None
        r = reader if reader is not None else self._ix.reader()
        try:
            try:
                docnum = r.first_id("id", article_id)
            except (TermNotFound, KeyError):
                return None
            col = hashes if hashes is not None else _hash_column(r)
            return str(col[docnum]) if col is not None else None
        finally:
            if own:
                r.close()

    # --- writing ------------------------------------------------------------------------------

    def _open_writer(self, workers: int = 1, pool: Any = None) -> Any:
        if self._writer is None:
            from whoosh.index import LockError

            from .mpwriter import HookedSegmentWriter, SafeMpWriter
            from .search_tables import store_search_tables
            from .segwriter import codec

            kwargs: dict[str, Any] = {"timeout": self.lock_timeout, "delay": 0.05}
            kwargs["codec"] = codec(self._ix.schema)  # the schema decides its side fields
            # An index in RAM cannot be shared with worker processes (they would write their
            # segments into their own copy of it), so it always takes one process.
            parallel = workers > 1 and self.path is not None
            try:
                if parallel:
                    self._writer = SafeMpWriter(
                        self._ix,
                        procs=workers,
                        multisegment=True,
                        pool=pool if pool is not None and pool.procs == workers else None,
                        **kwargs,
                    )
                else:
                    self._writer = HookedSegmentWriter(self._ix, **kwargs)
            except LockError:
                raise IndexLockedError(
                    f"another writer holds the lock of {self.path or 'this index'}; "
                    f"gave up after {self.lock_timeout:g} s"
                ) from None
            # Each commit stores search's tables with the segments it publishes (segtables).
            self._writer.before_commit = store_search_tables
        return self._writer

    def _prepare(self, article: Article | Mapping[str, Any]) -> Article:
        if not isinstance(article, Article):
            article = Article.from_dict(article)
        if self.cleaner is not None:
            title, body = self.cleaner.clean(article.title), self.cleaner.clean(article.body)
            if (title, body) != (article.title, article.body):
                if not (title.strip() or body.strip()):
                    raise ArticleError("title/body", "no text left after boilerplate cleaning")
                article = article.with_text(title, body)
        return article

    def add(self, article: Article | Mapping[str, Any]) -> None:
        """Add a new article (an id already in the index is an :class:`ArticleError`:
        use :meth:`upsert` to replace)."""
        a = self._prepare(article)
        if a.id in self._pending or self._stored_hash(a.id) is not None:
            raise ArticleError("id", f"{a.id!r} is already in the index; use upsert() to replace")
        digest = content_hash(a)
        self._open_writer().add_document(**article_to_document(a, digest, self.exact_fields))
        self._pending[a.id] = digest

    def upsert(self, article: Article | Mapping[str, Any]) -> UpsertResult:
        """Add the article, or replace the one with its id; nothing happens if it is
        unchanged. Visible to readers after :meth:`commit`."""
        a = self._prepare(article)
        digest = content_hash(a)
        if a.id in self._pending:
            if self._pending[a.id] == digest:
                return "unchanged"
            self.commit()  # Whoosh cannot delete a document its own open writer buffered
        old = self._stored_hash(a.id)
        if old == digest:
            return "unchanged"
        w = self._open_writer()
        if old is not None:
            w.delete_by_term("id", a.id)
        w.add_document(**article_to_document(a, digest, self.exact_fields))
        self._pending[a.id] = digest
        return "added" if old is None else "updated"

    def delete(self, article_id: str) -> bool:
        """Delete the article with this id; ``True`` if there was one."""
        if article_id in self._pending:
            self.commit()
        if self._stored_hash(article_id) is None:
            return False
        self._open_writer().delete_by_term("id", article_id)
        return True

    def commit(
        self, *, optimize: bool = False, merge: bool = True, merge_policy: Any = None
    ) -> None:
        """Make every change since the last commit durable and visible to new readers.

        ``merge=False`` skips Whoosh's merging of small segments (a later commit merges);
        ``merge_policy`` replaces Whoosh's policy (e.g. :class:`SmallSegmentMerge`)."""
        if self._writer is not None:
            w, self._writer = self._writer, None
            if merge_policy is not None and merge and not optimize:
                w.commit(mergetype=merge_policy)
            else:
                w.commit(optimize=optimize, merge=merge)
            self._pending.clear()
        elif optimize:
            w = self._open_writer()
            self._writer = None
            w.commit(optimize=True)

    def optimize(self) -> None:
        """Commit, merging all segments into one (faster searches, slower to write)."""
        self.commit(optimize=True)

    def cancel(self) -> None:
        """Drop every change since the last commit."""
        if self._writer is not None:
            w, self._writer = self._writer, None
            w.cancel()
            self._pending.clear()

    def close(self) -> None:
        """Commit pending changes and release the index."""
        self.commit()
        self._ix.close()

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.cancel()
            self._ix.close()

    # --- bulk ingest --------------------------------------------------------------------------

    def ingest(
        self,
        sources: Source | Iterable[Source],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        workers: int | None = None,
        strict: bool = False,
        progress: bool | None = None,
        max_field_chars: int = MAX_FIELD_CHARS,
        merge_policy: Any = None,
    ) -> IngestReport:
        """Upsert every record of ``sources`` (paths to ``.jsonl``/``.jsonl.gz``, ``"-"`` for
        standard input, or an iterable of dicts / :class:`Article` / JSON-line bytes).

        Bad records are rejected with file, line and reason and the rest is indexed; an id seen
        twice in one ingest keeps its first record and rejects the later ones. Commits every
        ``batch_size`` changed records, so a crash loses at most one batch. ``strict``: stop at
        the first bad record, drop the open batch and raise :class:`IngestAborted`.
        ``workers``: indexing processes per batch (Whoosh's multiprocess writer when > 1);
        default :func:`auto_workers` for batches of ``PARALLEL_MIN_BATCH`` records or more and
        a last batch after others, else one; in-memory indexes take one. ``progress``: progress
        bars on standard error (default: when it is a terminal) of records read and articles
        indexed, with the phase. ``merge_policy``: how the last commit merges segments (default
        :class:`IngestMerge`: one new segment; :class:`SmallSegmentMerge`: small ingests).
        """
        if batch_size < 1 or (workers is not None and workers < 1):
            raise ConfigError("batch_size and workers must be at least 1")
        check_files(sources)
        self.commit()
        if merge_policy is None:
            merge_policy = IngestMerge(segment_ids(self._ix))
        report = IngestReport()
        t0 = time.perf_counter()
        seen: dict[str, tuple[str, int]] = {}
        from .mpwriter import SafeMpWriter, WorkerPool

        bar = IngestProgress(progress)
        # Changed records wait here until the batch is full, then go to one writer whose
        # process count fits the batch, and are committed together.
        batch: list[tuple[bool, dict[str, Any]]] = []
        batch_chars = 0
        indexed = 0  # articles committed by earlier batches, for the progress bar

        def flush(final: bool = False) -> None:
            nonlocal batch_chars, indexed
            number = report.commits + 1
            try:
                if not batch:
                    if final and report.commits:  # nothing to add: merge what batches left
                        bar.phase("merging segments")  # (in the workers, when there are)
                        self._open_writer(pool.procs if pool else 1, pool).last_batch = True
                        self.commit(merge_policy=merge_policy)
                    elif final and pool is not None:
                        pool.close()
                    return
                bar.phase(f"batch {number}: indexing")
                # A small last batch of a long ingest goes to the workers too: they merge.
                big = len(batch) >= PARALLEL_MIN_BATCH or (final and report.commits > 0)
                procs = workers or (auto_workers() if big else 1)
                if final and pool is not None and procs == 1:
                    pool.close()  # a last batch too small for the workers: they are done
                w = self._open_writer(procs, pool)
                if not final:  # the last commit stores the tables of the segments it leaves
                    w.before_commit = None
                parallel = isinstance(w, SafeMpWriter)
                if parallel:  # the workers do the indexing and count it
                    w.on_wait = lambda: bar.set_indexed(indexed + w.indexed)
                    w.last_batch = final
                for n, (is_update, doc) in enumerate(batch, 1):
                    if is_update:
                        w.delete_by_term("id", doc["id"])
                    w.add_document(**doc)
                    bar.set_indexed(indexed + (w.indexed if parallel else n))
                # Merging segments is left to the last commit of the ingest: merging after
                # every batch rewrote the growing index again and again (measured in
                # docs/benchmarks.md).
                bar.phase(
                    f"batch {number}: " + ("merging and committing" if final else "committing")
                )
                self.commit(merge=final, merge_policy=merge_policy)
            except BaseException:
                self.cancel()  # release the lock (and stop the workers) before going up
                raise
            indexed += len(batch)
            bar.set_indexed(indexed)
            batch.clear()
            batch_chars = 0
            report.commits += 1

        # The worker processes are forked now, while this process holds no batch: forked
        # with each batch, every one would start as a copy of it (see WorkerPool).
        n_workers = workers or auto_workers()
        pool = WorkerPool(self._ix, n_workers) if n_workers > 1 and self.path else None
        reader = None
        try:
            reader = self._ix.reader()
            hashes = _hash_column(reader)
            for rec in read_records(sources):
                report.read += 1
                bar.record_read()
                try:
                    article = self._prepare(parse_record(rec, max_field_chars))
                    first = seen.get(article.id)
                    if first is not None:
                        raise ArticleError(
                            "id",
                            f"duplicate id {article.id!r}: first read at {first[0]}:{first[1]}",
                        )
                except ArticleError as e:
                    self._reject(report, rec, str(e))
                    if strict:
                        batch.clear()
                        report.seconds = time.perf_counter() - t0
                        raise IngestAborted(
                            f"strict ingest stopped at {report.rejections[-1]}; the open batch was "
                            f"not committed ({report.commits} earlier batch(es) were)",
                            report,
                        ) from None
                    continue
                seen[article.id] = (rec.file, rec.line)
                if article.truncated:
                    report.truncated.append(truncation_note(rec, article, max_field_chars))
                digest = content_hash(article)
                old = None if hashes is None else self._stored_hash(article.id, reader, hashes)
                if old == digest:
                    report.unchanged += 1
                    continue
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
                batch.append(
                    (old is not None, article_to_document(article, digest, self.exact_fields))
                )
                batch_chars += len(article.title) + len(article.body)
                if len(batch) >= batch_size or batch_chars >= MAX_BATCH_CHARS:
                    flush()
            flush(final=True)
            bar.phase("done")
        finally:
            if reader is not None:
                reader.close()
            bar.close()
            if pool is not None:
                pool.close()
        report.seconds = time.perf_counter() - t0
        report.check()
        return report

    @staticmethod
    def _reject(report: IngestReport, rec: Record, reason: str) -> None:
        report.rejected += 1
        report.rejections.append(Rejection(rec.file, rec.line, reason, record_id(rec)))

    # --- about --------------------------------------------------------------------------------

    def info(self) -> IndexInfo:
        """Document count, sources, categories, date span, analysis and size on disk."""
        with self.reader() as r:
            return index_info(r, self.manifest, self.path)


def _hash_column(reader: Any) -> Any:
    """The ``hash`` column of a reader, or ``None`` for an empty index (no segments)."""
    if reader.doc_count_all() == 0:
        return None
    return reader.column_reader("hash")
