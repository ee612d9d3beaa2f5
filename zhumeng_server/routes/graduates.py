"""Graduates (毕业生服务): read one, add a student to the cohort, their needs,
intent, cities and skills, and their employment status (each one, or many in
one batch whose items succeed or fail one by one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import col

from zhumeng_server import models as m
from zhumeng_server.core import Tx, check_version
from zhumeng_server.errors import ApiError
from zhumeng_server.routes.common import (
    ERRORS,
    MAX_ID,
    Id,
    State,
    User,
    Write,
    WriteRecord,
    get_scoped,
    read_scoped,
    record_not_found,
)
from zhumeng_server.wire import to_jsonable, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    NeedEntry,
    NeedKind,
    NeedSource,
    check_cities,
    check_employment,
    check_graduation_date,
    check_skills,
    default_graduation_date,
    merge_needs,
)
from zhumeng_tui.domain.interns import check_any_change
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/graduates/{id:int}", response_model=s.Graduate, summary="One graduate")
def get_graduate(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Graduate, id)


@router.post("/graduates", response_model=s.Graduate, status_code=201,
             summary="Add a student to the graduating cohort of their graduation year")
def create_graduate(body: s.GraduateCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CREATE_GRADUATE)
        student = get_scoped(tx.session, tx.user, m.Student, body.student_id)
        taken = tx.session.scalars(
            select(col(m.Graduate.id)).where(m.Graduate.student_id == student.id)  # type: ignore[arg-type]
        ).first()
        if taken is not None:
            raise DomainError("graduate_exists", "该学生已在毕业生名单中", "This student is already a graduate")
        cohort = student.graduation_year
        date = body.graduation_date or default_graduation_date(cohort)
        check_graduation_date(date, cohort)
        g = m.Graduate(student_id=int(student.id or 0), university_id=student.university_id,
                       department_id=student.department_id, cohort=cohort, graduation_date=date)
        tx.save(g, "graduate.create", new=True)
        # a city account sees the students who are graduates: send it this one
        tx.save(student, "student.graduate", bump_version=False)
        return 201, to_wire(g)

    return write.run(body, work)


def _needs(g: m.Graduate) -> list[NeedEntry]:
    return [NeedEntry(NeedKind(n["kind"]), s.NeedRecord.model_validate(n).recorded_on, NeedSource(n["source"]),
                      n["by"]) for n in g.needs or []]


def _update(tx: Tx, g: m.Graduate, body: s.GraduateUpdate) -> None:
    """Set the fields ``body`` gives (``PATCH /graduates/{id}`` and each item of the batch)."""
    given = {f for f in body.model_fields_set - {"need_source"} if getattr(body, f) is not None}
    check_any_change(given)
    if body.stay_intent is not None:
        g.stay_intent = body.stay_intent.value
    if body.preferred_cities is not None:
        g.preferred_cities = check_cities(body.preferred_cities)
    if body.skills is not None:
        g.skills = check_skills(body.skills)
    if body.needs is not None:
        merged = merge_needs(_needs(g), body.needs, body.need_source, tx.today, tx.user.username)
        g.needs = [s.NeedRecord(kind=e.kind, recorded_on=e.recorded_on, source=e.source, by=e.by)
                   .model_dump(mode="json") for e in merged]
    tx.save(g, "graduate.update")


@router.patch("/graduates/{id:int}", response_model=s.Graduate,
              summary="A graduate's needs, intent to stay, preferred cities and skills")
def update_graduate(id: Id, body: s.GraduateUpdate, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.UPDATE_GRADUATE)
        g = get_scoped(tx.session, tx.user, m.Graduate, id)
        write.check_version(g)
        _update(tx, g, body)
        return 200, to_wire(g)

    return write.run(body, work)


def _batch(tx: Tx, items: Sequence[Any], change: Change, apply: Callable[[m.Graduate, Any], None]) -> s.RecordResults:
    """Each item (``id``, ``version``) applied to its graduate by ``apply(g, item)``:
    a graduate outside the caller's scope is not found, an item on another
    version is a conflict; items succeed or fail one by one."""
    check_role(tx.user.role, change)
    ids = [it.id for it in items if 0 < it.id <= MAX_ID]  # others are not found, not a database error
    tx.prefetch(m.Graduate, ids)
    tx.prefetch_log("graduate", ids)
    results: list[s.RecordResult] = []
    for item in items:
        try:
            g = tx.get(m.Graduate, item.id) if 0 < item.id <= MAX_ID else None
            if g is None or not tx.user.sees(g.university_id, g.department_id):
                raise record_not_found(m.Graduate)
            check_version(item.version, g)
            apply(g, item)
            results.append(s.RecordResult(id=item.id, ok=True, record=to_jsonable(g)))
        except ApiError as e:
            results.append(s.RecordResult(id=item.id, ok=False, error=e.body))
        except DomainError as e:
            results.append(s.RecordResult(id=item.id, ok=False, error=ApiError.from_domain(e).body))
    return s.RecordResults(results=results)


@router.post("/graduates/needs:batch", response_model=s.RecordResults,
             summary="The needs, intent to stay, preferred cities and skills of many graduates (a survey import);"
                     " items succeed or fail one by one")
def needs_batch(body: s.GraduateBatch, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        return 200, _batch(tx, body.items, Change.UPDATE_GRADUATE, lambda g, it: _update(tx, g, it.update))

    return write.run(body, work)


def _set_employment(tx: Tx, g: m.Graduate, status: object, date: Any) -> None:
    st = check_employment(status, date, tx.today)
    g.employment_status, g.employment_date = st.value, date
    tx.save(g, "graduate.employment")


@router.post("/graduates/{id:int}/employment", response_model=s.Graduate, summary="A graduate's employment status")
def set_employment(id: Id, body: s.EmploymentUpdate, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.SET_EMPLOYMENT)
        g = get_scoped(tx.session, tx.user, m.Graduate, id)
        write.check_version(g)
        _set_employment(tx, g, body.status, body.date)
        return 200, to_wire(g)

    return write.run(body, work)


@router.post("/graduates/employment:batch", response_model=s.RecordResults,
             summary="The employment status of many graduates; items succeed or fail one by one")
def employment_batch(body: s.EmploymentBatch, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        return 200, _batch(tx, body.items, Change.SET_EMPLOYMENT,
                           lambda g, it: _set_employment(tx, g, it.status, it.date))

    return write.run(body, work)
