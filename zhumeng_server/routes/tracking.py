"""Internship tracking: the tracking fields of an intern, nominations of
excellent interns, follow-ups and staff integrity entries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhumeng_server import models as m
from zhumeng_server.core import Tx, check_version
from zhumeng_server.errors import ApiError
from zhumeng_server.review import add_history, add_integrity_entry, save_with_checks
from zhumeng_server.routes.common import (
    ERRORS,
    Id,
    State,
    User,
    Write,
    WriteRecord,
    batch_answer,
    check_staff_of_university,
    delete_record,
    get_scoped,
    read_scoped,
)
from zhumeng_server.wire import to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import (
    check_any_change,
    check_followup,
    check_integrity_entry,
    check_nomination,
    check_tracking,
    on_duty_move,
    tracking_from,
)
from zhumeng_tui.domain.permissions import Change, check_not_provincial, check_role
from zhumeng_tui.domain.status import Action

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


def _intern(tx: Tx, application_id: int, change: Change) -> m.Application:
    """The application a tracking change is about, once the account may make it."""
    check_role(tx.user.role, change)
    app = get_scoped(tx.session, tx.user, m.Application, application_id)
    student = tx.session.get(m.Student, app.student_id)
    assert student is not None
    check_not_provincial(tx.user.role, student.out_of_province)
    return app


@router.patch("/applications/{id:int}/tracking", response_model=s.Application,
              summary="Internship tracking fields (approved/on duty/completed/appraised)")
def application_tracking(id: Id, body: s.TrackingUpdate, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = _intern(tx, id, Change.SET_TRACKING)
        write.check_version(app)
        set_tracking(tx, app, body)
        return 200, to_wire(app)

    return write.run(body, work)


def set_tracking(tx: Tx, app: m.Application, body: s.TrackingUpdate) -> None:
    """Set the tracking fields ``body`` gives on ``app`` (checked, saved, in its history)."""
    given = body.model_fields_set
    check_any_change(given)
    position = tx.get(m.Position, app.position_id)
    assert position is not None
    check_tracking(
        app.status, tx.today, on_duty_date=body.on_duty_date, insurance_recorded=body.insurance_recorded,
        appraisal_copy_received=body.appraisal_copy_received, employer_score=body.employer_score,
        student_score=body.student_score, responsible_staff=body.responsible_staff,
        start_date=tracking_from(position.start_date, body.on_duty_date or app.on_duty_date),
        cleared=[name for name in given if getattr(body, name) is None],
    )
    status: str = app.status
    if body.on_duty_date is not None:
        status = on_duty_move(app.status, tx.user.role, body.on_duty_date, position.start_date,
                              position.end_date).value
    if "responsible_staff" in given and body.responsible_staff:
        check_staff_of_university(tx, body.responsible_staff, app.university_id, "responsible_staff")
    # checked: from here on it changes the row
    if status != app.status:
        add_history(tx, app, Action.ON_DUTY.value, app.status, status)
        app.status = status
    for name in sorted(given):
        value = getattr(body, name)
        if name == "responsible_staff" and value == "":
            value = None
        setattr(app, name, value)
    add_history(tx, app, "tracking", reason=", ".join(sorted(given)))
    save_with_checks(tx, app, "application.tracking")


@router.post("/applications/tracking:batch", response_model=s.BatchResponse,
             summary="Tracking fields of many interns (an import); each item succeeds or fails on its own")
def application_tracking_batch(body: s.TrackingBatchRequest, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.SET_TRACKING)
        results: list[tuple[int, str | s.ErrorBody]] = []
        for item in body.items:
            try:  # every check comes before the first change of the row: a refusal leaves it as it was
                app = _intern(tx, item.id, Change.SET_TRACKING)
                check_version(item.version, app)
                set_tracking(tx, app, item.update)
                results.append((item.id, tx.saved[("application", item.id)]))
            except ApiError as e:
                results.append((item.id, e.body))
            except DomainError as e:
                results.append((item.id, ApiError.from_domain(e).body))
        return 200, batch_answer(results)

    return write.run(body, work)


@router.post("/applications/{id:int}/excellent", response_model=s.Application,
             summary="Nominate a completed intern as excellent (writes an integrity entry)")
def application_excellent(id: Id, body: s.ExcellentRequest, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = _intern(tx, id, Change.NOMINATE_EXCELLENT)
        write.check_version(app)
        check_nomination(app.status, app.excellent_nominated, body.note)
        note = body.note.strip()
        app.excellent_nominated, app.excellent_note = True, note
        add_history(tx, app, "excellent", reason=note)
        save_with_checks(tx, app, "application.excellent")
        add_integrity_entry(tx, app, IntegrityKind.EXCELLENT, IntegritySource.STAFF, tx.today, note,
                            "integrity.excellent")
        return 200, to_wire(app)

    return write.run(body, work)


@router.get("/followups/{id:int}", response_model=s.FollowUp, summary="One follow-up")
def get_followup(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.FollowUp, id)


@router.post("/followups", response_model=s.FollowUp, status_code=201, summary="Add a follow-up")
def create_followup(body: s.FollowUpCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = _intern(tx, body.application_id, Change.ADD_FOLLOWUP)
        position = tx.session.get(m.Position, app.position_id)
        check_followup(app.status, body.date, body.channel, body.staff, body.note, tx.today,
                       tracking_from(position.start_date, app.on_duty_date) if position else None)
        f = m.FollowUp(
            application_id=int(app.id or 0), student_id=app.student_id, department_id=app.department_id,
            university_id=app.university_id, date=body.date, channel=body.channel, staff=body.staff.strip(),
            note=body.note, created_by=tx.user.username, created_at=tx.now,
        )
        tx.save(f, "followup.create", new=True)
        return 201, to_wire(f)

    return write.run(body, work)


@router.delete("/followups/{id:int}", status_code=204, response_class=Response,
               summary="Delete one's own follow-up (a tombstone in the change feed)")
def delete_followup(id: Id, write: WriteRecord) -> Response:
    def check(tx: Tx, f: m.FollowUp) -> None:
        if f.created_by != tx.user.username:
            raise ApiError(403, "not_author", "只能删除自己添加的跟踪记录", "You can delete only your own follow-ups")

    return delete_record(write, m.FollowUp, id, "followup.delete", check)


@router.post("/integrity", response_model=s.IntegrityEntry, status_code=201,
             summary="Add a staff integrity entry (never deleted)")
def create_integrity(body: s.IntegrityCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.ADD_INTEGRITY)
        student = get_scoped(tx.session, tx.user, m.Student, body.student_id)
        check_not_provincial(tx.user.role, student.out_of_province)
        if body.application_id is not None:
            app = get_scoped(tx.session, tx.user, m.Application, body.application_id)
            if app.student_id != student.id:
                raise ApiError(422, "application_mismatch", "该申请不属于此学生",
                               "The application belongs to another student",
                               fields=[s.FieldError(field="application_id", message_zh="申请不属于此学生",
                                                    message_en="Not this student's application")])
        check_integrity_entry(body.kind, body.date, body.note, tx.today)
        e = m.IntegrityEntry(
            student_id=int(student.id or 0), department_id=student.department_id,
            university_id=student.university_id, application_id=body.application_id, kind=body.kind.value,
            date=body.date, note=body.note, source=IntegritySource.STAFF.value, created_by=tx.user.username,
            created_at=tx.now,
        )
        tx.save(e, "integrity.create", new=True)
        return 201, to_wire(e)

    return write.run(body, work)
