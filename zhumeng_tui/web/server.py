"""The web server of ``zhumeng-tui serve-web`` (textual-serve, on aiohttp).

Each browser tab that opens the page gets its own app process (the command
:func:`zhumeng_tui.web.command.session_command` builds), driven over a
websocket. On top of textual-serve this server

- caps the sessions running at once: past the cap the page says so (HTTP
  503), and a websocket opened anyway gets the same words and is closed;
- ends a session idle longer than ``idle_seconds`` (no key or mouse input
  from its tab): the app process is asked to quit, which signs it out on
  the server; a closed tab ends its session the same way;
- serves its own page: no fonts or scripts from elsewhere, and a font stack
  that draws Chinese at two cells;
- names downloads in UTF-8 (Chinese file names arrive intact);
- keeps the host's ``ZHUMENG_TOKEN`` out of the sessions' environment;
- refuses a websocket opened by a page from another site (its ``Origin``),
  and asks browsers not to show the page inside another site's frame;
- serves over TLS when given a certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger("zhumeng-web")

TEMPLATES = Path(__file__).parent / "templates"
#: Sent with the page: not inside another site's frame, no address sent on.
PAGE_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
                "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
#: Environment variables a session's process never inherits from the host.
HIDDEN_FROM_SESSIONS = ("ZHUMENG_TOKEN",)


class Session(AppService):
    """One tab's app process; knows when its tab last sent input."""

    def __init__(self, command: str, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.last_input = time.monotonic()

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        for name in HIDDEN_FROM_SESSIONS:
            environment.pop(name, None)
        return environment

    async def send_bytes(self, data: bytes) -> bool:
        self.last_input = time.monotonic()
        return await super().send_bytes(data)


def full_text(limit: int) -> str:
    """What a tab over the cap is told (also drawn in its terminal)."""
    return (f"同时在线的会话已满（{limit} 个），请稍后再试。\r\n"
            f"All {limit} browser sessions are in use; try again in a while.\r\n")


class WebServer(Server):
    """See the module docstring."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        public_url: str | None = None,
        max_sessions: int = 20,
        idle_seconds: float = 30 * 60,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if public_url is None and ssl_context is not None:
            public_url = f"https://{host}:{port}"
        super().__init__(command, host=host, port=port, title=title, public_url=public_url,
                         templates_path=TEMPLATES)
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.ssl_context = ssl_context
        self.sessions: set[Session] = set()

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    # ----------------------------------------------------------- serving --

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT/SIGTERM; then every session is asked to quit
        (and so signs out) before the server stops."""
        self.debug = debug
        self.initialize_logging()
        web.run_app(self._make_app(), host=self.host, port=self.port, ssl_context=self.ssl_context,
                    print=None, shutdown_timeout=20)

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(f"{self.title}: {self.public_url}")
        self.console.print(f"  max {self.max_sessions} sessions, idle timeout {self.idle_seconds / 60:g} min; "
                           "Ctrl+C stops")

    async def on_shutdown(self, app: web.Application) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*(s.stop() for s in list(self.sessions))), timeout=15)

    # ------------------------------------------------------------- pages --

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            return aiohttp_jinja2.render_template(
                "full.html", request, {"title": self.title, "limit": self.max_sessions}, status=503)
        response: web.StreamResponse = await super().handle_index(request)
        response.headers.update(PAGE_HEADERS)
        return response

    def same_site(self, request: web.Request) -> bool:
        """The request comes from this server's own page (or from no page at
        all): its ``Origin`` is the public URL's, or the address it was sent to."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        public = urlsplit(self.public_url)
        return origin in (f"{public.scheme}://{public.netloc}", f"{request.scheme}://{request.host}")

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="no such download") from None
        content_type = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        disposition = "inline" if meta.open_method == "browser" else "attachment"
        name = meta.file_name
        fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        response = web.StreamResponse(headers={
            "Content-Type": content_type,
            "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        })
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    # --------------------------------------------------------- sessions --

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self.same_site(request):
            log.warning("websocket refused: opened from %s", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="another site's page may not open a session here")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full:
            log.warning("session refused: %d sessions running (the cap)", len(self.sessions))
            await websocket.send_bytes(full_text(self.max_sessions).encode())
            await websocket.close()
            return websocket
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        session = Session(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                          close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        self.sessions.add(session)
        log.info("session started (%d running)", len(self.sessions))
        idle: asyncio.Task[None] | None = None
        try:
            await session.start(width, height)
            idle = asyncio.create_task(self._end_when_idle(session, websocket))
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if idle is not None:
                idle.cancel()
            await session.stop()
            self.sessions.discard(session)
            log.info("session ended (%d running)", len(self.sessions))
        return websocket

    async def _end_when_idle(self, session: Session, websocket: web.WebSocketResponse) -> None:
        step = max(0.2, min(30.0, self.idle_seconds / 4))
        while True:
            await asyncio.sleep(step)
            if time.monotonic() - session.last_input >= self.idle_seconds:
                log.info("session idle for %g min: ended", self.idle_seconds / 60)
                await session.stop()
                await websocket.close()
                return


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default
