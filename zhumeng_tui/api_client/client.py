"""The async httpx client for the central API (client core).

The one place that knows URLs and status codes. Results are parsed into the
wire schemas; failures are raised as the typed errors of
:mod:`zhumeng_tui.api_client.errors`.

Retries (exponential backoff + full jitter) happen only for requests that are
safe to repeat — ``GET`` or anything carrying an ``Idempotency-Key`` — and only
on network errors and 5xx answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
import msgspec
from pydantic import BaseModel, ValidationError

from zhumeng_tui.api_client.errors import (
    ApiError,
    Conflict,
    Forbidden,
    NotFound,
    Offline,
    ServerError,
    Unauthorised,
    UntrustedCertificate,
    ValidationFailed,
)
from zhumeng_tui.api_client.feed import (
    ENCODED_CODINGS,
    EncodedPage,
    FeedPage,
    PageEnd,
    PageInfo,
    decode_page,
    decompress,
)
from zhumeng_tui.api_client.schemas import (
    API_PREFIX,
    TOTAL_HEADER,
    ActionRequest,
    Application,
    BatchRequest,
    BatchResponse,
    CalendarYear,
    ErrorResponse,
    Me,
    TokenRequest,
    TokenResponse,
)

M = TypeVar("M", bound=BaseModel)
W = TypeVar("W")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
USER_AGENT = "zhumeng-tui/0.1"


def server_time(resp: httpx.Response) -> float:
    """The milliseconds the server says it spent on an answer (``Server-Timing:
    app;dur=...``; 0 without the header)."""
    for part in resp.headers.get("Server-Timing", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() == "app":
            for p in params.split(";"):
                key, _, value = p.strip().partition("=")
                if key.strip() == "dur":
                    try:
                        return float(value)
                    except ValueError:
                        return 0.0
    return 0.0


class ApiClient:
    """One async client per server + account.

    ``base_url`` is the server root (``http://host:port``; ``/api/v1`` is
    added). Tests pass ``transport=`` (``httpx.ASGITransport`` or a wrapper
    that injects faults) and may leave ``base_url`` at its default.
    """

    def __init__(
        self,
        base_url: str = "http://zhumeng.invalid",
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.2,
        backoff_max: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        #: Requests actually sent (each retry counts); the bench reads this.
        self.requests_sent = 0
        #: The time the server said it spent on them (``Server-Timing``), in ms.
        self.server_ms = 0.0
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ core --

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        if_match: int | None = None,
        auth: bool = True,
        retries: int | None = None,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise an ApiError."""
        headers = self._headers(auth, idempotency_key, if_match)

        async def send() -> tuple[httpx.Response, None]:
            return await self._http.request(method, path, json=json, params=params, headers=headers), None

        safe = method.upper() == "GET" or idempotency_key is not None
        resp, _ = await self._with_retries(send, safe=safe, retries=retries)
        return resp

    async def get_encoded(self, path: str, *, params: Mapping[str, Any] | None = None
                          ) -> tuple[httpx.Response, bytes, str]:
        """A ``GET`` whose answer's body is kept as it came on the wire, and
        the coding it is in (its ``Content-Encoding``; :func:`feed.decompress`
        makes it the JSON): a large answer is decompressed in one go, where
        the caller wants it (in a thread). An answer a transport made whole
        already (a test's) comes decoded, its coding ``""``."""
        headers = self._headers(True, None, None) | {"Accept-Encoding": ENCODED_CODINGS}
        resp, wire = await self._with_retries(
            lambda: self._send_encoded("GET", path, params=params, headers=headers), safe=True, retries=None)
        assert wire is not None  # a 2xx answer's body
        return resp, *wire

    def _headers(self, auth: bool, idempotency_key: str | None, if_match: int | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if if_match is not None:
            headers["If-Match"] = str(if_match)
        return headers

    async def _with_retries(self, send: Callable[[], Awaitable[tuple[httpx.Response, W]]], *, safe: bool,
                            retries: int | None) -> tuple[httpx.Response, W]:
        """``send`` until a 2xx answer (returned with what ``send`` read of
        it) or a definite failure (raised as an ApiError). Only a ``safe``
        request is repeated, and only on network errors and 5xx answers."""
        attempts = 1 + (self.retries if retries is None else retries) if safe else 1
        last: ApiError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._delay(attempt))
            try:
                self.requests_sent += 1
                resp, read = await send()
            except httpx.TimeoutException as exc:
                last = Offline(
                    "timeout",
                    "服务器响应超时（离线或网络缓慢）",
                    f"The server did not answer in time ({type(exc).__name__})",
                )
                continue
            except httpx.DecodingError as exc:  # a compressed answer that does not decompress
                raise ServerError("bad_response", "服务器返回了无法识别的数据",
                                  f"The server sent an answer the client cannot decode ({exc})") from exc
            except (httpx.TransportError, OSError) as exc:
                if _certificate_refused(exc):
                    raise UntrustedCertificate() from exc
                last = Offline(message_en=f"Cannot reach the server ({type(exc).__name__}: {exc})")
                continue
            self.server_ms += server_time(resp)
            if resp.status_code < 400:
                return resp, read
            err = self._error(resp)
            if not err.retryable:
                raise err
            last = err
        assert last is not None
        raise last

    async def _send_encoded(self, method: str, path: str, **options: Any
                            ) -> tuple[httpx.Response, tuple[bytes, str] | None]:
        """Send; a 2xx answer's body is read as it comes on the wire, with its
        coding (an error's is decoded, for its message)."""
        resp = await self._http.send(self._http.build_request(method, path, **options), stream=True)
        try:
            if resp.status_code >= 400:
                await resp.aread()
                return resp, None
            if resp.is_stream_consumed:  # made whole by the transport (and decoded)
                return resp, (resp.content, "")
            return resp, (b"".join([chunk async for chunk in resp.aiter_raw()]), resp.headers.get("Content-Encoding", ""))
        finally:
            await resp.aclose()

    def _delay(self, attempt: int) -> float:
        cap = min(self.backoff_max, self.backoff * (2 ** (attempt - 1)))
        return random.uniform(cap / 2, cap)

    @staticmethod
    def _error(resp: httpx.Response) -> ApiError:
        status = resp.status_code
        body = None
        try:
            body = ErrorResponse.model_validate(resp.json()).error
        except (ValueError, ValidationError):
            body = None
        code = body.code if body else None
        zh = body.message_zh if body else None
        en = body.message_en if body else None
        if status == 401:
            return Unauthorised(code, zh, en)
        if status == 403:
            return Forbidden(code, zh, en)
        if status == 404:
            return NotFound(code, zh, en)
        if status == 409:
            return Conflict(code, zh, en, current=body.current if body else None)
        if status >= 500:
            return ServerError(code, zh, en or f"The server failed (HTTP {status})")
        return ValidationFailed(code, zh, en or f"The server refused the request (HTTP {status})",
                                fields=body.fields if body else None)

    @staticmethod
    def parse(model: type[M], resp: httpx.Response) -> M:
        try:
            return model.model_validate_json(resp.content)
        except ValidationError as exc:
            raise ServerError(
                "bad_response",
                "服务器返回了无法识别的数据",
                f"The server sent an answer the client cannot read: {exc.error_count()} error(s)",
            ) from exc

    # ------------------------------------------------------- endpoints --

    async def login(self, username: str, password: str) -> TokenResponse:
        resp = await self.request(
            "POST",
            "/auth/token",
            json=TokenRequest(username=username, password=password).model_dump(),
            auth=False,
        )
        tok = self.parse(TokenResponse, resp)
        self.token = tok.access_token
        return tok

    async def logout(self) -> None:
        """Revoke this client's token on the server (``DELETE /auth/token``)."""
        await self.request("DELETE", "/auth/token", retries=0)
        self.token = None

    async def me(self) -> Me:
        return self.parse(Me, await self.request("GET", "/me"))

    async def health(self) -> bool:
        await self.request("GET", "/health", auth=False, retries=0)
        return True

    async def changes(self, since: int, limit: int = 5000, *, total: bool = False,
                      horizon: int | None = None) -> tuple[FeedPage, PageInfo]:
        """One page of the change feed (decoded in a thread: a page is a few MB
        of JSON), and what the answer said about it: the server's count of
        the changes in scope when ``total`` is asked, the bytes received.
        ``horizon``: the tombstone horizon of the last page received."""
        encoded = await self.changes_encoded(since, limit, total=total, horizon=horizon)
        return await asyncio.to_thread(self.read_encoded, encoded)

    async def changes_encoded(self, since: int, limit: int = 5000, *, total: bool = False,
                              horizon: int | None = None) -> EncodedPage:
        """One page of the change feed as it came, not decoded (:meth:`read_page`
        decodes it), with what its headers said of the next page."""
        params: dict[str, Any] = {"since": since, "limit": limit}
        if total:
            params["total"] = "true"
        if horizon is not None:
            params["horizon"] = horizon
        resp, body, coding = await self.get_encoded("/changes", params=params)
        raw = resp.headers.get(TOTAL_HEADER, "")
        return EncodedPage(body, coding, PageInfo(total=int(raw) if raw.isdigit() else None,
                                                  wire_bytes=resp.num_bytes_downloaded),
                           PageEnd.from_headers(resp.headers))

    @classmethod
    def read_encoded(cls, encoded: EncodedPage) -> tuple[FeedPage, PageInfo]:
        """A page from :meth:`changes_encoded` decoded (:meth:`read_page`), and
        what its answer said with the bytes of its JSON."""
        page, json_bytes = cls.read_page(encoded.body, encoded.coding)
        return page, dataclasses.replace(encoded.info, json_bytes=json_bytes)

    @classmethod
    def read_page(cls, body: bytes, coding: str) -> tuple[FeedPage, int]:
        """A page of the feed as it came on the wire (``coding``: its
        ``Content-Encoding``), and the bytes of its JSON."""
        try:
            text = decompress(body, coding)
        except ValueError as exc:
            raise ServerError("bad_response", "服务器返回了无法识别的数据",
                              f"The server sent an answer the client cannot decode ({exc})") from exc
        return cls.parse_changes(text), len(text)

    @staticmethod
    def parse_changes(body: bytes) -> FeedPage:
        """A page of the feed (:func:`zhumeng_tui.api_client.feed.decode_page`);
        anything else is the server's error ``bad_response``."""
        try:
            return decode_page(body)
        except ValueError as exc:
            raise ServerError(
                "bad_response", "服务器返回了无法识别的数据",
                f"The server sent a change feed page the client cannot read: {exc}",
            ) from exc

    async def get_application(self, application_id: int) -> Application:
        return self.parse(Application, await self.request("GET", f"/applications/{application_id}"))

    async def application_action(
        self, application_id: int, body: ActionRequest, *, version: int, idempotency_key: str
    ) -> Application:
        resp = await self.request(
            "POST",
            f"/applications/{application_id}/actions",
            json=body.model_dump(mode="json"),
            idempotency_key=idempotency_key,
            if_match=version,
        )
        return self.parse(Application, resp)

    async def batch(self, body: BatchRequest, *, idempotency_key: str) -> BatchResponse:
        resp = await self.request(
            "POST",
            "/applications/actions:batch",
            json=body.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        return self.parse(BatchResponse, resp)

    async def calendar(self) -> list[CalendarYear]:
        resp = await self.request("GET", "/calendar")
        data = resp.json()
        if isinstance(data, dict):
            data = data.get("years", [])
        return [CalendarYear.model_validate(x) for x in data]

    async def send(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        idempotency_key: str,
        if_match: int | None = None,
    ) -> Any:
        """Generic mutation (used by the outbox): returns the decoded JSON
        answer, decoded in a thread (a batch's answer is a few MB: the event
        loop, the app's screen, does not wait for it)."""
        resp = await self.request(method, path, json=body, idempotency_key=idempotency_key, if_match=if_match)
        if not resp.content:
            return None
        try:
            return await asyncio.to_thread(msgspec.json.decode, resp.content)
        except ValueError as exc:
            raise ServerError("bad_response", "服务器返回了无法识别的数据",
                              "The server sent an answer the client cannot read") from exc


def _certificate_refused(exc: BaseException) -> bool:
    """Did the TLS handshake fail on the server's certificate (somewhere in the exception's causes)?"""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
