"""Faults between client and a real server (ASGI, in process): every change
is applied exactly once after recovery, never lost, never doubled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.client.conftest import server_app
from tests.faults import FaultTransport
from tests.support import DemoServer, open_services
from zhumeng_tui.cache.outbox import Mutation, MutationItem
from zhumeng_tui.domain.status import Action
from zhumeng_tui.services import AppFilter
from zhumeng_tui.services.local import LocalServices


def review_targets(svc: LocalServices, n: int) -> list[int]:
    ids = svc.ids_matching(AppFilter(actionable=True))
    assert len(ids) >= n
    return ids[:n]


def events(app: dict[str, Any], action: str, by: str = "demo-univ") -> int:
    return sum(1 for e in app["history"] if e["action"] == action and e["by"] == by)


async def check_once(fault: FaultTransport, aid: int, before: dict[str, Any], action: str = "return") -> None:
    after = await server_app(fault.inner, aid)
    assert events(after, action) == events(before, action) + 1
    assert after["version"] == before["version"] + 1


async def test_refused_then_recovered(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    before = await server_app(fault.inner, aid)
    fault.plan = [("POST", "refuse")]
    res = await univ.review([aid], Action.RETURN, "补充材料", [])
    assert res.results[0].ok and res.results[0].queued
    assert univ.local_state("application", aid) == ("pending", None)
    assert univ.record("application", aid)["status"] == "returned"  # optimistic
    assert (await server_app(fault.inner, aid))["version"] == before["version"]  # nothing reached it
    st = await univ.sync()
    assert st.pending == 0 and st.conflicts == 0 and st.rejected == 0
    await check_once(fault, aid, before)
    assert univ.local_state("application", aid) == (None, None)
    assert univ.record("application", aid)["version"] == before["version"] + 1


async def test_answer_lost_is_replayed_once(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    before = await server_app(fault.inner, aid)
    fault.plan = [("POST", "lose")]
    res = await univ.review([aid], Action.RETURN, "补充材料", [])
    assert res.results[0].queued
    # the server did apply it
    assert (await server_app(fault.inner, aid))["version"] == before["version"] + 1
    st = await univ.sync()
    assert (st.pending, st.conflicts, st.rejected) == (0, 0, 0)
    await check_once(fault, aid, before)
    posts = [entry for entry in fault.log if entry[1].endswith("/actions")]
    assert len(posts) == 2 and posts[0][2] == posts[1][2]  # same Idempotency-Key


async def test_503_then_recovered(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    before = await server_app(fault.inner, aid)
    fault.plan = [("POST", "503")]
    res = await univ.review([aid], Action.RETURN, "补充材料", [])
    assert res.results[0].queued
    entry = univ.cache.outbox.entries()[-1]
    assert entry.state == "pending" and entry.attempts == 1 and entry.code == "unavailable"
    await univ.sync()
    await check_once(fault, aid, before)


async def test_same_request_twice_applied_once(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    before = await server_app(fault.inner, aid)
    fault.plan = [("POST", "dup")]
    res = await univ.review([aid], Action.RETURN, "补充材料", [])
    assert res.results[0].ok and not res.results[0].queued
    await check_once(fault, aid, before)
    await univ.sync()
    assert univ.record("application", aid)["version"] == before["version"] + 1


async def test_batch_answer_lost_offline_then_replayed(univ: LocalServices, fault: FaultTransport) -> None:
    ids = review_targets(univ, 6)
    befores = {i: await server_app(fault.inner, i) for i in ids}
    fault.plan = [("POST", "lose")]
    res = await univ.review(ids, Action.RETURN, "批量退回", [])
    assert all(r.queued for r in res.results)
    assert univ.sync_status().pending == 6
    rows = univ.query_applications(AppFilter(local_state="pending"), __import__(
        "zhumeng_tui.services", fromlist=["SortSpec"]).SortSpec())
    assert sorted(rows.ids) == sorted(ids)
    fault.offline = True
    st = await univ.sync()
    assert not st.online and st.pending == 6
    fault.offline = False
    st = await univ.sync()
    assert (st.pending, st.conflicts, st.rejected) == (0, 0, 0)
    for i in ids:
        await check_once(fault, i, befores[i])
    batch_posts = [e for e in fault.log if e[1].endswith("actions:batch") and e[3] != "offline"]
    assert len({e[2] for e in batch_posts}) == 1  # one entry, one key


async def test_offline_queue_keeps_order_and_survives_reopen(
    server: DemoServer, tmp_path: Path, fault: FaultTransport
) -> None:
    svc = await open_services(server, tmp_path / "data", transport=fault)
    await svc.sync()
    ids = review_targets(svc, 3)
    befores = {i: await server_app(fault.inner, i) for i in ids}
    fault.offline = True
    for i in ids:
        r = await svc.review([i], Action.RETURN, "离线退回", [])
        assert r.results[0].queued
    seqs = [e.seq for e in svc.cache.outbox.entries()]
    assert seqs == list(range(1, len(seqs) + 1))
    await svc.close()
    fault.offline = False
    svc = await open_services(server, tmp_path / "data", transport=fault)  # a new process would do the same
    assert svc.sync_status().pending == 3
    await svc.sync()
    for i in ids:
        await check_once(fault, i, befores[i])
    keys = [e[2] for e in fault.log if e[1].endswith("/actions") and e[3] == "ok" and e[2]]
    assert len(keys) == 3
    assert keys == sorted(keys, key=lambda k: int(k.rsplit("-", 1)[1]))
    await svc.close()


async def test_conflict_is_kept_and_shown(
    server: DemoServer, tmp_path: Path, univ: LocalServices, fault: FaultTransport
) -> None:
    (aid,) = review_targets(univ, 1)
    fault.offline = True
    await univ.review([aid], Action.RETURN, "我的退回", [])
    fault.offline = False
    other = await open_services(server, tmp_path / "other", "demo-univ2", transport=fault.inner)
    await other.sync()
    res = await other.review([aid], Action.REJECT, "他人驳回", [])
    assert res.results[0].ok and not res.results[0].queued
    await other.close()
    st = await univ.sync()
    assert st.conflicts == 1 and st.pending == 0
    detail = univ.application_detail(aid)
    assert detail.local_state == "conflict" and detail.local_message
    assert detail.application.status == "rejected"  # the mirror shows the server's record
    state = univ.cache.outbox.local_state("application", aid)
    assert state is not None and state.server is not None and state.local is not None
    assert state.local["status"] == "returned" and state.server["status"] == "rejected"
    assert univ.dashboard().extra[0].key == "local:conflict"
    assert univ.dismiss_local(aid) == 1
    assert univ.sync_status().conflicts == 0


async def test_definite_refusal_is_rejected_not_retried(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    rec = univ.record("application", aid)
    assert rec is not None
    m = Mutation("record", "POST", "/applications/999999/actions", {"action": "return", "reason": "x"},
                 [MutationItem("application", aid, {**rec, "status": "returned"})], if_match=rec["version"])
    (out,) = await univ.queue(lambda: [m])
    assert not out.ok and out.results[0].code == "not_found"
    assert univ.record("application", aid)["status"] == rec["status"]  # optimistic state rolled back
    assert univ.sync_status().rejected == 1
    n = len(fault.log)
    await univ.sync()
    assert not any(e[1].endswith("/999999/actions") for e in fault.log[n:])


async def test_conflict_retried_on_top_of_server_version(univ: LocalServices, fault: FaultTransport) -> None:
    (aid,) = review_targets(univ, 1)
    before = await server_app(fault.inner, aid)
    fault.offline = True
    await univ.review([aid], Action.RETURN, "我的退回", [])
    # the decision was based on a version the server has since left behind
    with univ.cache.write() as c:
        c.execute("UPDATE outbox SET if_match = if_match - 1 WHERE seq = (SELECT MAX(seq) FROM outbox)")
    fault.offline = False
    st = await univ.sync()
    assert st.conflicts == 1
    assert univ.record("application", aid)["status"] == before["status"]  # the server's version shown
    res = await univ.retry_review(aid)
    assert res.results[0].ok and not res.results[0].queued, res.results
    after = await server_app(fault.inner, aid)
    assert after["status"] == "returned" and events(after, "return") == events(before, "return") + 1
    assert univ.sync_status().conflicts == 0
    assert (await univ.retry_review(aid)).results[0].code == "nothing_to_retry"
