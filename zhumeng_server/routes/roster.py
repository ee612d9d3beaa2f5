"""The student-records roster: the fields the eligibility checks read
(学籍状态, 学习形式, 实名认证, 高校认证, phone), changed by the university for
its own students, one at a time or as a batch (an import).

A department account is refused (403), a student outside the caller's scope
is not found (404). Every change is audited, and the checks of the student's
applications are evaluated again: the records reach other clients through
the change feed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhumeng_server import models as m
from zhumeng_server.core import Tx, check_version
from zhumeng_server.errors import ApiError
from zhumeng_server.review import compute_checks
from zhumeng_server.routes.common import ERRORS, MAX_ID, Id, Write, WriteRecord, get_scoped, record_not_found
from zhumeng_server.wire import scope_of, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import Change, check_role
from zhumeng_tui.domain.roster import check_roster_update, roster_changes

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


def set_roster(tx: Tx, student: m.Student, body: s.RosterUpdate) -> None:
    """Set the roster fields ``body`` gives (checked; unchanged values are
    left alone), then keep the checks of the student's applications."""
    update = body.domain()
    check_roster_update(update)
    changes = roster_changes({k: getattr(student, k) for k in update.given()}, update)
    if not changes:
        return
    for name, value in changes.items():
        setattr(student, name, value)
    tx.save(student, "student.roster")
    for app in tx.apps_of(int(student.id or 0)):
        checks = compute_checks(tx, app)
        if checks != app.checks:
            app.checks = checks
            tx.save(app, "application.checks", bump_version=False)


@router.patch("/students/{id:int}/roster", response_model=s.Student,
              summary="A student's roster fields (university role)")
def student_roster(id: Id, body: s.RosterUpdate, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.UPDATE_ROSTER)
        student = get_scoped(tx.session, tx.user, m.Student, id)
        write.check_version(student)
        set_roster(tx, student, body)
        return 200, to_wire(student)

    return write.run(body, work)


@router.post("/students/roster:batch", response_model=s.StudentBatchResponse,
             summary="The roster fields of many students (an import; university role); each item on its own")
def roster_batch(body: s.RosterBatchRequest, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.UPDATE_ROSTER)
        ids = sorted({it.id for it in body.items if 0 < it.id <= MAX_ID})
        tx.prefetch(m.Student, ids)
        tx.prime_apps_of(ids)
        apps = [a for sid in ids for a in tx.apps_of(sid)]
        tx.prefetch(m.Position, {a.position_id for a in apps})
        tx.prefetch(m.Employer, {p.employer_id for a in apps if (p := tx.get(m.Position, a.position_id))})
        tx.prefetch_log("student", ids)
        tx.prefetch_log("application", [int(a.id or 0) for a in apps])
        results: list[s.StudentBatchResult] = []
        with tx.session.no_autoflush:
            for item in body.items:
                try:
                    student = tx.get(m.Student, item.id) if 0 < item.id <= MAX_ID else None
                    if student is None or not tx.user.sees(*scope_of(student)):
                        raise record_not_found(m.Student)
                    check_version(item.version, student)
                    set_roster(tx, student, item.update)
                    results.append(s.StudentBatchResult(id=item.id, ok=True, record=to_wire(student)))
                except ApiError as e:
                    results.append(s.StudentBatchResult(id=item.id, ok=False, error=e.body))
                except DomainError as e:
                    results.append(s.StudentBatchResult(id=item.id, ok=False, error=ApiError.from_domain(e).body))
        return 200, s.StudentBatchResponse(results=results)

    return write.run(body, work)
