"""Hypothesis state machine: random local reviews, offline/online, lost
answers, syncs and concurrent edits by another account on the server.

Invariants: the outbox sequence is gap-free; nothing is lost (after a final
online sync no entry is pending) or doubled (each confirmed item is exactly
one event on the server); the client converges to the server."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.faults import FaultTransport
from tests.support import demo_server, open_services
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ApiError
from zhumeng_tui.api_client.schemas import ActionRequest
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.services import AppFilter

pytestmark = pytest.mark.slow

ME = "demo-univ"
REVIEWABLE = frozenset({Status.MATCHED, Status.DEPT_CONFIRMED})


def history_counts(records: list[dict[str, Any]]) -> Counter[int]:
    return Counter({r["id"]: sum(1 for e in r.get("history") or () if e.get("by") == ME) for r in records})


class ClientMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="zm-stateful-"))
        self.loop = asyncio.new_event_loop()
        self.stack = ExitStack()
        self.server = self.stack.enter_context(demo_server(self.tmp / "server", students=30, seed=3))
        self.fault = FaultTransport(self.server.transport())
        self.svc = self.run(open_services(self.server, self.tmp / "data", transport=self.fault, sync=True))
        self.start = history_counts(self.svc.records("application"))
        self.other = ApiClient(self.server.url, transport=self.server.transport(), retries=0)
        self.run(self.other.login("demo-univ2", DEMO_PASSWORD))
        self.other_seq = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def candidates(self) -> list[int]:
        return self.svc.ids_matching(AppFilter(statuses=REVIEWABLE))

    # ---------------------------------------------------------------- rules --

    @rule(pick=st.integers(0, 10**6), n=st.integers(1, 3),
          action=st.sampled_from([Action.RETURN, Action.REJECT, Action.APPROVE]))
    def local_review(self, pick: int, n: int, action: Action) -> None:
        ids = self.candidates()
        if not ids:
            return
        chosen = sorted({ids[(pick + k * 7) % len(ids)] for k in range(n)})
        preview = self.svc.preview_review(chosen, action, "原因")
        self.run(self.svc.review(chosen, action, "原因", list(preview.warnings)))

    @rule(offline=st.booleans())
    def network(self, offline: bool) -> None:
        self.fault.offline = offline

    @rule(fault=st.sampled_from(["lose", "503", "refuse", "dup"]))
    def inject(self, fault: str) -> None:
        self.fault.plan.append(("POST", fault))

    @rule()
    def sync(self) -> None:
        self.run(self.svc.sync())

    @rule(pick=st.integers(0, 10**6), action=st.sampled_from([Action.RETURN, Action.REJECT]))
    def other_account_edits(self, pick: int, action: Action) -> None:
        ids = self.candidates()
        if not ids:
            return
        aid = ids[pick % len(ids)]

        async def edit() -> None:
            try:
                cur = await self.other.get_application(aid)
                self.other_seq += 1
                await self.other.application_action(
                    aid, ActionRequest(action=action, reason="他人"), version=cur.version,
                    idempotency_key=f"other-{self.other_seq}")
            except ApiError:
                pass

        self.run(edit())

    # ----------------------------------------------------------- invariants --

    @invariant()
    def outbox_gap_free_and_known_states(self) -> None:
        entries = self.svc.cache.outbox.entries()
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        for e in entries:
            assert e.state in {"pending", "done", "conflict", "rejected"}
            assert e.items
            for it in e.items:
                assert it.state in {"pending", "ok", "conflict", "rejected", "dismissed"}
            if e.state == "pending":
                assert all(it.state == "pending" for it in e.items)
        keys = [e.idem_key for e in entries]
        assert len(set(keys)) == len(keys)

    def teardown(self) -> None:
        try:
            self.fault.offline = False
            self.fault.plan.clear()
            self.run(self.svc.sync())
            self.run(self.svc.sync())
            entries = self.svc.cache.outbox.entries()
            assert not [e.seq for e in entries if e.state == "pending"], "nothing left behind"
            if os.environ.get("ZM_STATEFUL_STATS"):
                print("STATS", Counter(it.state for e in entries for it in e.items),
                      sum(e.attempts > 1 for e in entries))
            # exactly once: every confirmed item is one event on the server, no more
            ok = Counter(it.rid for e in entries for it in e.items if it.state == "ok")

            async def server_records() -> list[dict[str, Any]]:
                async with ApiClient(self.server.url, transport=self.server.transport(), retries=0) as api:
                    await api.login(ME, DEMO_PASSWORD)
                    out, since = [], 0
                    while True:
                        page, _ = await api.changes(since, 5000)
                        out += [r for c in page.changes if c.type == "application" and (r := c.record())]
                        since = page.cursor
                        if not page.has_more:
                            return out

            server = {r["id"]: r for r in self.run(server_records())}
            now = history_counts(list(server.values()))
            for aid in set(now) | set(ok):
                assert now[aid] - self.start[aid] == ok[aid], (aid, now[aid], self.start[aid], ok[aid])
            # convergence: the mirror equals the server
            mine = {r["id"]: r for r in self.svc.records("application")}
            assert set(mine) == set(server)
            for aid, rec in server.items():
                assert (mine[aid]["status"], mine[aid]["version"]) == (rec["status"], rec["version"]), aid
        finally:
            self.run(self.svc.close())
            self.run(self.other.aclose())
            self.loop.close()
            self.stack.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


ClientMachine.TestCase.settings = settings(
    max_examples=15, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestClientMachine = ClientMachine.TestCase
