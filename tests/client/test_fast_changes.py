"""The change feed's fast parse (no per-record pydantic validation) gives the
same page as the full model, and falls back to it for anything odd."""

from __future__ import annotations

import gc
import json

import httpx
import pytest

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ServerError
from zhumeng_tui.api_client.schemas import ChangesResponse
from zhumeng_tui.cache.sync import no_gc

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


def resp(body: object) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(body, ensure_ascii=False).encode())


def test_fast_parse_equals_full_model() -> None:
    fast = ApiClient.parse_changes(resp(PAGE))
    full = ChangesResponse.model_validate(PAGE)
    assert fast == full
    assert fast.model_dump() == full.model_dump()
    assert fast.changes[2].deleted is False and fast.changes[1].data is None
    assert not hasattr(fast.changes[2], "extra")


@pytest.mark.parametrize(
    "change",
    [
        {"type": "nonsense", "id": 1, "seq": 1, "version": 1, "data": {}},
        {"type": "student", "id": 1, "seq": 1, "version": 1, "data": [1]},
        {"type": "student", "id": 1, "version": 1, "data": {}},
    ],
)
def test_bad_change_is_refused_like_before(change: dict[str, object]) -> None:
    body = {"changes": [change], "cursor": 1, "has_more": False}
    with pytest.raises(ServerError):
        ApiClient.parse_changes(resp(body))


def test_lenient_values_still_go_through_the_model() -> None:
    # pydantic (lax mode) accepts a numeric string id: the fallback keeps that behaviour
    body = {"changes": [{"type": "student", "id": "1", "seq": 1, "version": 1, "data": {}}], "cursor": 1,
            "has_more": False}
    try:
        expected = ChangesResponse.model_validate(body)
    except Exception:
        pytest.skip("the model is strict here")
    assert ApiClient.parse_changes(resp(body)) == expected


def test_not_json_is_a_server_error() -> None:
    with pytest.raises(ServerError):
        ApiClient.parse_changes(httpx.Response(200, content=b"<html>"))


def test_no_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with no_gc():
        assert not gc.isenabled()
        with no_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()  # it was off before: stays off
    finally:
        gc.enable()
