"""Staff accounts as an administrator manages them from the server's command
line: create, list, disable and enable, reset a password, revoke sessions.
Each change is a write transaction (:class:`~zhumeng_server.core.Tx`): the
account's new version goes to the change feed and an audit event records
who (the operating-system user at the command line), what and when.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from zhumeng_server import auth
from zhumeng_server import models as m
from zhumeng_server.core import ServerState, Tx, lock_for_write
from zhumeng_tui.domain.inputs import check_plain_text
from zhumeng_tui.domain.status import Role

ROLES = ("university", "department", "viewer", "province", "city")


class AccountError(Exception):
    """The change cannot be made; the message says why and what to do."""


def administrator() -> auth.Principal:
    """Who makes command-line changes, as the audit log names them."""
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return auth.Principal(0, f"cli:{who}"[:64], "administrator", Role.PROVINCE, None, None)


def check_password(password: str) -> None:
    if len(password) < auth.MIN_PASSWORD:
        raise AccountError(f"the password must have at least {auth.MIN_PASSWORD} characters")
    if len(password) > 256:
        raise AccountError("the password must have at most 256 characters")


def _write(engine: Engine) -> tuple[Session, Tx]:
    session = Session(engine)
    lock_for_write(session)
    return session, Tx(ServerState(engine=engine, secret="-"), session, administrator())


def _staff(session: Session, username: str) -> m.StaffAccount:
    staff = session.scalars(select(m.StaffAccount).where(col(m.StaffAccount.username) == username)).first()
    if staff is None:
        raise AccountError(f"no account named {username!r} (see: zhumeng-server list-users)")
    return staff


def create(
    engine: Engine, *, username: str, role: str, password: str, display_name: str | None = None,
    university: str | None = None, university_code: str | None = None, department: str | None = None,
    bound_role: str | None = None, city: str | None = None,
) -> None:
    """A new account (its university and department are created when missing,
    a new university in ``city`` when given). A city account needs ``city``."""
    for value, what in ((username, "user name"), (display_name or "", "display name"), (university or "", "university"),
                        (department or "", "department"), (city or "", "city")):
        try:
            check_plain_text(value, (what, what))
        except Exception as e:
            raise AccountError(f"the {what} holds a control character") from e
    if not username.strip() or len(username) > 64:
        raise AccountError("the user name must have 1-64 characters")
    if role not in ROLES:
        raise AccountError(f"--role must be one of {', '.join(ROLES)}")
    if role in ("university", "department", "viewer") and not university:
        raise AccountError(f"--university is required for role {role}")
    if role == "department" and not department:
        raise AccountError("--department is required for role department")
    if role == "city" and not (city or "").strip():
        raise AccountError("--city is required for role city (the 市州 whose universities it sees)")
    check_password(password)
    password_hash = auth.hash_password(password)
    session, tx = _write(engine)
    with session:
        if session.scalars(select(m.StaffAccount).where(col(m.StaffAccount.username) == username)).first():
            raise AccountError(f"user {username} exists already")
        univ = dept = None
        if university:
            univ = session.scalars(select(m.University).where(col(m.University.name) == university)).first()
            if univ is None:
                univ = m.University(name=university, code=university_code or "", in_province=True, city=city)
                tx.save(univ, "university.create", new=True)
        if department and univ is not None:
            dept = session.scalars(select(m.Department).where(
                col(m.Department.name) == department, col(m.Department.university_id) == univ.id)).first()
            if dept is None:
                dept = m.Department(university_id=int(univ.id or 0), name=department)
                tx.save(dept, "department.create", new=True)
        staff = m.StaffAccount(
            username=username, display_name=display_name or username, role=role,
            university_id=univ.id if univ else None, department_id=dept.id if dept else None,
            bound_role=(bound_role or "university") if role == "viewer" else None, password_hash=password_hash,
            city=city if role == "city" else None,
        )
        tx.save(staff, "staff.create", new=True)
        tx.finish()
        session.commit()


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    role: str
    university: str
    department: str
    active: bool
    demo: bool
    sessions: int


def list_accounts(engine: Engine) -> list[AccountRow]:
    with Session(engine) as session:
        univs = {u.id: u.name for u in session.scalars(select(m.University))}
        depts = {d.id: d.name for d in session.scalars(select(m.Department))}
        sessions: dict[int, int] = {
            int(sid): int(n) for sid, n in session.execute(
                select(col(m.AuthToken.staff_id), func.count()).group_by(col(m.AuthToken.staff_id)))}
        return [
            AccountRow(s.username, s.display_name, s.role, univs.get(s.university_id, ""),
                       depts.get(s.department_id, ""), s.active, s.demo, sessions.get(int(s.id or 0), 0))
            for s in session.scalars(select(m.StaffAccount).order_by(col(m.StaffAccount.username)))
        ]


def set_active(engine: Engine, username: str, active: bool) -> None:
    """Enable or disable an account; disabling also ends its sessions."""
    session, tx = _write(engine)
    with session:
        staff = _staff(session, username)
        if staff.active == active:
            raise AccountError(f"{username} is {'enabled' if active else 'disabled'} already")
        staff.active = active
        tx.save(staff, "staff.enable" if active else "staff.disable")
        if not active:
            auth.revoke_tokens(session, int(staff.id or 0))
        tx.finish()
        session.commit()


def reset_password(engine: Engine, username: str, password: str) -> int:
    """A new password; every session of the account ends. How many ended."""
    check_password(password)
    password_hash = auth.hash_password(password)
    session, tx = _write(engine)
    with session:
        staff = _staff(session, username)
        staff.password_hash = password_hash
        tx.save(staff, "staff.reset_password")
        ended = auth.revoke_tokens(session, int(staff.id or 0))
        auth.clear_failures(session, auth.ACCOUNT, username.casefold())
        tx.finish()
        session.commit()
        return ended


def revoke_sessions(engine: Engine, username: str) -> int:
    """End every session of the account (each client asks for the password again)."""
    session, tx = _write(engine)
    with session:
        staff = _staff(session, username)
        ended = auth.revoke_tokens(session, int(staff.id or 0))
        tx.audit("staff.revoke_sessions", "staff", int(staff.id or 0), None, None)
        tx.finish()
        session.commit()
        return ended
