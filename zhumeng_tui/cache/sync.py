"""The sync engine: pull the change feed, push the outbox.

Pull: by cursor until ``has_more`` is false; each page (records + tombstones)
is applied in one transaction together with the new cursor. ``reset`` drops the
mirror and pulls again from 0.

Push: outbox entries in sequence order. Per entry:
  success           -> the server's record replaces the optimistic one
  409 + current     -> entry/item marked ``conflict`` (both versions kept),
                       the mirror shows the server's record
  other 4xx         -> marked ``rejected`` with the server's message
  network / 5xx     -> stays ``pending`` (attempts + backoff); pushing stops
                       there so later entries never overtake it.
Replays carry the same ``Idempotency-Key``: the server applies a key once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import random
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import (
    ApiError,
    Conflict,
    Offline,
    ServerError,
    Unauthorised,
)
from zhumeng_tui.api_client.feed import EncodedPage, FeedPage, PageEnd, PageInfo
from zhumeng_tui.api_client.schemas import RecordResults
from zhumeng_tui.cache import pinyin
from zhumeng_tui.cache.outbox import ItemOutcome, OutboxEntry
from zhumeng_tui.cache.store import Cache, PreparedPage

Handler = Callable[[OutboxEntry, Any], list[ItemOutcome]]


def handle_record(entry: OutboxEntry, answer: Any) -> list[ItemOutcome]:
    """The answer is the updated (or created) record of ``items[0].rtype``."""
    out = []
    for it in entry.items:
        server = answer if it.pos == 0 and isinstance(answer, dict) and "id" in answer else None
        out.append(ItemOutcome(it.pos, "ok", server=server))
    return out


def handle_batch(entry: OutboxEntry, answer: Any) -> list[ItemOutcome]:
    """A batch answer (``BatchResponse``, ``StudentBatchResponse``: any batch
    whose results carry ``id``, ``ok``, ``record`` or ``error``, records of
    any type): one result per item, in order (matched by id too; the items of
    new records, with temporary ids, by their place)."""
    results = RecordResults.model_validate(answer).results
    by_id = {r.id: r for r in results}
    out = []
    for it, res in zip(entry.items, results, strict=False):
        r = res if res.id == it.rid else by_id.get(it.rid, res)
        if r.ok:
            out.append(ItemOutcome(it.pos, "ok", server=r.record))
        else:
            err = r.error
            code = err.code if err else "error"
            state = "conflict" if code == "version_conflict" else "rejected"
            out.append(
                ItemOutcome(
                    it.pos,
                    state,
                    code,
                    err.message_zh if err else None,
                    err.message_en if err else None,
                    server=err.current if err and err.current else None,
                )
            )
    answered = {o.pos for o in out}
    for it in entry.items:  # the server left some out: that is a definite refusal
        if it.pos not in answered:
            out.append(ItemOutcome(it.pos, "rejected", "missing_result", "服务器未返回该项结果",
                                   "The server returned no result for this item"))
    return out


#: Answer handlers by mutation kind (``Mutation.kind``).
HANDLERS: dict[str, Handler] = {
    "record": handle_record,
    "batch": handle_batch,
    "student_batch": handle_batch,
}


_gc_lock = threading.Lock()
_gc_state: dict[str, Any] = {"holders": 0, "was_enabled": False}


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off, and back on after (if it was on).

    For work that makes hundreds of thousands of short-lived objects: a
    page of a pull, a batch of changes written, sent and its answer stored.
    Each full pass of the collector walks every object the process holds
    (a running app: a few hundred thousand), and such work set off several;
    reference counting still frees what the work made. Nested or concurrent
    users are counted; the last one restores what was there before the
    first."""
    with _gc_lock:
        if _gc_state["holders"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["holders"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["holders"] -= 1
            if _gc_state["holders"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


_pull_lock = threading.Lock()
_pull_state: dict[str, Any] = {"holders": 0, "switch_interval": 0.005}

#: How long a thread holds the GIL before it hands it over while a pull runs
#: (Python's default is 5 ms). The next page's rows are made in one thread
#: while the current page is written in another, and the writing thread lets
#: the GIL go for every row it steps through SQLite: with 5 ms it waited up to
#: that long each time to get it back, and the overlap was slower than none.
PULL_SWITCH_INTERVAL = 0.0001


@contextlib.contextmanager
def pulling() -> Iterator[None]:
    """The interpreter set for a pull, and set back after it: the collector
    paused (:func:`collector_paused`; parsing a page makes ~100k objects, and
    the collector walked them again and again, half of the parse time) and
    the GIL's switch interval short (:data:`PULL_SWITCH_INTERVAL`). Nested or
    concurrent users are counted."""
    with collector_paused():
        with _pull_lock:
            if _pull_state["holders"] == 0:
                _pull_state["switch_interval"] = sys.getswitchinterval()
                sys.setswitchinterval(PULL_SWITCH_INTERVAL)
            _pull_state["holders"] += 1
        try:
            yield
        finally:
            with _pull_lock:
                _pull_state["holders"] -= 1
                if _pull_state["holders"] == 0:
                    sys.setswitchinterval(_pull_state["switch_interval"])


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library)."""
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # TypeError: Windows opens no library by None
        return None
    return trim


def give_back_memory() -> bool:
    """Hand the C heap's free memory back to the system; False where the C
    library cannot (only glibc can be asked).

    A first pull leaves most of the memory it used free but still held by
    the process: pages of records, rows and SQLite's larger page cache,
    freed among objects that stay, so the heap cannot shrink by itself. On
    a 50,000-student pull that is about 100 MB, held for the rest of the
    session (and a session served to a browser is one process per tab)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@dataclass
class PushReport:
    sent: int = 0
    ok: int = 0
    conflicts: int = 0
    rejected: int = 0
    stopped: ApiError | None = None  # why pushing stopped early (offline, 5xx, 401)


@dataclass
class PullReport:
    applied: int = 0
    pages: int = 0
    reset: bool = False
    #: A first pull (from cursor 0), or the end of one that stopped part-way.
    bulk: bool = False
    wire_bytes: int = 0  # received, as on the wire (compressed)
    json_bytes: int = 0  # the JSON those bytes carried


ProgressFn = Callable[[int, int | None], None]

#: Changes asked for per request of the change feed (the config's ``page_size`` overrides it).
PAGE_SIZE = 10_000


class SyncEngine:
    def __init__(self, cache: Cache, api: ApiClient, *, page_size: int = PAGE_SIZE,
                 backoff: float = 1.0, backoff_max: float = 300.0) -> None:
        self.cache = cache
        self.api = api
        self.page_size = page_size
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.syncing = False
        self.online: bool | None = None
        self.done = 0
        self.total: int | None = None
        self.received = 0  # bytes received in the current pull, as on the wire
        self.last_error: ApiError | None = None
        self.last_push: PushReport | None = None  # what the last sync's push did
        self._lock = asyncio.Lock()
        self._push_lock = asyncio.Lock()  # one pusher at a time (a review during a sync)
        #: What a first pull leaves running when it returns (:meth:`_after_bulk`).
        self._after: asyncio.Future[None] | None = None

    # ------------------------------------------------------------- pull --

    async def pull(self, progress: ProgressFn | None = None) -> PullReport:
        """Pull until ``has_more`` is false. Pages are fetched ahead of their
        writing (:meth:`_pages`), so fetching, decoding and making rows, and
        writing overlap. A first pull returns when every record is in; the
        lists' indexes are built after, in the background (:meth:`settled`
        waits for them)."""
        with pulling():
            report = await self._pull(progress)
        if report.bulk:
            self._after = asyncio.ensure_future(self._after_bulk(self._after))
        return report

    async def _after_bulk(self, before: asyncio.Future[None] | None) -> None:
        """After a first pull (and what the one ``before`` it left, if any):
        the indexes it left to the end (``Cache.build_late_indexes``), then
        the memory it freed handed back to the system (:func:`give_back_memory`).
        A cache closed or a disk full meanwhile: the next open of the cache
        builds the indexes."""
        if before is not None:
            await before
        with contextlib.suppress(sqlite3.Error, OSError, RuntimeError):
            await asyncio.to_thread(self.cache.build_late_indexes)
        await asyncio.to_thread(give_back_memory)

    async def settled(self) -> None:
        """Wait for what the last first pull left running (its indexes)."""
        if self._after is not None:
            await asyncio.shield(self._after)

    async def _pull(self, progress: ProgressFn | None) -> PullReport:
        report = PullReport()
        since, stale, horizon = await asyncio.to_thread(
            lambda: (self.cache.cursor, self.cache.view_stale, self.cache.horizon))
        bulk = report.bulk = since == 0 or stale  # a first pull: rebuild the application rows once, at the end
        self.done, self.total, self.received = 0, None, 0
        resets = 0
        # a first pull reads every student's name: the pinyin table loads while the first page is on its way
        warming = asyncio.ensure_future(asyncio.to_thread(pinyin.warm_up)) if bulk else None
        try:
            while True:  # once, and again from 0 when the server asks for a reset
                async with contextlib.aclosing(self._pages(since, horizon)) as pages:
                    async for page, info, prepared in pages:
                        if warming is not None:
                            await warming
                            warming = None
                        self.online = True
                        self.received += info.wire_bytes
                        report.wire_bytes += info.wire_bytes
                        report.json_bytes += info.json_bytes
                        if page.reset:
                            break
                        if info.total is not None and self.total is None:
                            self.total = info.total
                        if page.changes or page.cursor != since or page.horizon != horizon:
                            await asyncio.to_thread(self.cache.apply_changes, page.changes, page.cursor, bulk=bulk,
                                                    horizon=page.horizon, prepared=prepared)
                            horizon = page.horizon
                        report.pages += 1
                        report.applied += len(page.changes)
                        self.done += len(page.changes)
                        if self.total is not None and self.done > self.total:
                            self.total = self.done
                        if progress:
                            progress(self.done, self.total if page.has_more else self.done)
                        since = page.cursor
                    else:
                        break
                resets += 1
                if resets > 2:
                    raise ServerError("reset_loop", "服务器反复要求重新同步", "The server keeps asking for a reset")
                report.reset = report.bulk = bulk = True
                await asyncio.to_thread(self.cache.reset_mirror)
                since, horizon, self.done, self.total = 0, None, 0, None
        finally:
            if warming is not None:  # the first page did not come
                await warming
        if bulk:
            await asyncio.to_thread(self.cache.finish_bulk)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        await asyncio.to_thread(self.cache.set_meta, "last_synced", now)
        return report

    async def _pages(self, since: int, horizon: int | None) -> AsyncGenerator[tuple[FeedPage, PageInfo, PreparedPage], None]:
        """The pages of the feed after ``since`` (until one says ``has_more``
        is false, or ``reset``), each with its rows (``Cache.prepare_page``).

        Fetching runs ahead of the caller, who writes the pages: the next page
        is asked for as soon as the headers of one say where it ends
        (``PageEnd``), while that one is decoded and its rows made in a
        thread, once the caller has taken the one before it. So at most two
        pages are held, the one being written and the next. From a server
        whose headers do not say, the next page is asked for once the page
        is decoded."""
        Read = asyncio.Future[tuple[FeedPage, PageInfo, PreparedPage]]
        #: the fetched pages in order, then the error that stopped the fetching, if one did
        pages: asyncio.Queue[tuple[Read, PageEnd | None] | Exception] = asyncio.Queue(maxsize=1)

        async def fetch() -> None:
            nonlocal since, horizon
            total = True
            try:
                while True:
                    encoded = await self.api.changes_encoded(since, self.page_size, total=total, horizon=horizon)
                    read = asyncio.ensure_future(asyncio.to_thread(self._read, encoded))
                    try:
                        await pages.put((read, encoded.end))
                        await pages.join()  # taken
                    except BaseException:
                        read.cancel()
                        raise
                    end = encoded.end or PageEnd.of((await read)[0])
                    if not end.has_more:
                        return
                    since, horizon, total = end.cursor, end.horizon, False
            except Exception as exc:
                await pages.put(exc)

        fetching = asyncio.ensure_future(fetch())
        try:
            while True:
                got = await pages.get()
                pages.task_done()
                if isinstance(got, Exception):
                    raise got
                read, announced = got
                page, info, prepared = await read
                if announced is not None and announced != PageEnd.of(page):
                    raise ServerError("bad_response", "服务器返回了无法识别的数据",
                                      "The server's change feed said one thing in the headers of a page"
                                      " and another in its body")
                yield page, info, prepared
                if page.reset or not page.has_more:
                    return
        finally:
            fetching.cancel()
            await asyncio.wait((fetching,))
            while not pages.empty():
                left = pages.get_nowait()
                if not isinstance(left, Exception):
                    left[0].cancel()

    @staticmethod
    def _read(encoded: EncodedPage) -> tuple[FeedPage, PageInfo, PreparedPage]:
        """A page decoded, and its rows made (in a thread: no database needed)."""
        page, info = ApiClient.read_encoded(encoded)
        return page, info, Cache.prepare_page(page.changes)

    # ------------------------------------------------------------- push --

    def _delay(self, attempts: int) -> float:
        cap = min(self.backoff_max, self.backoff * (2 ** min(attempts, 20)))
        return random.uniform(cap / 2, cap)

    async def push(self, *, force: bool = True, only: set[int] | None = None) -> PushReport:
        """Push pending entries in order. ``force=False`` respects each entry's backoff."""
        async with self._push_lock:
            with collector_paused():  # storing a batch's answer: a thousand records
                return await self._push(force=force, only=only)

    async def _push(self, *, force: bool, only: set[int] | None) -> PushReport:
        report = PushReport()
        while True:
            entry = await asyncio.to_thread(self.cache.outbox.next_pending)
            if entry is None:
                break
            if not force and entry.next_try > time.time():
                break
            if only is not None and entry.seq not in only and entry.seq > max(only):
                break
            stop = await self.push_entry(entry, report)
            if stop is not None:
                report.stopped = stop
                break
        return report

    async def push_entry(self, entry: OutboxEntry, report: PushReport) -> ApiError | None:
        """Send one entry and record the answer. Returns the error that must stop pushing."""
        report.sent += 1
        try:
            answer = await self.api.send(
                entry.method, entry.path, entry.body, idempotency_key=entry.idem_key, if_match=entry.if_match
            )
        except (Offline, ServerError, Unauthorised) as err:
            self.online = not isinstance(err, Offline)
            self.last_error = err
            await asyncio.to_thread(
                self.cache.outbox.mark_attempt, entry.seq,
                error=(err.code, err.message_zh, err.message_en), delay=self._delay(entry.attempts),
            )
            return err
        except Conflict as err:
            self.online = True
            if err.current is not None:
                outcomes = [
                    ItemOutcome(it.pos, "conflict", err.code, err.message_zh, err.message_en,
                                server=err.current if it.pos == 0 else None)
                    for it in entry.items
                ]
            else:
                outcomes = [ItemOutcome(it.pos, "rejected", err.code, err.message_zh, err.message_en)
                            for it in entry.items]
            await asyncio.to_thread(self.cache.outbox.resolve, entry.seq, outcomes,
                                    entry_code=(err.code, err.message_zh, err.message_en))
            report.conflicts += sum(1 for o in outcomes if o.state == "conflict")
            report.rejected += sum(1 for o in outcomes if o.state == "rejected")
            return None
        except ApiError as err:  # NotFound, Forbidden, ValidationFailed: definite refusals
            self.online = True
            outcomes = [ItemOutcome(it.pos, "rejected", err.code, err.message_zh, err.message_en)
                        for it in entry.items]
            await asyncio.to_thread(self.cache.outbox.resolve, entry.seq, outcomes,
                                    entry_code=(err.code, err.message_zh, err.message_en))
            report.rejected += len(outcomes)
            return None
        self.online = True
        handler = HANDLERS.get(entry.kind, handle_record)
        try:
            outcomes = handler(entry, answer)
        except Exception as exc:  # an answer we cannot read: keep it pending, do not lose it
            bad = ServerError("bad_response", "服务器返回了无法识别的数据",
                              f"The server sent an answer the client cannot read ({exc})")
            await asyncio.to_thread(
                self.cache.outbox.mark_attempt, entry.seq,
                error=(bad.code, bad.message_zh, bad.message_en), delay=self._delay(entry.attempts),
            )
            return bad
        await asyncio.to_thread(self.cache.outbox.resolve, entry.seq, outcomes)
        report.ok += sum(1 for o in outcomes if o.state == "ok")
        report.conflicts += sum(1 for o in outcomes if o.state == "conflict")
        report.rejected += sum(1 for o in outcomes if o.state == "rejected")
        return None

    # ------------------------------------------------------------- both --

    async def sync(self, progress: ProgressFn | None = None) -> tuple[PushReport, PullReport | None]:
        """Push the outbox, then pull what changed. Raises Offline etc. from the pull."""
        async with self._lock:
            self.syncing = True
            try:
                pushed = self.last_push = await self.push()
                if isinstance(pushed.stopped, Unauthorised):
                    raise pushed.stopped
                try:
                    pulled = await self.pull(progress)
                except Offline as err:
                    self.online = False
                    self.last_error = err
                    raise
                self.last_error = pushed.stopped
                return pushed, pulled
            finally:
                self.syncing = False
