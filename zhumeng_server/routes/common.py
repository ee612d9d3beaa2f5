"""What every router shares: the server state, the signed-in account, scoped
reads, JSON answers and the idempotent write.

A route that changes something takes ``write: Write`` (it brings the
``Idempotency-Key`` header), or ``write: WriteRecord`` when it changes an
existing record (also ``If-Match``: ``write.check_version(row)``); it puts its
work in a function of the transaction and returns ``write.run(body, work)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server.auth import Principal, token_account
from zhumeng_server.core import ServerState, Tx, check_if_match, request_hash, run_write
from zhumeng_server.errors import ApiError, not_found
from zhumeng_server.wire import TYPE_OF, scope_of, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.status import Role

# every wire model built now, before a route declares a body with one
# (``schemas.build_models``): the routes import this module first
s.build_models()

T = TypeVar("T")

#: The largest id (a signed 64-bit integer): larger ones are not found.
MAX_ID = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdemKey = Annotated[str | None, Header(
    alias="Idempotency-Key", pattern=r"^[\x21-\x7e]{1,200}$",
    description="Required on every write (428 without it): 1-200 visible ASCII characters; a repeat "
                "gets the first answer",
)]
IfMatch = Annotated[str | None, Header(
    alias="If-Match", pattern=r'^(W/)?"?[0-9]{1,18}"?$',
    description="Required (428 without it): the version of the record the change is based on, e.g. 3",
)]
IfMatchIfExists = Annotated[str | None, Header(
    alias="If-Match", pattern=r'^(W/)?"?[0-9]{1,18}"?$',
    description="Required (428 without it) when the record exists: the version the change is based on, e.g. 3",
)]

ERROR = {"model": s.ErrorResponse}
#: The error answers of a route that needs a signed-in account (400: a body
#: that cannot be read; 413: a body over the size limit).
ERRORS: dict[int | str, dict[str, Any]] = {code: ERROR for code in (400, 401, 403, 404, 409, 413, 422, 428)}

bearer = HTTPBearer(auto_error=False, description="The access token from POST /api/v1/auth/token")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def state_of(request: Request) -> ServerState:
    st = request.app.state.server
    assert isinstance(st, ServerState)
    return st


State = Annotated[ServerState, Depends(state_of)]


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "未登录或登录已失效，请重新登录",
                    "Not signed in or the token is invalid; sign in again")


def current_user(st: State, cred: Credentials) -> Principal:
    """The account of the bearer token, or 401 (unknown, revoked, expired or
    idle too long)."""
    if cred is None or not cred.credentials or len(cred.credentials) > 200:
        raise _unauthorized()
    with Session(st.engine) as session:
        staff = token_account(session, cred.credentials, st.secret, st.now(), st.settings, demo=st.demo)
        if staff is None:
            raise _unauthorized()
        return Principal.of(staff, session)


User = Annotated[Principal, Depends(current_user)]


def json_response(model: BaseModel, status: int = 200) -> Response:
    """``model`` as the JSON answer (serialised once, without re-validation)."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


# ----------------------------------------------------------- scoped reads ----

#: What a record is, for "not found" answers.
_WHAT: dict[type, tuple[str, str]] = {
    m.Application: ("申请", "application"),
    m.Withdrawal: ("放弃岗位申请", "withdrawal request"),
    m.Student: ("学生", "student"),
    m.Position: ("岗位", "position"),
    m.Employer: ("用人单位", "employer"),
    m.FollowUp: ("跟踪记录", "follow-up"),
    m.University: ("高校", "university"),
    m.Graduate: ("毕业生", "graduate"),
    m.ServiceSession: ("服务活动", "service session"),
    m.Attendance: ("签到记录", "attendance record"),
    m.HardshipCase: ("困难帮扶档案", "hardship case"),
    m.JobPost: ("岗位信息", "job post"),
    m.PostPush: ("岗位推送", "pushed post"),
}


def record_not_found(model: type) -> ApiError:
    return not_found(*_WHAT[model])


def get_scoped(session: Session, user: Principal, model: type[T], rid: int) -> T:
    """The row, or 404 when it does not exist or the caller may not see it."""
    if not (0 < rid <= MAX_ID):
        raise record_not_found(model)
    row = session.get(model, rid)
    if row is None or not user.sees(*scope_of(row)) or not _city_sees(session, user, row):
        raise record_not_found(model)
    return row


def _city_sees(session: Session, user: Principal, row: Any) -> bool:
    """A city account sees only some types, and of the students those who are graduates."""
    if user.scope_role != Role.CITY:
        return True
    if not user.sees_type(TYPE_OF[type(row)]):
        return False
    if isinstance(row, m.Student):
        return session.scalars(select(col(m.Graduate.id)).where(m.Graduate.student_id == row.id)).first() is not None  # type: ignore[arg-type]
    return True


def read_scoped(st: ServerState, user: Principal, model: type, rid: int) -> Response:
    """``GET /<records>/{id}``: the record as its wire model."""
    with Session(st.engine) as session:
        return json_response(to_wire(get_scoped(session, user, model, rid)))


def check_staff_of_university(tx: Tx, username: str, university_id: int, field: str) -> None:
    """A staff member recorded on a record (``field``) belongs to the record's
    university: 422 ``unknown_staff`` otherwise (another university's account
    included)."""
    found = tx.session.scalars(select(col(m.StaffAccount.id)).where(
        m.StaffAccount.username == username,  # type: ignore[arg-type]
        m.StaffAccount.university_id == university_id,  # type: ignore[arg-type]
    )).first()
    if found is None:
        raise ApiError(422, "unknown_staff", f"本校没有用户名为 {username} 的工作人员",
                       f"No staff account named {username} at this university",
                       fields=[s.FieldError(field=field, message_zh="工作人员不存在或不属于本校",
                                            message_en="No such staff account at this university")])


# ------------------------------------------------------------------ writes ----


def batch_answer(results: list[tuple[int, str | s.ErrorBody]]) -> str:
    """A batch's answer (``s.BatchResponse``) as JSON: each item's id and
    either the saved record's JSON as the transaction wrote it (``Tx.saved``)
    or why it was refused."""
    parts = [
        f'{{"id":{rid},"ok":true,"record":{out},"error":null}}' if isinstance(out, str)
        else s.BatchResult(id=rid, ok=False, error=out).model_dump_json()
        for rid, out in results
    ]
    return '{"results":[' + ",".join(parts) + "]}"

Work = Callable[[Tx], tuple[int, BaseModel | str | None]]


@dataclass(frozen=True)
class Writer:
    """A write request: who asks, its ``Idempotency-Key`` and, for a change to
    an existing record, its ``If-Match`` (the version the change is based on)."""

    state: ServerState
    user: Principal
    request: Request
    key: str | None
    if_match: str | None = None
    #: The change is refused with 428 without If-Match, before anything else is looked at.
    needs_if_match: bool = False

    def run(self, body: Any, work: Work) -> Response:
        """Run ``work`` in one transaction, at most once per key (a repeat gets
        the first answer; the key with another body is refused)."""
        if self.needs_if_match and not (self.if_match or "").strip():
            check_if_match(None, None)
        fingerprint = request_hash(self.request.method, self.request.url.path, body)
        return run_write(self.state, self.user, self.key, fingerprint, work)

    def check_version(self, row: Any) -> None:
        """428 without If-Match, 409 (with the current record) when ``row`` has
        another version."""
        check_if_match(self.if_match, row)


def writer(request: Request, user: User, st: State, idempotency_key: IdemKey = None) -> Writer:
    return Writer(st, user, request, idempotency_key)


def record_writer(
    request: Request, user: User, st: State, idempotency_key: IdemKey = None, if_match: IfMatch = None
) -> Writer:
    return Writer(st, user, request, idempotency_key, if_match, needs_if_match=True)


def upsert_writer(
    request: Request, user: User, st: State, idempotency_key: IdemKey = None, if_match: IfMatchIfExists = None
) -> Writer:
    return Writer(st, user, request, idempotency_key, if_match)


#: A write that creates records.
Write = Annotated[Writer, Depends(writer)]
#: A write that changes an existing record (If-Match).
WriteRecord = Annotated[Writer, Depends(record_writer)]
#: A write that creates a record or changes it (If-Match when it exists).
WriteOrCreate = Annotated[Writer, Depends(upsert_writer)]

#: The headers each kind of write needs (the OpenAPI document marks them required).
REQUIRED_HEADERS: dict[Callable[..., Writer], tuple[str, ...]] = {
    writer: ("Idempotency-Key",),
    record_writer: ("Idempotency-Key", "If-Match"),
    upsert_writer: ("Idempotency-Key",),
}


def delete_record(write: Writer, model: type[T], rid: int, action: str, check: Callable[[Tx, T], None]) -> Response:
    """``DELETE /<records>/{id}`` (If-Match): once ``check`` lets it go, the
    record is deleted and its change-feed entry becomes a tombstone."""

    def work(tx: Tx) -> tuple[int, None]:
        row = get_scoped(tx.session, tx.user, model, rid)
        check(tx, row)
        write.check_version(row)
        tx.tombstone(row, action)
        return 204, None

    return write.run(None, work)
