"""The ``/api/v1`` routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from sqlalchemy import and_, delete, func, or_, select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server import rules
from zhumeng_server.auth import Principal, issue_token, token_hash, verify_password
from zhumeng_server.core import (
    HORIZON_KEY,
    ServerState,
    Tx,
    check_if_match,
    check_version,
    current_seq,
    lock_for_write,
    request_hash,
    run_write,
    set_setting,
    tombstone_horizon,
)
from zhumeng_server.errors import ApiError, not_found
from zhumeng_server.wire import aware, to_jsonable, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.calendar import YearData
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegritySource
from zhumeng_tui.domain.status import Role, Status

MAX_ID = rules.MAX_ID
DEFAULT_LIMIT = 2000
MAX_LIMIT = 10000

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", description="Required on every write")]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The record version a write is based on")
]

_ERR = {"model": s.ErrorResponse}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: _ERR for code in (401, 403, 404, 409, 422, 428)
}

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)
public = APIRouter(prefix=s.API_PREFIX)
_bearer = HTTPBearer(auto_error=False, description="The access token from POST /api/v1/auth/token")


def state_of(request: Request) -> ServerState:
    st = request.app.state.server
    assert isinstance(st, ServerState)
    return st


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "未登录或登录已失效，请重新登录",
                    "Not signed in or the token is invalid; sign in again")


def current_user(
    request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if cred is None or not cred.credentials or len(cred.credentials) > 200:
        raise _unauthorized()
    st = state_of(request)
    with Session(st.engine) as session:
        tok = session.get(m.AuthToken, token_hash(cred.credentials, st.secret))
        if tok is None or aware(tok.expires_at) <= st.now():
            raise _unauthorized()
        staff = session.get(m.StaffAccount, tok.staff_id)
        if staff is None or not staff.active:
            raise _unauthorized()
        return Principal.of(staff)


User = Annotated[Principal, Depends(current_user)]
State = Annotated[ServerState, Depends(state_of)]


def _json(model: Any, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


# ---------------------------------------------------------------- public ----


@public.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok"}


@public.post(
    "/auth/token", response_model=s.TokenResponse, responses={401: _ERR, 422: _ERR}, summary="Sign in"
)
def auth_token(body: s.TokenRequest, st: State) -> Response:
    with Session(st.engine) as session:
        staff = session.scalars(
            select(m.StaffAccount).where(m.StaffAccount.username == body.username)  # type: ignore[arg-type]
        ).first()
        if staff is None or not staff.active or not verify_password(body.password, staff.password_hash):
            raise ApiError(401, "invalid_credentials", "用户名或密码错误", "Wrong username or password")
        with st.write_lock:
            token = issue_token(session, staff, st.secret, st.now())
            session.commit()
        return _json(s.TokenResponse(access_token=token, role=Role(staff.role)))


@router.delete("/auth/token", status_code=204, response_class=Response, summary="Sign out (revoke this token)")
def auth_logout(
    request: Request, st: State, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Response:
    current_user(request, cred)
    assert cred is not None
    with st.write_lock, Session(st.engine) as session:
        tok = session.get(m.AuthToken, token_hash(cred.credentials, st.secret))
        if tok is not None:
            session.delete(tok)
            session.commit()
    return Response(status_code=204)


# ---------------------------------------------------------------- reads ----


@router.get("/me", response_model=s.Me, summary="Who is signed in")
def me(user: User, st: State) -> s.Me:
    with Session(st.engine) as session:
        univ = session.get(m.University, user.university_id) if user.university_id else None
        dept = session.get(m.Department, user.department_id) if user.department_id else None
        return s.Me(
            username=user.username, display_name=user.display_name, role=user.role,
            university_id=user.university_id, university_name=univ.name if univ else None,
            department_id=user.department_id, department_name=dept.name if dept else None,
            bound_role=user.bound_role,
        )


@router.get("/changes", response_model=s.ChangesResponse, summary="Records changed since a cursor")
def changes(
    user: User,
    st: State,
    since: Annotated[int, Query(ge=0, le=MAX_ID, description="The cursor of the last pull (0: all)")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    with Session(st.engine) as session:
        top = current_seq(session)
        horizon = tombstone_horizon(session)
        # Below the tombstone horizon, or ahead of this server (a database that
        # was reset or regenerated): the client must pull its scope again.
        if 0 < since < horizon or since > top:
            return Response('{"changes":[],"cursor":0,"has_more":false,"reset":true}',
                            media_type="application/json")
        q = select(cl.type, cl.record_id, cl.seq, cl.version, cl.deleted, cl.data_json).where(
            cl.seq > since, cl.seq <= top
        )
        role = user.scope_role
        if role not in (Role.PROVINCE, Role.SYSTEM):
            # coalesce() keeps the planner on the seq index (a range scan that
            # stops at ``limit``) instead of an OR over another index + a sort.
            univ = func.coalesce(cl.university_id, 0)
            if role == Role.DEPARTMENT:
                q = q.where(or_(univ == 0, and_(cl.university_id == user.university_id,
                                                func.coalesce(cl.department_id, 0).in_([0, user.department_id]))))
            else:
                q = q.where(univ.in_([0, user.university_id]))
        rows = session.execute(q.order_by(cl.seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][2] if has_more else max(top, since)
    parts = [
        f'{{"type":"{t}","id":{rid},"seq":{seq},"version":{ver},'
        f'"deleted":{"true" if deleted else "false"},"data":{data if data is not None else "null"}}}'
        for t, rid, seq, ver, deleted, data in rows
    ]
    body = (
        '{"changes":[' + ",".join(parts) + f'],"cursor":{cursor},'
        f'"has_more":{"true" if has_more else "false"},"reset":false}}'
    )
    return Response(body, media_type="application/json")


def _get(st: ServerState, user: Principal, model: type, rid: int, what: tuple[str, str]) -> Response:
    with Session(st.engine) as session:
        return _json(to_wire(rules.get_scoped(session, user, model, rid, what)))


@router.get("/applications/{id}", response_model=s.Application, summary="One application")
def get_application(id: Id, user: User, st: State) -> Response:
    return _get(st, user, m.Application, id, rules.APP)


@router.get("/withdrawals/{id}", response_model=s.Withdrawal, summary="One withdrawal request")
def get_withdrawal(id: Id, user: User, st: State) -> Response:
    return _get(st, user, m.Withdrawal, id, rules.WITHDRAWAL)


@router.get("/students/{id}", response_model=s.Student, summary="One student")
def get_student(id: Id, user: User, st: State) -> Response:
    return _get(st, user, m.Student, id, rules.STUDENT)


@router.get("/positions/{id}", response_model=s.Position, summary="One position")
def get_position(id: Id, user: User, st: State) -> Response:
    return _get(st, user, m.Position, id, rules.POSITION)


@router.get("/followups/{id}", response_model=s.FollowUp, summary="One follow-up")
def get_followup(id: Id, user: User, st: State) -> Response:
    return _get(st, user, m.FollowUp, id, rules.FOLLOWUP)


@router.get("/calendar", response_model=list[s.CalendarYear], summary="Working-day calendar years")
def get_calendar(user: User, st: State) -> list[s.CalendarYear]:
    with Session(st.engine) as session:
        rows = session.scalars(select(m.CalendarYearRow).order_by(m.CalendarYearRow.year))  # type: ignore[arg-type]
        return [s.CalendarYear.model_validate(to_jsonable(r)) for r in rows]


# --------------------------------------------------------- applications ----


def _fp(request: Request, body: Any) -> str:
    return request_hash(request.method, request.url.path, body)


@router.post("/applications/{id}/actions", response_model=s.Application,
             summary="Review action on one application (confirm/approve/reject/return/...)")
def application_action(
    id: Id, body: s.ActionRequest, request: Request, user: User, st: State,
    idempotency_key: IdemKey = None, if_match: IfMatch = None,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = rules.get_scoped(tx.session, user, m.Application, id, rules.APP)
        check_if_match(if_match, app)
        new = rules.plan_action(tx, app, body.action, body.reason, body.acknowledge)
        rules.apply_action(tx, app, body.action, new, body.reason, body.acknowledge)
        return 200, to_wire(app)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.post("/applications/actions:batch", response_model=s.BatchResponse,
             summary="Many review actions; each item succeeds or fails on its own")
def application_batch(
    body: s.BatchRequest, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        ids = sorted({it.id for it in body.items if 0 < it.id <= MAX_ID})
        tx.prefetch(m.Application, ids)
        apps = {i: a for i in ids if (a := tx.get(m.Application, i)) is not None}
        student_ids = sorted({a.student_id for a in apps.values()})
        tx.prime_apps_of(student_ids)
        siblings = [a for sid in student_ids for a in tx.apps_of(sid)]
        tx.prefetch(m.Student, student_ids)
        tx.prefetch(m.Position, {a.position_id for a in siblings})
        tx.prefetch(m.Employer, {p.employer_id for a in siblings if (p := tx.get(m.Position, a.position_id))})
        tx.prefetch_log("application", [int(a.id or 0) for a in siblings])
        results: list[s.BatchResult] = []
        with tx.session.no_autoflush:
            for item in body.items:
                try:
                    found = apps.get(item.id)
                    if found is None or not user.sees(found.university_id, found.department_id):
                        raise rules.not_found(*rules.APP)
                    app = found
                    check_version(item.version, app)
                    new = rules.plan_action(tx, app, item.action, item.reason, item.acknowledge)
                    rules.apply_action(tx, app, item.action, new, item.reason, item.acknowledge)
                    results.append(s.BatchResult(id=item.id, ok=True, record=tx.saved[("application", item.id)]))
                except ApiError as e:
                    results.append(s.BatchResult(id=item.id, ok=False, error=e.body))
                except DomainError as e:
                    results.append(s.BatchResult(id=item.id, ok=False, error=ApiError.from_domain(e).body))
        return 200, s.BatchResponse(results=results)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


class ApplicationCreate(s.Strict):
    """``POST /applications`` — platform side (province accounts): a student applies."""

    student_id: int
    position_id: int
    report_form: s.ReportForm | None = None


@router.post("/applications", response_model=s.Application, status_code=201,
             summary="Create an application (platform side; province role)")
def create_application(
    body: ApplicationCreate, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.PROVINCE}, "创建申请", "create applications")
        student = rules.get_scoped(tx.session, user, m.Student, body.student_id, rules.STUDENT)
        rules.get_scoped(tx.session, user, m.Position, body.position_id, rules.POSITION)
        live = rules.live_count(tx, int(student.id or 0))
        if live >= rules.el.MAX_LIVE_APPLICATIONS:
            raise DomainError(
                "live_limit_exceeded", f"该学生已有{live}个在投申请，最多3个",
                f"The student already has {live} live applications; at most 3 are allowed",
            )
        app = m.Application(
            student_id=body.student_id, position_id=body.position_id, university_id=student.university_id,
            department_id=student.department_id, status=Status.APPLIED.value, applied_at=tx.now,
            report_form=body.report_form.model_dump(mode="json") if body.report_form else None,
        )
        app.history = [rules.history_event(tx, "apply", None, Status.APPLIED.value)]
        tx.session.add(app)
        tx.session.flush()
        tx.forget_apps_of(int(student.id or 0))
        rules.save_with_checks(tx, app, "application.create", new=True)
        return 201, to_wire(app)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.patch("/applications/{id}/tracking", response_model=s.Application,
              summary="Internship tracking fields (approved/on duty/completed/appraised)")
def application_tracking(
    id: Id, body: s.TrackingUpdate, request: Request, user: User, st: State,
    idempotency_key: IdemKey = None, if_match: IfMatch = None,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.UNIVERSITY, Role.DEPARTMENT, Role.PROVINCE}, "修改实习跟踪信息",
                            "update internship tracking")
        app = rules.get_scoped(tx.session, user, m.Application, id, rules.APP)
        student = tx.session.get(m.Student, app.student_id)
        assert student is not None
        rules.check_not_provincial(user, student)
        check_if_match(if_match, app)
        rules.intern_guard(app)
        given = body.model_fields_set
        if not given:
            raise ApiError(422, "nothing_to_update", "没有要修改的字段", "No fields to update")
        if body.appraisal_copy_received is not None:
            rules.check_not_future(body.appraisal_copy_received, tx.today, "鉴定表回收日期",
                                   "appraisal copy date", "appraisal_copy_received")
        if "responsible_staff" in given and body.responsible_staff:
            exists = tx.session.scalars(select(col(m.StaffAccount.id)).where(
                m.StaffAccount.username == body.responsible_staff)).first()  # type: ignore[arg-type]
            if exists is None:
                raise ApiError(422, "unknown_staff", f"没有用户名为 {body.responsible_staff} 的工作人员",
                               f"No staff account named {body.responsible_staff}",
                               fields=[s.FieldError(field="responsible_staff", message_zh="工作人员不存在",
                                                    message_en="No such staff account")])
        for name in sorted(given):
            value = getattr(body, name)
            if name == "responsible_staff" and value == "":
                value = None
            setattr(app, name, value)
        app.history = [*app.history, rules.history_event(tx, "tracking", None, None, ", ".join(sorted(given)))]
        rules.save_with_checks(tx, app, "application.tracking")
        return 200, to_wire(app)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.post("/applications/{id}/excellent", response_model=s.Application,
             summary="Nominate a completed intern as excellent (writes an integrity entry)")
def application_excellent(
    id: Id, body: s.ExcellentRequest, request: Request, user: User, st: State,
    idempotency_key: IdemKey = None, if_match: IfMatch = None,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.UNIVERSITY, Role.PROVINCE}, "评选优秀实习生", "nominate excellent interns")
        app = rules.get_scoped(tx.session, user, m.Application, id, rules.APP)
        student = tx.session.get(m.Student, app.student_id)
        assert student is not None
        rules.check_not_provincial(user, student)
        check_if_match(if_match, app)
        if app.status not in (Status.COMPLETED.value, Status.APPRAISED.value):
            raise DomainError("not_an_intern", "只有实习完成或已鉴定的实习生可以评为优秀",
                              "Only a completed or appraised intern can be nominated")
        if app.excellent_nominated:
            raise DomainError("already_nominated", "该实习生已被评为优秀", "This intern is already nominated")
        note = body.note.strip()
        if not note:
            raise ApiError(422, "note_required", "请填写推荐理由", "Enter a note")
        app.excellent_nominated, app.excellent_note = True, note
        app.history = [*app.history, rules.history_event(tx, "excellent", None, None, note)]
        rules.save_with_checks(tx, app, "application.excellent")
        entry = m.IntegrityEntry(
            student_id=app.student_id, department_id=app.department_id, university_id=app.university_id,
            application_id=app.id, kind="excellent", date=tx.today, note=note,
            source=IntegritySource.STAFF.value, created_by=user.username, created_at=tx.now,
        )
        tx.save(entry, "integrity.excellent", new=True)
        return 200, to_wire(app)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


# ---------------------------------------------------------- withdrawals ----


@router.post("/withdrawals", response_model=s.Withdrawal, status_code=201,
             summary="File a withdrawal request for an approved internship")
def create_withdrawal(
    body: s.WithdrawalCreate, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = rules.get_scoped(tx.session, user, m.Application, body.application_id, rules.APP)
        return 201, to_wire(rules.file_withdrawal(tx, app))

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.post("/withdrawals/{id}/steps", response_model=s.Withdrawal,
             summary="Record the next step of a withdrawal request (or cancel it)")
def withdrawal_step(
    id: Id, body: s.WithdrawalStepRequest, request: Request, user: User, st: State,
    idempotency_key: IdemKey = None, if_match: IfMatch = None,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        w = rules.get_scoped(tx.session, user, m.Withdrawal, id, rules.WITHDRAWAL)
        check_if_match(if_match, w)
        rules.withdrawal_step(tx, w, body)
        return 200, to_wire(w)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


# ------------------------------------------------------------ followups ----


@router.post("/followups", response_model=s.FollowUp, status_code=201, summary="Add a follow-up")
def create_followup(
    body: s.FollowUpCreate, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.UNIVERSITY, Role.DEPARTMENT, Role.PROVINCE}, "添加跟踪记录",
                            "add follow-ups")
        app = rules.get_scoped(tx.session, user, m.Application, body.application_id, rules.APP)
        student = tx.session.get(m.Student, app.student_id)
        assert student is not None
        rules.check_not_provincial(user, student)
        rules.check_not_future(body.date, tx.today, "跟踪日期", "follow-up date")
        if not body.note.strip() or not body.staff.strip():
            raise ApiError(422, "note_required", "请填写跟踪内容和工作人员", "Enter the note and the staff member")
        f = m.FollowUp(
            application_id=int(app.id or 0), student_id=app.student_id, department_id=app.department_id,
            university_id=app.university_id, date=body.date, channel=body.channel, staff=body.staff.strip(),
            note=body.note, created_by=user.username, created_at=tx.now,
        )
        tx.save(f, "followup.create", new=True)
        return 201, to_wire(f)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.delete("/followups/{id}", status_code=204, response_class=Response,
               summary="Delete one's own follow-up (a tombstone in the change feed)")
def delete_followup(
    id: Id, request: Request, user: User, st: State, idempotency_key: IdemKey = None, if_match: IfMatch = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        f = rules.get_scoped(tx.session, user, m.FollowUp, id, rules.FOLLOWUP)
        if f.created_by != user.username:
            raise ApiError(403, "not_author", "只能删除自己添加的跟踪记录", "You can delete only your own follow-ups")
        check_if_match(if_match, f)
        tx.tombstone(f, "followup.delete")
        return 204, None

    return run_write(st, user, idempotency_key, _fp(request, None), work)


# ------------------------------------------------------------ integrity ----


@router.post("/integrity", response_model=s.IntegrityEntry, status_code=201,
             summary="Add a staff integrity entry (never deleted)")
def create_integrity(
    body: s.IntegrityCreate, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.UNIVERSITY, Role.PROVINCE}, "添加诚信档案", "add integrity entries")
        student = rules.get_scoped(tx.session, user, m.Student, body.student_id, rules.STUDENT)
        rules.check_not_provincial(user, student)
        if body.application_id is not None:
            app = rules.get_scoped(tx.session, user, m.Application, body.application_id, rules.APP)
            if app.student_id != student.id:
                raise ApiError(422, "application_mismatch", "该申请不属于此学生",
                               "The application belongs to another student",
                               fields=[s.FieldError(field="application_id", message_zh="申请不属于此学生",
                                                    message_en="Not this student's application")])
        rules.check_not_future(body.date, tx.today, "日期", "date")
        if not body.note.strip():
            raise ApiError(422, "note_required", "请填写说明", "Enter a note")
        e = m.IntegrityEntry(
            student_id=int(student.id or 0), department_id=student.department_id,
            university_id=student.university_id, application_id=body.application_id, kind=body.kind.value,
            date=body.date, note=body.note, source=IntegritySource.STAFF.value, created_by=user.username,
            created_at=tx.now,
        )
        tx.save(e, "integrity.create", new=True)
        return 201, to_wire(e)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


# ------------------------------------------------------------- calendar ----


@router.put("/calendar/{year}", response_model=s.CalendarYear,
            summary="Import a year's holidays and make-up working days")
def put_calendar(
    year: Annotated[int, Path(ge=2000, le=2100)], body: s.CalendarYearImport, request: Request, user: User,
    st: State, idempotency_key: IdemKey = None, if_match: IfMatch = None,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.UNIVERSITY, Role.PROVINCE}, "导入日历", "import calendars")
        data = YearData(year, frozenset(body.holidays), frozenset(body.workdays))
        data.validate()
        row = tx.session.get(m.CalendarYearRow, year)
        new = row is None
        if row is None:
            row = m.CalendarYearRow(year=year)
        else:
            check_if_match(if_match, row)
        d = data.to_dict()
        row.holidays, row.workdays = list(d["holidays"]), list(d["workdays"])  # type: ignore[call-overload]
        tx.save(row, "calendar.import", new=new)
        rules.refresh_deadlines(tx, year)
        return 200, to_wire(row)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


# ------------------------------------------------------------ positions ----


class PositionCreate(s.Strict):
    """``POST /positions`` — platform side (province accounts)."""

    employer_id: int
    title: s.ShortText = Field(min_length=1)
    quota: int = Field(default=1, ge=1, le=10000)
    start_date: dt.date
    end_date: dt.date
    majors: list[s.Name] = Field(default_factory=list, max_length=50)


@router.post("/positions", response_model=s.Position, status_code=201,
             summary="Create a position (platform side; province role; 30 days..6 months)")
def create_position(
    body: PositionCreate, request: Request, user: User, st: State, idempotency_key: IdemKey = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.PROVINCE}, "发布岗位", "create positions")
        if not (0 < body.employer_id <= MAX_ID) or (emp := tx.session.get(m.Employer, body.employer_id)) is None:
            raise not_found("用人单位", "employer")
        rules.check_date_range(body.start_date, "start_date")
        rules.check_date_range(body.end_date, "end_date")
        err = rules.el.position_length_error(body.start_date, body.end_date)
        if err is not None:
            raise err
        p = m.Position(employer_id=body.employer_id, title=body.title, region=emp.region, type=emp.type,
                       quota=body.quota, start_date=body.start_date, end_date=body.end_date,
                       majors=list(body.majors))
        tx.save(p, "position.create", new=True)
        return 201, to_wire(p)

    return run_write(st, user, idempotency_key, _fp(request, body), work)


@router.delete("/positions/{id}", status_code=204, response_class=Response,
               summary="Delete a position without applications (province role)")
def delete_position(
    id: Id, request: Request, user: User, st: State, idempotency_key: IdemKey = None, if_match: IfMatch = None
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        rules.require_roles(user, {Role.PROVINCE}, "删除岗位", "delete positions")
        p = rules.get_scoped(tx.session, user, m.Position, id, rules.POSITION)
        check_if_match(if_match, p)
        used = tx.session.scalars(select(col(m.Application.id)).where(m.Application.position_id == id)).first()  # type: ignore[arg-type]
        if used is not None:
            raise DomainError("has_applications", "该岗位已有申请，不能删除",
                              "The position has applications and cannot be deleted")
        tx.tombstone(p, "position.delete")
        return 204, None

    return run_write(st, user, idempotency_key, _fp(request, None), work)


# ---------------------------------------------------------------- admin ----


class PruneResult(s.BaseModel):
    pruned: int
    tombstone_horizon: int


def prune_tombstones(session: Session, up_to_seq: int | None = None) -> PruneResult:
    """Purge tombstones (all, or those with seq <= ``up_to_seq``) and raise the
    horizon: a ``since`` below it answers ``reset``. Commits."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    cond = cl.deleted.is_(True)
    if up_to_seq is not None:
        cond = and_(cond, cl.seq <= up_to_seq)
    top = session.execute(select(func.max(cl.seq)).where(cond)).scalar()
    horizon = tombstone_horizon(session)
    if top is None:
        return PruneResult(pruned=0, tombstone_horizon=horizon)
    n = session.execute(delete(m.ChangeLog).where(cond)).rowcount  # type: ignore[attr-defined]
    horizon = max(horizon, int(top))
    set_setting(session, HORIZON_KEY, str(horizon))
    session.commit()
    return PruneResult(pruned=int(n or 0), tombstone_horizon=horizon)


@router.post("/admin/prune-tombstones", response_model=PruneResult, summary="Purge tombstones (province role)")
def admin_prune(user: User, st: State) -> PruneResult:
    rules.require_roles(user, {Role.PROVINCE}, "清理删除记录", "prune tombstones")
    with st.write_lock, Session(st.engine) as session:
        lock_for_write(session)
        return prune_tombstones(session)

