"""``/changes``: the change feed a client pulls its mirror from.

One page is the change-log rows after ``since`` that the caller may see, in
seq order, each row's stored wire JSON copied into the answer as it is (no
record is parsed or serialised again). The answer is compressed for clients
that ask (``zhumeng_server.encoding``): a first pull of a large university is
about a tenth of its JSON on the wire.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType
from sqlmodel import Session

from zhumeng_server import models as m
from zhumeng_server.auth import CITY_TYPES, Principal
from zhumeng_server.core import current_seq, tombstone_horizon
from zhumeng_server.routes.common import ERRORS, MAX_ID, State, User
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.status import Role

if TYPE_CHECKING:
    import psycopg

DEFAULT_LIMIT = 2000
MAX_LIMIT = 10000

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


TOTAL_HEADER, CURSOR_HEADER, HAS_MORE_HEADER, HORIZON_HEADER = (
    s.TOTAL_HEADER, s.CURSOR_HEADER, s.HAS_MORE_HEADER, s.HORIZON_HEADER)

DESCRIPTION = f"""The records (and tombstones) changed after `since` that the caller may see, in seq
order, at most `limit` of them. Pull with the answer's `cursor` until `has_more` is false. `reset: true`
(with no changes) means `since` is older than the tombstones kept, or ahead of this server: drop the
local copy and pull again from 0.

Every answer says the tombstone `horizon` (tombstones up to it were purged). Send the last one you got
back with the next pull (`horizon=`): a `since` below the horizon is then a reset only when tombstones
were purged after that answer (a long first pull is not reset by a purge that came before it).

With `total=true` the answer also carries `{TOTAL_HEADER}`: how many changes after `since` the caller may
see (ask it on the first page of a pull, for progress).

Every answer also carries its `cursor`, `has_more` and `horizon` as `{CURSOR_HEADER}`, `{HAS_MORE_HEADER}`
(`true` or `false`) and `{HORIZON_HEADER}`, so the next page can be asked for while this one is decoded.
The body is what counts: a client checks that the headers said the same.

A first pull is large (about 1 KB of JSON per record): send `Accept-Encoding: zstd` or `gzip` and the
page comes compressed (`Content-Encoding`), about a tenth of the bytes."""


@router.get(
    "/changes",
    response_model=s.ChangesResponse,
    summary="Records changed since a cursor",
    description=DESCRIPTION,
    responses={200: {"headers": {
        TOTAL_HEADER: {"description": "With `total=true`: the changes after `since` in the caller's scope",
                       "schema": {"type": "integer"}},
        "Content-Encoding": {"description": "`zstd` or `gzip` when the request's `Accept-Encoding` allows it",
                             "schema": {"type": "string"}},
        CURSOR_HEADER: {"description": "The answer's `cursor`", "schema": {"type": "integer"}},
        HAS_MORE_HEADER: {"description": "The answer's `has_more`", "schema": {"type": "string", "enum": ["true", "false"]}},
        HORIZON_HEADER: {"description": "The answer's `horizon`", "schema": {"type": "integer"}},
    }}},
)
def changes(
    user: User,
    st: State,
    since: Annotated[int, Query(ge=0, le=MAX_ID, description="The cursor of the last pull (0: all)")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    total: Annotated[bool, Query(description=f"Also count the changes in scope after `since` ({TOTAL_HEADER})")]
    = False,
    horizon: Annotated[int | None, Query(ge=0, le=MAX_ID, description="The `horizon` of the last answer")] = None,
) -> Response:
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    with Session(st.engine) as session:
        top = current_seq(session)
        purged = tombstone_horizon(session)
        # Tombstones after ``since`` purged since the client's last answer, or
        # a cursor ahead of this server (a database that was reset or
        # regenerated): the client must pull its scope again.
        if (0 < since < purged and (horizon is None or horizon < purged)) or since > top:
            return Response(f'{{"changes":[],"cursor":0,"has_more":false,"reset":true,"horizon":{purged}}}',
                            media_type="application/json", headers=page_headers(0, False, purged))
        window = [cl.seq > since, cl.seq <= top, *in_scope(user)]
        q = select(CHANGE_JSON, cl.seq).where(*window).order_by(cl.seq).limit(limit + 1)
        rows = _page_rows(session, q)
        count = session.execute(select(func.count()).where(*window)).scalar_one() if total else None
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][1] if has_more else max(top, since)
    body = b"".join((
        b'{"changes":[', b",".join([r[0] for r in rows]),
        f'],"cursor":{cursor},"has_more":{"true" if has_more else "false"},"reset":false,"horizon":{purged}}}'.encode(),
    ))
    headers = page_headers(cursor, has_more, purged)
    if count is not None:
        headers[TOTAL_HEADER] = str(count)
    return Response(body, media_type="application/json", headers=headers)


def page_headers(cursor: int, has_more: bool, horizon: int) -> dict[str, str]:
    """The headers that repeat what the body of a page says about the next one."""
    return {CURSOR_HEADER: str(cursor), HAS_MORE_HEADER: "true" if has_more else "false", HORIZON_HEADER: str(horizon)}


def _page_rows(session: Session, q: Select[Any]) -> Sequence[Any]:
    """The rows of a page, read with the driver's own cursor: SQLAlchemy's
    rows cost about as much again as the read (a first pull of 191,000
    changes from SQLite: 0.9 s through them, 0.5-0.7 s without). PostgreSQL
    sends them in binary form: a bytea in text form is hex, twice the bytes
    to send and a decode to make (a page of 10,000 applications, 19 MB:
    100-150 ms in text form, 45 ms binary)."""
    conn = session.connection()
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if conn.dialect.name == "postgresql":
        pg: psycopg.Connection[Any] = conn.connection.dbapi_connection  # type: ignore[assignment]  # postgresql+psycopg
        with pg.cursor(binary=True) as cur:
            cur.execute(str(compiled), compiled.params)
            return cur.fetchall()
    lite = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        lite.execute(str(compiled), [compiled.params[name] for name in compiled.positiontup or ()])
        return lite.fetchall()
    finally:
        lite.close()


class utf8(FunctionElement[Any]):
    """A text expression as its UTF-8 bytes (the answer is made of them
    without decoding and encoding every record again; the driver's bytes
    are taken as they come)."""

    type = NullType()
    inherit_cache = True


@compiles(utf8)
def _utf8_sqlite(element: utf8, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


@compiles(utf8, "postgresql")
def _utf8_postgresql(element: utf8, compiler: SQLCompiler, **kw: Any) -> str:
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"


def _change_json() -> ColumnElement[Any]:
    """One change as the database writes it: the envelope around the row's
    stored wire JSON, ``{"type":..,"id":..,"seq":..,"version":..,"deleted":..,"data":..}``."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]

    def text(col: Any) -> ColumnElement[str]:
        return cast(col, String)

    return utf8(
        literal('{"type":"') + cl.type + '","id":' + text(cl.record_id) + ',"seq":' + text(cl.seq)
        + ',"version":' + text(cl.version) + ',"deleted":' + case((cl.deleted, "true"), else_="false")
        + ',"data":' + func.coalesce(cl.data_json, "null") + "}"
    )


CHANGE_JSON = _change_json()


def _university() -> ColumnElement[int]:
    """``coalesce(university_id, 0)``: 0 for the records every account sees,
    written as the PostgreSQL indexes ``ix_change_log_university`` and
    ``ix_change_log_department`` are (a literal 0: with a bound parameter the
    planner would match neither the index nor its statistics)."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    return func.coalesce(cl.university_id, literal_column("0"))


def _department() -> ColumnElement[int]:
    """``coalesce(department_id, 0)``: 0 for the records of a whole university."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    return func.coalesce(cl.department_id, literal_column("0"))


def in_scope(user: Principal) -> list[ColumnElement[bool]]:
    """The change-log rows ``user`` may see, as conditions (none: everything).

    A page is one range scan of the ``seq`` index that stops at ``limit``,
    with the scope as a filter, unless the scope is a small part of the log:
    SQLite keeps to the ``seq`` index (its scope expressions have no index);
    PostgreSQL plans from the statistics of the scope expressions that its
    indexes on them carry (without them it estimated a university's share of
    the log at 0.5% and read the whole log for page one), and reads a small
    university's range from those indexes."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    role = user.scope_role
    if role in (Role.PROVINCE, Role.SYSTEM):
        return []
    univ = _university()
    if role == Role.DEPARTMENT:
        return [or_(univ == 0, and_(univ == user.university_id, _department().in_([0, user.department_id])))]
    if role == Role.CITY:
        # the city's universities, the graduate-services records and the students who are graduates
        g = m.Graduate.__table__.c  # type: ignore[attr-defined]
        is_graduate = exists().where(g.student_id == cl.record_id)
        return [univ.in_([0, *sorted(user.city_universities)]), cl.type.in_(sorted(CITY_TYPES)),
                or_(cl.type != "student", is_graduate)]
    return [univ.in_([0, user.university_id])]
