"""Withdrawal requests (放弃岗位): read one, file one, record its steps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.routes.common import (
    ERRORS,
    Id,
    State,
    User,
    Write,
    WriteRecord,
    get_scoped,
    read_scoped,
)
from zhumeng_server.wire import to_wire
from zhumeng_server.withdrawals import file_withdrawal
from zhumeng_server.withdrawals import withdrawal_step as record_step
from zhumeng_tui.api_client import schemas as s

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/withdrawals/{id:int}", response_model=s.Withdrawal, summary="One withdrawal request")
def get_withdrawal(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Withdrawal, id)


@router.post("/withdrawals", response_model=s.Withdrawal, status_code=201,
             summary="File a withdrawal request for an approved internship")
def create_withdrawal(body: s.WithdrawalCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        app = get_scoped(tx.session, tx.user, m.Application, body.application_id)
        return 201, to_wire(file_withdrawal(tx, app))

    return write.run(body, work)


@router.post("/withdrawals/{id:int}/steps", response_model=s.Withdrawal,
             summary="Record the next step of a withdrawal request (or cancel it)")
def withdrawal_step(id: Id, body: s.WithdrawalStepRequest, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        w = get_scoped(tx.session, tx.user, m.Withdrawal, id)
        write.check_version(w)
        record_step(tx, w, body)
        return 200, to_wire(w)

    return write.run(body, work)
