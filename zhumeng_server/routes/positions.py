"""Positions (岗位): read one; create and delete on the platform's behalf."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field
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
    WriteRecord,
    delete_record,
    get_scoped,
    read_scoped,
)
from zhumeng_server.wire import to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.eligibility import check_position_dates
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/positions/{id:int}", response_model=s.Position, summary="One position")
def get_position(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Position, id)


class PositionCreate(s.Strict):
    """``POST /positions`` — platform side (province accounts)."""

    employer_id: s.WholeNumber
    title: s.ShortText = Field(min_length=1)
    quota: int = Field(default=1, ge=1, le=10000, strict=True)
    start_date: dt.date
    end_date: dt.date
    majors: list[s.Name] = Field(default_factory=list, max_length=50)


@router.post("/positions", response_model=s.Position, status_code=201,
             summary="Create a position (platform side; province role; 30 days..6 months)")
def create_position(body: PositionCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CREATE_POSITION)
        emp = get_scoped(tx.session, tx.user, m.Employer, body.employer_id)
        check_position_dates(body.start_date, body.end_date)
        p = m.Position(employer_id=body.employer_id, title=body.title, region=emp.region, type=emp.type,
                       quota=body.quota, start_date=body.start_date, end_date=body.end_date,
                       majors=list(body.majors))
        tx.save(p, "position.create", new=True)
        return 201, to_wire(p)

    return write.run(body, work)


@router.delete("/positions/{id:int}", status_code=204, response_class=Response,
               summary="Delete a position without applications (province role)")
def delete_position(id: Id, write: WriteRecord) -> Response:
    def check(tx: Tx, p: m.Position) -> None:
        check_role(tx.user.role, Change.DELETE_POSITION)
        used = tx.session.scalars(select(col(m.Application.id)).where(m.Application.position_id == p.id)).first()  # type: ignore[arg-type]
        if used is not None:
            raise DomainError("has_applications", "该岗位已有申请，不能删除",
                              "The position has applications and cannot be deleted")

    return delete_record(write, m.Position, id, "position.delete", check)
