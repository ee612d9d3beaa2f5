"""The graduate services of the client core against the real server in
process: the lists and their filters agree with the rules, changes are
checked before they are queued, and the server's answer lands in the cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.faults import FaultTransport
from tests.support import DemoServer, ServerFactory, open_services
from zhumeng_server import models as m
from zhumeng_server.auth import Principal
from zhumeng_server.core import Tx
from zhumeng_tui.api_client.schemas import (
    CaseClose,
    CaseCreate,
    CategoryIn,
    GraduateUpdate,
    PlanRequest,
    SessionCreate,
    SubsidyStepRequest,
    VisitCreate,
)
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EmploymentStatus, GraduateFlag, NeedKind, graduate_flags
from zhumeng_tui.domain.hardship import CaseFlag, CaseState, Category, OfficerKind, VisitOutcome
from zhumeng_tui.domain.status import Role
from zhumeng_tui.services import (
    GRADUATE_COLUMNS,
    CaseFilter,
    GraduateFilter,
    ServedFilter,
    SessionFilter,
    SortSpec,
)
from zhumeng_tui.services.local import LocalServices

TODAY = dt.date(2026, 3, 10)


async def test_the_list_flags_and_filters_follow_the_rules(univ: LocalServices) -> None:
    rows = univ.query_graduates(GraduateFilter(), SortSpec())
    assert rows.columns == GRADUATE_COLUMNS and len(rows.ids) == len(univ.records("graduate"))
    flags_at = GRADUATE_COLUMNS.index("graduate_flags")
    unserved, unemployed = set(), set()
    for gid in rows.ids:
        d = univ.graduate_detail(gid)
        want = graduate_flags([n.need.kind for n in d.needs], [s.serves for s in d.attended],
                              d.graduate.employment_status, d.graduate.graduation_date, TODAY)
        assert d.flags == want
        shown = rows.rows_of([gid])[gid][flags_at]
        assert shown == ",".join(f.value for f in want)
        if GraduateFlag.UNSERVED in want:
            unserved.add(gid)
        if GraduateFlag.UNEMPLOYED in want:
            unemployed.add(gid)
    assert unserved and unemployed
    assert set(univ.graduate_ids_matching(GraduateFilter(flag=GraduateFlag.UNSERVED))) == unserved
    assert set(univ.graduate_ids_matching(GraduateFilter(served=ServedFilter.UNSERVED))) == unserved
    assert set(univ.graduate_ids_matching(GraduateFilter(flag=GraduateFlag.UNEMPLOYED))) == unemployed
    for kind in NeedKind:
        asked = set(univ.graduate_ids_matching(GraduateFilter(need=kind)))
        not_served = set(univ.graduate_ids_matching(GraduateFilter(need=kind, served=ServedFilter.UNSERVED)))
        served = set(univ.graduate_ids_matching(GraduateFilter(need=kind, served=ServedFilter.SERVED)))
        assert asked == not_served | served and not not_served & served
        for gid in served:
            assert next(n for n in univ.graduate_detail(gid).needs if n.need.kind == kind).served
    total = univ.coverage()[-1]
    for kind in NeedKind:
        assert total.needed[kind] == len(univ.graduate_ids_matching(GraduateFilter(need=kind)))
        assert total.served[kind] == len(univ.graduate_ids_matching(GraduateFilter(need=kind,
                                                                                   served=ServedFilter.SERVED)))
    employed = univ.graduate_ids_matching(GraduateFilter(employment="employed"))
    assert employed and all(univ.graduate_detail(g).graduate.employment_status in
                            ("signed", "contract", "flexible") for g in employed)
    zs = univ.query_graduates(GraduateFilter(), SortSpec("name", descending=True))
    assert sorted(zs.ids) == sorted(rows.ids)


async def test_a_department_sees_its_graduates_and_a_city_its_universities(
    univ: LocalServices, dept: LocalServices, city: LocalServices
) -> None:
    mine = dept.graduate_ids_matching(GraduateFilter())
    assert mine and all(dept.graduate_detail(g).graduate.department_id == 1 for g in mine)
    assert mine == univ.graduate_ids_matching(GraduateFilter(department_id=1))
    assert city.graduate_ids_matching(GraduateFilter()) == univ.graduate_ids_matching(GraduateFilter())
    assert not city.records("application")
    assert {c.id for c in city.query_cases(CaseFilter(state=None))} == {c.id for c in univ.query_cases(
        CaseFilter(state=None))}


async def test_the_ledger_flags(univ: LocalServices) -> None:
    cases = univ.query_cases(CaseFilter(state=None))
    assert {c.state for c in cases} == set(CaseState)
    assert {f for c in cases for f in c.flags} == set(CaseFlag)
    for flag in CaseFlag:
        got = univ.query_cases(CaseFilter(state=None, flag=flag))
        assert got and all(flag in c.flags for c in got)
    assert all(c.state == CaseState.OPEN for c in univ.query_cases(CaseFilter()))
    lines = {line.key: line for line in univ.dashboard().graduates}
    no_plan = lines["hardship:no_plan"]
    assert no_plan.count == len(univ.query_cases(no_plan.target)) > 0  # type: ignore[arg-type]
    guidance = lines["graduates:unserved:guidance"]
    assert guidance.count == len(univ.graduate_ids_matching(guidance.target))  # type: ignore[arg-type]


async def test_needs_change_and_refusals_before_sending(univ: LocalServices) -> None:
    gid = univ.graduate_ids_matching(GraduateFilter())[0]
    before = univ.graduate_detail(gid).graduate
    r = await univ.update_graduate(gid, GraduateUpdate(needs=[NeedKind.POLICY, NeedKind.GUIDANCE],
                                                       preferred_cities=["成都市", "绵阳市"]))
    assert r.ok and not r.queued
    after = univ.graduate_detail(gid).graduate
    assert [n.kind for n in after.needs] == [NeedKind.GUIDANCE, NeedKind.POLICY]
    assert after.version == before.version + 1 and after.preferred_cities == ["成都市", "绵阳市"]
    with pytest.raises(DomainError) as e:
        await univ.update_graduate(gid, GraduateUpdate())
    assert e.value.code == "nothing_to_change"
    with pytest.raises(DomainError) as e:
        await univ.set_employment([gid], EmploymentStatus.SIGNED, TODAY + dt.timedelta(days=1))
    assert e.value.code == "date_in_future"


async def test_employment_for_many_in_one_request(univ: LocalServices) -> None:
    ids = univ.graduate_ids_matching(GraduateFilter(employment=EmploymentStatus.UNEMPLOYED))[:5]
    results = await univ.set_employment(ids, EmploymentStatus.CONTRACT, TODAY)
    assert [r.ok for r in results] == [True] * 5
    assert all(univ.graduate_detail(g).graduate.employment_status == "contract" for g in ids)
    assert set(ids) <= set(univ.graduate_ids_matching(GraduateFilter(employment="employed")))


async def test_a_session_and_its_attendance(univ: LocalServices) -> None:
    need = next(k for k in NeedKind if univ.graduate_ids_matching(GraduateFilter(need=k)))
    r = await univ.add_session(SessionCreate(kind="course", serves=need, title="数据分析培训班",
                                             date=TODAY, provider="培训中心", place="201"))
    assert r.ok and r.record_id and r.record_id > 0
    detail = univ.session_detail(r.record_id)
    assert detail.may_record and detail.attendees == []
    asked = [a.graduate_id for a in detail.unserved]
    assert asked == univ.graduate_ids_matching(GraduateFilter(need=need, served=ServedFilter.UNSERVED))
    asked += [g for g in univ.graduate_ids_matching(GraduateFilter()) if g not in asked]
    results = await univ.record_attendance(r.record_id, asked[:2])
    assert all(x.ok and not x.queued and x.record_id and x.record_id > 0 for x in results)
    detail = univ.session_detail(r.record_id)
    assert [a.graduate_id for a in detail.attendees] == sorted(asked[:2], key=lambda g: detail.attendees[
        [a.graduate_id for a in detail.attendees].index(g)].student_no)
    assert not {a.graduate_id for a in detail.unserved} & set(asked[:2])
    again = await univ.record_attendance(r.record_id, asked[:3])
    assert [x.record_id for x in again[:2]] == [x.record_id for x in results]
    assert univ.query_sessions(SessionFilter(text="数据分析"))[0].attendees == 3
    ahead = await univ.add_session(SessionCreate(kind="lecture", serves="guidance", title="t",
                                                 date=TODAY + dt.timedelta(days=5), provider="p", place="x"))
    with pytest.raises(DomainError) as e:
        await univ.record_attendance(ahead.record_id or 0, asked[:1])
    assert e.value.code == "session_not_held"
    with pytest.raises(DomainError) as e:
        await univ.record_attendance(r.record_id, [999999])
    assert e.value.code == "not_found"


async def test_a_city_records_attendance_only_at_its_own_sessions(city: LocalServices) -> None:
    options = city.graduate_options()
    assert options.universities == [(1, "四川逐梦大学")]
    campus = next(s for s in options.sessions if not s.city)
    assert not city.session_detail(campus.id).may_record
    with pytest.raises(DomainError) as e:
        await city.record_attendance(campus.id, city.graduate_ids_matching(GraduateFilter())[:1])
    assert e.value.code == "not_organiser"
    r = await city.add_session(SessionCreate(university_id=1, kind="lecture", serves="policy", title="政策宣讲",
                                             date=TODAY, provider="成都市人社局", place="报告厅"))
    assert r.ok and city.session_detail(r.record_id or 0).may_record
    with pytest.raises(DomainError) as e:
        await city.update_graduate(city.graduate_ids_matching(GraduateFilter())[0], GraduateUpdate(skills=["x"]))
    assert e.value.code == "role_not_allowed"


async def test_a_case_through_its_life(make_server: ServerFactory, tmp_path: Path) -> None:
    # enough students that the department has a graduate with no case yet
    dept = await open_services(make_server(students=400), tmp_path / "dept", "demo-dept", sync=True)
    try:
        await _case_through_its_life(dept)
    finally:
        await dept.close()


async def _case_through_its_life(dept: LocalServices) -> None:
    busy = {c.graduate_id for c in dept.query_cases(CaseFilter())}
    gid = next(g for g in dept.graduate_ids_matching(GraduateFilter()) if g not in busy)
    officer = dept.graduate_options().officers[0].username
    with pytest.raises(DomainError) as e:
        await dept.open_case(CaseCreate(graduate_id=gid, categories=[CategoryIn(category=Category.POVERTY)],
                                        officer="demo-city", officer_kind=OfficerKind.TALENT))
    assert e.value.code == "unknown_staff"
    r = await dept.open_case(CaseCreate(graduate_id=gid, categories=[CategoryIn(category=Category.POVERTY)],
                                        officer=officer, officer_kind=OfficerKind.TALENT))
    assert r.ok and r.record_id
    cid = r.record_id
    d = dept.case_detail(cid)
    assert d.case.opened_on == TODAY and CaseFlag.NO_PLAN in d.flags
    with pytest.raises(DomainError) as e:
        await dept.add_visit(cid, VisitCreate(date=TODAY - dt.timedelta(days=1), channel="电话", note="n",
                                              outcome=VisitOutcome.CONTINUE))
    assert e.value.code == "date_before_opened"
    assert (await dept.set_plan(cid, PlanRequest(measures="推荐岗位", target_date=TODAY))).ok
    assert (await dept.add_visit(cid, VisitCreate(date=TODAY, channel="面谈", note="面谈",
                                                  outcome=VisitOutcome.JOB_RECOMMENDED))).ok
    assert (await dept.record_subsidy(cid, SubsidyStepRequest(step="applied", date=TODAY, amount=1200))).ok
    with pytest.raises(DomainError) as e:
        await dept.record_subsidy(cid, SubsidyStepRequest(step="paid", date=TODAY))
    assert e.value.code == "step_out_of_order"
    with pytest.raises(DomainError) as e:
        await dept.close_case(cid, CaseClose(reason="other"))
    assert e.value.code == "reason_required"
    assert (await dept.close_case(cid, CaseClose(reason="other", note="学生出国"))).ok
    d = dept.case_detail(cid)
    assert d.case.state == CaseState.CLOSED and d.flags == [] and d.case.subsidy and d.case.subsidy.amount == 1200
    assert d.next_subsidy_step is not None and d.next_subsidy_step.value == "approved"


async def test_attendance_and_employment_offline_reach_the_server_once(server: DemoServer, tmp_path: Path) -> None:
    """Queued offline (new attendance records with temporary ids, a batch of
    employment statuses), then sent: the server's records replace them, and a
    request whose answer was lost is not applied twice."""
    fault = FaultTransport(server.transport())
    svc = await open_services(server, tmp_path / "data", "demo-univ", transport=fault, sync=True)
    try:
        session = next(s for s in svc.graduate_options().sessions if not s.city)
        before = len(svc.session_detail(session.id).attendees)
        ids = [a.graduate_id for a in svc.session_detail(session.id).unserved][:3]
        others = svc.graduate_ids_matching(GraduateFilter(employment=EmploymentStatus.UNEMPLOYED))[:4]
        fault.offline = True
        queued = await svc.record_attendance(session.id, ids)
        assert all(r.ok and r.queued and r.record_id and r.record_id < 0 for r in queued)
        assert len(svc.session_detail(session.id).attendees) == before + 3
        batch = await svc.set_employment(others, EmploymentStatus.FLEXIBLE, TODAY)
        assert all(r.ok and r.queued for r in batch)
        fault.offline = False
        fault.plan.append(("POST", "lose"))  # the server applies it, the answer is lost: sent again, applied once
        await svc.sync()
        status = await svc.sync()
        assert status.pending == 0 and status.rejected == 0 and status.conflicts == 0
        path = f"/api/v1/sessions/{session.id}/attendance"
        sent = [(key, outcome) for _m, p, key, outcome in fault.log if p == path and outcome != "offline"]
        assert [o for _k, o in sent] == ["lose", "ok"] and sent[0][0] == sent[1][0]
        detail = svc.session_detail(session.id)
        assert len(detail.attendees) == before + 3
        assert {r.record_id for r in queued} and all(svc.record("attendance", r.record_id or 0) is None for r in queued)
        assert all(svc.graduate_detail(g).graduate.employment_status == "flexible" for g in others)
        assert all(svc.graduate_detail(g).graduate.version > 1 for g in others)
    finally:
        await svc.close()


def add_university(server: DemoServer, city: str) -> int:
    """A second university in ``city`` with one department and one graduate
    (a copy of the first demo student) asking for guidance; its id."""
    state = server.app.state.server
    admin = Principal(0, "admin-test", "admin", Role.PROVINCE, None, None)
    with Session(state.engine) as session:
        tx = Tx(state, session, admin)
        univ = m.University(name="成都另一所大学", code="51999", city=city)
        tx.save(univ, "university.create", new=True)
        dept = m.Department(university_id=int(univ.id or 0), name="经济学院")
        tx.save(dept, "department.create", new=True)
        first = session.scalars(select(m.Student)).first()
        assert first is not None
        copied = {k: v for k, v in first.model_dump().items() if k not in ("id", "version", "seq")}
        student = m.Student(**{**copied, "university_id": univ.id, "department_id": dept.id,
                               "student_no": "9900000001"})
        tx.save(student, "student.create", new=True)
        tx.save(m.Graduate(student_id=int(student.id or 0), university_id=int(univ.id or 0),
                           department_id=int(dept.id or 0), cohort=2026, graduation_date=dt.date(2026, 6, 30),
                           needs=[{"kind": "guidance", "recorded_on": "2026-03-01", "source": "staff",
                                   "by": "admin-test"}]), "graduate.create", new=True)
        tx.finish()
        session.commit()
        return int(univ.id or 0)


async def test_coverage_per_department_per_university_and_in_total(server: DemoServer, tmp_path: Path) -> None:
    other = add_university(server, "成都市")
    city = await open_services(server, tmp_path / "data", "demo-city", sync=True)
    try:
        lines = city.coverage()
        universities = [x for x in lines if x.department_id is None and x.university_id is not None]
        assert [x.university_id for x in universities] == [1, other]
        assert universities[1].department_name == "成都另一所大学"
        assert universities[1].needed[NeedKind.GUIDANCE] == 1 and universities[1].served[NeedKind.GUIDANCE] == 0
        total = lines[-1]
        assert total.department_id is None and total.university_id is None
        for kind in NeedKind:
            assert total.needed[kind] == sum(x.needed[kind] for x in universities) == len(
                city.graduate_ids_matching(GraduateFilter(need=kind)))
            assert universities[0].needed[kind] == sum(
                x.needed[kind] for x in lines if x.department_id is not None and x.university_id == 1)
        # a university account's scope holds one university: departments and the total only
        univ = await open_services(server, tmp_path / "univ", "demo-univ", sync=True)
        try:
            assert all(x.department_id is not None for x in univ.coverage()[:-1])
        finally:
            await univ.close()
    finally:
        await city.close()
