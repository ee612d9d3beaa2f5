"""``/changes``: the change feed a client pulls its mirror from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session

from zhumeng_server import models as m
from zhumeng_server.auth import CITY_TYPES
from zhumeng_server.core import current_seq, tombstone_horizon
from zhumeng_server.routes.common import ERRORS, MAX_ID, State, User
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.status import Role

DEFAULT_LIMIT = 2000
MAX_LIMIT = 10000

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


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
            elif role == Role.CITY:
                g = m.Graduate.__table__.c  # type: ignore[attr-defined]
                is_graduate = exists().where(g.student_id == cl.record_id)
                q = q.where(univ.in_([0, *sorted(user.city_universities)]), cl.type.in_(sorted(CITY_TYPES)),
                            or_(cl.type != "student", is_graduate))
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
