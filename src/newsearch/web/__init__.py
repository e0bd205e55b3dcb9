"""``newsearch.web``: an ASGI app (FastAPI) serving an index: a JSON API, its OpenAPI
description, and an Arabic search page. Needs the ``[web]`` extra.

::

    from newsearch.web import create_app

    app = create_app("news-index", ingest_token=os.environ["INGEST_TOKEN"])
    uvicorn.run(app)  # or mount it in a Starlette/FastAPI app: site.mount("/news", app)

See docs/web.md.
"""

from __future__ import annotations

try:
    import fastapi  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"newsearch.web needs the [web] extra ({e.name} is missing): pip install 'newsearch[web]'"
    ) from e

from .app import ApiError, Limits, WebState, app_from_env, create_app
from .live import DEFAULT_REFRESH_INTERVAL, LiveSearcher

__all__ = [
    "DEFAULT_REFRESH_INTERVAL",
    "ApiError",
    "Limits",
    "LiveSearcher",
    "WebState",
    "app_from_env",
    "create_app",
]
