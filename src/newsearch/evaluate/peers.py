"""The engines the runner ships: newsearch itself, stock Whoosh, bm25s, tantivy and Lucene.

Each is a small adapter to :class:`~newsearch.evaluate.engines.Engine`. Peers get the same
documents and query text as newsearch and are used the way their documentation shows, with
their defaults, so the comparison is with what a user of that engine gets:

- ``whoosh``: a plain Whoosh schema (title, body) with ``StandardAnalyzer`` or
  ``LanguageAnalyzer("ar")``, ``MultifieldParser`` with ``OrGroup`` (Whoosh's default AND would
  lose most long queries), BM25F with Whoosh's defaults.
- ``bm25s``: one text per document (the searched fields joined), ``bm25s.tokenize`` (its own
  tokenizer) or the newsearch analyzer's tokens; bm25s defaults (k1 1.5, b 0.75, Lucene idf).
- ``tantivy``: title and body fields with tantivy's ``default`` tokenizer, or pre-analyzed by
  the newsearch analyzer (``whitespace`` tokenizer); ``parse_query_lenient``, OR by default.
- ``lucene``: Apache Lucene ``ArabicAnalyzer`` + BM25 in Java (:mod:`.lucene`).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError
from .engines import Doc, EngineUnavailable, SearchOutput, timed_loop

__all__ = ["NewsearchEngine", "register_builtin_engines"]


def _fresh(workdir: Path) -> Path:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    return workdir


class NewsearchEngine:
    """newsearch: a :class:`~newsearch.index.NewsIndex` with ``analyzer`` (index time); at
    search time, exactly what a user's ``searcher.run(request)`` does, with the setup's
    parameters as fields of :class:`~newsearch.request.SearchRequest` and
    :class:`~newsearch.request.RankingOptions` (``scorer``, ``k1``, ``b``, ``weights``,
    ``proximity``, ``variants``, ``operator``, ...): one pipeline for users and benchmarks.
    """

    FIELD_SPECIFIC = False

    def __init__(self, analyzer: str = "light", exact_fields: Sequence[str] = ("title",)) -> None:
        self.analyzer = analyzer
        self.exact_fields = tuple(exact_fields)
        self._index: Any = None

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str] = ()) -> float:
        from ..index import NewsIndex

        ix = NewsIndex.create(
            _fresh(workdir), self.analyzer, exact_fields=self.exact_fields, overwrite=True
        )
        t0 = time.perf_counter()
        records = (
            {
                "id": d.id,
                "title": d.title,
                "body": d.body,
                "published": d.published,
                "source": d.source,
            }
            for d in docs
        )
        # Docs with no text at all (a few in real corpora) are rejected: nothing finds them.
        ix.ingest(records, progress=False)
        seconds = time.perf_counter() - t0
        self._index = ix
        return seconds

    def open(self, workdir: Path) -> None:
        from ..index import NewsIndex

        self._index = NewsIndex.open(workdir)

    #: What a benchmark run changes from the product defaults: ids only (no highlighting, no
    #: "did you mean"), and no fuzzy retry of a query that finds nothing. A setup may set any
    #: of them back.
    SEARCH_DEFAULTS: Mapping[str, Any] = {"highlight": False, "suggest": False}
    RANKING_DEFAULTS: Mapping[str, Any] = {"fuzzy_fallback": False}

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        """Each query through the product's own entry point, ``Searcher.run`` with a
        :class:`~newsearch.request.SearchRequest` and :class:`~newsearch.request.RankingOptions`
        whose fields the setup's parameters set (an unknown parameter is an error)."""
        from ..request import RankingOptions, SearchRequest

        asked, ranking = _split(params, SearchRequest, RankingOptions)
        options = RankingOptions(**{**self.RANKING_DEFAULTS, **ranking})
        base = SearchRequest(
            limit=min(k, 100), fields=tuple(fields), **{**self.SEARCH_DEFAULTS, **asked}
        )
        with self._index.searcher(options) as s:
            s.search("warm up", limit=1)  # builds the lazy variant tables before timing

            def search(text: str) -> list[tuple[str, float]]:
                return [(h.id, h.score) for h in s.run(base.replace(query=text))]

            return timed_loop(queries, search)

    def related_all(
        self,
        queries: Mapping[str, str],
        k: int,
        params: Mapping[str, Any] | None = None,
        docs: Mapping[str, Doc] | None = None,
    ) -> SearchOutput:
        """``searcher.related(RelatedRequest(article id, k))`` per query: the related hits,
        and the copies of the article it lists as "also published by"."""
        from ..request import RankingOptions, RelatedRequest

        asked, ranking = _split(params, RelatedRequest, RankingOptions)
        base = RelatedRequest(k=min(k, 100), **asked)
        with self._index.searcher(RankingOptions(**ranking)) as s:

            def related(article_id: str) -> RelatedAnswer:
                r = s.related(base.replace(article=article_id))
                grouped = {h.id: [c.id for c in h.also_published_by] for h in r}
                also = [c.id for c in r.also_published_by]
                return [(h.id, h.score) for h in r], also, {h: c for h, c in grouped.items() if c}

            return _related_loop(queries, related)


def _split(
    params: Mapping[str, Any] | None, request: type, ranking: type
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A setup's search parameters as (request fields, ranking-option fields)."""
    import dataclasses

    fixed = {"query", "limit", "page", "fields", "article", "k"}  # set by the runner
    req = {f.name for f in dataclasses.fields(request)} - fixed
    rank = {f.name for f in dataclasses.fields(ranking)}
    params = dict(params or {})
    unknown = set(params) - req - rank
    if unknown:
        raise ConfigError(
            f"newsearch setups take {', '.join(sorted(req | rank))}; unknown: {sorted(unknown)}"
        )
    return (
        {k: v for k, v in params.items() if k in req},
        {k: v for k, v in params.items() if k in rank},
    )


RelatedAnswer = tuple[list[tuple[str, float]], list[str], dict[str, list[str]]]


def _related_loop(
    queries: Mapping[str, str], related: Callable[[str], RelatedAnswer]
) -> SearchOutput:
    """Like :func:`timed_loop`, for related news: ``related(article id) -> (hits, the
    article's own copies, each hit's copies)``."""
    out = SearchOutput()
    clock = time.perf_counter
    for qid, article_id in queries.items():
        t0 = clock()
        hits, also, grouped = related(article_id)
        out.seconds[qid] = clock() - t0
        out.run[qid] = hits
        if also:
            out.also[qid] = also
        if grouped:
            out.grouped[qid] = grouped
    return out


class WhooshEngine:
    """Stock Whoosh, as its documentation shows it (see the module docstring)."""

    FIELD_SPECIFIC = False

    def __init__(self, analyzer: str = "standard") -> None:
        if analyzer not in ("standard", "language"):
            raise ConfigError(
                "whoosh analyzer is 'standard' or 'language' (LanguageAnalyzer('ar'))"
            )
        self.analyzer = analyzer
        self._ix: Any = None

    def _analyzer(self) -> Any:
        from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer

        return StandardAnalyzer() if self.analyzer == "standard" else LanguageAnalyzer("ar")

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str] = ()) -> float:
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        a = self._analyzer()
        schema = Schema(
            id=ID(stored=True, unique=True), title=TEXT(analyzer=a), body=TEXT(analyzer=a)
        )
        ix = index.create_in(str(_fresh(workdir)), schema)
        t0 = time.perf_counter()
        with ix.writer(limitmb=256) as w:
            for d in docs:
                w.add_document(id=d.id, title=d.title, body=d.body)
        self._ix = ix
        return time.perf_counter() - t0

    def open(self, workdir: Path) -> None:
        from whoosh import index

        self._ix = index.open_dir(str(workdir))

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        from whoosh import scoring
        from whoosh.qparser import MultifieldParser, OrGroup

        parser = MultifieldParser(list(fields), self._ix.schema, group=OrGroup)
        with self._ix.searcher(weighting=scoring.BM25F()) as s:

            def search(text: str) -> list[tuple[str, float]]:
                try:
                    q = parser.parse(text)
                except Exception:  # stock parser on arbitrary text: count a failure as no hits
                    return []
                return [(h["id"], float(h.score)) for h in s.search(q, limit=k)]

            return timed_loop(queries, search)

    def related_all(
        self,
        queries: Mapping[str, str],
        k: int,
        params: Mapping[str, Any] | None = None,
        docs: Mapping[str, Doc] | None = None,
    ) -> SearchOutput:
        """Stock ``Searcher.more_like`` (Bo1 key terms) on the article's title and body
        text, searched in ``body``, with 25 key terms (Lucene MoreLikeThis's default; Whoosh's
        own default of 5 finds much less)."""
        from whoosh import scoring

        if docs is None:
            raise ConfigError("whoosh related_all needs the articles' text (docs)")
        numterms = int((params or {}).get("numterms", 25))
        with self._ix.searcher(weighting=scoring.BM25F()) as s:

            def related(article_id: str) -> RelatedAnswer:
                d = docs[article_id]
                docnum = s.document_number(id=article_id)
                hits = s.more_like(
                    docnum, "body", text=f"{d.title}\n{d.body}", top=k, numterms=numterms
                )
                return [(h["id"], float(h.score)) for h in hits], [], {}

            return _related_loop(queries, related)


def _newsearch_tokens(analyzer: str) -> Any:
    from ..analysis import get_analyzer

    a = get_analyzer(analyzer)

    def tokens(text: str) -> list[str]:
        return [t.text for t in a(text)]

    return tokens


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise EngineUnavailable(
            f"{module} is not installed: pip install 'newsearch[bench]'"
        ) from None


class Bm25sEngine:
    """bm25s over one text per document (the task's fields joined)."""

    FIELD_SPECIFIC = True

    def __init__(self, tokenizer: str = "default", analyzer: str = "light") -> None:
        _require("bm25s")
        if tokenizer not in ("default", "newsearch"):
            raise ConfigError("bm25s tokenizer is 'default' (bm25s.tokenize) or 'newsearch'")
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self._tokens = _newsearch_tokens(analyzer)
        self._model: Any = None
        self._ids: list[str] = []

    def _tok(self, texts: list[str]) -> list[list[str]]:
        import bm25s

        if self.tokenizer == "default":
            out: list[list[str]] = bm25s.tokenize(texts, return_ids=False, show_progress=False)
            return out
        return [self._tokens(t) for t in texts]

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str] = ()) -> float:
        import bm25s

        fields = tuple(fields) or ("title", "body")
        docs = list(docs)
        t0 = time.perf_counter()
        texts = ["\n".join(getattr(d, f) for f in fields) for d in docs]
        self._ids = [d.id for d in docs]
        model = bm25s.BM25()
        model.index(self._tok(texts), show_progress=False)
        seconds = time.perf_counter() - t0
        self._model = model
        where = _fresh(workdir)
        model.save(str(where))
        (where / "ids.json").write_bytes(orjson.dumps(self._ids))
        return seconds

    def open(self, workdir: Path) -> None:
        import bm25s

        self._model = bm25s.BM25.load(str(workdir))
        self._ids = orjson.loads((workdir / "ids.json").read_bytes())

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        model = self._model
        vocab = model.vocab_dict
        k = min(k, len(self._ids))

        def search(text: str) -> list[tuple[str, float]]:
            toks = [t for t in self._tok([text])[0] if t in vocab]
            if not toks:
                return []
            idx, scores = model.retrieve([toks], k=k, show_progress=False, n_threads=1)
            return [
                (self._ids[int(i)], float(s))
                for i, s in zip(idx[0], scores[0], strict=True)
                if s > 0
            ]

        return timed_loop(queries, search)


class TantivyEngine:
    """tantivy (tantivy-py): title and body fields, BM25 (k1 1.2, b 0.75, fixed)."""

    FIELD_SPECIFIC = False

    def __init__(self, tokenizer: str = "default", analyzer: str = "light") -> None:
        _require("tantivy")
        if tokenizer not in ("default", "newsearch"):
            raise ConfigError("tantivy tokenizer is 'default' or 'newsearch'")
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self._tokens = _newsearch_tokens(analyzer)
        self._ix: Any = None

    def _prep(self, text: str) -> str:
        if self.tokenizer == "default":
            return text
        return " ".join(self._tokens(text))

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str] = ()) -> float:
        import tantivy

        tok = "default" if self.tokenizer == "default" else "whitespace"
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", tokenizer_name=tok)
        sb.add_text_field("body", tokenizer_name=tok)
        ix = tantivy.Index(sb.build(), path=str(_fresh(workdir)))
        t0 = time.perf_counter()
        w = ix.writer(heap_size=256_000_000, num_threads=1)
        for d in docs:
            w.add_document(
                tantivy.Document(id=d.id, title=self._prep(d.title), body=self._prep(d.body))
            )
        w.commit()
        w.wait_merging_threads()
        ix.reload()
        self._ix = ix
        return time.perf_counter() - t0

    def open(self, workdir: Path) -> None:
        import tantivy

        self._ix = tantivy.Index.open(str(workdir))

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        ix = self._ix
        searcher = ix.searcher()
        names = list(fields)

        def search(text: str) -> list[tuple[str, float]]:
            # Quotes, colons and brackets are query syntax in tantivy; the lenient parser
            # recovers from what it cannot parse instead of raising.
            q, _errors = ix.parse_query_lenient(self._prep(text), names)
            result = searcher.search(q, k)
            return [(searcher.doc(addr)["id"][0], float(score)) for score, addr in result.hits]

        return timed_loop(queries, search)


def _lucene(**params: Any) -> Any:
    from .lucene import LuceneEngine

    return LuceneEngine(**params)


def register_builtin_engines(register_engine: Callable[..., None]) -> None:
    """Register the shipped engines with ``register_engine`` (the registry's, passed in so
    that this module does not import the registry that imports it)."""
    register_engine(
        "newsearch",
        NewsearchEngine,
        ("analyzer", "exact_fields"),
        "newsearch: NewsIndex + scorer registry + field weights",
    )
    register_engine("whoosh", WhooshEngine, ("analyzer",), "stock Whoosh 2.7 (BM25F)")
    register_engine("bm25s", Bm25sEngine, ("tokenizer", "analyzer"), "bm25s (numpy BM25)")
    register_engine("tantivy", TantivyEngine, ("tokenizer", "analyzer"), "tantivy-py (BM25)")
    register_engine(
        "lucene",
        _lucene,
        ("java_home", "peer_dir", "install"),
        "Apache Lucene 8 ArabicAnalyzer + BM25 (Java)",
    )
