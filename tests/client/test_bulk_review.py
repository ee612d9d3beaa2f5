"""Bulk review decisions say what will happen before anything is sent:
approvals of one student whose posts overlap are held back for the reviewer
to choose (not left to the order of the rows), and a return can give each
student the reason of their own failing checks."""

from __future__ import annotations

import gc
import itertools
from pathlib import Path

import httpx

from tests.support import DemoServer, in_province, open_services
from zhumeng_tui.cache import applications as sql
from zhumeng_tui.domain.eligibility import CheckResult
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.services import AppFilter, SortSpec


async def test_overlapping_approvals_of_one_student_are_held_back(server: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server, tmp_path / "cache", sync=True)
    waiting = in_province(ts, ts.ids_matching(AppFilter(statuses=frozenset({Status.DEPT_CONFIRMED}))))
    preview = ts.preview_review(waiting, Action.APPROVE)
    facts = sql.review_facts(ts.cache, preview.will_send)
    by_student = {k: list(g) for k, g in itertools.groupby(sorted(preview.will_send, key=lambda a: facts[a].student_id),
                                                           key=lambda a: facts[a].student_id)}
    # no two approvals sent for one student overlap
    for ids in by_student.values():
        for a, b in itertools.combinations(ids, 2):
            fa, fb = facts[a], facts[b]
            assert fa.end_date < fb.start_date or fb.end_date < fa.start_date
    held = [r for r in preview.refused if r.code == "batch_overlap"]
    assert held, "the demo data has students with overlapping posts waiting for approval"
    assert all("时间重叠" in r.message and "“" in r.message for r in held)  # names the other post
    # sending: nothing comes back refused by the server for an overlap made inside the batch
    result = await ts.review(preview.will_send, Action.APPROVE, None, list(preview.warnings))
    failed = [r for r in result.results if not r.ok]
    assert not [r for r in failed if r.code in ("check_failed",)], failed[:3]
    await ts.close()


async def test_a_return_can_give_each_student_their_own_failing_checks(server: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server, tmp_path / "cache", sync=True)
    matched = in_province(ts, ts.query_applications(AppFilter(statuses=frozenset({Status.MATCHED})), SortSpec()).ids)
    preview = ts.preview_review(matched, Action.RETURN, own_checks=True)
    assert preview.will_send and set(preview.reasons) == set(preview.will_send)
    assert len(set(preview.reasons.values())) > 1  # not one reason for everybody
    facts = sql.review_facts(ts.cache, matched)
    for aid, reason in preview.reasons.items():
        assert reason.startswith("请补充或更正：")
        assert any(r == CheckResult.FAIL.value for r in facts[aid].checks.values())
    nothing = [r for r in preview.refused if r.code == "nothing_failing"]
    assert nothing and all(
        not any(v == CheckResult.FAIL.value for c, v in facts[r.application_id].checks.items()) for r in nothing
    )
    result = await ts.review(preview.will_send, Action.RETURN, None, [], own_checks=True)
    assert all(r.ok for r in result.results)
    some = preview.will_send[0]
    assert (ts.record("application", some) or {})["reason"] == preview.reasons[some]
    await ts.close()



class _CollectorWatch(httpx.AsyncBaseTransport):
    """Reaches the server as it is; notes whether the garbage collector was
    on when a batch went out and when its answer came back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[bool] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        batch = request.url.path.endswith(":batch")
        if batch:
            self.seen.append(gc.isenabled())
        response = await self.inner.handle_async_request(request)
        if batch:
            self.seen.append(gc.isenabled())
        return response


async def test_the_garbage_collector_is_paused_while_a_bulk_decision_goes(server: DemoServer, tmp_path: Path) -> None:
    """A batch of decisions makes objects by the hundred thousand, and each of
    the collector's passes walks every object the app holds: the collector is
    paused while the batch is written, sent and its answer stored, and on
    again after."""
    watch = _CollectorWatch(server.transport())
    ts = await open_services(server, tmp_path / "cache", transport=watch, sync=True)
    waiting = in_province(ts, ts.ids_matching(AppFilter(statuses=frozenset({Status.DEPT_CONFIRMED}))))
    preview = ts.preview_review(waiting, Action.APPROVE)
    assert gc.isenabled()
    result = await ts.review(preview.will_send, Action.APPROVE, None, list(preview.warnings))
    assert len([r for r in result.results if r.ok]) > 10
    assert watch.seen == [False, False]
    assert gc.isenabled()
    await ts.close()


async def test_the_records_a_bulk_decision_got_back_are_kept_once(server: DemoServer, tmp_path: Path) -> None:
    """The server's answer to a bulk decision names every record it changed
    (megabytes for a thousand): the mirror keeps them; the outbox keeps what
    was sent and each item's result, not another copy."""
    ts = await open_services(server, tmp_path / "cache", sync=True)
    waiting = in_province(ts, ts.ids_matching(AppFilter(statuses=frozenset({Status.DEPT_CONFIRMED}))))
    preview = ts.preview_review(waiting, Action.APPROVE)
    result = await ts.review(preview.will_send, Action.APPROVE, None, list(preview.warnings))
    accepted = [r.record_id for r in result.results if r.ok and not r.queued]
    assert len(accepted) > 10
    assert all((ts.record("application", a) or {})["status"] == Status.APPROVED.value for a in accepted)
    c = ts.cache.conn()
    items, copies = c.execute("SELECT count(*), count(server) FROM outbox_item WHERE state = 'ok'").fetchone()
    assert items >= len(accepted) and copies == 0
    assert "response" not in {row[1] for row in c.execute("PRAGMA table_info(outbox)")}
    await ts.close()
