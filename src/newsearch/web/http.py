"""The HTTP side of the web app: JSON errors, the error handlers, response headers and
request bodies. Every error is ``{"error": code, "message": ..., "details"?: [...]}``."""

# No ``from __future__ import annotations``: FastAPI and Starlette read annotations at runtime.

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ConfigError, OptionError
from ..ingest import IngestReport, Rejection
from ..request import surface_names

__all__ = [
    "ApiError",
    "OrjsonResponse",
    "SecurityHeaders",
    "bad_parameter",
    "index_locked",
    "install_error_handlers",
    "no_article",
    "read_body",
    "records_of",
    "renumber",
]

log = logging.getLogger("newsearch.web")


class ApiError(Exception):
    """An error answered as ``{"error": code, "message": ...}`` with this HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return OrjsonResponse(body, status_code=self.status, headers=self.headers)


class OrjsonResponse(JSONResponse):
    """JSON via orjson (numpy floats, datetimes and non-string keys included)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


STATUS_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
}


def index_locked(timeout: float) -> ApiError:
    return ApiError(
        503,
        "index-locked",
        f"another writer held the index for {timeout:g} s; retry later",
        headers={"Retry-After": "1"},
    )


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body")]
            details.append({"param": ".".join(loc) or "request", "message": str(err.get("msg"))})
        message = "; ".join(f"{d['param']}: {d['message']}" for d in details)
        return ApiError(400, "bad-parameter", message or "bad request", details=details).response()

    http_names = surface_names("http")

    async def config_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, OptionError):  # name the parameter as the client sent it
            return bad_parameter(http_names.get(exc.option, exc.option), exc.reason).response()
        return ApiError(400, "bad-parameter", str(exc)).response()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = STATUS_CODES.get(exc.status_code, "error")
        return ApiError(
            exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
        ).response()

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("newsearch: internal error on %s", request.url.path, exc_info=exc)
        return ApiError(500, "internal", "internal server error").response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ConfigError, config_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)


def bad_parameter(param: str, message: str) -> ApiError:
    return ApiError(
        400,
        "bad-parameter",
        f"{param}: {message}",
        details=[{"param": param, "message": message}],
    )


def no_article(article_id: str) -> ApiError:
    return ApiError(404, "not-found", f"no article with id {article_id!r}")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with a 413 as soon as it is over ``limit`` bytes (announced
    or counted)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body-too-large", f"the body is over {limit} bytes; send fewer articles")


def records_of(body: bytes, is_json: bool) -> tuple[list[Any], list[int]]:
    """The records of a body and, for each, its line (JSON Lines) or 1-based position in the
    array (JSON)."""
    if is_json:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            raise ApiError(400, "bad-body", f"the body is not JSON: {e}") from None
        items = value if isinstance(value, list) else [value]
        # Anything but an object goes through as a JSON line, to be rejected with a reason.
        records = [x if isinstance(x, dict) else orjson.dumps(x) for x in items]
        lines = list(range(1, len(records) + 1))
    else:
        records, lines = [], []
        for n, line in enumerate(body.split(b"\n"), 1):
            if line.strip():
                records.append(line)
                lines.append(n)
    if not records:
        raise ApiError(400, "bad-body", "no articles in the body")
    return records, lines


def renumber(report: IngestReport, lines: list[int]) -> None:
    """Rejections name the body and the record's own line or position."""

    def fix(r: Rejection) -> Rejection:
        line = lines[r.line - 1] if 0 < r.line <= len(lines) else r.line
        return Rejection("<body>", line, r.reason, r.id)

    report.rejections = [fix(r) for r in report.rejections]
    report.truncated = [fix(r) for r in report.truncated]
