"""Students: read one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from zhumeng_server import models as m
from zhumeng_server.routes.common import ERRORS, Id, State, User, read_scoped
from zhumeng_tui.api_client import schemas as s

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.get("/students/{id:int}", response_model=s.Student, summary="One student")
def get_student(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.Student, id)
