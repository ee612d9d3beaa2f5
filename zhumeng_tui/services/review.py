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
import datetime as dt
import functools
from collections.abc import Iterable

from zhumeng_tui.api_client.schemas import MAX_BATCH_ITEMS, ActionRequest, BatchItem, BatchRequest
from zhumeng_tui.cache import applications as sql
from zhumeng_tui.cache.outbox import Mutation, MutationItem
from zhumeng_tui.cache.sync import collector_paused
from zhumeng_tui.domain.eligibility import (
    CHECK_MISSING,
    CheckId,
    CheckResult,
    gate_refusal,
    periods_overlap,
    return_reason,
    review_gate,
)
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.status import STATUS_LABELS, Action, Role, Status, check_transition
from zhumeng_tui.services import (
    APPLICATION_COLUMNS,
    AppFilter,
    ApplicationDetail,
    ApplicationRows,
    Dashboard,
    DashboardLine,
    LocalState,
    MissingGroup,
    MissingStudent,
    MutationResult,
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
#: Failing checks that are not material a student is missing: the
#: provincial committee reviews out-of-province students.
NOT_MISSING = frozenset({CheckId.IN_PROVINCE})
#: Moves that record their day on the application, and the field.
DATED_MOVES = {Action.ON_DUTY: "on_duty_date", Action.COMPLETE: "completed_date"}
#: Applications per batch request.
BATCH_MAX = MAX_BATCH_ITEMS

_LOCAL_LINES = (
    (LocalState.CONFLICT, "同步冲突", "Sync conflicts", Severity.ERROR),
    (LocalState.REJECTED, "被服务器拒绝", "Refused by the server", Severity.ERROR),
    (LocalState.PENDING, "待发送", "Waiting to be sent", Severity.NORMAL),
)


def _overlap(a: sql.ReviewFacts, b: sql.ReviewFacts) -> bool:
    """Whether the posts of two applications overlap in time (``periods_overlap``)."""
    if not (a.start_date and a.end_date and b.start_date and b.end_date):
        return False
    d = dt.date.fromisoformat
    return periods_overlap(d(a.start_date), d(a.end_date), d(b.start_date), d(b.end_date))


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
            for ch, count in n.failing.items() if count and ch not in NOT_MISSING
        ]
        # out-of-province students miss nothing: the provincial committee reviews them
        provincial = n.failing.get(CheckId.IN_PROVINCE, 0)
        lines = [
            DashboardLine(f"status:{s.value}", *STATUS_LABELS[s], n.by_status.get(s.value, 0),
                          AppFilter(statuses=frozenset({s})))
            for s in Status
        ]
        extra = [
            DashboardLine(f"local:{state.value}", zh, en, n.local[state.value], AppFilter(local_state=state), sev)
            for state, zh, en, sev in _LOCAL_LINES if n.local.get(state.value)
        ]
        if provincial:
            extra.append(DashboardLine(
                "provincial:in_province", "省外高校学生（省级审核）", "Out-of-province students (province reviews)",
                provincial, AppFilter(check=CheckId.IN_PROVINCE, statuses=REVIEW_STATUSES)))
        return Dashboard(waiting, returned, blockers, lines, extra)

    def missing(self, department_id: int | None = None) -> list[MissingGroup]:
        """Per failing check, the students to chase: one line per student and
        reason (a student blocked the same way on several applications is
        chased once)."""
        groups = []
        for ch, found in sql.missing(self.cache, REVIEW_STATUSES, department_id, self.lang).items():
            if ch in NOT_MISSING:
                continue
            seen: set[tuple[str, str]] = set()
            students = []
            for r in found:
                if (r.student_no, r.reason) not in seen:
                    seen.add((r.student_no, r.reason))
                    students.append(MissingStudent(r.application_id, r.student_no, r.name, r.department,
                                                   r.phone, r.reason))
            if students:
                groups.append(MissingGroup(ch, self.t(*CHECK_MISSING[ch]), students, len(found)))
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

    def preview_review(
        self, ids: list[int], action: Action, reason: str | None = None, *, own_checks: bool = False
    ) -> ReviewPreview:
        """What ``review`` would do, computed locally: what would be sent, what
        is refused and why, and the warnings that need an acknowledgement.
        ``own_checks``: each application's reason is its failing checks
        (``return_reason``); one with none is not sent."""
        action = Action(action)
        facts = sql.review_facts(self.cache, ids)
        will_send: list[int] = []
        refused: list[Refusal] = []
        warnings: dict[CheckId, list[int]] = {}
        judged_ok: dict[int, list[CheckId]] = {}
        reasons: dict[int, str] = {}
        for aid in ids:
            f = facts.get(aid)
            if own_checks and f is not None:
                own = return_reason(c for c, r in f.checks.items() if r == CheckResult.FAIL.value)
                if own is None:
                    refused.append(Refusal(aid, "nothing_failing", self.t(
                        "没有未通过的审核项，不能按审核项退回", "No failing check to return it for")))
                    continue
                reasons[aid] = own
            judged = self._judge(aid, f, action, reasons.get(aid, reason))
            if isinstance(judged, Refusal):
                refused.append(judged)
            else:
                judged_ok[aid] = judged
        if action == Action.APPROVE:
            refused += self._overlapping_in_batch(judged_ok, facts)
        refused_ids = {r.application_id for r in refused}
        for aid in ids:
            if aid in judged_ok and aid not in refused_ids:
                for c in judged_ok[aid]:
                    warnings.setdefault(c, []).append(aid)
                will_send.append(aid)
        return ReviewPreview(action, len(ids), will_send, refused, warnings,
                             {aid: r for aid, r in reasons.items() if aid in will_send})

    def _overlapping_in_batch(self, ids: Iterable[int], facts: dict[int, sql.ReviewFacts]) -> list[Refusal]:
        """Approvals of one student whose posts overlap in time: only one can
        stand, and which one is the reviewer's choice, not the order of the
        rows. None of them is sent; each refusal names the other post."""
        by_student: dict[int, list[int]] = {}
        for aid in ids:
            by_student.setdefault(facts[aid].student_id, []).append(aid)
        out = []
        for group in by_student.values():
            for aid in group:
                me = facts[aid]
                others = [facts[o] for o in group if o != aid and _overlap(me, facts[o])]
                if others:
                    posts = "、".join(o.position for o in others)
                    out.append(Refusal(aid, "batch_overlap", self.t(
                        f"与同批的“{posts}”时间重叠，同一学生只能通过其一：请在详情中选定后单独审核",
                        f"Overlaps '{posts}' in the same batch; only one can be approved: approve the chosen"
                        " one on its own from its detail")))
        return out

    async def review(
        self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId],
        *, own_checks: bool = False,
    ) -> ReviewResult:
        """Send a review decision for ``ids``: refused and unacknowledged items
        come back ``ok=False`` at once; the rest go out as one outbox entry
        (a batch when more than one) and come back as the server answered,
        or ``queued`` when offline."""
        self.require_writable()
        with collector_paused():  # see queue(): the preview of a thousand decisions too
            return await self._review(ids, Action(action), reason, acknowledge, own_checks)

    async def _review(self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId],
                      own_checks: bool) -> ReviewResult:
        preview = await asyncio.to_thread(
            functools.partial(self.preview_review, ids, action, reason, own_checks=own_checks))
        results: dict[int, MutationResult] = {
            r.application_id: MutationResult(False, record_id=r.application_id, code=r.code, message=r.message)
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
            results[aid] = MutationResult(False, record_id=aid, code=refusal.code, message=refusal.message(self.lang))
        send = [i for i in preview.will_send if i not in not_acked]
        if send:
            ack_list = sorted(acked, key=list(CheckId).index)
            reasons = preview.reasons
            for outcome in await self.queue(lambda: self._decisions(send, action, reason, ack_list, reasons)):
                for r in outcome.results:
                    results[r.record_id] = r
        return ReviewResult([results[i] for i in ids if i in results])

    def _decisions(self, ids: list[int], action: Action, reason: str | None,
                   acknowledge: list[CheckId], reasons: dict[int, str] | None = None) -> list[Mutation]:
        """The outbox entries of a decision (one per ``BATCH_MAX`` applications),
        based on the cached records; ``reasons``: an application's own reason."""
        recs = self.cache.records_by_id("application", ids)
        out = []
        for start in range(0, len(ids), BATCH_MAX):
            items: list[MutationItem] = []
            batch: list[BatchItem] = []
            for aid in ids[start : start + BATCH_MAX]:
                rec = recs[aid]
                why = (reasons or {}).get(aid, reason)
                target = check_transition(rec["status"], action, self.role, why or "-")
                local = dict(rec)
                local["status"] = target.value
                if action in (Action.REJECT, Action.RETURN):
                    local["reason"] = why
                if action in DATED_MOVES:  # the server records the day of the move
                    local[DATED_MOVES[action]] = self.today().isoformat()
                items.append(MutationItem("application", aid, local))
                batch.append(BatchItem(id=aid, version=int(rec["version"]), action=action, reason=why,
                                       acknowledge=list(acknowledge)))
            if len(items) == 1:
                b = batch[0]
                body = ActionRequest(action=action, reason=b.reason, acknowledge=list(acknowledge))
                out.append(Mutation("record", "POST", f"/applications/{b.id}/actions", body.model_dump(mode="json"),
                                    items, if_match=b.version))
            else:
                out.append(Mutation("batch", "POST", "/applications/actions:batch",
                                    BatchRequest(items=batch).model_dump(mode="json"), items))
        return out

    def application_detail(self, application_id: int) -> ApplicationDetail:
        detail = super().application_detail(application_id)
        if detail.local_state in (LocalState.CONFLICT, LocalState.REJECTED):
            detail.may_retry = self._retry_plan(application_id) is not None
        return detail

    def _retry_plan(self, application_id: int) -> tuple[Action, str | None, list[CheckId]] | None:
        """The refused or conflicting review decision of an application, when it
        could be sent again: its move is still valid on the record the server
        holds now for this account (None otherwise)."""
        st = self.cache.outbox.local_state("application", application_id)
        if st is None or st.state not in (LocalState.CONFLICT, LocalState.REJECTED):
            return None
        entry = self.cache.outbox.entry(st.seq)
        if entry is None:
            return None
        body = entry.body if isinstance(entry.body, dict) else {}
        item = next((x for x in body.get("items") or () if x.get("id") == application_id), body)
        if "action" not in item:
            return None
        action, reason = Action(item["action"]), item.get("reason")
        facts = sql.review_facts(self.cache, [application_id]).get(application_id)
        if isinstance(self._judge(application_id, facts, action, reason), Refusal):
            return None
        return action, reason, [CheckId(c) for c in item.get("acknowledge") or ()]

    async def retry_review(self, application_id: int) -> ReviewResult:
        """Send a conflicted/refused review decision again, now based on the
        server's current record (the user has looked at both versions). The
        old entry is dismissed and the decision goes through ``review`` (local
        checks first) as a new outbox entry — only when its move is still
        valid on that record; otherwise nothing changes and the result says why."""
        self.require_writable()
        st = await asyncio.to_thread(self.cache.outbox.local_state, "application", application_id)
        if st is None or st.state not in (LocalState.CONFLICT, LocalState.REJECTED):
            return ReviewResult([MutationResult(False, record_id=application_id, code="nothing_to_retry", message=self.t(
                "该申请没有冲突或被拒绝的修改", "This application has no conflicting or refused change"))])
        plan = await asyncio.to_thread(self._retry_plan, application_id)
        if plan is None:
            return ReviewResult([MutationResult(False, record_id=application_id, code="cannot_retry", message=self.t(
                "该修改在服务器当前的记录上已不能执行：按 D 放弃本地修改",
                "That change no longer applies to the server's record: press D to discard it"))])
        await asyncio.to_thread(self.cache.outbox.dismiss, "application", application_id)
        action, reason, acknowledge = plan
        return await self.review([application_id], action, reason, acknowledge)
