"""Compressed answers: negotiated from ``Accept-Encoding`` (zstd preferred,
then gzip), never forced on a client that does not ask; the same JSON
either way; ``Server-Timing`` on every answer."""

from __future__ import annotations

import gzip

import pytest
import zstandard

from tests.support import Api
from zhumeng_server.encoding import negotiate


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("", None),
        ("identity", None),
        ("zstd", "zstd"),
        ("gzip", "gzip"),
        ("gzip, deflate, zstd", "zstd"),
        ("gzip, deflate, br", "gzip"),
        ("zstd;q=0, gzip", "gzip"),
        ("zstd;q=0.5, gzip;q=0.8", "gzip"),
        ("GZIP;Q=1", "gzip"),
        ("*", "zstd"),
        ("*;q=0", None),
        ("*, zstd;q=0", "gzip"),
        ("br", None),
        ("gzip;q=nonsense", None),
    ],
)
def test_negotiation(accept: str, coding: str | None) -> None:
    assert negotiate(accept) == coding


async def raw_changes(api: Api, accept: str | None) -> tuple[bytes, dict[str, str]]:
    """The /changes answer's body as sent (not decoded by the client) and its headers."""
    headers = dict(await api.login("demo-univ"))
    if accept is not None:
        headers["Accept-Encoding"] = accept
    async with api.client.stream("GET", "/api/v1/changes", params={"limit": 500}, headers=headers) as r:
        assert r.status_code == 200
        body = b"".join([chunk async for chunk in r.aiter_raw()])
        return body, dict(r.headers)


async def test_the_feed_comes_compressed_when_asked(api: Api) -> None:
    plain, h = await raw_changes(api, "identity")
    assert "content-encoding" not in h and plain.startswith(b'{"changes":[')
    assert "accept-encoding" in h["vary"].lower()
    z, h = await raw_changes(api, "gzip, deflate, zstd")
    assert h["content-encoding"] == "zstd" and int(h["content-length"]) == len(z)
    assert zstandard.ZstdDecompressor().decompress(z) == plain
    assert len(z) * 5 < len(plain)
    g, h = await raw_changes(api, "gzip")
    assert h["content-encoding"] == "gzip" and gzip.decompress(g) == plain
    assert len(g) * 4 < len(plain)


async def test_a_client_that_does_not_ask_gets_plain_json(api: Api) -> None:
    # a request with no Accept-Encoding header at all
    headers = dict(await api.login("demo-univ"))
    request = api.client.build_request("GET", "/api/v1/changes", params={"limit": 500}, headers=headers)
    del request.headers["Accept-Encoding"]
    r = await api.client.send(request, stream=True)
    body = b"".join([chunk async for chunk in r.aiter_raw()])
    await r.aclose()
    assert "content-encoding" not in r.headers and body.startswith(b'{"changes":[')


async def test_small_answers_and_errors_go_as_they_are(api: Api) -> None:
    r = await api.client.get("/api/v1/health", headers={"Accept-Encoding": "zstd"})
    assert r.status_code == 200 and "content-encoding" not in r.headers
    r = await api.client.get("/api/v1/me", headers={"Accept-Encoding": "zstd"})
    assert r.status_code == 401 and "content-encoding" not in r.headers and r.json()["error"]["code"]


async def test_every_answer_says_the_server_time(api: Api) -> None:
    for path in ("/api/v1/health", "/api/v1/me"):
        r = await api.client.get(path)
        name, _, dur = r.headers["server-timing"].partition(";dur=")
        assert name == "app" and float(dur) >= 0


async def test_the_feed_counts_the_scope_when_asked(api: Api) -> None:
    everything = await api.all_changes("demo-dept")
    r = await api.get("demo-dept", "/changes", params={"limit": 10, "total": "true"})
    assert int(r.headers["x-total-count"]) == len(everything["changes"])
    r = await api.get("demo-dept", "/changes", params={"since": everything["cursor"], "total": "true"})
    assert r.headers["x-total-count"] == "0"
    r = await api.get("demo-dept", "/changes", params={"limit": 10})
    assert "x-total-count" not in r.headers


def test_the_openapi_document_describes_the_wire_forms(api: Api) -> None:
    from fastapi import FastAPI

    app = api.client._transport.app  # type: ignore[attr-defined]
    assert isinstance(app, FastAPI)
    doc = app.openapi()
    assert "zstd" in doc["info"]["description"] and "Server-Timing" in doc["info"]["description"]
    op = doc["paths"]["/api/v1/changes"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"since", "limit", "total", "horizon"}
    assert {"X-Total-Count", "Content-Encoding"} <= set(op["responses"]["200"]["headers"])
    assert "horizon" in str(doc["components"]["schemas"]["ChangesResponse"])
