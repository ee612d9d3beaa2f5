"""Applications: read one, the review moves (one or a batch), and creating one
on the platform's behalf."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhumeng_server import models as m
from zhumeng_server.core import Tx, check_version
from zhumeng_server.errors import ApiError
from zhumeng_server.review import apply_action, history_event, plan_action, read_for_review, save_with_checks
from zhumeng_server.routes.common import (
    ERRORS,
    MAX_ID,
    Id,
    State,
    User,
    Write,
    WriteRecord,
    batch_answer,
    get_scoped,
    read_scoped,
    record_not_found,
)
from zhumeng_server.wire import to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.eligibility import check_live_limit
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import Change, check_role
from zhumeng_tui.domain.status import Status

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/applications/{id:int}", response_model=s.Application, summary="One application")
def get_application(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Application, id)


@router.post("/applications/{id:int}/actions", response_model=s.Application,
             summary="Review action on one application (confirm/approve/reject/return/...)")
def application_action(id: Id, body: s.ActionRequest, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = get_scoped(tx.session, tx.user, m.Application, id)
        write.check_version(app)
        new = plan_action(tx, app, body.action, body.reason, body.acknowledge)
        apply_action(tx, app, body.action, new, body.reason, body.acknowledge)
        return 200, to_wire(app)

    return write.run(body, work)


@router.post("/applications/actions:batch", response_model=s.BatchResponse,
             summary="Many review actions; each item succeeds or fails on its own")
def application_batch(body: s.BatchRequest, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        user = tx.user
        apps = read_for_review(tx, (it.id for it in body.items if 0 < it.id <= MAX_ID))
        results: list[tuple[int, str | s.ErrorBody]] = []
        for item in body.items:
            try:
                found = apps.get(item.id)
                if found is None or not user.sees(found.university_id, found.department_id):
                    raise record_not_found(m.Application)
                app = found
                check_version(item.version, app)
                new = plan_action(tx, app, item.action, item.reason, item.acknowledge)
                apply_action(tx, app, item.action, new, item.reason, item.acknowledge)
                results.append((item.id, tx.saved[("application", item.id)]))
            except ApiError as e:
                # the current record stays out of a batch answer (the client pulls it)
                results.append((item.id, e.body.model_copy(update={"current": None})))
            except DomainError as e:
                results.append((item.id, ApiError.from_domain(e).body))
        return 200, batch_answer(results)

    return write.run(body, work)


class ApplicationCreate(s.Strict):
    """``POST /applications`` — platform side (province accounts): a student applies."""

    student_id: s.WholeNumber
    position_id: s.WholeNumber
    report_form: s.ReportFormInput | None = None


@router.post("/applications", response_model=s.Application, status_code=201,
             summary="Create an application (platform side; province role)")
def create_application(body: ApplicationCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CREATE_APPLICATION)
        student = get_scoped(tx.session, tx.user, m.Student, body.student_id)
        get_scoped(tx.session, tx.user, m.Position, body.position_id)
        student_id = int(student.id or 0)
        check_live_limit(a.status for a in tx.apps_of(student_id))
        app = m.Application(
            student_id=body.student_id, position_id=body.position_id, university_id=student.university_id,
            department_id=student.department_id, status=Status.APPLIED.value, applied_at=tx.now,
            report_form=body.report_form.model_dump(mode="json") if body.report_form else None,
        )
        app.history = [history_event(tx, "apply", None, Status.APPLIED.value)]
        tx.session.add(app)
        tx.session.flush()
        tx.forget_apps_of(student_id)
        save_with_checks(tx, app, "application.create", new=True)
        return 201, to_wire(app)

    return write.run(body, work)
