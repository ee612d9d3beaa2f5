"""A first sync keeps every guarantee of the feed: a crash in the middle loses
nothing and the next sync resumes from the last applied page; the mirror is
exactly the server's feed for the account's scope; changes waiting in the
outbox are untouched; tombstones and a reset still work."""

from __future__ import annotations

import contextlib
import json
import platform
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults import FaultTransport
from tests.support import DemoServer, ServerFactory, child_env, open_services, sign_in_token
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.cache import sync as sync_module
from zhumeng_tui.cache.outbox import Mutation, MutationItem
from zhumeng_tui.cache.schema import MIRROR
from zhumeng_tui.cache.store import Cache, cache_path
from zhumeng_tui.services import AppFilter

PAGE = 150


async def feed_pages(server: DemoServer, username: str, limit: int = PAGE) -> list[dict[str, Any]]:
    """The server's feed for ``username`` page by page (as plain JSON)."""
    async with ApiClient(server.url, transport=server.transport(), retries=0) as api:
        await api.login(username, DEMO_PASSWORD)
        pages, since, horizon = [], 0, None
        while True:
            params = {"since": since, "limit": limit} | ({} if horizon is None else {"horizon": horizon})
            page = (await api.request("GET", "/changes", params=params)).json()
            assert not page["reset"]
            pages.append(page)
            since, horizon = page["cursor"], page["horizon"]
            if not page["has_more"]:
                return pages


def mirror(cache: Cache) -> set[tuple[str, int, int]]:
    """Every cached record as (type, id, version)."""
    out = set()
    for rtype in MIRROR:
        out |= {(rtype, r[0], r[1]) for r in cache.conn().execute(f"SELECT id, version FROM m_{rtype}")}
    return out


def of_pages(pages: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for p in pages:
        for c in p["changes"]:
            latest[(c["type"], c["id"])] = c
    return {(t, i, c["version"]) for (t, i), c in latest.items() if not c["deleted"] and c["data"] is not None}


class Sinces(httpx.AsyncBaseTransport):
    """Records the ``since`` of every feed request on its way to the server."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sinces: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changes"):
            self.sinces.append(int(request.url.params["since"]))
        return await self.inner.handle_async_request(request)


async def test_a_failure_after_page_k_resumes_from_it_and_loses_nothing(
    server: DemoServer, tmp_path: Path, fault: FaultTransport
) -> None:
    pages = await feed_pages(server, "demo-univ")
    assert len(pages) > 5
    svc = await open_services(server, tmp_path / "data", transport=fault)
    svc.engine.page_size = PAGE
    served = 0
    inner = fault.inner

    class FailAfterThreePages(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal served
            if request.url.path.endswith("/changes"):
                served += 1
                if served > 3:
                    raise httpx.ReadError("connection reset", request=request)
            return await inner.handle_async_request(request)

    fault.inner = FailAfterThreePages()
    st = await svc.sync()
    assert not st.online
    # pages 1-3 applied with their cursor, nothing of page 4
    assert svc.cache.cursor == pages[2]["cursor"]
    assert mirror(svc.cache) == of_pages(pages[:3])
    assert svc.cache.view_stale and svc.sync_status().first_sync
    # the next sync asks from there, and the mirror is then the whole feed
    sinces = Sinces(inner)
    fault.inner = sinces
    st = await svc.sync()
    assert st.online and not svc.cache.view_stale and not st.first_sync
    assert sinces.sinces[0] == pages[2]["cursor"]
    assert mirror(svc.cache) == of_pages(pages)
    n_apps = svc.cache.conn().execute("SELECT count(*) FROM m_application").fetchone()[0]
    assert svc.count(AppFilter()) == n_apps > 0
    await svc.close()


@pytest.mark.slow
def test_killed_in_the_middle_of_a_page_resumes_and_loses_nothing(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    """``zhumeng-tui sync`` killed (SIGKILL) while it writes the third page:
    the cache holds pages one and two with their cursor, not a row of the
    third; the next run finishes with the whole feed."""
    import asyncio

    server = make_server(loopback=True)
    pages = asyncio.run(feed_pages(server, "demo-univ"))
    (tmp_path / "small.toml").write_text(f"page_size = {PAGE}\n")
    env = child_env(tmp_path, ZHUMENG_TOKEN=sign_in_token(server.url))
    argv = ["--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "small.toml"),
            "--server", server.url, "--user", "demo-univ", "sync"]
    plant = textwrap.dedent("""
        import os, signal
        from zhumeng_tui.cache.store import Cache
        put_many, pages = Cache._put_many, []
        def dying(self, c, rtype, rows):
            put_many(self, c, rtype, rows)
            if c.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone() not in pages:
                pages.append(c.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone())
            if len(pages) == 3:  # rows of the third page written, not committed
                os.kill(os.getpid(), signal.SIGKILL)
        Cache._put_many = dying
    """)
    prog = plant + f"\nfrom zhumeng_tui import cli\nraise SystemExit(cli.main({argv!r}))\n"
    killed = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=env, timeout=300,
                            stdin=subprocess.DEVNULL)
    assert killed.returncode == -9, killed.stderr
    cache = Cache(cache_path(server.url, "demo-univ", tmp_path / "data"))
    assert cache.integrity_ok()
    assert cache.cursor == pages[1]["cursor"]
    assert mirror(cache) == of_pages(pages[:2])
    cache.close()
    again = subprocess.run([sys.executable, "-m", "zhumeng_tui.cli", *argv], capture_output=True, text=True,
                           env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stderr
    cache = Cache(cache_path(server.url, "demo-univ", tmp_path / "data"))
    assert mirror(cache) == of_pages(pages) and not cache.view_stale
    assert cache.conn().execute("SELECT count(*) FROM app_view").fetchone()[0] == len(
        [k for k in of_pages(pages) if k[0] == "application"])
    cache.close()


async def test_a_department_gets_its_scope_only(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    """The compressed first pull goes through the same scope filter: the
    department's mirror is exactly its feed, and every student and
    application in it is of its department."""
    pages = await feed_pages(server, "demo-dept")
    svc = await open_services(server, tmp_path / "data", "demo-dept", transport=fault)
    seen: list[tuple[int | None, str | None]] = []
    changes = svc.api.changes_encoded

    async def watching(since: int, limit: int = 5000, **options: Any) -> Any:
        encoded = await changes(since, limit, **options)
        seen.append((encoded.info.total, None))
        return encoded

    svc.api.changes_encoded = watching  # type: ignore[method-assign]
    await svc.sync()
    dept = svc.me.department_id
    assert mirror(svc.cache) == of_pages(pages)
    total = sum(len(p["changes"]) for p in pages)
    assert seen[0][0] == total  # the count the server gave for progress is the scope's
    for rtype in ("student", "application"):
        depts = {r[0] for r in svc.cache.conn().execute(f"SELECT department_id FROM m_{rtype}")}
        assert depts == {dept}, rtype
    everyone = await feed_pages(server, "demo-univ")
    assert of_pages(pages) < of_pages(everyone)
    await svc.close()


async def test_a_first_sync_leaves_waiting_changes_alone(
    server: DemoServer, tmp_path: Path, fault: FaultTransport
) -> None:
    """A change queued before a first sync (a cache rebuilt with the outbox
    kept): the sync pulls everything, shows the optimistic record, and the
    entry is still waiting, untouched, until the push sends it."""
    svc = await open_services(server, tmp_path / "data", transport=fault)
    await svc.sync()
    app = svc.cache.conn().execute(
        "SELECT data FROM m_application WHERE status = 'dept_confirmed' AND worst = 'pass' LIMIT 1").fetchone()
    rec = json.loads(app[0])
    fault.offline = True
    svc.cache.outbox.add(Mutation("record", "POST", f"/applications/{rec['id']}/actions",
                                  {"action": "reject", "reason": "材料不全"},
                                  [MutationItem("application", rec["id"], {**rec, "status": "rejected"})],
                                  if_match=rec["version"]))
    before = [(e.seq, e.idem_key, e.body, e.state, e.attempts) for e in svc.cache.outbox.entries()]
    svc.cache.reset_mirror()  # the mirror is gone: the next pull is a first sync
    assert svc.cache.cursor == 0
    fault.offline = False
    pulled = await svc.engine.pull()
    assert pulled.applied > 0
    assert [(e.seq, e.idem_key, e.body, e.state, e.attempts) for e in svc.cache.outbox.entries()] == before
    assert svc.record("application", rec["id"])["status"] == "rejected"  # type: ignore[index]
    assert svc.cache.conn().execute("SELECT local_state FROM app_view WHERE id = ?",
                                    (rec["id"],)).fetchone()[0] == "pending"
    await svc.close()


async def test_tombstones_and_reset_after_a_first_sync(server: DemoServer, tmp_path: Path,
                                                        fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", transport=fault)
    svc.engine.page_size = PAGE  # the pull after the reset is many pages, all below the new horizon
    await svc.sync()
    async with ApiClient(server.url, transport=server.transport(), retries=0) as province:
        await province.login("demo-province", DEMO_PASSWORD)

        async def new_position(title: str) -> Any:
            return await province.send("POST", "/positions", {"employer_id": 1, "title": title,
                                                              "start_date": "2026-04-01", "end_date": "2026-06-30"},
                                       idempotency_key=f"new-{len(title)}-{title.encode().hex()}")

        async def delete(p: Any) -> None:
            await province.send("DELETE", f"/positions/{p['id']}", None, idempotency_key=f"del-{p['id']}",
                                if_match=p["version"])

        first, second = await new_position("临时岗位一"), await new_position("临时岗位二")
        await svc.sync()
        assert svc.record("position", first["id"]) and svc.record("position", second["id"])
        await delete(first)
        pulled = await svc.engine.pull()
        assert not pulled.reset and svc.record("position", first["id"]) is None  # the tombstone
        # a tombstone newer than the client's cursor is purged: the next pull is a reset
        await delete(second)
        await province.request("POST", "/admin/prune-tombstones")
    pulled = await svc.engine.pull()
    assert pulled.reset and svc.record("position", second["id"]) is None
    assert mirror(svc.cache) == of_pages(await feed_pages(server, "demo-univ"))
    assert svc.count(AppFilter()) == svc.cache.conn().execute("SELECT count(*) FROM m_application").fetchone()[0]
    await svc.close()


async def test_a_first_sync_gives_back_the_memory_it_freed(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first pull hands the heap's free memory back to the system, once,
    after it has ended (with its indexes); a sync after it, with little to
    read, does not."""
    calls: list[bool] = []

    def counted() -> bool:
        calls.append(real())
        return calls[-1]

    real = sync_module.give_back_memory
    monkeypatch.setattr(sync_module, "give_back_memory", counted)
    svc = await open_services(server, tmp_path / "data")
    first = await svc.engine.pull()
    assert first.bulk and first.applied > 0
    await svc.engine.settled()
    assert calls == [sys.platform == "linux" and platform.libc_ver()[0] == "glibc"]
    again = await svc.engine.pull()
    assert not again.bulk
    await svc.engine.settled()
    assert len(calls) == 1
    await svc.close()


def list_indexes(cache: Cache) -> set[str]:
    return {r[0] for r in cache.conn().execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'app_view' AND sql IS NOT NULL")}


async def test_a_first_sync_returns_before_the_lists_indexes_and_they_follow(
    server: DemoServer, tmp_path: Path
) -> None:
    """A first pull returns once every record is in; the list's indexes are
    built after it, in the background. Meanwhile the lists answer the same
    (without them); then every index the schema declares is there."""
    svc = await open_services(server, tmp_path / "data")
    first = await svc.engine.pull()
    assert first.bulk and not svc.sync_status().first_sync
    assert not list_indexes(svc.cache)
    everything = svc.ids_matching(AppFilter())
    waiting = svc.count(AppFilter(actionable=True))
    assert len(everything) == svc.cache.conn().execute("SELECT count(*) FROM m_application").fetchone()[0] > 0
    await svc.engine.settled()
    assert "ix_app_view_search" in list_indexes(svc.cache)
    svc.forget_results()
    assert svc.ids_matching(AppFilter()) == everything and svc.count(AppFilter(actionable=True)) == waiting
    await svc.close()


async def test_the_lists_indexes_are_there_after_close_or_at_the_next_open(
    server: DemoServer, tmp_path: Path
) -> None:
    """Closing the services waits for the indexes a first sync left to build;
    a cache closed under them (the process ended) builds them when it opens."""
    svc = await open_services(server, tmp_path / "data")
    await svc.engine.pull()
    await svc.close()
    with contextlib.closing(sqlite3.connect(svc.cache.path)) as raw:
        assert "ix_app_view_search" in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    cut = await open_services(server, tmp_path / "cut")
    await cut.engine.pull()
    cut.cache.close()  # before the background build has started
    await cut.engine.settled()
    await cut.api.aclose()
    with contextlib.closing(sqlite3.connect(cut.cache.path)) as raw:
        assert "ix_app_view_search" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    reopened = Cache(cut.cache.path)
    assert "ix_app_view_search" in list_indexes(reopened)
    reopened.close()
