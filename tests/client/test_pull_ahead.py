"""A pull asks for the next page of the feed before it has decoded the one
that came (its headers say where it ends), holds at most two pages, and
still takes the body as what counts: a server whose headers say nothing is
pulled page after page, and one whose headers say something else than the
body is refused before that page is written."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client.test_first_sync import PAGE, feed_pages, mirror, of_pages
from tests.faults import FaultTransport
from tests.support import DemoServer, open_services
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.api_client.errors import ServerError
from zhumeng_tui.api_client.feed import EncodedPage
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.cache.sync import SyncEngine

FEED_HEADERS = (s.CURSOR_HEADER, s.HAS_MORE_HEADER, s.HORIZON_HEADER)


class Asks(httpx.AsyncBaseTransport):
    """Notes the ``since`` of every feed request, and can change the headers
    of the feed's answers on their way back (``headers``: a function of the
    request's number, from 0, and the answer's headers)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, headers: Any = None) -> None:
        self.inner = inner
        self.headers = headers
        self.sinces: list[int] = []
        self.asked = threading.Condition()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/changes"):
            return await self.inner.handle_async_request(request)
        with self.asked:
            n = len(self.sinces)
            self.sinces.append(int(request.url.params["since"]))
            self.asked.notify_all()
        resp = await self.inner.handle_async_request(request)
        if self.headers is None:
            return resp
        body = await resp.aread()
        headers = self.headers(n, httpx.Headers(resp.headers))
        headers.pop("Content-Encoding", None)  # aread() decoded the body
        headers["Content-Length"] = str(len(body))
        return httpx.Response(resp.status_code, headers=headers, content=body, request=request)

    def wait_for(self, since: int, timeout: float = 10.0) -> bool:
        """Whether a request for the page after ``since`` is made within ``timeout``."""
        with self.asked:
            return self.asked.wait_for(lambda: since in self.sinces, timeout)


def reads(monkeypatch: pytest.MonkeyPatch, before: Any = None) -> list[tuple[str, int]]:
    """Every page read (decoded, rows made) and written, in order:
    ``("read", cursor)`` when a read ends, ``("write", cursor)`` when a write
    ends. ``before(page)``: run in the reading thread before the page is read."""
    events: list[tuple[str, int]] = []
    read, apply = SyncEngine._read, Cache.apply_changes

    def reading(encoded: EncodedPage) -> Any:
        out = read(encoded)
        if before is not None:
            before(out[0])
        events.append(("read", out[0].cursor))
        return out

    def writing(self: Cache, changes: Any, cursor: int, **options: Any) -> int:
        n = apply(self, changes, cursor, **options)
        events.append(("write", cursor))
        return n

    monkeypatch.setattr(SyncEngine, "_read", staticmethod(reading))
    monkeypatch.setattr(Cache, "apply_changes", writing)
    return events


async def test_the_next_page_is_asked_for_before_this_one_is_read(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's read waits (up to 10 s) until the next page has been asked
    for: the pull asks for it from the headers alone, and the mirror is the
    whole feed."""
    pages = await feed_pages(server, "demo-univ")
    assert len(pages) > 5
    asks = Asks(server.transport())
    late: list[int] = []

    def wait_for_the_next(page: Any) -> None:
        if page.has_more and not asks.wait_for(page.cursor):
            late.append(page.cursor)

    reads(monkeypatch, wait_for_the_next)
    svc = await open_services(server, tmp_path / "data", transport=asks)
    svc.engine.page_size = PAGE
    await svc.engine.sync()
    assert late == []
    assert asks.sinces == [0] + [p["cursor"] for p in pages[:-1]]
    assert mirror(svc.cache) == of_pages(pages)
    await svc.close()


async def test_a_pull_holds_at_most_two_pages(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing is slow here (the writes wait): a page is asked for only once
    the one before it has been taken to be written, so while page k is
    written, no page after k + 1 has been asked for."""
    pages = await feed_pages(server, "demo-univ")
    asks = Asks(server.transport())
    events = reads(monkeypatch)
    apply = Cache.apply_changes
    asked_while_writing: list[int] = []

    def slow(self: Cache, changes: Any, cursor: int, **options: Any) -> int:
        time.sleep(0.05)  # the fetching has time to run ahead, if it would
        asked_while_writing.append(len(asks.sinces))
        return apply(self, changes, cursor, **options)

    monkeypatch.setattr(Cache, "apply_changes", slow)
    svc = await open_services(server, tmp_path / "data", transport=asks)
    svc.engine.page_size = PAGE
    await svc.engine.sync()
    most = [min(k + 2, len(pages)) for k in range(len(pages))]  # pages 1 to k + 1 (counting from 0)
    assert all(n <= m for n, m in zip(asked_while_writing, most, strict=True)), asked_while_writing
    assert asked_while_writing[:-1] == most[:-1]  # and the next one is on its way meanwhile
    assert [c for what, c in events if what == "read"] == [p["cursor"] for p in pages]
    assert mirror(svc.cache) == of_pages(pages)
    await svc.close()


async def test_a_server_whose_headers_say_nothing_is_pulled_page_after_page(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the headers, the next page is asked for once this one is read
    (its body says where it ends); the mirror is the whole feed all the same."""
    pages = await feed_pages(server, "demo-univ")

    def without(n: int, headers: httpx.Headers) -> httpx.Headers:
        for name in FEED_HEADERS:
            del headers[name]
        return headers

    asks = Asks(server.transport(), without)
    early: list[int] = []

    def not_asked_yet(page: Any) -> None:
        if page.cursor in asks.sinces:
            early.append(page.cursor)

    events = reads(monkeypatch, not_asked_yet)
    svc = await open_services(server, tmp_path / "data", transport=asks)
    svc.engine.page_size = PAGE
    await svc.engine.sync()
    assert early == []
    assert asks.sinces == [0] + [p["cursor"] for p in pages[:-1]]
    assert mirror(svc.cache) == of_pages(pages)
    await svc.close()
    assert [c for what, c in events if what == "read"] == [p["cursor"] for p in pages]


async def test_headers_that_disagree_with_the_body_stop_the_pull_before_that_page(
    server: DemoServer, tmp_path: Path, fault: FaultTransport
) -> None:
    """The third page's headers name another cursor than its body: the pull
    stops with "bad_response" before writing it (pages one and two are in,
    with their cursor), and the next pull, with honest headers, resumes
    from page two and ends with the whole feed."""
    pages = await feed_pages(server, "demo-univ")

    def lying(n: int, headers: httpx.Headers) -> httpx.Headers:
        if n == 2:
            headers[s.CURSOR_HEADER] = str(int(headers[s.CURSOR_HEADER]) + 1)
        return headers

    inner = fault.inner
    fault.inner = Asks(inner, lying)
    svc = await open_services(server, tmp_path / "data", transport=fault)
    svc.engine.page_size = PAGE
    with pytest.raises(ServerError) as err:
        await svc.engine.sync()
    assert err.value.code == "bad_response"
    assert svc.cache.cursor == pages[1]["cursor"]
    assert mirror(svc.cache) == of_pages(pages[:2])
    fault.inner = asks = Asks(inner)
    await svc.engine.sync()
    assert asks.sinces[0] == pages[1]["cursor"]
    assert mirror(svc.cache) == of_pages(pages)
    await svc.close()


async def test_a_server_that_keeps_asking_for_a_reset_is_refused_after_three_times(
    server: DemoServer, tmp_path: Path, fault: FaultTransport
) -> None:
    """Every answer of the feed says "reset": the pull drops the mirror and
    starts again from 0, and after the third reset stops with "reset_loop"
    instead of asking forever."""
    svc = await open_services(server, tmp_path / "data", transport=fault, sync=True)
    inner = fault.inner
    asked: list[int] = []

    class AlwaysReset(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith("/changes"):
                return await inner.handle_async_request(request)
            asked.append(int(request.url.params["since"]))
            return httpx.Response(200, json={"changes": [], "cursor": 0, "has_more": False, "reset": True,
                                             "horizon": 0}, request=request)

    fault.inner = AlwaysReset()
    with pytest.raises(ServerError) as err:
        await svc.engine.sync()
    assert err.value.code == "reset_loop"
    assert asked[1:] == [0, 0] and asked[0] > 0  # from the cursor, then twice from 0
    await svc.close()
