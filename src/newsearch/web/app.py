"""The ASGI app: a JSON API over one index, and the search page.

Built with FastAPI (its OpenAPI description is at ``/openapi.json``, interactive at ``/docs``).
Responses are serialized with orjson straight from the library's ``to_dict()`` methods.
See docs/web.md for the API, the limits and the security model.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at
# runtime, and they refer to this module's closure variables (the limits of one app).

import hmac
import inspect
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..errors import ConfigError, IndexLockedError
from ..index import NewsIndex, SmallSegmentMerge
from ..request import (
    MAX_PAGE_DEPTH,
    MAX_PAGE_SIZE,
    RELATED_RANKING,
    RankingOptions,
    RelatedRequest,
    SearchRequest,
)
from ..request import options as request_options
from ..schema import document_to_article
from ..search import Searcher
from . import models
from .http import (
    ApiError,
    OrjsonResponse,
    SecurityHeaders,
    bad_parameter,
    index_locked,
    install_error_handlers,
    no_article,
    read_body,
    records_of,
    renumber,
)
from .live import DEFAULT_REFRESH_INTERVAL, LiveSearcher
from .params import derived_endpoint, query_parameters

__all__ = ["ApiError", "Limits", "WebState", "app_from_env", "create_app"]

log = logging.getLogger("newsearch.web")

STATIC = Path(__file__).parent / "static"
T = TypeVar("T")

#: Content types POST /articles accepts as JSON Lines (one article per line).
JSON_LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
        "application/json-lines",
    }
)

#: The search page may load only its own script and style and talk only to this app.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Limits:
    """What one request may ask for. Over a limit: 400 (413 for the body)."""

    #: Characters of ``q`` (``/search``, ``/suggest``).
    max_query_chars: int = 512
    #: Hits per page (``size``).
    max_page_size: int = MAX_PAGE_SIZE
    #: Deepest result reachable by paging: ``page × size`` at most this.
    max_page_depth: int = MAX_PAGE_DEPTH
    #: Values of one repeatable filter (``source``, ``category``), and characters of each.
    max_filter_values: int = 20
    max_filter_chars: int = 200
    #: Related articles per request (``k``).
    max_related: int = 50
    #: Bytes of a ``POST /articles`` body (counted as it streams in).
    max_body_bytes: int = 8 * 1024 * 1024


@dataclass
class WebState:
    """What an app serves: ``app.state.newsearch``. :meth:`close` stops the refresh thread."""

    #: a NewsIndex, or a sharded index (:class:`~newsearch.cluster.ShardedIndex`)
    index: Any
    live: LiveSearcher
    limits: Limits
    token: bytes | None
    write_lock_timeout: float
    #: How this app's commits merge segments: bounded, so that no upsert rewrites the index.
    merge_policy: Any = field(default_factory=SmallSegmentMerge)

    def __post_init__(self) -> None:
        import threading

        self.write_lock = threading.Lock()

    @property
    def sharded(self) -> bool:
        return not isinstance(self.index, NewsIndex)

    def close(self) -> None:
        self.live.close()
        if self.sharded:  # stops the Ray this app started, if it did
            self.index.close()

    def write(self, change: Callable[[Any], T]) -> T:
        """Run ``change`` (which commits) as this process's only writer, then serve the new
        commit. Waits up to ``write_lock_timeout`` for this process's other writes and, through
        Whoosh's file lock, for other processes' (then 503)."""
        if not self.write_lock.acquire(timeout=self.write_lock_timeout):
            raise index_locked(self.write_lock_timeout)
        try:
            result = change(self.index)
        except IndexLockedError:
            self.index.cancel()
            raise index_locked(self.write_lock_timeout) from None
        except BaseException:
            self.index.cancel()
            raise
        finally:
            self.write_lock.release()
        self.live.refresh()
        return result


def _open_index(index_or_path: Any, lock_timeout: float) -> Any:
    """A NewsIndex, or a ShardedIndex for a directory holding ``cluster.json`` (searched
    through Ray: ``RAY_ADDRESS``, or a local Ray on loopback)."""
    from ..cluster.manifest import is_sharded

    if isinstance(index_or_path, NewsIndex) or hasattr(index_or_path, "shard_path"):
        return index_or_path
    if isinstance(index_or_path, (str, os.PathLike)):
        if is_sharded(Path(index_or_path)):
            from ..cluster import ShardedIndex

            return ShardedIndex.open(index_or_path)
        return NewsIndex.open(index_or_path, lock_timeout=lock_timeout)
    raise ConfigError(f"create_app needs a NewsIndex or an index directory, got {index_or_path!r}")


def create_app(
    index_or_path: NewsIndex | str | os.PathLike[str],
    *,
    ingest_token: str | None = None,
    cors_origins: Sequence[str] = (),
    limits: Limits | None = None,
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
    write_lock_timeout: float = 10.0,
    warm: bool = True,
    options: RankingOptions | None = None,
    merge_policy: Any = None,
    page: bool = True,
    title: str = "newsearch",
) -> FastAPI:
    """An ASGI app serving one index: the JSON API, its OpenAPI description and (``page``)
    the search page at ``/``.

    :param index_or_path: a :class:`NewsIndex` or the directory of one; or a sharded index
        (:class:`~newsearch.cluster.ShardedIndex`, or a directory with ``cluster.json``):
        the same API, each request fanned out to the shards' searcher actors.
    :param ingest_token: the bearer token ``POST``/``DELETE /articles`` require; without one
        (``None`` or empty) the write routes answer 403.
    :param cors_origins: origins allowed to call the API from a browser (none by default).
    :param limits: per-request limits (:class:`Limits`).
    :param refresh_interval: seconds between checks for a newer commit (see
        :class:`~newsearch.web.live.LiveSearcher`); ``0``: only this app's own writes refresh.
    :param write_lock_timeout: seconds a write waits for the index lock before a 503.
    :param warm: build the searcher's tables before serving (the first user does not wait).
    :param options: the ranking options of every request (a request's own parameters
        override them); default :class:`~newsearch.request.RankingOptions`.
    :param merge_policy: how the app's commits merge segments (default
        :class:`~newsearch.index.SmallSegmentMerge`: bounded work per commit).
    :param page: serve the search page at ``/``.
    """
    lim = limits or Limits()
    if isinstance(ingest_token, str) and not ingest_token.isascii():
        raise ConfigError("the ingest token must be ASCII (it travels in an HTTP header)")
    index = _open_index(index_or_path, write_lock_timeout)
    live = LiveSearcher(index, interval=refresh_interval, warm=warm, options=options)
    state = WebState(
        index=index,
        live=live,
        limits=lim,
        token=ingest_token.encode() if ingest_token else None,
        write_lock_timeout=write_lock_timeout,
        merge_policy=merge_policy or SmallSegmentMerge(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(
        title=title,
        version=__version__,
        description=(
            "Search Arabic news: ranked, highlighted search with filters and facets, related "
            "news, duplicates across outlets, and upserts. Errors are "
            '`{"error": code, "message": text}`. See docs/web.md.'
        ),
        default_response_class=OrjsonResponse,
        lifespan=lifespan,
    )
    app.state.newsearch = state
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )

    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": models.ErrorOut, "description": "a bad parameter"}
    }
    not_found: dict[int | str, dict[str, Any]] = {
        **errors,
        404: {"model": models.ErrorOut, "description": "no article with this id"},
    }
    write_errors: dict[int | str, dict[str, Any]] = {
        **errors,
        401: {"model": models.ErrorOut, "description": "missing or wrong ingest token"},
        403: {"model": models.ErrorOut, "description": "writes disabled (no token configured)"},
        503: {"model": models.ErrorOut, "description": "the index lock was busy; retry"},
    }
    bearer = HTTPBearer(auto_error=False, description="the ingest token")

    def check_filter(name: str, values: list[str] | None) -> list[str]:
        values = [v for v in values or () if v]
        if len(values) > lim.max_filter_values:
            raise bad_parameter(name, f"at most {lim.max_filter_values} values")
        if any(len(v) > lim.max_filter_chars for v in values):
            raise bad_parameter(name, f"values of at most {lim.max_filter_chars} characters")
        return values

    def authorize(credentials: HTTPAuthorizationCredentials | None) -> None:
        if state.token is None:
            raise ApiError(
                403,
                "writes-disabled",
                "writes are disabled: this server has no ingest token configured",
            )
        given = credentials.credentials.encode("utf-8", "replace") if credentials else b""
        if not hmac.compare_digest(given, state.token):
            raise ApiError(
                401,
                "unauthorized",
                "a valid ingest token is required: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    ArticleId = Annotated[str, PathParam(description="the article's id")]

    def run_search(given: dict[str, dict[str, Any]]) -> Response:
        """Ranked, highlighted search. `title_html` and `snippets` are HTML: the text is
        escaped and matched words are wrapped in `<mark>`. Every option of the library's
        SearchRequest and RankingOptions is a parameter (docs/search.md)."""
        asked = given.get("SearchRequest", {})
        if len(asked.get("query", "")) > lim.max_query_chars:
            raise bad_parameter("q", f"at most {lim.max_query_chars} characters")
        size, page = int(asked.get("limit", 10)), int(asked.get("page", 1))
        if size > lim.max_page_size:
            raise bad_parameter("size", f"at most {lim.max_page_size}")
        if page * size > lim.max_page_depth:
            raise bad_parameter(
                "page", f"results beyond the first {lim.max_page_depth} are not served"
            )
        for name, key in (("source", "sources"), ("category", "categories")):
            if key in asked:
                asked[key] = check_filter(name, asked[key])
        request = SearchRequest(**asked)
        with live.searcher() as s:
            options = s.options.replace(**given.get("RankingOptions", {}))
            results = s.run(request, options)
        return OrjsonResponse(results.to_dict())

    app.add_api_route(
        "/search",
        derived_endpoint(
            run_search, [], query_parameters(SearchRequest), query_parameters(RankingOptions)
        ),
        methods=["GET"],
        summary="Search articles",
        responses={200: {"model": models.SearchOut}, **errors},
        tags=["search"],
    )

    @app.get(
        "/suggest",
        summary='"Did you mean": a respelled query',
        responses={200: {"model": models.SuggestOut}, **errors},
        tags=["search"],
    )
    def suggest(q: Annotated[str, Query(min_length=1, max_length=lim.max_query_chars)]) -> Response:
        """A respelled query from the index's vocabulary, or `null` when every word is known."""
        with live.searcher() as s:
            return OrjsonResponse({"query": q, "suggestion": s.suggest(q)})

    def run_related(article_id: str, given: dict[str, dict[str, Any]]) -> Response:
        """Articles about the same story or subject, and the article's copies at other
        outlets (`also_published_by`). Every option of the library's RelatedRequest (and its
        scoring options) is a parameter (docs/related.md)."""
        asked = given.get("RelatedRequest", {})
        if int(asked.get("k", 10)) > lim.max_related:
            raise bad_parameter("k", f"at most {lim.max_related}")
        for name, key in (("source", "sources"), ("category", "categories")):
            if key in asked:
                asked[key] = check_filter(name, asked[key])
        request = RelatedRequest(article=article_id, **asked)
        with live.searcher() as s:
            _require(s, article_id)
            options = s.options.replace(**given.get("RankingOptions", {}))
            return OrjsonResponse(s.related(request, options=options).to_dict())

    article_param = inspect.Parameter(
        "article_id",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=Annotated[str, PathParam(description="the article's id")],
    )
    search_only = [o.name for o in request_options(RankingOptions) if o.name not in RELATED_RANKING]
    app.add_api_route(
        "/articles/{article_id:path}/related",
        derived_endpoint(
            run_related,
            [article_param],
            query_parameters(RelatedRequest, skip=["article"]),
            query_parameters(RankingOptions, skip=search_only),
        ),
        methods=["GET"],
        summary="Related news",
        responses={200: {"model": models.RelatedOut}, **not_found},
        tags=["articles"],
    )

    @app.get(
        "/articles/{article_id:path}/duplicates",
        summary="Copies of the article at other outlets",
        responses={200: {"model": models.DuplicatesOut}, **not_found},
        tags=["articles"],
    )
    def duplicates(article_id: ArticleId) -> Response:
        """The same story published by other outlets (near-duplicate text)."""
        with live.searcher() as s:
            _require(s, article_id)
            copies = s.duplicates(article_id)
            return OrjsonResponse({"id": article_id, "duplicates": [c.to_dict() for c in copies]})

    @app.get(
        "/articles/{article_id:path}",
        summary="One article",
        responses={200: {"model": models.ArticleOut}, **not_found},
        tags=["articles"],
    )
    def get_article(article_id: ArticleId) -> Response:
        """The article as stored (plain text; `published` in UTC)."""
        with live.searcher() as s:
            return OrjsonResponse(_require(s, article_id))

    @app.post(
        "/articles",
        summary="Add or replace articles",
        responses={
            200: {"model": models.IngestReportOut},
            **write_errors,
            413: {"model": models.ErrorOut, "description": "body too large"},
            415: {"model": models.ErrorOut, "description": "not JSON or JSON Lines"},
        },
        tags=["write"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"type": "object", "description": "one article"},
                                {"type": "array", "items": {"type": "object"}},
                            ]
                        }
                    },
                    "application/x-ndjson": {
                        "schema": {"type": "string", "description": "one article per line"}
                    },
                },
            }
        },
    )
    async def post_articles(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Response:
        """Upsert articles (the JSON Lines format of `newsearch index`): new ids are added,
        changed ones replaced, identical ones left alone. A bad record is reported with its
        line (JSON Lines) or position (JSON array) and the others are indexed. The articles
        are committed, and searchable in this process, when the response is sent."""
        authorize(credentials)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json" and kind not in JSON_LINES_TYPES:
            raise ApiError(
                415,
                "unsupported-media-type",
                "send Content-Type: application/json (an article or an array of articles) "
                "or application/x-ndjson (one article per line)",
            )
        body = await read_body(request, lim.max_body_bytes)
        records, lines = records_of(body, kind == "application/json")

        def ingest(ix: Any) -> Any:
            if state.sharded:  # each shard's share, committed in its directory
                return ix.write(records, merge_policy=state.merge_policy)
            return ix.ingest(records, workers=1, progress=False, merge_policy=state.merge_policy)

        report = await run_in_threadpool(state.write, ingest)
        renumber(report, lines)
        return OrjsonResponse(report.to_dict())

    @app.delete(
        "/articles/{article_id:path}",
        summary="Delete an article",
        responses={200: {"model": models.DeletedOut}, **write_errors, 404: not_found[404]},
        tags=["write"],
    )
    def delete_article(
        article_id: ArticleId,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Response:
        """Delete the article with this id (committed when the response is sent)."""
        authorize(credentials)

        def delete(ix: Any) -> bool:
            found: bool = ix.delete(article_id)
            if found and not state.sharded:  # (a shard's delete commits itself)
                ix.commit(merge_policy=state.merge_policy)
            return found

        if not state.write(delete):
            raise no_article(article_id)
        return OrjsonResponse({"deleted": article_id})

    @app.head("/health", include_in_schema=False)
    @app.get("/health", summary="Liveness and what is served", tags=["about"])
    async def health() -> models.HealthOut:
        """Articles and commit generation served by this process. Answered on the event loop
        without waiting for the searcher: a liveness probe does not queue behind searches."""
        return models.HealthOut(
            status="ok",
            articles=live.doc_count(),
            generation=live.generation(),
            refreshed_at=live.refreshed_at,
            refresh_interval_s=live.interval,
            writes=state.token is not None,
            worker=os.getpid(),
            version=__version__,
        )

    if page:
        _install_page(app)
    return app


def _install_page(app: FastAPI) -> None:
    page_headers = {
        "Content-Security-Policy": PAGE_CSP,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index_page() -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=page_headers)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _require(s: Searcher, article_id: str) -> dict[str, Any]:
    """The stored article with this id in the searcher's snapshot, or a 404."""
    fields = s.get(article_id) if article_id else None
    if not fields:
        raise no_article(article_id)
    return document_to_article(fields).to_dict()


def app_from_env() -> FastAPI:
    """The app ``newsearch serve`` runs in each worker (``uvicorn --factory
    newsearch.web:app_from_env``): the index directory from ``NEWSEARCH_INDEX``, the ingest
    token from ``NEWSEARCH_INGEST_TOKEN``, allowed origins (comma-separated) from
    ``NEWSEARCH_CORS_ORIGINS``, and ``NEWSEARCH_REFRESH_INTERVAL`` (seconds)."""
    path = os.environ.get("NEWSEARCH_INDEX")
    if not path:
        raise ConfigError("set NEWSEARCH_INDEX to the index directory")
    origins = os.environ.get("NEWSEARCH_CORS_ORIGINS", "")
    interval = os.environ.get("NEWSEARCH_REFRESH_INTERVAL")
    return create_app(
        path,
        ingest_token=os.environ.get("NEWSEARCH_INGEST_TOKEN") or None,
        cors_origins=[o.strip() for o in origins.split(",") if o.strip()],
        refresh_interval=float(interval) if interval else DEFAULT_REFRESH_INTERVAL,
    )
