"""The hardship ledger (困难毕业生台账): read a case, open one for a graduate,
change its categories and officer, its plan, add a visit, record the next
step of the subsidy, close it with a reason. Every change of a case names the
version it is based on (If-Match)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.routes.common import (
    ERRORS,
    Id,
    State,
    User,
    Write,
    Writer,
    WriteRecord,
    check_staff_of_university,
    get_scoped,
    read_scoped,
)
from zhumeng_server.wire import to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.hardship import (
    CaseState,
    CategoryEntry,
    SubsidyFacts,
    SubsidyStep,
    check_categories,
    check_close,
    check_new_case,
    check_open_state,
    check_plan,
    check_subsidy_step,
    check_visit,
)
from zhumeng_tui.domain.interns import check_any_change
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/hardship/{id:int}", response_model=s.HardshipCase, summary="One hardship case")
def get_case(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.HardshipCase, id)


def _categories(given: list[s.CategoryIn]) -> list[dict[str, Any]]:
    checked = check_categories([CategoryEntry(c.category, c.note) for c in given])
    return [s.CategoryRecord(category=e.category, note=e.note).model_dump(mode="json") for e in checked]


@router.post("/hardship", response_model=s.HardshipCase, status_code=201,
             summary="Open a hardship case for a graduate (one open case each)")
def open_case(body: s.CaseCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.OPEN_CASE)
        g = get_scoped(tx.session, tx.user, m.Graduate, body.graduate_id)
        open_ = tx.session.scalars(select(col(m.HardshipCase.id)).where(
            m.HardshipCase.graduate_id == g.id, m.HardshipCase.state == CaseState.OPEN.value,  # type: ignore[arg-type]
        )).first()
        check_new_case(open_ is not None)
        categories = _categories(body.categories)
        check_staff_of_university(tx, body.officer.strip(), g.university_id, "officer")
        c = m.HardshipCase(
            graduate_id=int(g.id or 0), university_id=g.university_id, department_id=g.department_id,
            state=CaseState.OPEN.value, opened_on=tx.today, opened_by=tx.user.username, categories=categories,
            officer=body.officer.strip(), officer_kind=body.officer_kind.value,
        )
        tx.save(c, "hardship.open", new=True)
        return 201, to_wire(c)

    return write.run(body, work)


def _change_case(write: Writer, id: int, body: BaseModel, action: str,
                 change: Callable[[Tx, m.HardshipCase], None]) -> Response:
    """A change of one case: the role, the scoped case, its version, ``change``, saved."""

    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CHANGE_CASE)
        c = get_scoped(tx.session, tx.user, m.HardshipCase, id)
        write.check_version(c)
        change(tx, c)
        tx.save(c, action)
        return 200, to_wire(c)

    return write.run(body, work)


@router.patch("/hardship/{id:int}", response_model=s.HardshipCase, summary="A case's categories and officer")
def update_case(id: Id, body: s.CaseUpdate, write: WriteRecord) -> Response:
    def change(tx: Tx, c: m.HardshipCase) -> None:
        check_open_state(c.state)
        check_any_change({f for f in body.model_fields_set if getattr(body, f) is not None})
        if body.categories is not None:
            c.categories = _categories(body.categories)
        if body.officer is not None:
            check_staff_of_university(tx, body.officer.strip(), c.university_id, "officer")
            c.officer = body.officer.strip()
        if body.officer_kind is not None:
            c.officer_kind = body.officer_kind.value

    return _change_case(write, id, body, "hardship.update", change)


@router.put("/hardship/{id:int}/plan", response_model=s.HardshipCase, summary="The one-to-one plan of a case")
def set_plan(id: Id, body: s.PlanRequest, write: WriteRecord) -> Response:
    def change(tx: Tx, c: m.HardshipCase) -> None:
        check_open_state(c.state)
        check_plan(body.measures, body.target_date, c.opened_on)
        c.plan = s.PlanRecord(measures=body.measures.strip(), target_date=body.target_date, by=tx.user.username,
                              at=tx.now).model_dump(mode="json")

    return _change_case(write, id, body, "hardship.plan", change)


@router.post("/hardship/{id:int}/visits", response_model=s.HardshipCase, summary="Add a visit (回访) to a case")
def add_visit(id: Id, body: s.VisitCreate, write: WriteRecord) -> Response:
    def change(tx: Tx, c: m.HardshipCase) -> None:
        check_open_state(c.state)
        outcome = check_visit(body.date, body.channel, body.note, body.outcome, c.opened_on, tx.today)
        visit = s.VisitRecord(date=body.date, channel=body.channel, note=body.note.strip(), outcome=outcome,
                              by=tx.user.username, at=tx.now).model_dump(mode="json")
        c.visits = [*(c.visits or []), visit]

    return _change_case(write, id, body, "hardship.visit", change)


@router.post("/hardship/{id:int}/subsidy", response_model=s.HardshipCase,
             summary="The next step of a case's job-seeking subsidy (applied, approved, paid)")
def subsidy_step(id: Id, body: s.SubsidyStepRequest, write: WriteRecord) -> Response:
    def change(tx: Tx, c: m.HardshipCase) -> None:
        current = s.SubsidyRecord.model_validate(c.subsidy) if c.subsidy else None
        facts = current.facts() if current else SubsidyFacts()
        step = check_subsidy_step(facts, body.step, body.date, body.amount, c.state == CaseState.OPEN.value,
                                  c.opened_on, tx.today)
        record = current or s.SubsidyRecord(amount=body.amount or 0)
        if body.amount is not None:
            record.amount = body.amount
        field = {SubsidyStep.APPLIED: "applied_on", SubsidyStep.APPROVED: "approved_on",
                 SubsidyStep.PAID: "paid_on"}[step]
        setattr(record, field, body.date)
        c.subsidy = record.model_dump(mode="json")

    return _change_case(write, id, body, "hardship.subsidy", change)


@router.post("/hardship/{id:int}/close", response_model=s.HardshipCase,
             summary="Close a case: the graduate employed, studying, enlisted, in business, or a written reason")
def close_case(id: Id, body: s.CaseClose, write: WriteRecord) -> Response:
    def change(tx: Tx, c: m.HardshipCase) -> None:
        g = tx.session.get(m.Graduate, c.graduate_id)
        assert g is not None
        reason = check_close(c.state, body.reason, body.note, g.employment_status)
        c.state, c.closed_on = CaseState.CLOSED.value, tx.today
        c.close_reason, c.close_note = reason.value, body.note.strip() or None

    return _change_case(write, id, body, "hardship.close", change)
