"""Signing in (throttled per account and per client address) and out, and
who is signed in."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from zhumeng_server import auth
from zhumeng_server import models as m
from zhumeng_server.core import lock_for_write
from zhumeng_server.errors import ApiError
from zhumeng_server.routes.common import ERROR, ERRORS, Credentials, State, User, current_user, json_response
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.status import Role

router = APIRouter(prefix=s.API_PREFIX)
log = logging.getLogger("zhumeng_server.auth")

_THROTTLED = {
    "model": s.ErrorResponse,
    "description": "Too many failed sign-ins for this account or from this address",
    "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}


def too_many_attempts(wait: int) -> ApiError:
    minutes = max(1, (wait + 59) // 60)
    return ApiError(
        429, "too_many_attempts",
        f"登录失败次数过多，请 {minutes} 分钟后再试（忘记密码请联系管理员重置）",
        f"Too many failed sign-ins; try again in {minutes} min (forgotten password: ask an administrator to reset it)",
        headers={"Retry-After": str(wait)},
    )


@router.post(
    "/auth/token", response_model=s.TokenResponse,
    responses={400: ERROR, 401: ERROR, 413: ERROR, 422: ERROR, 429: _THROTTLED}, summary="Sign in",
)
def auth_token(body: s.TokenRequest, request: Request, st: State) -> Response:
    address = request.client.host if request.client else "-"
    account, client = keys = auth.throttle_keys(body.username, address)
    with st.write_lock, Session(st.engine) as session:
        lock_for_write(session)
        wait = auth.throttle_wait(session, keys, st.now())
        if not wait:
            # counted as failed before the password is checked, so guesses sent
            # at once get no more tries than guesses sent one after another;
            # a right password clears the account's count below
            auth.record_failure(session, [account], st.now(), st.settings)
        session.commit()
    if wait:
        log.warning("sign-in refused (throttled, %d s left): user %r from %s", wait, body.username, address)
        raise too_many_attempts(wait)
    with Session(st.engine) as session:
        staff = auth.authenticate(session, body.username, body.password, demo=st.demo)
    upgraded = auth.hash_password(body.password) if staff and auth.needs_rehash(staff.password_hash) else None
    with st.write_lock, Session(st.engine) as session:
        lock_for_write(session)
        if staff is None:
            auth.record_failure(session, [client], st.now(), st.settings)
            session.commit()
            log.warning("sign-in failed: user %r from %s", body.username, address)
            raise ApiError(401, "invalid_credentials", "用户名或密码错误", "Wrong username or password")
        auth.clear_failures(session, *account)
        staff = session.get(m.StaffAccount, staff.id)
        assert staff is not None
        if upgraded is not None:
            staff.password_hash = upgraded
            session.add(staff)
        token = auth.issue_token(session, staff, st.secret, st.now(), st.settings)
        session.commit()
        return json_response(s.TokenResponse(access_token=token, role=Role(staff.role)))


@router.delete("/auth/token", status_code=204, response_class=Response, responses=ERRORS,
               summary="Sign out (revoke this token)")
def auth_logout(st: State, cred: Credentials) -> Response:
    current_user(st, cred)
    assert cred is not None
    with st.write_lock, Session(st.engine) as session:
        tok = session.get(m.AuthToken, auth.token_hash(cred.credentials, st.secret))
        if tok is not None:
            session.delete(tok)
            session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=s.Me, responses=ERRORS, summary="Who is signed in")
def me(user: User, st: State) -> s.Me:
    with Session(st.engine) as session:
        univ = session.get(m.University, user.university_id) if user.university_id else None
        dept = session.get(m.Department, user.department_id) if user.department_id else None
        return s.Me(
            username=user.username, display_name=user.display_name, role=user.role,
            university_id=user.university_id, university_name=univ.name if univ else None,
            department_id=user.department_id, department_name=dept.name if dept else None,
            bound_role=user.bound_role, city=user.city, today=st.today(),
        )
