"""A page of the change feed as the client reads it: the same changes as the
documented model, each record's JSON kept as the server sent it; anything
that is not a well-formed page is the server's error."""

from __future__ import annotations

import gc
import gzip
import json
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ServerError, Unauthorised
from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.api_client.schemas import ChangesResponse
from zhumeng_tui.cache.sync import PULL_SWITCH_INTERVAL, pulling

PAGE = {
    "changes": [
        {"type": "student", "id": 3, "seq": 7, "version": 2, "deleted": False,
         "data": {"id": 3, "name": "张三", "tags": ["a"], "nested": {"x": 1}}},
        {"type": "followup", "id": 4, "seq": 8, "version": 3, "deleted": True, "data": None},
        {"type": "application", "id": 5, "seq": 9, "version": 1, "data": {"id": 5}, "extra": 1},
    ],
    "cursor": 9,
    "has_more": True,
    "reset": False,
}


def body(page: object) -> bytes:
    return json.dumps(page, ensure_ascii=False).encode()


def test_page_reads_as_the_documented_model() -> None:
    page = ApiClient.parse_changes(body(PAGE))
    full = ChangesResponse.model_validate(PAGE)
    assert (page.cursor, page.has_more, page.reset) == (full.cursor, full.has_more, full.reset)
    assert [(c.type, c.id, c.seq, c.version, c.gone, c.record()) for c in page.changes] == [
        (c.type, c.id, c.seq, c.version, c.deleted or c.data is None, c.data) for c in full.changes
    ]


def test_record_text_is_kept_as_sent() -> None:
    text = '{"id":3,"name":"张三","tags":["a"]}'
    raw = ('{"changes":[{"type":"student","id":3,"seq":7,"version":2,"data":' + text
           + '}],"cursor":7,"has_more":false}').encode()
    change = ApiClient.parse_changes(raw).changes[0]
    assert str(change.data, "utf-8") == text and not change.gone


def test_a_missing_or_null_record_is_a_tombstone() -> None:
    page = ApiClient.parse_changes(body({"changes": [
        {"type": "student", "id": 1, "seq": 1, "version": 1},
        {"type": "student", "id": 2, "seq": 2, "version": 1, "data": None},
    ], "cursor": 2, "has_more": False}))
    assert [c.gone for c in page.changes] == [True, True]
    assert page.changes[0].record() is None


@pytest.mark.parametrize(
    "change",
    [
        {"type": "nonsense", "id": 1, "seq": 1, "version": 1, "data": {}},
        {"type": "student", "id": 1, "seq": 1, "version": 1, "data": [1]},
        {"type": "student", "id": 1, "seq": 1, "version": 1, "data": "x"},
        {"type": "student", "id": 1, "version": 1, "data": {}},
        {"type": "student", "id": "1", "seq": 1, "version": 1, "data": {}},
        {"type": "student", "id": 1, "seq": 1, "version": 1, "deleted": "no", "data": {}},
    ],
)
def test_bad_change_is_a_server_error(change: dict[str, object]) -> None:
    with pytest.raises(ServerError) as e:
        ApiClient.parse_changes(body({"changes": [change], "cursor": 1, "has_more": False}))
    assert e.value.code == "bad_response"


@pytest.mark.parametrize("raw", [b"<html>", b'{"changes": [], "has_more": false}', b"[]", b'{"changes": [],'])
def test_not_a_page_is_a_server_error(raw: bytes) -> None:
    with pytest.raises(ServerError):
        ApiClient.parse_changes(raw)


def test_change_made_from_a_record_round_trips() -> None:
    c = FeedChange.of("student", 3, 7, {"id": 3, "name": "张三"}, version=2)
    assert (c.type, c.id, c.seq, c.version, c.gone, c.record()) == ("student", 3, 7, 2, False, {"id": 3, "name": "张三"})
    assert FeedChange.of("student", 3, 8, None, deleted=True).gone


class Chunks(httpx.AsyncByteStream):
    """An answer's body as a network gives it: in pieces, read as they come."""

    def __init__(self, data: bytes, size: int = 1000) -> None:
        self.data, self.size = data, size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.data), self.size):
            yield self.data[i:i + self.size]


def zstd(data: bytes, **options: Any) -> bytes:
    import zstandard

    return bytes(zstandard.ZstdCompressor(**options).compress(data))


@pytest.mark.parametrize("coding, encode", [
    ("zstd", zstd),
    ("zstd", lambda b: zstd(b, write_content_size=False)),  # a frame that does not say its size
    ("zstd", lambda b: zstd(b[:50]) + zstd(b[50:])),  # two frames, one after the other
    ("gzip", gzip.compress),
    ("", lambda b: b),
])
async def test_a_page_is_read_as_it_came_on_the_wire(coding: str, encode: Callable[[bytes], bytes]) -> None:
    sent = encode(body(PAGE))

    def handler(r: httpx.Request) -> httpx.Response:
        assert r.headers["accept-encoding"] == "zstd, gzip"
        return httpx.Response(200, stream=Chunks(sent), headers={
            "Content-Encoding": coding, "Content-Type": "application/json", "X-Total-Count": "3"})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler)) as api:
        page, info = await api.changes(0, total=True)
    assert [c.id for c in page.changes] == [3, 4, 5] and page.changes[0].record() == PAGE["changes"][0]["data"]
    assert info.total == 3 and info.wire_bytes == len(sent) and info.json_bytes == len(body(PAGE))


async def test_a_page_a_transport_made_whole_is_read_too() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=zstd(body(PAGE)),
                              headers={"Content-Encoding": "zstd", "Content-Type": "application/json"})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler)) as api:
        page, info = await api.changes(0)
    assert [c.id for c in page.changes] == [3, 4, 5] and info.json_bytes == len(body(PAGE))


@pytest.mark.parametrize("coding, sent", [
    ("zstd", b"not zstd at all"),
    ("zstd", zstd(body(PAGE))[:-8]),  # cut short
    ("gzip", b"not gzip either"),
    ("br", b"a coding the client did not ask for"),
])
async def test_a_page_that_does_not_decompress_is_a_server_error(coding: str, sent: bytes) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunks(sent), headers={"Content-Encoding": coding})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler), retries=0) as api:
        with pytest.raises(ServerError) as e:
            await api.changes(0)
    assert e.value.code == "bad_response"


async def test_an_error_answer_to_a_page_is_read_for_its_message() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        error = {"error": {"code": "token_expired", "message_zh": "登录已过期", "message_en": "Session expired"}}
        return httpx.Response(401, stream=Chunks(zstd(json.dumps(error).encode())),
                              headers={"Content-Encoding": "zstd", "Content-Type": "application/json"})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(Unauthorised) as e:
            await api.changes(0)
    assert e.value.code == "token_expired"


def test_a_pull_turns_gc_off_and_shortens_the_switch_interval_nested_and_restores() -> None:
    assert gc.isenabled()
    before = sys.getswitchinterval()
    assert before != pytest.approx(PULL_SWITCH_INTERVAL)
    with pulling():
        assert not gc.isenabled() and sys.getswitchinterval() == pytest.approx(PULL_SWITCH_INTERVAL)
        with pulling():
            assert not gc.isenabled()
        assert not gc.isenabled() and sys.getswitchinterval() == pytest.approx(PULL_SWITCH_INTERVAL)
    assert gc.isenabled() and sys.getswitchinterval() == before
    gc.disable()
    try:
        with pulling():
            pass
        assert not gc.isenabled()  # it was off before: stays off
    finally:
        gc.enable()
