"""The application factory."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhumeng_server import errors, settings
from zhumeng_server.core import ServerState, ensure_settings
from zhumeng_server.db import make_engine
from zhumeng_server.encoding import CompressionMiddleware, ServerTimingMiddleware
from zhumeng_server.routes import ROUTERS
from zhumeng_server.routes.common import REQUIRED_HEADERS
from zhumeng_tui.api_client.schemas import ErrorBody

#: The largest request body, counted as it is read (chunked bodies too).
MAX_BODY = 10 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised while the body is read: the route's error handling answers 413."""

    def __init__(self) -> None:
        super().__init__(413, headers={"Connection": "close"})


def _too_large() -> Any:
    return errors.error_response(
        413, ErrorBody(code="too_large", message_zh=f"请求体过大（上限 {MAX_BODY // 2**20} MB）",
                       message_en=f"Request body too large (limit {MAX_BODY // 2**20} MB)"),
        headers={"Connection": "close"})


class BodyLimit:
    """Refuses a request whose body is over ``limit`` bytes with 413: at once
    when its Content-Length says so, otherwise as soon as what was read
    passes the limit (a chunked body is never read further)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large()(scope, receive, send)
            return
        read = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large()(scope, receive, send)


def _required_headers(route: Any) -> tuple[str, ...]:
    """The write headers ``route`` answers 428 without (see ``REQUIRED_HEADERS``)."""
    todo = [route.dependant]
    while todo:
        dep = todo.pop()
        if dep.call in REQUIRED_HEADERS:
            return REQUIRED_HEADERS[dep.call]
        todo.extend(dep.dependencies)
    return ()


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The document FastAPI makes, with the write headers marked required
    (the server answers 428 without them; they are optional to FastAPI so
    that the answer is a 428, not a validation error)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = plain()
            required = {(m.lower(), r.path_format): _required_headers(r) for r in app.state.routes for m in r.methods}
            for path, item in doc["paths"].items():
                for method, op in item.items():
                    for param in op.get("parameters", []):
                        if param["in"] == "header" and param["name"] in required.get((method, path), ()):
                            param["required"] = True
                            param["schema"] = {k: v for k, v in param["schema"].get("anyOf", [{}])[0].items()
                                               if k in ("type", "pattern")} or {"type": "string"}
                            op["responses"].setdefault("428", op["responses"].get("422"))
            app.openapi_schema = doc
        return app.openapi_schema

    return openapi


def create_app(
    database_url: str,
    secret: str,
    *,
    demo: bool = False,
    today: Callable[[], dt.date] | None = None,
    engine: Engine | None = None,
    config: settings.Settings | None = None,
) -> FastAPI:
    """A FastAPI app serving ``database_url`` (which must already be migrated).

    ``app.state.today`` is the clock for "today" (a callable; tests pin it).
    ``config``: token lifetimes, the sign-in throttle (default: from the environment).
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
    state = ServerState(engine=engine or make_engine(database_url), secret=secret, demo=demo,
                        settings=config or settings.from_env())
    ensure_settings(state.engine)
    # The injectable clock: ``app.state.today`` (a callable returning a date).
    app.state.today = today or dt.date.today
    state.today = lambda: app.state.today()
    app.state.server = state
    errors.install(app)
    app.add_middleware(BodyLimit)
    for router in ROUTERS:
        app.include_router(router)
    #: Every route, for the Allow header of a 405 answer.
    app.state.routes = [route for router in ROUTERS for route in router.routes]
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    # the last added is the outermost: the timing includes the compression
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(ServerTimingMiddleware)
    return app


def app_from_env() -> FastAPI:
    """The app of a worker process started by ``zhumeng-server --workers N``:
    the database, the secret and the settings come from the environment
    (``ZHUMENG_DATABASE_URL``, ``ZHUMENG_SECRET``, :mod:`zhumeng_server.settings`)."""
    app = create_app(os.environ["ZHUMENG_DATABASE_URL"], os.environ["ZHUMENG_SECRET"],
                     demo=os.environ.get("ZHUMENG_DEMO") == "1")
    settle_heap()
    return app


def settle_heap() -> None:
    """For a process that serves the app: leave what start-up made (modules,
    the app and its routes, some 150,000 objects) out of the garbage
    collector's full passes. They live as long as the process; scanning them
    took a few hundred ms in the middle of whichever request set a pass off."""
    gc.collect()
    gc.freeze()
