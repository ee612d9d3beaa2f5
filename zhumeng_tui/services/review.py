"""``ReviewPart``: the review queue, the dashboard's counts, the missing list
and review decisions (confirm, approve, reject, return), for one or a thousand
applications at once.

A decision is checked locally first with the rules the server applies
(``domain.status.check_transition``, ``domain.eligibility.review_gate``):
what would be refused is refused before anything is sent, and warnings need
an explicit acknowledgement. What passes becomes one outbox entry per request
(a batch above one application) through :meth:`ServicesCore.queue`.
"""

from __future__ import annotations

import asyncio

from zhumeng_tui.api_client.schemas import MAX_BATCH_ITEMS, ActionRequest, BatchItem, BatchRequest
from zhumeng_tui.cache import applications as sql
from zhumeng_tui.cache.outbox import Mutation, MutationItem
from zhumeng_tui.domain.eligibility import CHECK_MISSING, CheckId, gate_refusal, review_gate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.status import STATUS_LABELS, Action, Role, Status, check_transition
from zhumeng_tui.services import (
    APPLICATION_COLUMNS,
    AppFilter,
    ApplicationRows,
    Dashboard,
    DashboardLine,
    ItemResult,
    LocalState,
    MissingGroup,
    MissingStudent,
    Refusal,
    ReviewPreview,
    ReviewResult,
    Severity,
    SortSpec,
)
from zhumeng_tui.services.core import ReadOnly, ServicesCore

#: Statuses in which failing checks block the campus's decision ("who is
#: still missing what": the dashboard's blockers and ``missing()``).
REVIEW_STATUSES = frozenset({Status.MATCHED, Status.DEPT_CONFIRMED, Status.RETURNED})
#: Applications per batch request.
BATCH_MAX = MAX_BATCH_ITEMS

_LOCAL_LINES = (
    (LocalState.CONFLICT, "同步冲突", "Sync conflicts", Severity.ERROR),
    (LocalState.REJECTED, "被服务器拒绝", "Refused by the server", Severity.ERROR),
    (LocalState.PENDING, "待发送", "Waiting to be sent", Severity.NORMAL),
)


class ReviewPart(ServicesCore):
    # ----------------------------------------------------------- lists --

    def query_applications(
        self,
        f: AppFilter,
        sort: SortSpec,
        *,
        columns: list[str] | None = None,
        limit: int | None = None,
    ) -> ApplicationRows:
        """The applications matching ``f`` in ``sort`` order (lazy: see
        :class:`~zhumeng_tui.services.ApplicationRows`). ``columns``: the row
        values (default: ``APPLICATION_COLUMNS``). ``limit``: at most this
        many rows (the first in sort order); ``total`` still counts every match."""
        return self.lists.query(f, sort, columns or APPLICATION_COLUMNS, limit=limit)

    def ids_matching(self, f: AppFilter) -> list[int]:
        """Every application id matching ``f`` (in 学号 order), e.g. for
        "select all": usually the list the queue already shows."""
        return list(self.lists.ids(f, SortSpec()))

    def count(self, f: AppFilter) -> int:
        return self.lists.count(f)

    # ------------------------------------------------------- dashboard --

    def review_dashboard(self) -> Dashboard:
        """The dashboard's review lines and the local changes' lines."""
        n = sql.dashboard_counts(self.cache, self.reviewer, REVIEW_STATUSES)
        waiting = DashboardLine("waiting", "待我审核", "Waiting for my decision", n.waiting,
                                AppFilter(actionable=True), Severity.WARN if n.waiting else Severity.NORMAL)
        n_ret = n.by_status.get(Status.RETURNED.value, 0)
        returned = DashboardLine("returned", "退回补充", "Returned for more information", n_ret,
                                 AppFilter(statuses=frozenset({Status.RETURNED})),
                                 Severity.WARN if n_ret else Severity.NORMAL)
        blockers = [
            DashboardLine(f"check:{ch.value}", *CHECK_MISSING[ch], count,
                          AppFilter(check=ch, statuses=REVIEW_STATUSES), Severity.ERROR)
            for ch, count in n.failing.items() if count
        ]
        lines = [
            DashboardLine(f"status:{s.value}", *STATUS_LABELS[s], n.by_status.get(s.value, 0),
                          AppFilter(statuses=frozenset({s})))
            for s in Status
        ]
        extra = [
            DashboardLine(f"local:{state.value}", zh, en, n.local[state.value], AppFilter(local_state=state), sev)
            for state, zh, en, sev in _LOCAL_LINES if n.local.get(state.value)
        ]
        return Dashboard(waiting, returned, blockers, lines, extra)

    def missing(self, department_id: int | None = None) -> list[MissingGroup]:
        """Per failing check, the students to chase: one line per student and
        reason (a student blocked the same way on several applications is
        chased once)."""
        groups = []
        for ch, found in sql.missing(self.cache, REVIEW_STATUSES, department_id, self.lang).items():
            seen: set[tuple[str, str]] = set()
            students = []
            for r in found:
                if (r.student_no, r.reason) not in seen:
                    seen.add((r.student_no, r.reason))
                    students.append(MissingStudent(r.application_id, r.student_no, r.name, r.department,
                                                   r.phone, r.reason))
            if students:
                groups.append(MissingGroup(ch, self.t(*CHECK_MISSING[ch]), students))
        return groups

    # --------------------------------------------------------- decisions --

    def _judge(
        self, aid: int, facts: sql.ReviewFacts | None, action: Action, reason: str | None
    ) -> Refusal | list[CheckId]:
        """Why this account may not take ``action`` on this application, or the
        warnings it must acknowledge to take it."""
        role = self.role
        if facts is None:
            return Refusal(aid, "not_found", self.t("本地缓存中没有该申请", "Not in the local cache"))
        if role == Role.VIEWER:
            return Refusal(aid, "read_only", ReadOnly().message(self.lang))
        if role == Role.DEPARTMENT and self.me.department_id is not None and facts.department_id != self.me.department_id:
            return Refusal(aid, "out_of_scope", self.t("不属于本院系", "Not in your department"))
        try:
            check_not_provincial(role, facts.out_of_province)
            check_transition(facts.status, action, role, reason if reason is not None else "-")
        except DomainError as err:
            return Refusal(aid, err.code, err.message(self.lang))
        failed, warns = review_gate(action, facts.checks, role)
        refusal = gate_refusal(failed, [])
        if refusal is not None:
            return Refusal(aid, refusal.code, refusal.message(self.lang))
        return list(warns)

    def preview_review(self, ids: list[int], action: Action, reason: str | None = None) -> ReviewPreview:
        """What ``review`` would do, computed locally: what would be sent, what
        is refused and why, and the warnings that need an acknowledgement."""
        action = Action(action)
        facts = sql.review_facts(self.cache, ids)
        will_send: list[int] = []
        refused: list[Refusal] = []
        warnings: dict[CheckId, list[int]] = {}
        for aid in ids:
            judged = self._judge(aid, facts.get(aid), action, reason)
            if isinstance(judged, Refusal):
                refused.append(judged)
                continue
            for c in judged:
                warnings.setdefault(c, []).append(aid)
            will_send.append(aid)
        return ReviewPreview(action, len(ids), will_send, refused, warnings)

    async def review(
        self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId]
    ) -> ReviewResult:
        """Send a review decision for ``ids``: refused and unacknowledged items
        come back ``ok=False`` at once; the rest go out as one outbox entry
        (a batch when more than one) and come back as the server answered,
        or ``queued`` when offline."""
        self.require_writable()
        action = Action(action)
        preview = await asyncio.to_thread(self.preview_review, ids, action, reason)
        results: dict[int, ItemResult] = {
            r.application_id: ItemResult(r.application_id, False, code=r.code, message=r.message)
            for r in preview.refused
        }
        acked = {CheckId(a) for a in acknowledge}
        not_acked: dict[int, list[CheckId]] = {}
        for check, aids in preview.warnings.items():
            if check not in acked:
                for aid in aids:
                    not_acked.setdefault(aid, []).append(check)
        for aid, checks in not_acked.items():
            refusal = gate_refusal([], checks)
            assert refusal is not None
            results[aid] = ItemResult(aid, False, code=refusal.code, message=refusal.message(self.lang))
        send = [i for i in preview.will_send if i not in not_acked]
        if send:
            ack_list = sorted(acked, key=list(CheckId).index)
            for outcome in await self.queue(lambda: self._decisions(send, action, reason, ack_list)):
                for r in outcome.results:
                    assert r.record_id is not None
                    results[r.record_id] = ItemResult(r.record_id, r.ok, r.queued, r.code, r.message)
        return ReviewResult([results[i] for i in ids if i in results])

    def _decisions(self, ids: list[int], action: Action, reason: str | None,
                   acknowledge: list[CheckId]) -> list[Mutation]:
        """The outbox entries of a decision (one per ``BATCH_MAX`` applications),
        based on the cached records."""
        recs = self.cache.records_by_id("application", ids)
        out = []
        for start in range(0, len(ids), BATCH_MAX):
            items: list[MutationItem] = []
            batch: list[BatchItem] = []
            for aid in ids[start : start + BATCH_MAX]:
                rec = recs[aid]
                target = check_transition(rec["status"], action, self.role, reason or "-")
                local = dict(rec)
                local["status"] = target.value
                if action in (Action.REJECT, Action.RETURN):
                    local["reason"] = reason
                items.append(MutationItem("application", aid, local))
                batch.append(BatchItem(id=aid, version=int(rec["version"]), action=action, reason=reason,
                                       acknowledge=list(acknowledge)))
            if len(items) == 1:
                b = batch[0]
                body = ActionRequest(action=action, reason=reason, acknowledge=list(acknowledge))
                out.append(Mutation("record", "POST", f"/applications/{b.id}/actions", body.model_dump(mode="json"),
                                    items, if_match=b.version))
            else:
                out.append(Mutation("batch", "POST", "/applications/actions:batch",
                                    BatchRequest(items=batch).model_dump(mode="json"), items))
        return out

    async def retry_review(self, application_id: int) -> ReviewResult:
        """Send a conflicted/refused review decision again, now based on the
        server's current record (the user has looked at both versions). The
        old entry is dismissed; the decision goes through ``review`` (local
        checks first) as a new outbox entry."""
        self.require_writable()
        st = await asyncio.to_thread(self.cache.outbox.local_state, "application", application_id)
        if st is None or st.state not in (LocalState.CONFLICT, LocalState.REJECTED):
            return ReviewResult([ItemResult(application_id, False, code="nothing_to_retry", message=self.t(
                "该申请没有冲突或被拒绝的修改", "This application has no conflicting or refused change"))])
        entry = await asyncio.to_thread(self.cache.outbox.entry, st.seq)
        assert entry is not None
        body = entry.body if isinstance(entry.body, dict) else {}
        item = next((x for x in body.get("items") or () if x.get("id") == application_id), body)
        if "action" not in item:
            return ReviewResult([ItemResult(application_id, False, code="not_a_review", message=self.t(
                "该修改不是审核操作", "That change is not a review decision"))])
        await asyncio.to_thread(self.cache.outbox.dismiss, "application", application_id)
        return await self.review([application_id], Action(item["action"]), item.get("reason"),
                                 [CheckId(c) for c in item.get("acknowledge") or ()])
