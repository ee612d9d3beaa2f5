"""What an administrator may tune: token lifetimes, the sign-in throttle and
how long the purge job keeps things.

Every worker process reads the same values from the environment
(``ZHUMENG_*``, see :data:`ENV`); ``zhumeng-server`` sets them from its
options before it starts the workers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    #: A token stops working this long after sign-in, however much it is used.
    token_lifetime: dt.timedelta = dt.timedelta(days=30)
    #: ... and this long after its last use.
    token_idle: dt.timedelta = dt.timedelta(hours=72)
    #: Wrong passwords for one account within ``signin_window`` before it is locked.
    signin_account_failures: int = 5
    #: Failed sign-ins from one client address within ``signin_window`` before it is locked.
    signin_address_failures: int = 30
    signin_window: dt.timedelta = dt.timedelta(minutes=15)
    #: How long a locked account or address waits.
    signin_lockout: dt.timedelta = dt.timedelta(minutes=15)
    #: The purge job drops idempotency keys older than this (a client's
    #: retry of an older change is then applied as new: keep it longer than
    #: any client stays offline with changes queued).
    idempotency_days: int = 30
    #: The purge job drops tombstones older than this (a client whose cursor
    #: is older pulls its whole scope again).
    tombstone_days: int = 90


#: Settings field -> (environment variable, unit).
ENV: dict[str, tuple[str, str]] = {
    "token_lifetime": ("ZHUMENG_TOKEN_LIFETIME_HOURS", "hours"),
    "token_idle": ("ZHUMENG_TOKEN_IDLE_MINUTES", "minutes"),
    "signin_account_failures": ("ZHUMENG_SIGNIN_ACCOUNT_FAILURES", "count"),
    "signin_address_failures": ("ZHUMENG_SIGNIN_ADDRESS_FAILURES", "count"),
    "signin_window": ("ZHUMENG_SIGNIN_WINDOW_MINUTES", "minutes"),
    "signin_lockout": ("ZHUMENG_SIGNIN_LOCKOUT_MINUTES", "minutes"),
    "idempotency_days": ("ZHUMENG_IDEMPOTENCY_DAYS", "days"),
    "tombstone_days": ("ZHUMENG_TOMBSTONE_DAYS", "days"),
}


class SettingsError(ValueError):
    pass


def _parse(field: str, raw: str) -> Any:
    name, unit = ENV[field]
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of {unit}, not {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1 ({unit})")
    if unit == "hours":
        return dt.timedelta(hours=value)
    if unit == "minutes":
        return dt.timedelta(minutes=value)
    return value


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings, with each ``ZHUMENG_*`` variable that is set overriding its default."""
    environ = os.environ if environ is None else environ
    changes: dict[str, Any] = {field: _parse(field, environ[name]) for field, (name, _) in ENV.items() if environ.get(name)}
    return dataclasses.replace(Settings(), **changes)


def to_env(settings: Settings) -> dict[str, str]:
    """The environment variables that carry ``settings`` to worker processes."""
    out = {}
    for field, (name, unit) in ENV.items():
        value = getattr(settings, field)
        if isinstance(value, dt.timedelta):
            value = int(value.total_seconds() // (3600 if unit == "hours" else 60))
        out[name] = str(value)
    return out
