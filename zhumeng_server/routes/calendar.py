"""The working-day calendar: the years it has data for, and importing a year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import Session

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.routes.common import ERRORS, State, User, WriteOrCreate
from zhumeng_server.wire import to_jsonable, to_wire
from zhumeng_server.withdrawals import refresh_deadlines
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.calendar import YearData
from zhumeng_tui.domain.inputs import MAX_DATE, MIN_DATE
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/calendar", response_model=list[s.CalendarYear], summary="Working-day calendar years")
def get_calendar(user: User, st: State) -> list[s.CalendarYear]:
    with Session(st.engine) as session:
        rows = session.scalars(select(m.CalendarYearRow).order_by(m.CalendarYearRow.year))  # type: ignore[arg-type]
        return [s.CalendarYear.model_validate(to_jsonable(r)) for r in rows]


@router.put("/calendar/{year}", response_model=s.CalendarYear,
            summary="Import a year's holidays and make-up working days")
def put_calendar(
    year: Annotated[int, Path(ge=MIN_DATE.year, le=MAX_DATE.year)], body: s.CalendarYearImport, write: WriteOrCreate,
) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.IMPORT_CALENDAR)
        data = YearData(year, frozenset(body.holidays), frozenset(body.workdays))
        data.validate()
        row = tx.session.get(m.CalendarYearRow, year)
        new = row is None
        if row is None:
            row = m.CalendarYearRow(year=year)
        else:
            write.check_version(row)
        d = data.to_dict()
        row.holidays, row.workdays = list(d["holidays"]), list(d["workdays"])  # type: ignore[call-overload]
        tx.save(row, "calendar.import", new=new)
        refresh_deadlines(tx, year)
        return 200, to_wire(row)

    return write.run(body, work)
