"""The application factory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine

from zhumeng_server import errors
from zhumeng_server.core import ServerState, ensure_settings
from zhumeng_server.db import make_engine
from zhumeng_server.encoding import CompressionMiddleware, ServerTimingMiddleware
from zhumeng_server.routes import ROUTERS
from zhumeng_tui.api_client.schemas import ErrorBody

MAX_BODY = 10 * 1024 * 1024


def create_app(
    database_url: str,
    secret: str,
    *,
    demo: bool = False,
    today: Callable[[], dt.date] | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """A FastAPI app serving ``database_url`` (which must already be migrated).

    ``app.state.today`` is the clock for "today" (a callable; tests pin it).
    """
    if not secret:
        raise ValueError("secret must not be empty")
    app = FastAPI(
        title="zhumeng central API",
        version="1",
        description=(
            "Reference central API of the 逐梦计划 internship platform.\n\n"
            "JSON answers of 1 KiB or more are compressed when the request's `Accept-Encoding` allows it: "
            "`zstd` (preferred) or `gzip`, with `Content-Encoding` saying which; a request without "
            "`Accept-Encoding` (or with `identity`) gets plain JSON. Every answer carries "
            "`Server-Timing: app;dur=<milliseconds>`, the time the server spent on it."
        ),
    )
    state = ServerState(engine=engine or make_engine(database_url), secret=secret, demo=demo)
    ensure_settings(state.engine)
    # The injectable clock: ``app.state.today`` (a callable returning a date).
    app.state.today = today or dt.date.today
    state.today = lambda: app.state.today()
    app.state.server = state
    errors.install(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return errors.error_response(
                413, ErrorBody(code="too_large", message_zh="请求体过大（上限 10 MB）",
                               message_en="Request body too large (limit 10 MB)"))
        return await call_next(request)

    for router in ROUTERS:
        app.include_router(router)
    # the last added is the outermost: the timing includes the compression
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(ServerTimingMiddleware)
    return app
