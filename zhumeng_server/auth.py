"""Accounts and sessions: password hashes (Argon2id), the sign-in check,
its throttle, bearer tokens (only a peppered hash is stored) and the
signed-in principal.

Signing in costs the same whoever asks: an unknown, disabled or (on a server
not started with ``--demo``) demo account is checked against a dummy hash.
Hashes made with other parameters (or scrypt, which older databases hold)
are replaced at the account's next successful sign-in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, select, update
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server.settings import Settings
from zhumeng_server.wire import aware
from zhumeng_tui.domain.status import Role

#: OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
#: A token's last use is written at most this often (a read is not a write each time).
TOUCH_EVERY = dt.timedelta(minutes=1)
MIN_PASSWORD = 8
#: What a city account (市州人社/教育) sees of the universities in its city: the
#: organisation, the graduate services and the students who are graduates (the
#: shared records, positions and the calendar, too), job posts and pushes; no
#: internship records.
CITY_TYPES: frozenset[str] = frozenset({
    "university", "department", "staff", "student", "employer", "position", "calendar_year",
    "graduate", "service_session", "attendance", "hardship_case", "job_post", "post_push",
})


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` with a salt of its own."""
    return HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Does ``password`` match the ``stored`` hash (Argon2id, or scrypt from older databases)?"""
    if stored.startswith("$argon2"):
        try:
            return HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored.startswith("scrypt$"):
        try:
            _, n, r, p, salt_hex, digest_hex = stored.split("$")
            digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p),
                                    dklen=len(digest_hex) // 2)
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(digest.hex(), digest_hex)
    return False


def needs_rehash(stored: str) -> bool:
    return not stored.startswith("$argon2id$") or HASHER.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """What the password of an account that cannot sign in is checked against."""
    return hash_password(secrets.token_urlsafe(24))


def authenticate(session: Session, username: str, password: str, *, demo: bool) -> m.StaffAccount | None:
    """The account ``username``/``password`` signs in as, or None. Exactly one
    password verification whatever the outcome."""
    staff = session.scalars(select(m.StaffAccount).where(col(m.StaffAccount.username) == username)).first()
    usable = staff is not None and staff.active and (demo or not staff.demo)
    stored = staff.password_hash if usable and staff is not None else dummy_hash()
    matches = verify_password(password, stored)
    return staff if usable and matches else None


# ------------------------------------------------------------ throttle ----

ACCOUNT, ADDRESS = "account", "address"


def throttle_keys(username: str, address: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, username.casefold()[:100]), (ADDRESS, address[:100])]


def throttle_wait(session: Session, keys: list[tuple[str, str]], now: dt.datetime) -> int:
    """Seconds until a sign-in with these keys may be tried again (0: now)."""
    wait = 0.0
    for scope, key in keys:
        row = session.get(m.SigninThrottle, (scope, key))
        if row is not None and row.blocked_until is not None:
            wait = max(wait, (aware(row.blocked_until) - now).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def record_failure(session: Session, keys: list[tuple[str, str]], now: dt.datetime, settings: Settings) -> None:
    """Count a failed sign-in against each key; a key at its limit is locked
    for ``settings.signin_lockout``. The caller holds the write lock."""
    limits = {ACCOUNT: settings.signin_account_failures, ADDRESS: settings.signin_address_failures}
    for scope, key in keys:
        row = session.get(m.SigninThrottle, (scope, key))
        if row is None or now - aware(row.window_start) > settings.signin_window:
            row = row or m.SigninThrottle(scope=scope, key=key, window_start=now)
            row.failures, row.window_start, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= limits[scope]:
            row.blocked_until = now + settings.signin_lockout
            row.failures, row.window_start = 0, now
        session.add(row)


def clear_failures(session: Session, scope: str, key: str) -> None:
    session.execute(delete(m.SigninThrottle).where(
        col(m.SigninThrottle.scope) == scope, col(m.SigninThrottle.key) == key))


# -------------------------------------------------------------- tokens ----


def token_hash(token: str, secret: str) -> str:
    """sha256 of the token with the server secret as pepper."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def issue_token(session: Session, staff: m.StaffAccount, secret: str, now: dt.datetime, settings: Settings) -> str:
    token = secrets.token_urlsafe(32)
    assert staff.id is not None
    session.add(m.AuthToken(token_hash=token_hash(token, secret), staff_id=staff.id, created_at=now,
                            expires_at=now + settings.token_lifetime, last_used_at=now))
    return token


def token_account(
    session: Session, token: str, secret: str, now: dt.datetime, settings: Settings, *, demo: bool
) -> m.StaffAccount | None:
    """The account a bearer token signs in, or None when the token is unknown,
    past its lifetime, idle for too long, or its account may not sign in.
    Records the use (at most once per :data:`TOUCH_EVERY`); commits that."""
    tok = session.get(m.AuthToken, token_hash(token, secret))
    if tok is None or aware(tok.expires_at) <= now:
        return None
    last = aware(tok.last_used_at)
    if last + settings.token_idle <= now:
        return None
    staff = session.get(m.StaffAccount, tok.staff_id)
    if staff is None or not staff.active or (staff.demo and not demo):
        return None
    if now - last >= TOUCH_EVERY:
        session.execute(update(m.AuthToken).where(col(m.AuthToken.token_hash) == tok.token_hash)
                        .values(last_used_at=now))
        session.commit()
    return staff


def revoke_tokens(session: Session, staff_id: int) -> int:
    """Delete every token of an account; how many there were."""
    result = session.execute(delete(m.AuthToken).where(col(m.AuthToken.staff_id) == staff_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expired_tokens(now: dt.datetime, settings: Settings) -> ColumnElement[bool]:
    """The condition of tokens that no longer sign anyone in."""
    return (col(m.AuthToken.expires_at) <= now) | (col(m.AuthToken.last_used_at) <= now - settings.token_idle)


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
