"""Service sessions (服务活动) and their attendance (签到): read them, record a
session at a university, record who attended (all or nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import col

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.errors import ApiError
from zhumeng_server.routes.common import ERRORS, MAX_ID, Id, State, User, Write, get_scoped, read_scoped
from zhumeng_server.wire import to_jsonable, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.graduates import check_attendance, check_session
from zhumeng_tui.domain.permissions import Change, check_role
from zhumeng_tui.domain.status import Role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/sessions/{id:int}", response_model=s.ServiceSession, summary="One service session")
def get_session(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.ServiceSession, id)


@router.get("/attendance/{id:int}", response_model=s.Attendance, summary="One attendance record")
def get_attendance(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Attendance, id)


def _university(tx: Tx, given: int | None) -> m.University:
    """Where a new session takes place: a campus account's own university, or
    the one named (a city account: one in its city)."""
    user = tx.user
    uid = given if given is not None else user.university_id
    if uid is None:
        raise ApiError(422, "university_required", "请指定活动所在的高校", "Name the university the session is at",
                       fields=[s.FieldError(field="university_id", message_zh="缺少高校",
                                            message_en="University missing")])
    if user.university_id is not None and uid != user.university_id:
        uid = 0  # another university than one's own: not found
    return get_scoped(tx.session, user, m.University, uid)


@router.post("/sessions", response_model=s.ServiceSession, status_code=201,
             summary="Record a service session (campus accounts, and a city account at a university of its city)")
def create_session(body: s.SessionCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CREATE_SESSION)
        univ = _university(tx, body.university_id)
        kind, serves = check_session(body.kind, body.serves, body.title, body.date, body.provider, body.place)
        city = tx.user.city if tx.user.role == Role.CITY else None
        dept = tx.user.department_id if tx.user.role == Role.DEPARTMENT else None
        row = m.ServiceSession(
            university_id=int(univ.id or 0), department_id=dept, city=city, kind=kind.value, serves=serves.value,
            title=body.title.strip(), date=body.date, provider=body.provider.strip(), place=body.place.strip(),
            created_by=tx.user.username, created_at=tx.now,
        )
        tx.save(row, "session.create", new=True)
        return 201, to_wire(row)

    return write.run(body, work)


def _graduates(tx: Tx, ids: list[int]) -> list[m.Graduate]:
    """The graduates named, in order; 404 naming the first one the caller may not see."""
    tx.prefetch(m.Graduate, [i for i in ids if 0 < i <= MAX_ID])
    out = []
    for pos, gid in enumerate(ids):
        g = tx.get(m.Graduate, gid) if 0 < gid <= MAX_ID else None
        if g is None or not tx.user.sees(g.university_id, g.department_id):
            raise ApiError(404, "not_found", f"毕业生（#{gid}）不存在或不在本账号范围内，未登记任何签到",
                           f"Graduate #{gid} does not exist or is outside this account's scope; nothing recorded",
                           fields=[s.FieldError(field=f"graduate_ids.{pos}", message_zh="毕业生不存在",
                                                message_en="No such graduate")])
        out.append(g)
    return out


@router.post("/sessions/{id:int}/attendance", response_model=s.RecordResults,
             summary="Record who attended a session (all or nothing; one result per graduate, in order)")
def record_attendance(id: Id, body: s.AttendanceCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.RECORD_ATTENDANCE)
        session = get_scoped(tx.session, tx.user, m.ServiceSession, id)
        if tx.user.role == Role.CITY and session.city != tx.user.city:
            raise ApiError(403, "not_organiser", "只能为本市主办的活动登记签到",
                           "A city account records attendance only at the sessions its city runs")
        check_attendance(session.date, body.graduate_ids, tx.today)
        graduates = _graduates(tx, body.graduate_ids)
        for g in graduates:
            if g.university_id != session.university_id:
                raise ApiError(422, "other_university", f"毕业生（#{g.id}）不是本次活动所在高校的学生",
                               f"Graduate #{g.id} is not at the university the session took place at")
        existing = {
            a.graduate_id: a for a in tx.session.scalars(
                select(m.Attendance).where(m.Attendance.session_id == session.id,  # type: ignore[arg-type]
                                           col(m.Attendance.graduate_id).in_([g.id for g in graduates]))
            )
        }
        results = []
        for g in graduates:
            a = existing.get(int(g.id or 0))
            if a is None:
                a = m.Attendance(session_id=int(session.id or 0), graduate_id=int(g.id or 0),
                                 university_id=g.university_id, department_id=g.department_id,
                                 recorded_by=tx.user.username, recorded_at=tx.now)
                tx.save(a, "attendance.create", new=True)
                existing[int(g.id or 0)] = a
            results.append(s.RecordResult(id=int(a.id or 0), ok=True, record=to_jsonable(a)))
        return 200, s.RecordResults(results=results)

    return write.run(body, work)
