"""The services facade against a real demo server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from tests.faults import FaultTransport
from tests.support import DemoServer, ServerFactory, interns, open_services
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.api_client.errors import Forbidden, Unauthorised
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.eligibility import CheckId
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.services import AppFilter, SortSpec
from zhumeng_tui.services.local import LocalServices, connect, open_local


async def test_wrong_password_is_typed_and_clear(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    with pytest.raises(Unauthorised) as e:
        await connect(server.url, username="demo-univ", password="nope", data_dir=tmp_path,
                      transport=fault)
    assert "demo-univ" in e.value.message("en") and "password" in e.value.message("en")


async def test_first_sync_then_incremental_is_one_request(univ: LocalServices, fault: FaultTransport) -> None:
    st = univ.sync_status()
    assert st.online and not st.first_sync and st.last_synced is not None
    n = len(fault.log)
    st = await univ.sync()
    assert [e[1] for e in fault.log[n:]] == ["/api/v1/changes"]
    assert st.done == 0


async def test_first_sync_leaves_every_index_of_the_list(univ: LocalServices) -> None:
    """The first sync rebuilds the application rows with their indexes
    dropped; all of them are back afterwards (the queue's speed needs them)."""
    from zhumeng_tui.cache.schema import ddl

    wanted = {sql.split(" IF NOT EXISTS ")[1].split(" ON ")[0] for sql in ddl()
              if sql.startswith("CREATE INDEX") and " ON app_view " in sql}
    have = {r[0] for r in univ.cache.conn().execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'app_view' AND sql IS NOT NULL")}
    assert "ix_app_view_search" in wanted and have == wanted
    plan = " ".join(str(r) for r in univ.cache.conn().execute(
        "EXPLAIN QUERY PLAN SELECT id FROM app_view WHERE student_no >= '2023' ORDER BY student_no, id"))
    assert "ix_app_view_search" in plan


async def test_progress_reported(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", transport=fault)
    svc.engine.page_size = 300
    seen: list[tuple[int, int | None]] = []
    await svc.sync(lambda done, total: seen.append((done, total)))
    assert len(seen) > 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == seen[-1][1]
    await svc.close()


async def test_reset_answer_repulls_everything(univ: LocalServices, fault: FaultTransport) -> None:
    before = univ.query_applications(AppFilter(), SortSpec()).table.num_rows
    inner = fault.inner

    class ResetOnce(httpx.AsyncBaseTransport):
        done = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/changes") and not self.done:
                self.done = True
                return httpx.Response(200, json={"changes": [], "cursor": 0, "has_more": False, "reset": True})
            return await inner.handle_async_request(request)

    fault.inner = ResetOnce()
    # a stale row that the server no longer has must disappear with the reset
    with univ.cache.write() as c:
        c.execute("INSERT INTO app_view (id, status) VALUES (999999, 'matched')")
    await univ.sync()
    rows = univ.query_applications(AppFilter(), SortSpec())
    assert rows.table.num_rows == before and 999999 not in rows.ids


async def test_search_names_numbers_pinyin(univ: LocalServices) -> None:
    names = {r[0] for r in univ.cache.conn().execute("SELECT name FROM app_view")}
    two = next(n for n in sorted(names) if len(n) == 2)
    rows = univ.query_applications(AppFilter(text=two), SortSpec())
    assert rows.table.num_rows > 0 and all(two in n for n in rows.table.column("name").to_pylist())
    from zhumeng_tui.cache.pinyin import name_pinyin

    initials = name_pinyin(two)[1]
    rows = univ.query_applications(AppFilter(text=initials), SortSpec())
    assert two in rows.table.column("name").to_pylist()
    rows = univ.query_applications(AppFilter(text=initials.upper()), SortSpec())
    assert two in rows.table.column("name").to_pylist()
    no = univ.cache.conn().execute("SELECT student_no FROM app_view LIMIT 1").fetchone()[0]
    rows = univ.query_applications(AppFilter(text=no[:6]), SortSpec())
    assert all(s.startswith(no[:6]) for s in rows.table.column("student_no").to_pylist())
    assert univ.query_applications(AppFilter(text="%"), SortSpec()).table.num_rows == 0


async def test_filters_sorting_and_table(univ: LocalServices) -> None:
    f = AppFilter(statuses=frozenset({Status.MATCHED}), check=CheckId.REALNAME)
    rows = univ.query_applications(f, SortSpec("name", descending=True))
    assert set(rows.table.column("status").to_pylist()) <= {"matched"}
    assert set(rows.table.column("c_realname").to_pylist()) <= {"fail"}
    assert list(rows.ids) == sorted(univ.ids_matching(f), key=rows.ids.index)
    assert sorted(rows.ids) == sorted(univ.ids_matching(f))
    assert rows.columns == rows.table.column_names and len(rows.ids) == rows.table.num_rows
    dept = univ.departments()[0][0]
    rows = univ.query_applications(AppFilter(department_id=dept), SortSpec("student_no"))
    nos = rows.table.column("student_no").to_pylist()
    assert nos == sorted(nos)


async def test_dashboard_lines_open_their_lists(univ: LocalServices) -> None:
    d = univ.dashboard()
    for line in [d.waiting, d.returned, *d.blockers, *d.by_status]:
        assert univ.count(line.filter) == line.count, line.key
    assert sum(x.count for x in d.by_status) == univ.count(AppFilter())
    assert d.waiting.count > 0 and d.blockers


async def test_missing_groups_and_detail(univ: LocalServices) -> None:
    groups = univ.missing()
    assert groups and all(g.students for g in groups)
    s = groups[0].students[0]
    assert s.reason and s.name
    detail = univ.application_detail(s.application_id)
    assert detail.application.id == s.application_id
    assert detail.student.name == s.name
    assert detail.department_name == s.department_name
    assert "*" in detail.student.id_number_masked


async def test_preview_review_locally(univ: LocalServices) -> None:
    matched = univ.ids_matching(AppFilter(statuses=frozenset({Status.MATCHED})))
    p = univ.preview_review(matched[:20], Action.APPROVE)
    assert not p.will_send and {r.code for r in p.refused} <= {"illegal_transition", "provincial_review"}
    waiting = univ.ids_matching(AppFilter(actionable=True))
    p = univ.preview_review(waiting, Action.APPROVE)
    assert p.will_send
    for r in p.refused:
        assert r.code in {"check_failed", "batch_overlap"}  # batch_overlap: one student, posts overlapping
    oop = univ.ids_matching(AppFilter(check=CheckId.IN_PROVINCE, statuses=frozenset({Status.DEPT_CONFIRMED})))
    if oop:
        p = univ.preview_review(oop[:1], Action.APPROVE)
        assert p.refused[0].code == "provincial_review"
    # approving with warnings: refused locally until acknowledged
    warned = [i for ids in p.warnings.values() for i in ids]
    if warned:
        res = await univ.review(warned[:1], Action.APPROVE, None, [])
        assert res.results[0].code == "warning_not_acknowledged"


async def test_review_batch_online_maps_results(univ: LocalServices) -> None:
    waiting = univ.ids_matching(AppFilter(actionable=True))
    failing = univ.ids_matching(AppFilter(actionable=True, check=CheckId.REALNAME))
    ids = waiting[:10] + [i for i in failing if i not in waiting[:10]][:2]
    p = univ.preview_review(ids, Action.APPROVE)
    res = await univ.review(ids, Action.APPROVE, None, list(p.warnings))
    assert [r.record_id for r in res.results] == ids
    by = {r.record_id: r for r in res.results}
    for r in p.refused:
        assert not by[r.application_id].ok
    for i in p.will_send:
        assert by[i].ok or by[i].code == "version_conflict", by[i]
        assert not by[i].queued
    ok = [i for i in p.will_send if by[i].ok]
    assert ok and all(univ.record("application", i)["status"] == "approved" for i in ok)  # type: ignore[index]
    assert univ.sync_status().pending == 0


async def test_reason_required(univ: LocalServices) -> None:
    (aid,) = univ.ids_matching(AppFilter(actionable=True))[:1]
    res = await univ.review([aid], Action.REJECT, None, [])
    assert res.results[0].code == "reason_required"


async def test_viewer_refuses_locally(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", "demo-viewer", transport=fault)
    await svc.sync()
    ids = svc.ids_matching(AppFilter())[:3]
    assert ids
    n = len(fault.log)
    with pytest.raises(Forbidden):
        await svc.review(ids, Action.CONFIRM, None, [])
    p = svc.preview_review(ids, Action.CONFIRM)
    assert not p.will_send and {r.code for r in p.refused} == {"read_only"}
    assert len(fault.log) == n  # nothing was sent
    await svc.close()


async def test_department_sees_only_its_department(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", "demo-dept", transport=fault)
    await svc.sync()
    depts = {r[0] for r in svc.cache.conn().execute("SELECT DISTINCT department_id FROM app_view")}
    assert depts == {svc.me.department_id}
    waiting = svc.ids_matching(AppFilter(actionable=True))
    assert set(svc.query_applications(AppFilter(actionable=True), SortSpec()).table.column(
        "status").to_pylist()) <= {"matched"}
    if waiting:
        p = svc.preview_review(waiting[:5], Action.CONFIRM)
        assert p.will_send
    await svc.close()


async def test_calendar_from_cache(univ: LocalServices) -> None:
    cal = univ.calendar()
    assert isinstance(cal, WorkCalendar) and cal.years
    assert cal.is_working_day(dt.date(2026, 1, 1)) is False


async def test_open_offline_from_warm_cache(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", transport=fault)
    await svc.sync()
    n = svc.count(AppFilter())
    await svc.close()
    fault.offline = True
    warm = open_local(server.url, username="demo-univ", data_dir=tmp_path / "data", transport=fault)
    assert warm.me.username == "demo-univ"
    assert isinstance(warm, LocalServices) and warm.count(AppFilter()) == n
    st = await warm.sync()
    assert not st.online
    await warm.close()


@pytest.mark.slow
async def test_sync_over_real_loopback_port(tmp_path: Path, make_server: ServerFactory) -> None:
    svc = await open_services(make_server(loopback=True), tmp_path / "lb")
    st = await svc.sync()
    assert st.online and svc.count(AppFilter()) > 0
    (aid,) = svc.ids_matching(AppFilter(actionable=True))[:1]
    res = await svc.review([aid], Action.RETURN, "请补充", [])
    assert res.results[0].ok and not res.results[0].queued
    await svc.sync()
    rec = svc.record("application", aid)
    assert rec is not None and rec["status"] == "returned"
    raw = json.dumps(rec, ensure_ascii=False)
    assert "请补充" in raw
    await svc.close()


async def test_query_columns_limit_and_numeric_sort(univ: LocalServices) -> None:
    full = univ.query_applications(AppFilter(), SortSpec("student_no"))
    part = univ.query_applications(AppFilter(), SortSpec("student_no"), columns=["name", "status"], limit=25)
    assert part.columns == ["name", "status"] == part.table.column_names
    assert list(part.ids) == list(full.ids[:25]) and part.total == len(full.ids) == full.total
    desc = univ.query_applications(AppFilter(), SortSpec("version", descending=True), columns=["version"])
    versions = desc.table.column("version").to_pylist()
    assert versions == sorted(versions, reverse=True)
    by_name = univ.query_applications(AppFilter(), SortSpec("name"), columns=["name"])
    from zhumeng_tui.cache.pinyin import name_pinyin

    keys = [name_pinyin(n)[0] for n in by_name.table.column("name").to_pylist()]
    assert keys == sorted(keys)
    empty = univ.query_applications(AppFilter(text="不存在的名字"), SortSpec())
    assert list(empty.ids) == [] and empty.table.num_rows == 0 and empty.columns == empty.table.column_names


async def test_concurrent_review_and_sync_send_each_entry_once(univ: LocalServices, fault: FaultTransport) -> None:
    import asyncio

    ids = univ.ids_matching(AppFilter(actionable=True))[:4]
    fault.offline = True
    for i in ids:
        await univ.review([i], Action.RETURN, "并发", [])
    fault.offline = False
    n = len(fault.log)
    await asyncio.gather(univ.sync(), univ.sync(), univ.engine.push())
    keys = [e[2] for e in fault.log[n:] if e[1].endswith("/actions")]
    assert len(keys) == len(set(keys)) == 4


async def test_interrupted_first_sync_finishes_later(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> None:
    svc = await open_services(server, tmp_path / "data", transport=fault)
    svc.engine.page_size = 200
    pages = 0
    inner = fault.inner

    class DropAfterTwoPages(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal pages
            if request.url.path.endswith("/changes"):
                pages += 1
                if pages > 2:
                    raise httpx.ConnectError("gone", request=request)
            return await inner.handle_async_request(request)

    fault.inner = DropAfterTwoPages()
    st = await svc.sync()
    assert not st.online and svc.cache.cursor > 0 and svc.cache.view_stale
    fault.inner = inner
    st = await svc.sync()
    assert st.online and not svc.cache.view_stale
    n_apps = svc.cache.conn().execute("SELECT count(*) FROM m_application").fetchone()[0]
    assert svc.count(AppFilter()) == n_apps > 0
    await svc.close()


async def test_sync_status_says_why_offline(univ: LocalServices, fault: FaultTransport) -> None:
    fault.offline = True
    st = await univ.sync()
    assert not st.online and st.message
    univ.lang = "en"
    fault.offline = False
    st = await univ.sync()
    assert st.online and st.message is None


async def test_long_lists_read_their_rows_as_shown_and_follow_changes(univ: LocalServices) -> None:
    from zhumeng_tui.services import ApplicationRows

    rows = univ.query_applications(AppFilter(), SortSpec("student_no", descending=True))
    n = len(rows.ids)
    assert n > 2 * ApplicationRows.PAGE  # several pages
    # any row, read on its own (as when the user jumps to the end), is the right one
    no, status = rows.columns.index("student_no"), rows.columns.index("status")
    last = rows.row(n - 1)
    by_id = univ.record("application", rows.ids[n - 1])
    assert by_id is not None and last[status] == by_id["status"]
    numbers = [rows.row(i)[no] for i in range(n)]
    assert numbers == sorted(numbers, reverse=True) == rows.table.column("student_no").to_pylist()

    # the same filter asked again after a change to the cache shows the change
    f = AppFilter(statuses=frozenset({Status.MATCHED}))
    before = univ.query_applications(f, SortSpec())
    gone = before.ids[0]
    with univ.cache.write() as c:
        c.execute("UPDATE app_view SET status = 'returned' WHERE id = ?", (gone,))
    after = univ.query_applications(f, SortSpec())
    assert gone not in after.ids and len(after.ids) == len(before.ids) - 1


async def test_search_text_kinds(univ: LocalServices) -> None:
    """Digits: a 学号 prefix; letters: pinyin (or a 学号 with letters); else part of a name."""
    conn = univ.cache.conn()
    aid, no = conn.execute("SELECT id, student_no FROM app_view ORDER BY id LIMIT 1").fetchone()
    with univ.cache.write() as c:  # some universities' numbers start with letters
        c.execute("UPDATE app_view SET student_no = 'SY' || student_no WHERE id = ?", (aid,))
    assert aid in univ.query_applications(AppFilter(text="sy"), SortSpec()).ids
    assert aid in univ.query_applications(AppFilter(text="SY" + no[:4]), SortSpec()).ids
    assert aid not in univ.query_applications(AppFilter(text=no[:4]), SortSpec()).ids
    for text in ("9", "99999999999"):  # a prefix range ending in 9 still works
        rows = univ.query_applications(AppFilter(text=text), SortSpec())
        assert all(str(s).startswith(text) for s in rows.table.column("student_no").to_pylist())


async def test_in_memory_search_gives_the_sqlite_answers(univ: LocalServices) -> None:
    """Typing is answered by the in-memory index once it has loaded, and by
    SQLite before: the user sees the same list, in the same order, either way."""
    import itertools

    conn = univ.cache.conn()
    name, no, initials = conn.execute(
        "SELECT name, student_no, py_initials FROM app_view WHERE length(name) >= 2 LIMIT 1").fetchone()
    with univ.cache.write() as c:  # a 学号 with letters, as some universities issue
        c.execute("UPDATE app_view SET student_no = 'SY' || student_no WHERE id = (SELECT max(id) FROM app_view)")
    dept = univ.departments()[0][0]
    texts = ["", name[0], name, name[1:], initials[:1], initials, initials.upper(), no[:4], no, "sy", "sy2", "%", "x9"]
    filters = [AppFilter(), AppFilter(statuses=frozenset({Status.MATCHED, Status.RETURNED})),
               AppFilter(department_id=dept), AppFilter(check=CheckId.REALNAME)]
    sorts = [SortSpec(), SortSpec(descending=True), SortSpec("name"), SortSpec("status", descending=True)]
    assert univ.lists.search_index(wait=True) is not None
    seen = 0
    for text, f, sort in itertools.product(texts, filters, sorts):
        f = dataclasses.replace(f, text=text)
        univ.forget_results()
        univ.lists.use_search_index = True
        fast = list(univ.query_applications(f, sort).ids)
        univ.forget_results()
        univ.lists.use_search_index = False
        slow = list(univ.query_applications(f, sort).ids)
        assert fast == slow, (text, f, sort)
        seen += bool(fast)
    assert seen > 50  # most of them find something: the comparison means something


async def test_search_shows_a_change_at_once_while_the_index_reloads(univ: LocalServices) -> None:
    idx = univ.lists.search_index(wait=True)
    assert idx is not None
    aid = univ.query_applications(AppFilter(), SortSpec()).ids[0]
    univ.cache.set_meta("last_synced", "2026-03-10T08:00:00+00:00")  # bookkeeping: the index stays
    assert univ.lists.search_index() is idx
    with univ.cache.write() as c:  # e.g. a sync brought a corrected name
        c.execute("UPDATE app_view SET name = '欧阳新名' WHERE id = ?", (aid,))
    assert list(univ.query_applications(AppFilter(text="新名"), SortSpec()).ids) == [aid]
    fresh = univ.lists.search_index(wait=True)
    assert fresh is not None and fresh is not idx
    univ.forget_results()
    assert list(univ.query_applications(AppFilter(text="新名"), SortSpec()).ids) == [aid]


def test_closing_the_cache_interrupts_a_long_read(tmp_path: Path) -> None:
    """Quitting while a background read runs (the search index loading) ends
    that read with an error instead of crashing the process."""
    import sqlite3
    import threading

    from zhumeng_tui.cache.store import Cache

    cache = Cache(tmp_path / "c.sqlite3")
    started, outcome = threading.Event(), []

    def long_read() -> None:
        try:
            with cache.read() as conn:
                started.set()
                conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
                             " SELECT count(*) FROM n").fetchone()  # never ends on its own
            outcome.append("finished")
        except sqlite3.Error as e:
            outcome.append(type(e).__name__)

    t = threading.Thread(target=long_read)
    t.start()
    assert started.wait(5)
    cache.close()
    t.join(5)
    assert outcome == ["OperationalError"]
    with pytest.raises(RuntimeError):
        cache.conn()


async def test_remembered_lists_last_until_a_change_or_the_next_day(
    server: DemoServer, tmp_path: Path, fault: FaultTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Going back to a filter reuses its list; bookkeeping writes keep it; a
    change to the records or a new day (flags count from today) does not."""
    day = [dt.date(2026, 3, 10)]
    univ = await open_services(server, tmp_path / "data", transport=fault, today=lambda: day[0])
    await univ.sync()
    univ.lists.use_search_index = False
    queries: list[AppFilter] = []
    real = univ.lists._sql_ids
    monkeypatch.setattr(univ.lists, "_sql_ids", lambda f, sort, **kw: queries.append(f) or real(f, sort, **kw))
    f = AppFilter(statuses=frozenset({Status.MATCHED}))
    univ.query_applications(f, SortSpec())
    univ.query_applications(f, SortSpec())
    univ.cache.set_meta("last_synced", "2026-03-10T08:00:00+00:00")
    univ.query_applications(f, SortSpec())
    assert len(queries) == 1
    with univ.cache.write() as c:
        c.execute("UPDATE app_view SET local_state = NULL WHERE id < 0")
    univ.query_applications(f, SortSpec())
    assert len(queries) == 2
    day[0] += dt.timedelta(days=1)
    univ.query_applications(f, SortSpec())
    assert len(queries) == 3
    await univ.close()


async def test_tracking_dashboard_lines_open_their_lists(univ: LocalServices) -> None:
    """Each intern line counts exactly the interns its list shows."""
    lines = {line.key: line for line in univ.dashboard().extra}
    flagged, due = lines["tracking:interns_flagged"], lines["tracking:followups_due"]
    assert flagged.count > due.count > 0
    for line in (flagged, due):
        assert len(univ.intern_ids_matching(line.filter)) == line.count, line.key


async def test_tracking_change_offline_is_queued_and_the_header_says_why(
    univ: LocalServices, fault: FaultTransport
) -> None:
    app_id = interns(univ, Status.ON_DUTY)[0]
    fault.offline = True
    result = await univ.add_followup(app_id, dt.date(2026, 3, 10), "电话", "王老师", "离线记录")
    assert result.ok and result.queued and result.record_id is not None and result.record_id < 0
    status = univ.sync_status()
    assert status.pending == 1 and status.message
    fault.offline = False
    status = await univ.sync()
    assert status.pending == 0 and status.message is None
    assert [f["note"] for f in univ.records("followup") if f["application_id"] == app_id].count("离线记录") == 1


async def test_expired_sign_in_is_surfaced_and_the_change_waits_for_it(
    univ: LocalServices, fault: FaultTransport
) -> None:
    """A change made after the session expired is kept and reported as a
    sign-in problem (not as offline); once signed in again it is sent."""
    from zhumeng_tui.api_client.client import ApiClient

    async with ApiClient(univ.api.base_url, transport=fault.inner, token=univ.token, retries=0) as other:
        await other.send("DELETE", "/auth/token", None, idempotency_key="sign-out")
    app_id = interns(univ, Status.ON_DUTY)[0]
    with pytest.raises(Unauthorised):
        await univ.add_followup(app_id, dt.date(2026, 3, 10), "电话", "王老师", "会话过期后")
    status = univ.sync_status()
    assert status.pending == 1 and status.message
    await univ.api.login("demo-univ", DEMO_PASSWORD)
    status = await univ.sync()
    assert status.pending == 0 and status.rejected == 0
    assert any(f["note"] == "会话过期后" and f["id"] > 0 for f in univ.records("followup"))


async def test_config_page_size_is_the_sync_page(tmp_path: Path, make_server: ServerFactory) -> None:
    """``page_size`` in the config reaches the sync the app runs: each page is
    one progress step."""
    from zhumeng_tui.app import Connected
    from zhumeng_tui.cli import make_connector

    url = make_server(loopback=True).url
    connect_small = make_connector(tmp_path / "small", False, "zh", remember=False, page_size=100)
    connected = await connect_small(url, "demo-univ", DEMO_PASSWORD)
    assert isinstance(connected, Connected)
    steps: list[int] = []
    status = await connected.services.sync(lambda done, total: steps.append(done))
    await connected.services.close()
    assert status.done > 500 and len(steps) == -(-status.done // 100)
