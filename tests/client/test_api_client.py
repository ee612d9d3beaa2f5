"""The httpx client: typed errors, retries only when safe, timeouts."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable

import httpx
import pytest

from zhumeng_tui.api_client.client import DEFAULT_TIMEOUT, ApiClient
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
from zhumeng_tui.api_client.feed import FeedPage
from zhumeng_tui.api_client.schemas import Me


def err(status: int, code: str, **extra: object) -> httpx.Response:
    body = {"error": {"code": code, "message_zh": f"中文{code}", "message_en": f"en {code}", **extra}}
    return httpx.Response(status, json=body)


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> ApiClient:
    return ApiClient("http://t", transport=httpx.MockTransport(handler), backoff=0.001, **kw)  # type: ignore[arg-type]


def test_timeout_is_explicit() -> None:
    t = DEFAULT_TIMEOUT
    assert None not in (t.connect, t.read, t.write, t.pool)


@pytest.mark.parametrize(
    ("status", "code", "exc"),
    [
        (401, "unauthorized", Unauthorised),
        (403, "role_not_allowed", Forbidden),
        (403, "provincial_review", Forbidden),
        (404, "not_found", NotFound),
        (409, "illegal_transition", Conflict),
        (422, "validation_error", ValidationFailed),
        (422, "idempotency_key_reused", ValidationFailed),
        (428, "precondition_required", ValidationFailed),
        (500, "internal", ServerError),
    ],
)
async def test_errors_are_typed(status: int, code: str, exc: type[ApiError]) -> None:
    api = client(lambda r: err(status, code), retries=0)
    with pytest.raises(exc) as info:
        await api.request("POST", "/x", json={})
    e = info.value
    assert isinstance(e, ApiError)
    assert e.code == code
    assert e.message("zh") == f"中文{code}"
    assert e.message("en") == f"en {code}"
    assert "HTTP" not in e.message("en")


async def test_conflict_carries_current_and_validation_carries_fields() -> None:
    api = client(lambda r: err(409, "version_conflict", current={"id": 7, "version": 3}), retries=0)
    with pytest.raises(Conflict) as c:
        await api.request("POST", "/x", json={})
    assert c.value.current == {"id": 7, "version": 3}
    fields = [{"field": "items.0.reason", "message_zh": "太长", "message_en": "too long"}]
    api = client(lambda r: err(422, "validation_error", fields=fields), retries=0)
    with pytest.raises(ValidationFailed) as v:
        await api.request("POST", "/x", json={})
    assert v.value.field_messages("en") == {"items.0.reason": "too long"}


async def test_non_json_error_body_still_typed() -> None:
    api = client(lambda r: httpx.Response(502, text="<html>bad gateway</html>"), retries=0)
    with pytest.raises(ServerError) as e:
        await api.request("GET", "/x")
    assert "502" in e.value.message("en")


async def test_get_retried_on_5xx_and_network_errors() -> None:
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=r)
        if len(calls) == 2:
            return httpx.Response(503)
        return httpx.Response(200, json={"changes": [], "cursor": 5, "has_more": False})

    api = client(handler, retries=3)
    page, info = await api.changes(0)
    assert isinstance(page, FeedPage) and page.cursor == 5 and info.total is None
    assert len(calls) == 3 and api.requests_sent == 3


async def test_post_without_key_never_retried() -> None:
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        return httpx.Response(503)

    api = client(handler, retries=3)
    with pytest.raises(ServerError):
        await api.request("POST", "/x", json={})
    assert len(calls) == 1


async def test_post_with_key_retried_with_same_key() -> None:
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        if len(calls) < 3:
            raise httpx.ReadTimeout("lost", request=r)
        return httpx.Response(200, json={"ok": True})

    api = client(handler, retries=3)
    out = await api.send("POST", "/x", {"a": 1}, idempotency_key="k-1", if_match=4)
    assert out == {"ok": True}
    assert {r.headers["Idempotency-Key"] for r in calls} == {"k-1"}
    assert {r.headers["If-Match"] for r in calls} == {"4"}
    assert all(json.loads(r.content) == {"a": 1} for r in calls)


async def test_4xx_not_retried_even_with_key() -> None:
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        return err(422, "validation_error")

    api = client(handler, retries=3)
    with pytest.raises(ValidationFailed):
        await api.send("POST", "/x", {}, idempotency_key="k")
    assert len(calls) == 1


async def test_offline_after_retries() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=r)

    api = client(handler, retries=2)
    with pytest.raises(Offline) as e:
        await api.me()
    assert e.value.code == "offline"
    assert api.requests_sent == 3


async def test_a_refused_certificate_says_so_and_how_to_trust_it() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc), request=r) from exc

    api = client(handler, retries=2)
    with pytest.raises(UntrustedCertificate) as e:
        await api.me()
    assert e.value.code == "untrusted_certificate" and "SSL_CERT_FILE" in e.value.message("zh")
    assert api.requests_sent == 1  # not retried: it would fail the same way


async def test_bad_answer_is_server_error() -> None:
    api = client(lambda r: httpx.Response(200, json={"nonsense": True}), retries=0)
    with pytest.raises(ServerError) as e:
        await api.me()
    assert e.value.code == "bad_response"


async def test_a_mutations_answer_is_decoded_or_is_a_server_error() -> None:
    """A mutation's answer comes back as the JSON it carries; an answer that
    is not JSON is the server's ``bad_response`` (the outbox keeps the change
    pending), not a crash."""
    answers = [httpx.Response(200, json={"results": [{"id": 7, "ok": True, "record": {"id": 7, "名": "张三"}}]}),
               httpx.Response(200, content=b"<html>proxy error</html>")]
    api = client(lambda r: answers.pop(0), retries=0)
    got = await api.send("POST", "/applications/actions:batch", {"items": []}, idempotency_key="k1")
    assert got == {"results": [{"id": 7, "ok": True, "record": {"id": 7, "名": "张三"}}]}
    with pytest.raises(ServerError) as e:
        await api.send("POST", "/applications/actions:batch", {"items": []}, idempotency_key="k2")
    assert e.value.code == "bad_response"


async def test_token_sent_and_parsed() -> None:
    seen = []

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        if r.url.path.endswith("/auth/token"):
            return httpx.Response(200, json={"access_token": "tok", "token_type": "bearer", "role": "viewer"})
        return httpx.Response(200, json={"username": "u", "display_name": "U", "role": "viewer"})

    api = client(handler)
    await api.login("u", "p")
    me = await api.me()
    assert isinstance(me, Me) and me.username == "u"
    assert "Authorization" not in seen[0].headers
    assert seen[1].headers["Authorization"] == "Bearer tok"
    assert seen[1].url.path == "/api/v1/me"
