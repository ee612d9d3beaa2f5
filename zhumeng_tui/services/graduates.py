"""``GraduatePart``: the graduate services — the cohort with its needs,
coverage and flags, service sessions and who attended, employment status,
and the hardship ledger.

The graduates list is read like the review queue's: the ids for a filter in
one query, the rows a page at a time as they are shown (so a province-scale
cohort costs one id list). Every change is checked locally with the domain
functions the server applies (a refusal raises
:class:`~zhumeng_tui.domain.errors.DomainError` before anything is written),
then queued through :meth:`ServicesCore.queue`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from zhumeng_tui.api_client.schemas import (
    MAX_BATCH_ITEMS,
    CaseClose,
    CaseCreate,
    CaseUpdate,
    CategoryRecord,
    Graduate,
    GraduateUpdate,
    HardshipCase,
    NeedRecord,
    PlanRequest,
    ServiceSession,
    SessionCreate,
    Staff,
    Student,
    SubsidyRecord,
    SubsidyStepRequest,
    VisitCreate,
)
from zhumeng_tui.cache import graduates as sql
from zhumeng_tui.cache.outbox import NEW_RECORD, Mutation, MutationItem
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    NEED_LABELS,
    EmploymentStatus,
    NeedEntry,
    check_attendance,
    check_cities,
    check_employment,
    check_needs,
    check_session,
    check_skills,
    graduate_flags,
    merge_needs,
)
from zhumeng_tui.domain.hardship import (
    CaseFacts,
    CaseFlag,
    CaseState,
    Category,
    CategoryEntry,
    SubsidyFacts,
    SubsidyStep,
    case_flags,
    check_categories,
    check_close,
    check_new_case,
    check_officer,
    check_open_state,
    check_plan,
    check_subsidy_step,
    check_visit,
    days_since_visit,
)
from zhumeng_tui.domain.interns import check_any_change
from zhumeng_tui.domain.permissions import Change, check_role
from zhumeng_tui.domain.status import Role
from zhumeng_tui.services import (
    GRADUATE_COLUMNS,
    AppFilter,
    ApplicationRows,
    AttendeeRow,
    CaseDetail,
    CaseFilter,
    CaseRow,
    CoverageLine,
    DashboardLine,
    GraduateDetail,
    GraduateFilter,
    GraduateOptions,
    LocalState,
    MutationResult,
    NeedLine,
    ServedFilter,
    SessionDetail,
    SessionFilter,
    SessionRow,
    Severity,
    SortSpec,
)
from zhumeng_tui.services.core import ServicesCore

#: The most graduates of one employment batch (the server's cap).
BATCH = MAX_BATCH_ITEMS


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _local(state: str | None) -> LocalState | None:
    return None if state is None else LocalState(state)


def _coverage_sum(lines: list[CoverageLine], name: str, university_id: int | None) -> CoverageLine:
    """The lines added up, per need."""
    return CoverageLine(None, name, {k: sum(x.needed[k] for x in lines) for k in sql.KINDS},
                        {k: sum(x.served[k] for x in lines) for k in sql.KINDS}, university_id)


def _not_synced() -> DomainError:
    return DomainError("not_synced", "该记录尚未同步到服务器，请联网同步后再修改",
                       "This record has not reached the server yet; sync before changing it")


def case_facts(case: HardshipCase, graduate: Graduate) -> CaseFacts:
    """What the case flags (``hardship.case_flags``) read of a case and its graduate."""
    return CaseFacts(
        state=case.state, opened_on=case.opened_on, graduation_date=graduate.graduation_date,
        employment_status=graduate.employment_status,
        plan_target=case.plan.target_date if case.plan else None, has_plan=case.plan is not None,
        last_visit=max((v.date for v in case.visits), default=None),
        subsidy=case.subsidy.facts() if case.subsidy else SubsidyFacts(),
    )


class GraduatePart(ServicesCore):
    # ------------------------------------------------------------ scope --

    def _my_department(self) -> int | None:
        """A department account's department: the lists and counts it sees."""
        return self.me.department_id if self.reviewer.role == Role.DEPARTMENT else None

    def _query(self, f: GraduateFilter) -> sql.GraduateQuery:
        return sql.GraduateQuery(
            text=f.text, department_id=f.department_id or self._my_department(), need=f.need,
            served=None if f.served is None else f.served == ServedFilter.SERVED,
            employment=None if f.employment is None else str(f.employment), hardship=f.hardship, flag=f.flag,
        )

    # -------------------------------------------------------- graduates --

    def query_graduates(self, f: GraduateFilter, sort: SortSpec) -> ApplicationRows:
        today = self.today()
        ids = sql.graduate_ids(self.cache, self._query(f), today, sort.column, sort.descending)
        return ApplicationRows(ids, columns=GRADUATE_COLUMNS,
                               fetch=lambda page: sql.graduate_rows(self.cache, list(page), today))

    def graduate_ids_matching(self, f: GraduateFilter) -> list[int]:
        return sql.graduate_ids(self.cache, self._query(f), self.today())

    def _graduate(self, graduate_id: int) -> Graduate:
        raw = self.cache.get_record("graduate", graduate_id)
        if raw is None:
            raise DomainError("not_found", f"毕业生（#{graduate_id}）不在本账号范围内或尚未同步",
                              f"Graduate #{graduate_id} is outside this account's scope or not synced yet")
        return Graduate.model_validate(raw)

    def _department_name(self, department_id: int | None) -> str:
        dept = self.cache.get_record("department", department_id) if department_id else None
        return str(dept.get("name", "")) if dept else ""

    def _cases_of(self, graduate_id: int) -> list[HardshipCase]:
        """A graduate's cases, newest first."""
        found = [HardshipCase.model_validate(x) for x in self.cache.records("hardship_case", graduate_id=graduate_id)]
        return sorted(found, key=lambda c: c.id if c.id > 0 else 2**62 - c.id, reverse=True)

    def _latest_case(self, graduate_id: int) -> HardshipCase | None:
        """The open case, or the last closed one."""
        found = self._cases_of(graduate_id)
        return next((c for c in found if c.state == CaseState.OPEN), found[0] if found else None)

    def graduate_detail(self, graduate_id: int) -> GraduateDetail:
        with self.cache.read():
            g = self._graduate(graduate_id)
            student = Student.model_validate(self.require_record("student", g.student_id))
            attended = [ServiceSession.model_validate_json(x) for x in sql.attended(self.cache, graduate_id)]
            case = self._latest_case(graduate_id)
            local, message = self.local_state("graduate", graduate_id)
            department = self._department_name(g.department_id)
        needs = [NeedLine(n, [x for x in attended if x.serves == n.kind]) for n in g.needs]
        flags = graduate_flags([n.kind for n in g.needs], [x.serves for x in attended], g.employment_status,
                               g.graduation_date, self.today())
        return GraduateDetail(g, student, department, needs, attended, case, flags, local,
                              message if local != LocalState.PENDING else None)

    def coverage(self) -> list[CoverageLine]:
        """Per department; per university when the scope holds more than one;
        then everything in scope together (``department_id`` and
        ``university_id`` None)."""
        by_university: dict[int | None, list[CoverageLine]] = {}
        university_names: dict[int | None, str] = {}
        n = len(sql.KINDS)
        for row in sql.coverage(self.cache, self._my_department()):
            needed = {k: int(row[4 + i] or 0) for i, k in enumerate(sql.KINDS)}
            served = {k: int(row[4 + n + i] or 0) for i, k in enumerate(sql.KINDS)}
            by_university.setdefault(row[2], []).append(CoverageLine(row[0], str(row[1]), needed, served, row[2]))
            university_names[row[2]] = str(row[3])
        lines: list[CoverageLine] = []
        for uid, departments in by_university.items():
            lines += departments
            if len(by_university) > 1:
                lines.append(_coverage_sum(departments, university_names[uid], uid))
        total = _coverage_sum([x for x in lines if x.department_id is not None], self.t("合计", "Total"), None)
        return [*lines, total]

    def find_graduates(self, text: str, limit: int = 50) -> list[AttendeeRow]:
        return [self._attendee(e) for e in sql.find(self.cache, text, limit)]

    @staticmethod
    def _attendee(e: sql.GraduateEntry) -> AttendeeRow:
        return AttendeeRow(e.graduate_id, e.student_no, e.name, e.department_name, _local(e.local_state))

    # --------------------------------------------------------- sessions --

    def _organiser(self, s: ServiceSession, department_name: str) -> str:
        if s.city:
            return s.city + self.t("人社", " (city)")
        if department_name:
            return department_name
        univ = self.cache.get_record("university", s.university_id) or {}
        return str(univ.get("name", ""))

    def query_sessions(self, f: SessionFilter) -> list[SessionRow]:
        out = []
        for e in sql.sessions(self.cache, text=f.text, kind=f.kind.value if f.kind else None,
                              serves=f.serves.value if f.serves else None):
            s = ServiceSession.model_validate_json(e.record_json)
            out.append(SessionRow(s, self._organiser(s, e.department_name), e.attendees, _local(e.local_state)))
        return out

    def _session(self, session_id: int) -> ServiceSession:
        raw = self.cache.get_record("service_session", session_id)
        if raw is None:
            raise DomainError("not_found", "找不到该服务活动", "Service session not found")
        return ServiceSession.model_validate(raw)

    def _check_organiser(self, s: ServiceSession) -> None:
        """A city account records attendance only at the sessions its city runs."""
        if self.role == Role.CITY and s.city != self.me.city:
            raise DomainError("not_organiser", "只能为本市主办的活动登记签到",
                              "A city account records attendance only at the sessions its city runs")

    def session_detail(self, session_id: int) -> SessionDetail:
        with self.cache.read():
            s = self._session(session_id)
            dept = self._department_name(s.department_id)
            attendees = [self._attendee(e) for e in sql.attendees(self.cache, session_id)]
            here = {a.graduate_id for a in attendees}
            unserved = [self._attendee(e) for e in sql.unserved(self.cache, s.serves, s.department_id
                                                                 or self._my_department())
                        if e.graduate_id not in here]
            local, message = self.local_state("service_session", session_id)
        may = True
        try:
            check_role(self.role, Change.RECORD_ATTENDANCE)
            self._check_organiser(s)
        except DomainError:
            may = False
        return SessionDetail(s, self._organiser(s, dept), attendees, unserved, may and s.date <= self.today(),
                             local, message)

    # ------------------------------------------------------------ cases --

    @staticmethod
    def _case_row(e: sql.CaseEntry, today: dt.date) -> CaseRow:
        def day(text: str | None) -> dt.date | None:
            return dt.date.fromisoformat(text[:10]) if text else None

        opened = day(e.opened_on) or today
        facts = CaseFacts(
            state=CaseState(e.state), opened_on=opened, graduation_date=day(e.graduation_date) or today,
            employment_status=EmploymentStatus(e.employment_status), plan_target=day(e.plan_target),
            has_plan=bool(e.has_plan), last_visit=day(e.last_visit),
            subsidy=SubsidyFacts(day(e.subsidy_applied), day(e.subsidy_approved), day(e.subsidy_paid)),
        )
        return CaseRow(
            id=e.id, graduate_id=e.graduate_id, student_no=e.student_no, name=e.name,
            department_name=e.department_name, categories=[Category(c) for c in e.categories.split(",") if c],
            officer=e.officer_name, state=facts.state, plan_target=facts.plan_target, last_visit=facts.last_visit,
            days_since_visit=days_since_visit(facts, today) if facts.state == CaseState.OPEN else None,
            subsidy=facts.subsidy.state, flags=case_flags(facts, today), local_state=_local(e.local_state),
        )

    def query_cases(self, f: CaseFilter) -> list[CaseRow]:
        today = self.today()
        rows = []
        for e in sql.cases(self.cache, text=f.text, department_id=f.department_id or self._my_department(),
                           state=f.state.value if f.state else None,
                           category=f.category.value if f.category else None,
                           subsidy=f.subsidy.value if f.subsidy else None):
            row = self._case_row(e, today)
            if f.flag == "any" and not row.flags:
                continue
            if f.flag not in (None, "any") and f.flag not in row.flags:
                continue
            rows.append(row)
        return rows

    def _case(self, case_id: int) -> HardshipCase:
        raw = self.cache.get_record("hardship_case", case_id)
        if raw is None:
            raise DomainError("not_found", "找不到该帮扶档案", "Hardship case not found")
        return HardshipCase.model_validate(raw)

    def case_detail(self, case_id: int) -> CaseDetail:
        today = self.today()
        with self.cache.read():
            c = self._case(case_id)
            g = self._graduate(c.graduate_id)
            student = Student.model_validate(self.require_record("student", g.student_id))
            officer = next((Staff.model_validate(x) for x in self.cache.records("staff", username=c.officer)), None)
            local, message = self.local_state("hardship_case", case_id)
            department = self._department_name(c.department_id)
        facts = case_facts(c, g)
        return CaseDetail(
            case=c, graduate=g, student=student, department_name=department,
            officer_name=officer.display_name if officer else c.officer, flags=case_flags(facts, today),
            days_since_visit=days_since_visit(facts, today), next_subsidy_step=facts.subsidy.next_step,
            local_state=local, local_message=message if local != LocalState.PENDING else None,
        )

    # ---------------------------------------------------------- options --

    def _officers(self, university_id: int | None) -> list[Staff]:
        staff = [Staff.model_validate(x) for x in self.cache.records("staff")]
        return sorted((x for x in staff if x.university_id is not None
                       and (university_id is None or x.university_id == university_id)), key=lambda x: x.username)

    def graduate_options(self) -> GraduateOptions:
        held = [ServiceSession.model_validate_json(e.record_json)
                for e in sql.sessions(self.cache, held_by=self.today())]
        universities = [(int(u["id"]), str(u.get("name", ""))) for u in self.cache.records("university")]
        return GraduateOptions(self.departments(), self._officers(self.me.university_id), held, universities)

    # -------------------------------------------------------- dashboard --

    def graduate_dashboard_lines(self) -> list[DashboardLine]:
        """Needs not served yet (by kind), cases without a plan or a recent
        visit, subsidies waiting; each opens the list it counts."""
        dept = self._my_department()
        total = self.coverage()[-1]
        lines = []
        for k in sql.KINDS:
            n = total.needed[k] - total.served[k]
            zh, en = NEED_LABELS[k]
            lines.append(DashboardLine(
                f"graduates:unserved:{k.value}", f"{zh}需求未服务", f"{en}: not served", n,
                AppFilter(department_id=dept), Severity.WARN if n else Severity.NORMAL,
                GraduateFilter(department_id=dept, need=k, served=ServedFilter.UNSERVED),
            ))
        cases = self.query_cases(CaseFilter(department_id=dept, state=None))
        for flag, zh, en in (
            (CaseFlag.NO_PLAN, "困难帮扶：无帮扶计划", "Hardship: no plan"),
            (CaseFlag.NO_VISIT, "困难帮扶：超30天未回访", "Hardship: no visit for 30 days"),
            (CaseFlag.SUBSIDY_WAITING, "求职创业补贴：超30天未发放", "Subsidies unpaid after 30 days"),
        ):
            n = sum(1 for c in cases if flag in c.flags)
            lines.append(DashboardLine(
                f"hardship:{flag.value}", zh, en, n, AppFilter(department_id=dept), Severity.WARN if n else Severity.NORMAL,
                CaseFilter(department_id=dept, state=None, flag=flag),
            ))
        return lines

    # ---------------------------------------------------------- changes --

    async def update_graduate(self, graduate_id: int, update: GraduateUpdate) -> MutationResult:
        check_role(self.role, Change.UPDATE_GRADUATE)
        body = update.model_dump(mode="json", exclude_none=True)
        check_any_change(set(body) - {"need_source"})
        cities = check_cities(update.preferred_cities) if update.preferred_cities is not None else None
        skills = check_skills(update.skills) if update.skills is not None else None
        kinds = check_needs(update.needs) if update.needs is not None else None
        by, today = self.me.username, self.today()

        def build() -> Mutation:
            g = self._graduate(graduate_id)
            local = g.model_dump(mode="json")
            if update.stay_intent is not None:
                local["stay_intent"] = update.stay_intent.value
            if cities is not None:
                local["preferred_cities"] = cities
            if skills is not None:
                local["skills"] = skills
            if kinds is not None:
                current = [NeedEntry(n.kind, n.recorded_on, n.source, n.by) for n in g.needs]
                merged = merge_needs(current, kinds, update.need_source, today, by)
                local["needs"] = [NeedRecord(kind=e.kind, recorded_on=e.recorded_on, source=e.source, by=e.by)
                                  .model_dump(mode="json") for e in merged]
            return Mutation("record", "PATCH", f"/graduates/{graduate_id}", body,
                            [MutationItem("graduate", graduate_id, local)], if_match=g.version)

        return await self._change(build)

    async def set_employment(self, ids: list[int], status: EmploymentStatus, date: dt.date) -> list[MutationResult]:
        """The same status for several graduates: one request per 5,000 (a batch
        above one), each item checked first; one of one raises its refusal."""
        check_role(self.role, Change.SET_EMPLOYMENT)
        st = check_employment(status, date, self.today())
        if not ids:
            raise DomainError("nobody", "请选择毕业生", "Choose the graduates")
        refused: dict[int, MutationResult] = {}
        sent: list[int] = []

        def build() -> list[Mutation]:
            changes = []
            chunk: list[tuple[Graduate, dict[str, Any]]] = []
            for gid in ids:
                try:
                    g = self._graduate(gid)
                except DomainError as e:
                    if len(ids) == 1:
                        raise
                    refused[gid] = MutationResult(False, record_id=gid, code=e.code, message=e.message(self.lang))
                    continue
                local = {**g.model_dump(mode="json"), "employment_status": st.value, "employment_date": date.isoformat()}
                chunk.append((g, local))
                sent.append(gid)
            for i in range(0, len(chunk), BATCH):
                part = chunk[i : i + BATCH]
                if len(part) == 1 and len(ids) == 1:
                    g, local = part[0]
                    changes.append(Mutation("record", "POST", f"/graduates/{g.id}/employment",
                                            {"status": st.value, "date": date.isoformat()},
                                            [MutationItem("graduate", g.id, local)], if_match=g.version))
                    continue
                body = {"items": [{"id": g.id, "version": g.version, "status": st.value, "date": date.isoformat()}
                                  for g, _ in part]}
                changes.append(Mutation("batch", "POST", "/graduates/employment:batch", body,
                                        [MutationItem("graduate", g.id, local) for g, local in part]))
            return changes

        outcomes = await self.queue(build)
        done = dict(zip(sent, (r for o in outcomes for r in o.results), strict=True))
        return [refused.get(gid) or done[gid] for gid in ids]

    async def add_session(self, data: SessionCreate) -> MutationResult:
        check_role(self.role, Change.CREATE_SESSION)
        kind, serves = check_session(data.kind, data.serves, data.title, data.date, data.provider, data.place)
        university = data.university_id or self.me.university_id
        if university is None:
            raise DomainError("university_required", "请指定活动所在的高校", "Name the university the session is at")
        body = data.model_dump(mode="json", exclude_none=True)
        local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0, "university_id": university,
                 "department_id": self.me.department_id if self.role == Role.DEPARTMENT else None,
                 "city": self.me.city if self.role == Role.CITY else None, "kind": kind.value,
                 "serves": serves.value, "title": data.title.strip(), "provider": data.provider.strip(),
                 "place": data.place.strip(), "created_by": self.me.username, "created_at": _now()}
        return await self._change(lambda: Mutation("record", "POST", "/sessions", body,
                                                   [MutationItem("service_session", NEW_RECORD, local)]))

    async def record_attendance(self, session_id: int, graduate_ids: list[int]) -> list[MutationResult]:
        check_role(self.role, Change.RECORD_ATTENDANCE)
        if session_id < 0:
            raise _not_synced()
        wanted = list(dict.fromkeys(graduate_ids))

        def check() -> tuple[ServiceSession, dict[int, int]]:
            s = self._session(session_id)
            self._check_organiser(s)
            check_attendance(s.date, wanted, self.today())
            for gid in wanted:
                g = self._graduate(gid)
                if g.university_id != s.university_id:
                    raise DomainError("other_university", f"毕业生（#{gid}）不是本次活动所在高校的学生",
                                      f"Graduate #{gid} is not at the university the session took place at")
            return s, sql.attendance_of(self.cache, session_id)

        session, already = await asyncio.to_thread(check)
        new = [gid for gid in wanted if gid not in already]
        results = {gid: MutationResult(True, record_id=already[gid]) for gid in wanted if gid in already}
        if new:
            def build() -> Mutation:
                items = [MutationItem("attendance", NEW_RECORD, {
                    "id": NEW_RECORD, "version": 1, "seq": 0, "session_id": session_id, "graduate_id": gid,
                    "university_id": session.university_id,
                    "department_id": self._graduate(gid).department_id, "recorded_by": self.me.username,
                    "recorded_at": _now()}) for gid in new]
                return Mutation("batch", "POST", f"/sessions/{session_id}/attendance", {"graduate_ids": new}, items)

            (outcome,) = await self.queue(lambda: [build()])
            results.update(zip(new, outcome.results, strict=True))
        return [results[gid] for gid in wanted]

    # ------------------------------------------------------------ cases --

    def _check_officer(self, username: str, university_id: int) -> None:
        """The officer is a staff account of the case's university."""
        check_officer(username)
        if not any(x.username == username.strip() for x in self._officers(university_id)):
            raise DomainError("unknown_staff", f"本校没有用户名为 {username} 的工作人员",
                              f"No staff account named {username} at this university")

    async def open_case(self, data: CaseCreate) -> MutationResult:
        check_role(self.role, Change.OPEN_CASE)
        categories = check_categories([CategoryEntry(c.category, c.note) for c in data.categories])

        def build() -> Mutation:
            g = self._graduate(data.graduate_id)
            check_new_case(any(c.state == CaseState.OPEN for c in self._cases_of(g.id)))
            self._check_officer(data.officer, g.university_id)
            body = data.model_dump(mode="json")
            body["categories"] = [CategoryRecord(category=e.category, note=e.note).model_dump(mode="json")
                                  for e in categories]
            body["officer"] = data.officer.strip()
            local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0, "university_id": g.university_id,
                     "department_id": g.department_id, "state": CaseState.OPEN.value,
                     "opened_on": self.today().isoformat(), "opened_by": self.me.username, "visits": []}
            return Mutation("record", "POST", "/hardship", body, [MutationItem("hardship_case", NEW_RECORD, local)])

        return await self._change(build)

    async def _case_change(self, case_id: int, method: str, path: str, body: Any,
                           apply: Callable[[HardshipCase, dict[str, Any]], None]) -> MutationResult:
        """One change of a case: checked and applied to its optimistic copy by ``apply``."""
        check_role(self.role, Change.CHANGE_CASE)
        if case_id < 0:
            raise _not_synced()

        def build() -> Mutation:
            c = self._case(case_id)
            local = c.model_dump(mode="json")
            apply(c, local)
            return Mutation("record", method, f"/hardship/{case_id}{path}", body.model_dump(mode="json",
                            exclude_none=True), [MutationItem("hardship_case", case_id, local)], if_match=c.version)

        return await self._change(build)

    async def update_case(self, case_id: int, update: CaseUpdate) -> MutationResult:
        def apply(c: HardshipCase, local: dict[str, Any]) -> None:
            check_open_state(c.state)
            check_any_change({f for f in update.model_fields_set if getattr(update, f) is not None})
            if update.categories is not None:
                local["categories"] = [CategoryRecord(category=e.category, note=e.note).model_dump(mode="json")
                                       for e in check_categories([CategoryEntry(x.category, x.note)
                                                                  for x in update.categories])]
            if update.officer is not None:
                self._check_officer(update.officer, c.university_id)
                local["officer"] = update.officer.strip()
            if update.officer_kind is not None:
                local["officer_kind"] = update.officer_kind.value

        return await self._case_change(case_id, "PATCH", "", update, apply)

    async def set_plan(self, case_id: int, plan: PlanRequest) -> MutationResult:
        def apply(c: HardshipCase, local: dict[str, Any]) -> None:
            check_open_state(c.state)
            check_plan(plan.measures, plan.target_date, c.opened_on)
            local["plan"] = {"measures": plan.measures.strip(), "target_date": plan.target_date.isoformat(),
                             "by": self.me.username, "at": _now()}

        return await self._case_change(case_id, "PUT", "/plan", plan, apply)

    async def add_visit(self, case_id: int, visit: VisitCreate) -> MutationResult:
        def apply(c: HardshipCase, local: dict[str, Any]) -> None:
            check_open_state(c.state)
            outcome = check_visit(visit.date, visit.channel, visit.note, visit.outcome, c.opened_on, self.today())
            local["visits"] = [*local["visits"], {"date": visit.date.isoformat(), "channel": visit.channel,
                                                  "note": visit.note.strip(), "outcome": outcome.value,
                                                  "by": self.me.username, "at": _now()}]

        return await self._case_change(case_id, "POST", "/visits", visit, apply)

    async def record_subsidy(self, case_id: int, step: SubsidyStepRequest) -> MutationResult:
        def apply(c: HardshipCase, local: dict[str, Any]) -> None:
            facts = c.subsidy.facts() if c.subsidy else SubsidyFacts()
            done = check_subsidy_step(facts, step.step, step.date, step.amount, c.state == CaseState.OPEN,
                                      c.opened_on, self.today())
            record = c.subsidy or SubsidyRecord(amount=step.amount or 0)
            if step.amount is not None:
                record.amount = step.amount
            field = {SubsidyStep.APPLIED: "applied_on", SubsidyStep.APPROVED: "approved_on",
                     SubsidyStep.PAID: "paid_on"}[done]
            setattr(record, field, step.date)
            local["subsidy"] = record.model_dump(mode="json")

        return await self._case_change(case_id, "POST", "/subsidy", step, apply)

    async def close_case(self, case_id: int, close: CaseClose) -> MutationResult:
        def apply(c: HardshipCase, local: dict[str, Any]) -> None:
            g = self._graduate(c.graduate_id)
            reason = check_close(c.state, close.reason, close.note, g.employment_status)
            local.update(state=CaseState.CLOSED.value, closed_on=self.today().isoformat(), close_reason=reason.value,
                         close_note=close.note.strip() or None)

        return await self._case_change(case_id, "POST", "/close", close, apply)

