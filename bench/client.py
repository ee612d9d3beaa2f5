"""Client-core benchmarks: sync, bulk review, queries over a
200,000-application cache, memory and cold start."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from bench.registry import Context, Figure, bench
from bench.server import BENCH_TODAY

VISIBLE = ["student_no", "name", "department", "employer", "position", "city", "status", "worst",
           "failed_checks", "local_state"]
BIG_URL, BIG_USER = "http://bench.invalid", "bench-univ"
#: Seconds between two runs of a bulk decision.
PAUSE_BETWEEN_RUNS = 3.0


# ------------------------------------------------------------ resources --


def server_url(ctx: Context, database: str = "sqlite") -> str:
    def start() -> str:
        from bench.server import demo_server

        print(f"  (starting a demo server on {database} with {ctx.args.students:,} students in its own process;"
              " the first run generates it, later runs reuse it)", flush=True)
        cm = demo_server(ctx.args.students, directory=ctx.directory, database=database)
        url = cm.__enter__()
        ctx.cleanups.append(lambda: cm.__exit__(None, None, None))
        return url

    return str(ctx.get("server_url" if database == "sqlite" else f"server_url_{database}", start))


def on_postgres(ctx: Context, figures: Any) -> list[Figure]:
    """The server-side figures of ``figures`` measured against the demo server on PostgreSQL."""
    url = server_url(ctx, "postgres")
    saved = {k: ctx.resources[k] for k in ("server_url", "synced") if k in ctx.resources}
    ctx.resources["server_url"] = url
    try:
        out: list[Figure] = figures(ctx)
    finally:
        ctx.resources.pop("synced", None)
        ctx.resources.update(saved)
        if "server_url" not in saved:
            ctx.resources.pop("server_url", None)
    for f in out:
        f.name = f"{f.name} [PostgreSQL]"
    return out


def loop(ctx: Context) -> asyncio.AbstractEventLoop:
    def make() -> asyncio.AbstractEventLoop:
        lp = asyncio.new_event_loop()
        ctx.cleanups.append(lp.close)
        return lp

    lp: asyncio.AbstractEventLoop = ctx.get("loop", make)
    return lp


def big_cache(ctx: Context) -> Any:
    """A LocalServices over a cache of ``--cache-rows`` synthetic applications."""

    def build() -> Any:
        from bench.data import build_cache
        from zhumeng_tui.api_client.client import ApiClient
        from zhumeng_tui.api_client.schemas import Me
        from zhumeng_tui.cache.store import cache_path
        from zhumeng_tui.services.local import LocalServices

        path = cache_path(BIG_URL, BIG_USER, ctx.directory / "data")
        t = time.perf_counter()
        cache = build_cache(path, ctx.args.cache_rows)
        me = Me(username=BIG_USER, display_name="基准", role="university", university_id=1)
        cache.set_meta("me", me.model_dump_json())
        dt_ = time.perf_counter() - t
        if dt_ > 1:
            print(f"  (built a cache of {ctx.args.cache_rows:,} synthetic applications through the real apply"
                  f" path in {dt_:.0f} s; reused next time)", flush=True)
        return LocalServices(cache=cache, api=ApiClient(BIG_URL), me=me, today=lambda: BENCH_TODAY)

    return ctx.get("big_cache", build)


def first_page(svc: Any, f: Any, sort: Any = None) -> Any:
    """What the queue does for a filter: the ids in order, then the rows of the
    first page (results cached by the services are forgotten first: each call
    is a new query)."""
    from zhumeng_tui.services import SortSpec

    svc.forget_results()
    rows = svc.query_applications(f, sort or SortSpec(), columns=VISIBLE)
    if len(rows.ids):
        rows.row(0)
    return rows


def timed(fn: Any, repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# ----------------------------------------------------------------- sync --


@bench("sync", order=10)
def sync_figures(ctx: Context) -> list[Figure]:
    import shutil

    from zhumeng_tui.services import AppFilter
    from zhumeng_tui.services.local import connect

    url = server_url(ctx)
    lp = loop(ctx)
    data_dir = ctx.directory / "sync-run"
    firsts: list[float] = []
    settles: list[float] = []
    floors: list[float] = []
    ratios: list[float] = []
    svc = None
    for run in range(ctx.args.runs):
        if svc is not None:
            lp.run_until_complete(svc.close())
        shutil.rmtree(data_dir, ignore_errors=True)
        svc = lp.run_until_complete(connect(url, username="demo-univ", password="zhumeng-demo", data_dir=data_dir))
        asked = recording_pages(svc)
        if run == 0:
            # the server's database read once first, as a running server's is: the
            # sync and its floor (measured after it) then both find it in memory
            lp.run_until_complete(warm_up(url, svc.api.token, svc.engine.page_size))
        t = time.perf_counter()
        _pushed, pulled = lp.run_until_complete(svc.engine.sync())
        firsts.append(time.perf_counter() - t)
        # the lists' indexes, built after the sync has returned (nothing else runs beside them)
        lp.run_until_complete(svc.engine.settled())
        settles.append(time.perf_counter() - t - firsts[-1])
        del svc.api.changes_encoded  # the recording
        # measured right after the sync: the server is as warm for it as it can be
        floor = lp.run_until_complete(fetch_floor(url, svc.api.token, asked))
        floors.append(floor.seconds)
        ratios.append(firsts[-1] / floor.seconds)
        assert pulled is not None and floor.records == pulled.applied, (floor.records, pulled.applied)
    assert svc is not None and pulled is not None
    closing = svc
    ctx.cleanups.append(lambda: lp.run_until_complete(closing.close()))
    apps = svc.count(AppFilter())
    ctx.resources["synced"] = svc
    incs: list[float] = []
    n_req = 0  # the most any of them sent
    for _ in range(ctx.args.runs):
        before = svc.api.requests_sent
        t = time.perf_counter()
        lp.run_until_complete(svc.sync())
        incs.append(time.perf_counter() - t)
        n_req = max(n_req, svc.api.requests_sent - before)
    inc, inc_runs = median([x * 1000 for x in incs], "ms")
    mb = pulled.wire_bytes / 1e6
    first, first_runs = median(firsts)
    floor_s, floor_runs = median(floors)
    ratio, ratio_runs = median(ratios, "x")
    settle, settle_runs = median(settles)
    return [
        Figure(f"first full sync, {ctx.args.students:,} students", first, "s", 5.0,
               f"{first_runs}; {pulled.applied:,} records, {apps:,} applications, {pulled.pages} pages"),
        Figure("  then the lists' indexes, in the background", settle, "s", None,
               f"{settle_runs}; the lists work meanwhile, without them"),
        Figure("  floor: the same pages fetched and decoded", floor_s, "s", None,
               f"{floor_runs}; nothing stored; decoded with msgspec"),
        Figure("  first sync / floor", ratio, "x", 1.5, f"{ratio_runs}; each sync beside the floor measured after it"),
        Figure("  bytes on the wire", mb, "MB", 20.0,
               f"{pulled.json_bytes / 1e6:,.0f} MB of JSON, {pulled.json_bytes / max(1, pulled.wire_bytes):.1f}x smaller;"
               f" floor {floor.wire_bytes / 1e6:.1f} MB"),
        Figure("incremental sync, nothing new: requests", n_req, "requests", 1),
        Figure("incremental sync, nothing new: time", inc, "ms", None, inc_runs),
    ]


def recording_pages(svc: Any) -> list[tuple[int, int]]:
    """The (since, limit) of every page ``svc``'s sync asks for from now on
    (what its floor then fetches); ``del svc.api.changes_encoded`` stops it."""
    asked: list[tuple[int, int]] = []
    changes = svc.api.changes_encoded

    async def recording(since: int, limit: int = 5000, **options: Any) -> Any:
        asked.append((since, limit))
        return await changes(since, limit, **options)

    svc.api.changes_encoded = recording
    return asked


#: The campus link the "sync over a link" figures are measured on (simulated
#: on loopback: each answer is held back by a round trip and by its bytes at this rate).
LINK_MBIT, LINK_RTT = 100, 0.010


class Link:
    """An httpx transport that holds back each answer by :data:`LINK_RTT` and
    by its bytes at :data:`LINK_MBIT` (one answer at a time, as on one
    connection), as a campus link would; the client's CPU is not used meanwhile."""

    def __init__(self) -> None:
        import httpx

        self.inner = httpx.AsyncHTTPTransport()
        self.free_at = 0.0

    async def handle_async_request(self, request: Any) -> Any:
        import httpx

        resp = await self.inner.handle_async_request(request)
        body = b"".join([chunk async for chunk in resp.stream])
        await resp.aclose()
        start = max(time.perf_counter(), self.free_at)
        self.free_at = start + LINK_RTT + len(body) * 8 / (LINK_MBIT * 1e6)
        await asyncio.sleep(self.free_at - time.perf_counter())
        return httpx.Response(resp.status_code, headers=resp.headers, stream=httpx.ByteStream(body),
                              extensions=resp.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


@bench("sync over a link", order=12)
def link_figures(ctx: Context) -> list[Figure]:
    """A first sync over a simulated campus link, beside the same pages
    fetched and decoded over it: what overlapping the fetching with the
    decoding and writing gives where the bytes take time to come."""
    import shutil

    from zhumeng_tui.services.local import connect

    url = server_url(ctx)
    lp = loop(ctx)
    data_dir = ctx.directory / "sync-link-run"
    firsts: list[float] = []
    floors: list[float] = []
    for _ in range(ctx.args.runs):
        shutil.rmtree(data_dir, ignore_errors=True)
        svc = lp.run_until_complete(connect(url, username="demo-univ", password="zhumeng-demo", data_dir=data_dir,
                                            transport=Link()))
        try:
            asked = recording_pages(svc)
            if not firsts:  # the server's database read once first, as in the sync section
                lp.run_until_complete(warm_up(url, svc.api.token, svc.engine.page_size))
            t = time.perf_counter()
            lp.run_until_complete(svc.engine.sync())
            firsts.append(time.perf_counter() - t)
            lp.run_until_complete(svc.engine.settled())
            floors.append(lp.run_until_complete(fetch_floor(url, svc.api.token, asked, Link())).seconds)
        finally:
            lp.run_until_complete(svc.close())
    first, first_runs = median(firsts)
    floor, floor_runs = median(floors)
    ratio, ratio_runs = median([a / b for a, b in zip(firsts, floors, strict=True)], "x")
    link = f"{LINK_MBIT} Mbit/s, {LINK_RTT * 1000:.0f} ms a request"
    return [
        Figure(f"first full sync over a link ({link})", first, "s", None, first_runs),
        Figure("  floor: the same pages fetched and decoded over it", floor, "s", None, floor_runs),
        Figure("  first sync / floor", ratio, "x", None, ratio_runs),
    ]


def median(values: list[float], unit: str = "s") -> tuple[float, str]:
    """The median of the runs of a figure, and a note of how many there were and their range."""
    if len(values) == 1:
        return values[0], "one run"
    return statistics.median(values), f"median of {len(values)} runs, {min(values):.2f}-{max(values):.2f} {unit}"


async def warm_up(url: str, token: str | None, limit: int) -> None:
    """Page through the whole change feed once (nothing decoded or kept)."""
    from zhumeng_tui.api_client.client import ApiClient

    api = ApiClient(url, token=token)
    try:
        since, more = 0, True
        while more:
            page, _info = await api.changes(since, limit)
            since, more = page.cursor, page.has_more
    finally:
        await api.aclose()


class Floor:
    def __init__(self, seconds: float, records: int, wire_bytes: int) -> None:
        self.seconds, self.records, self.wire_bytes = seconds, records, wire_bytes


async def fetch_floor(url: str, token: str | None, asked: list[tuple[int, int]],
                      transport: Any = None) -> Floor:
    """The floor of a first sync: the same pages fetched the same way (the
    same client, headers and compression, decompressed in one go; the next
    page asked for while one is decoded in a thread, as the sync does) and
    decoded into Python objects, nothing else. Python's garbage collector is
    paused, as it is for the sync: its passes over the objects being decoded
    are not decoding (with it on, they were four fifths of the decoding)."""
    import msgspec

    from zhumeng_tui.api_client.client import ApiClient
    from zhumeng_tui.api_client.feed import decompress
    from zhumeng_tui.cache.sync import collector_paused

    def decode(body: bytes, coding: str) -> Any:
        return msgspec.json.decode(decompress(body, coding))

    api = ApiClient(url, token=token, transport=transport)
    records = wire = 0
    t = time.perf_counter()
    try:
        async def get(since: int, limit: int) -> Any:
            return await api.get_encoded("/changes", params={"since": since, "limit": limit})

        queue = list(asked)
        with collector_paused():
            nxt = asyncio.ensure_future(get(*queue.pop(0)))
            while nxt is not None:
                resp, body, coding = await nxt
                nxt = asyncio.ensure_future(get(*queue.pop(0))) if queue else None
                page = await asyncio.to_thread(decode, body, coding)
                wire += resp.num_bytes_downloaded
                records += len(page["changes"])
        return Floor(time.perf_counter() - t, records, wire)
    finally:
        await api.aclose()


@bench("bulk review", order=20)
def bulk_figures(ctx: Context) -> list[Figure]:
    import shutil

    from zhumeng_tui.domain.status import Action
    from zhumeng_tui.services import AppFilter
    from zhumeng_tui.services.local import connect

    url = server_url(ctx)
    lp = loop(ctx)
    figs = []
    # demo-dept confirms what its queue lets it (the demo data has ~750 it
    # may confirm: one run); demo-univ approves 1,000 of the confirmed ones,
    # another 1,000 in each run (it may approve some 6,000)
    for user, action, want, runs in (("demo-dept", Action.CONFIRM, 1000, 1),
                                     ("demo-univ", Action.APPROVE, 1000, ctx.args.runs)):
        data_dir = ctx.directory / f"bulk-run-{user}"
        shutil.rmtree(data_dir, ignore_errors=True)
        svc = lp.run_until_complete(connect(url, username=user, password="zhumeng-demo", data_dir=data_dir))
        tooks: list[float] = []
        servers: list[float] = []
        try:
            lp.run_until_complete(svc.sync())
            lp.run_until_complete(svc.engine.settled())  # the lists' indexes: a decision would wait for them
            ids = svc.ids_matching(AppFilter(actionable=True))
            preview = svc.preview_review(ids, action)
            first = preview.will_send[:want]
            for run in range(runs):
                send = preview.will_send[run * want:(run + 1) * want]
                if run and len(send) < len(first):  # each run as large as the first, or none
                    break
                if run:
                    # a moment between two decisions, as a user takes: the copies of
                    # the write-ahead logs the last one started (client, server) end
                    time.sleep(PAUSE_BETWEEN_RUNS)
                n = len(send)
                before, server_before = svc.api.requests_sent, svc.api.server_ms
                t = time.perf_counter()
                res = lp.run_until_complete(svc.review(send, action, None, list(preview.warnings)))
                tooks.append(time.perf_counter() - t)
                n_req = svc.api.requests_sent - before
                servers.append((svc.api.server_ms - server_before) / 1000)
                ok = sum(r.ok and not r.queued for r in res.results)
            # the next sync brings the decided records back from the change feed
            time.sleep(PAUSE_BETWEEN_RUNS)
            t = time.perf_counter()
            lp.run_until_complete(svc.sync())
            after = time.perf_counter() - t
            last = svc.sync_status().last_round
            received = last.received if last else 0
        finally:
            lp.run_until_complete(svc.close())
        verb = "confirm" if action == Action.CONFIRM else "approve"
        budget = n >= 1000
        took, took_runs = median(tooks)
        server_s, server_runs = median(servers)
        figs += [
            Figure(f"bulk {verb} of {n:,} applications ({user}): end to end", took, "s", 1.0 if budget else None,
                   f"{took_runs}; {ok:,} of {n:,} ok" + ("" if len(tooks) == 1 else " in the last")),
            Figure("  of which server time", server_s, "s", 0.5 if budget else None,
                   f"{server_runs}; Server-Timing"),
            Figure(f"bulk {verb}: requests", n_req, "requests", 1),
            Figure("  the sync after it", after, "s", None, f"one run; {received:,} records from the change feed"),
        ]
    return figs


# -------------------------------------------------------------- queries --


@bench("queries", order=30)
def query_figures(ctx: Context) -> list[Figure]:
    from zhumeng_tui.domain.status import Status
    from zhumeng_tui.services import AppFilter, SortSpec

    figs = []
    synced = ctx.resources.get("synced")
    if synced is not None:
        n = synced.count(AppFilter())
        t, _ = timed(lambda: first_page(synced, AppFilter()), 3)
        figs.append(Figure(f"table of all {n:,} applications from the cache", t * 1000, "ms", 300,
                           "ids in order + the first page of rows"))
    svc = big_cache(ctx)
    rows_n = svc.count(AppFilter())
    from zhumeng_tui.cache.search import SearchIndex

    def load_index() -> Any:
        return SearchIndex.load(svc.cache)

    t, _ = timed(load_index, 2)
    figs.append(Figure(f"search index load, {rows_n:,} applications", t * 1000, "ms", None,
                       "in the background after a change; SQLite answers meanwhile"))
    assert svc.lists.search_index(wait=True) is not None  # as when the user types: loaded since the queue opened
    names = [r[0] for r in svc.cache.conn().execute(
        "SELECT name FROM app_view WHERE length(name) = 2 LIMIT 1")]
    two = names[0] if names else "张伟"
    from zhumeng_tui.cache.pinyin import name_pinyin

    initials = name_pinyin(two)[1]
    no = svc.cache.conn().execute("SELECT student_no FROM app_view LIMIT 1").fetchone()[0]
    sort = SortSpec()

    def q(text: str, **kw: Any) -> Any:
        return first_page(svc, AppFilter(text=text, **kw), sort)

    t, r = timed(lambda: q(two), 3)
    figs.append(Figure(f"name search '{two}' over {rows_n:,} applications", t * 1000, "ms", 100,
                       f"{len(r.ids):,} rows"))
    t, r = timed(lambda: q(initials), 3)
    figs.append(Figure(f"pinyin initials '{initials}' over {rows_n:,}", t * 1000, "ms", 100, f"{len(r.ids):,} rows"))
    keystrokes = [two[:1], two, initials[:1], initials, no[:4], no[:8], no]
    times = []
    for k in keystrokes:
        t, _ = timed(lambda k=k: q(k), 2)
        times.append(t * 1000)
    figs.append(Figure(f"filter keystroke at {rows_n:,} rows (median of {len(times)})",
                       statistics.median(times), "ms", 100, "name / pinyin / 学号 prefixes"))
    figs.append(Figure("filter keystroke (worst)", max(times), "ms", 100,
                       f"'{keystrokes[times.index(max(times))]}'"))
    svc.lists.use_search_index = False
    sql_times = [timed(lambda k=k: q(k), 2)[0] * 1000 for k in keystrokes]
    svc.lists.use_search_index = True
    figs.append(Figure("  the same keystrokes by SQLite (index loading), worst", max(sql_times), "ms", None,
                       f"median {statistics.median(sql_times):.0f} ms"))
    dept = svc.departments()[0][0]
    t, r = timed(lambda: first_page(svc, AppFilter(department_id=dept, text=initials), sort), 3)
    figs.append(Figure("department + pinyin filter", t * 1000, "ms", 100, f"{len(r.ids):,} rows"))
    t, r = timed(lambda: first_page(svc, AppFilter(), sort), 3)
    figs.append(Figure(f"all {rows_n:,} rows, no filter (ids + first page)", t * 1000, "ms", 100))
    t, r = timed(lambda: first_page(svc, AppFilter(statuses=frozenset({Status.MATCHED})), sort), 3)
    figs.append(Figure("status filter, no text", t * 1000, "ms", 100, f"{len(r.ids):,} rows"))
    t, r = timed(lambda: first_page(svc, AppFilter(), SortSpec("name")), 3)
    figs.append(Figure(f"all {rows_n:,} rows sorted by name", t * 1000, "ms", None, "a sort key press, not typing"))
    t, _ = timed(svc.review_dashboard, 3)
    figs.append(Figure("dashboard counts", t * 1000, "ms", 100, "review lines and local changes"))
    t, _ = timed(svc.dashboard, 3)
    figs.append(Figure("  the whole dashboard", t * 1000, "ms", None, "with the intern and withdrawal lines"))
    first_page(svc, AppFilter())  # the queue shows the list, then ctrl+a selects it all
    t, _ = timed(lambda: svc.ids_matching(AppFilter()), 3)
    figs.append(Figure(f"select all {rows_n:,} shown (ids)", t * 1000, "ms", 100))
    return figs


# --------------------------------------------------------------- memory --

_RSS_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    t0 = time.perf_counter()
    from zhumeng_tui.services import AppFilter, SortSpec
    from zhumeng_tui.services.local import open_local
    svc = open_local(sys.argv[1], username=sys.argv[2], data_dir=Path(sys.argv[3]))
    d = svc.dashboard()
    rows = svc.query_applications(AppFilter(actionable=True), SortSpec(), limit=1000)
    t_start = time.perf_counter() - t0
    rows = svc.query_applications(AppFilter(), SortSpec())
    rows.row(len(rows.ids) - 1)
    svc.lists.search_index(wait=True)
    svc.missing()
    status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    print(json.dumps({"hwm_kb": int(status["VmHWM"].split()[0]), "rss_kb": int(status["VmRSS"].split()[0]),
                      "rows": len(rows.ids), "start_s": t_start}))
    """
)


@bench("memory and cold start", order=40)
def memory_figures(ctx: Context) -> list[Figure]:
    big_cache(ctx)  # make sure it exists
    out = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, BIG_URL, BIG_USER, str(ctx.directory / "data")],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        Figure(f"cold start of the services from a warm cache ({data['rows']:,} apps)", data["start_s"], "s", 1.0,
               "imports + open + dashboard + first page; Textual not included"),
        Figure(f"peak RSS with {data['rows']:,} cached applications", data["hwm_kb"] / 1024, "MB", 300,
               "the queue of all rows (ids + a page) + search index + dashboard + missing"),
    ]


@bench("sync on PostgreSQL", order=11)
def sync_figures_postgres(ctx: Context) -> list[Figure]:
    return on_postgres(ctx, sync_figures)


@bench("bulk review on PostgreSQL", order=21)
def bulk_figures_postgres(ctx: Context) -> list[Figure]:
    return on_postgres(ctx, bulk_figures)
