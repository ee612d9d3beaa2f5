"""Signing in and out, and who is signed in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import Session

from zhumeng_server import models as m
from zhumeng_server.auth import issue_token, token_hash, verify_password
from zhumeng_server.errors import ApiError
from zhumeng_server.routes.common import ERROR, ERRORS, Credentials, State, User, current_user, json_response
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.status import Role

router = APIRouter(prefix=s.API_PREFIX)


@router.post(
    "/auth/token", response_model=s.TokenResponse, responses={401: ERROR, 422: ERROR}, summary="Sign in"
)
def auth_token(body: s.TokenRequest, st: State) -> Response:
    with Session(st.engine) as session:
        staff = session.scalars(
            select(m.StaffAccount).where(m.StaffAccount.username == body.username)  # type: ignore[arg-type]
        ).first()
        if staff is None or not staff.active or not verify_password(body.password, staff.password_hash):
            raise ApiError(401, "invalid_credentials", "用户名或密码错误", "Wrong username or password")
        with st.write_lock:
            token = issue_token(session, staff, st.secret, st.now())
            session.commit()
        return json_response(s.TokenResponse(access_token=token, role=Role(staff.role)))


@router.delete("/auth/token", status_code=204, response_class=Response, responses=ERRORS,
               summary="Sign out (revoke this token)")
def auth_logout(st: State, cred: Credentials) -> Response:
    current_user(st, cred)
    assert cred is not None
    with st.write_lock, Session(st.engine) as session:
        tok = session.get(m.AuthToken, token_hash(cred.credentials, st.secret))
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
