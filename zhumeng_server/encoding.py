"""How answers go on the wire: compressed when the client asks for it, and
with the time the server spent on them.

``CompressionMiddleware`` compresses JSON answers of at least
``MINIMUM_SIZE`` bytes with the best coding the request's ``Accept-Encoding``
allows: ``zstd`` (level 1: the change feed shrinks about 16x at some 300 MB/s)
or ``gzip`` (level 1: about 9x). A client that asks for neither gets the
plain JSON; a coding is never forced on a client. Large answers are
compressed in a worker thread, so the event loop keeps serving.

``ServerTimingMiddleware`` adds ``Server-Timing: app;dur=<ms>`` to every
answer: the time from the request's arrival to its answer being ready
(the benchmark reads it for the server's share of a bulk review).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterable

import anyio.to_thread
import zstandard
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Answers shorter than this go as they are (compressing them saves nothing).
MINIMUM_SIZE = 1024
#: Answers at least this long are compressed off the event loop.
THREAD_SIZE = 256 * 1024
ZSTD_LEVEL = 1
GZIP_LEVEL = 1

#: The codings the server offers, best first.
CODINGS = ("zstd", "gzip")

_local = threading.local()


def _zstd(body: bytes) -> bytes:
    comp = getattr(_local, "zstd", None)
    if comp is None:  # a compressor is not thread-safe: one per thread
        comp = _local.zstd = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return bytes(comp.compress(body))


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


COMPRESS = {"zstd": _zstd, "gzip": _gzip}


def negotiate(accept_encoding: str, offered: Iterable[str] = CODINGS) -> str | None:
    """The coding to answer with: the offered one with the highest q-value in
    ``Accept-Encoding`` (RFC 9110, 12.5.3; ``*`` stands for any coding not
    named; ``q=0`` refuses), the server's order breaking ties. None: send
    the answer as it is."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[name] = q
    best, best_q = None, 0.0
    for coding in offered:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


class CompressionMiddleware:
    """Compress JSON answers for clients that ask (see the module)."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding = negotiate(Headers(scope=scope).get("accept-encoding", ""))
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False  # not ours to compress: messages go through as they come

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                json_answer = headers.get("content-type", "").startswith("application/json")
                if json_answer:
                    MutableHeaders(raw=message["headers"]).add_vary_header("Accept-Encoding")
                if coding is None or not json_answer or "content-encoding" in headers:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            assert start is not None and coding is not None
            # A JSON answer is made whole by its route; an outer layer may pass
            # it on in pieces: it is collected, then compressed in one go.
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if len(body) >= self.minimum_size:
                encode = COMPRESS[coding]
                body = await anyio.to_thread.run_sync(encode, body) if len(body) >= THREAD_SIZE else encode(body)
                headers = MutableHeaders(raw=start["headers"])
                headers["Content-Encoding"] = coding
                headers["Content-Length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, wrapped)


class ServerTimingMiddleware:
    """``Server-Timing: app;dur=<ms>`` on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - began) * 1000
                MutableHeaders(raw=message["headers"]).append("Server-Timing", f"app;dur={took:.1f}")
            await send(message)

        await self.app(scope, receive, wrapped)
