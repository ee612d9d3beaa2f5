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
import random
import ssl
from collections.abc import Mapping
from typing import Any, TypeVar, get_args

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

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
from zhumeng_tui.api_client.schemas import (
    API_PREFIX,
    ActionRequest,
    Application,
    BatchRequest,
    BatchResponse,
    CalendarYear,
    Change,
    ChangesResponse,
    ErrorResponse,
    Me,
    TokenRequest,
    TokenResponse,
)

M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
USER_AGENT = "zhumeng-tui/0.1"


_RECORD_TYPES = frozenset(get_args(Change.model_fields["type"].annotation))


_CHANGE_FIELDS = frozenset(Change.model_fields)
_new = object.__new__
_set = object.__setattr__


def _construct(model: type[M], values: dict[str, Any]) -> M:
    """What ``model.model_construct(**values)`` does for a model without
    defaults left to fill or extras (``values`` has every field), at a quarter
    of the cost: this runs once per change in the feed."""
    obj = _new(model)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _fast_changes(doc: Any) -> ChangesResponse | None:
    """``ChangesResponse`` built without validating each ``data`` dict, or None
    when the document is not a plainly well-formed page."""
    if not isinstance(doc, dict):
        return None
    raw, cursor, has_more, reset = doc.get("changes"), doc.get("cursor"), doc.get("has_more"), doc.get("reset", False)
    if (not isinstance(raw, list) or type(cursor) is not int or type(has_more) is not bool
            or type(reset) is not bool):
        return None
    out = []
    for ch in raw:
        if not isinstance(ch, dict):
            return None
        data = ch.get("data")
        deleted = ch.get("deleted", False)
        if (type(ch.get("id")) is not int or type(ch.get("seq")) is not int or type(ch.get("version")) is not int
                or ch.get("type") not in _RECORD_TYPES or type(deleted) is not bool
                or not (data is None or isinstance(data, dict))):
            return None
        if len(ch) != len(_CHANGE_FIELDS) or ch.keys() != _CHANGE_FIELDS:
            ch = {"type": ch["type"], "id": ch["id"], "seq": ch["seq"], "version": ch["version"],
                  "deleted": deleted, "data": data}
        out.append(_construct(Change, ch))
    return ChangesResponse.model_construct(changes=out, cursor=cursor, has_more=has_more, reset=reset)


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
        headers: dict[str, str] = {}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if if_match is not None:
            headers["If-Match"] = str(if_match)
        safe = method.upper() == "GET" or idempotency_key is not None
        attempts = 1 + (self.retries if retries is None else retries) if safe else 1
        last: ApiError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._delay(attempt))
            try:
                self.requests_sent += 1
                resp = await self._http.request(method, path, json=json, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                last = Offline(
                    "timeout",
                    "服务器响应超时（离线或网络缓慢）",
                    f"The server did not answer in time ({type(exc).__name__})",
                )
                continue
            except (httpx.TransportError, OSError) as exc:
                if _certificate_refused(exc):
                    raise UntrustedCertificate() from exc
                last = Offline(message_en=f"Cannot reach the server ({type(exc).__name__}: {exc})")
                continue
            if resp.status_code < 400:
                return resp
            err = self._error(resp)
            if not err.retryable:
                raise err
            last = err
        assert last is not None
        raise last

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

    async def changes(self, since: int, limit: int = 5000) -> tuple[ChangesResponse, int | None]:
        """One page of the change feed, and the server's total estimate if it sent one."""
        resp = await self.request("GET", "/changes", params={"since": since, "limit": limit})
        total = None
        for name in ("X-Total-Count", "X-Total", "X-Changes-Total", "X-Changes-Remaining"):
            raw = resp.headers.get(name)
            if raw and raw.isdigit():
                total = int(raw)
                break
        return self.parse_changes(resp), total

    @classmethod
    def parse_changes(cls, resp: httpx.Response) -> ChangesResponse:
        """A page of the feed, fast: the envelope and every change's fields are
        checked, but each record's ``data`` stays the plain dict the JSON parser
        made (validating 100k+ records through pydantic is most of a first
        sync's parse time). Anything unexpected goes through the full model,
        which reports it as usual."""
        try:
            doc = from_json(resp.content)
        except ValueError:
            doc = None
        page = _fast_changes(doc)
        return page if page is not None else cls.parse(ChangesResponse, resp)

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
        """Generic mutation (used by the outbox): returns the decoded JSON answer."""
        resp = await self.request(method, path, json=body, idempotency_key=idempotency_key, if_match=if_match)
        if not resp.content:
            return None
        try:
            return resp.json()
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
