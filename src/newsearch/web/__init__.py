"""``newsearch.web``: an ASGI app (FastAPI) serving an index: a JSON API, its OpenAPI
description, and an Arabic search page. Needs the ``[web]`` extra.

::

    from newsearch.web import create_app

    app = create_app("news-index", ingest_token=os.environ["INGEST_TOKEN"])
    uvicorn.run(app)  # or mount it in a Starlette/FastAPI app: site.mount("/news", app)

See docs/web.md.
"""

from __future__ import annotations

from ..extras import require

require("web", "newsearch.web")  # MissingExtraError (an ImportError) with the install command

from .app import ApiError, Limits, WebState, app_from_env, create_app  # noqa: E402
from .live import DEFAULT_REFRESH_INTERVAL, LiveSearcher  # noqa: E402

__all__ = [
    "DEFAULT_REFRESH_INTERVAL",
    "ApiError",
    "Limits",
    "LiveSearcher",
    "WebState",
    "app_from_env",
    "create_app",
]
