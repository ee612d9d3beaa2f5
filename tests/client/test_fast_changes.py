"""A page of the change feed as the client reads it: the same changes as the
documented model, each record's JSON kept as the server sent it; anything
that is not a well-formed page is the server's error."""

from __future__ import annotations

import gc
import json
import sys

import httpx
import pytest

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ServerError
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


async def test_compressed_page_is_decoded() -> None:
    import zstandard

    def handler(r: httpx.Request) -> httpx.Response:
        assert "zstd" in r.headers["accept-encoding"]
        return httpx.Response(200, content=zstandard.ZstdCompressor().compress(body(PAGE)),
                              headers={"Content-Encoding": "zstd", "Content-Type": "application/json",
                                       "X-Total-Count": "3"})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler)) as api:
        page, info = await api.changes(0, total=True)
    assert [c.id for c in page.changes] == [3, 4, 5]
    assert info.total == 3 and info.wire_bytes < info.json_bytes == len(body(PAGE))


async def test_a_page_that_does_not_decompress_is_a_server_error() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not zstd at all", headers={"Content-Encoding": "zstd"})

    async with ApiClient("http://t", transport=httpx.MockTransport(handler), retries=0) as api:
        with pytest.raises(ServerError):
            await api.changes(0)


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
