"""Passwords (salted scrypt), bearer tokens (only a peppered hash is stored)
and the signed-in principal."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_tui.domain.status import Role

TOKEN_LIFETIME = dt.timedelta(days=30)
#: What a city account (市州人社/教育) sees of the universities in its city: the
#: organisation, the graduate services and the students who are graduates (the
#: shared records, positions and the calendar, too), job posts and pushes; no
#: internship records.
CITY_TYPES: frozenset[str] = frozenset({
    "university", "department", "staff", "student", "employer", "position", "calendar_year",
    "graduate", "service_session", "attendance", "hardship_case", "job_post", "post_push",
})
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


@lru_cache(maxsize=4)
def demo_password_hash(password: str) -> str:
    """One salted hash reused for every demo account (demo generation speed)."""
    return hash_password(password)


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt_hex, digest_hex = stored.split("$")
        if algo != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def token_hash(token: str, secret: str) -> str:
    """sha256 of the token with the server secret as pepper."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def issue_token(session: Session, staff: m.StaffAccount, secret: str, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    assert staff.id is not None
    session.add(
        m.AuthToken(
            token_hash=token_hash(token, secret), staff_id=staff.id, created_at=now, expires_at=now + TOKEN_LIFETIME
        )
    )
    return token


@dataclass(frozen=True)
class Principal:
    staff_id: int
    username: str
    display_name: str
    role: Role
    university_id: int | None
    department_id: int | None
    bound_role: Role | None = None
    #: A city account: its city and the universities there.
    city: str | None = None
    city_universities: frozenset[int] = frozenset()

    @property
    def scope_role(self) -> Role:
        """The role whose scope this account sees (a viewer: its bound role)."""
        if self.role == Role.VIEWER:
            return self.bound_role or Role.UNIVERSITY
        return self.role

    @property
    def read_only(self) -> bool:
        return self.role == Role.VIEWER

    def sees(self, university_id: int | None, department_id: int | None) -> bool:
        """May this account see a record with this scope (None = everyone)?"""
        role = self.scope_role
        if role in (Role.PROVINCE, Role.SYSTEM) or university_id is None:
            return True
        if role == Role.CITY:
            return university_id in self.city_universities
        if university_id != self.university_id:
            return False
        if role == Role.DEPARTMENT:
            return department_id is None or department_id == self.department_id
        return True

    def sees_type(self, rtype: str) -> bool:
        """May this account see records of this type at all (a city account: ``CITY_TYPES``)?"""
        return self.scope_role != Role.CITY or rtype in CITY_TYPES

    @classmethod
    def of(cls, staff: m.StaffAccount, session: Session | None = None) -> Principal:
        """The principal of ``staff``; a city account's universities are read with ``session``."""
        assert staff.id is not None
        universities: frozenset[int] = frozenset()
        if staff.city and session is not None:
            universities = frozenset(
                int(u or 0) for u in session.scalars(
                    select(col(m.University.id)).where(m.University.city == staff.city)  # type: ignore[arg-type]
                )
            )
        return cls(
            staff.id,
            staff.username,
            staff.display_name,
            Role(staff.role),
            staff.university_id,
            staff.department_id,
            Role(staff.bound_role) if staff.bound_role else None,
            staff.city,
            universities,
        )
