"""The ``/api/v1`` routes, one router per subject.

To add a subject: a module here with ``router = APIRouter(prefix=API_PREFIX,
responses=ERRORS)`` (its routes take what they need from
:mod:`zhumeng_server.routes.common`), and its router in ``ROUTERS``.
"""

from __future__ import annotations

from fastapi import APIRouter

from zhumeng_server.routes import (
    admin,
    applications,
    auth,
    calendar,
    changes,
    graduates,
    hardship,
    health,
    positions,
    posts,
    roster,
    sessions,
    students,
    tracking,
    withdrawals,
)

#: Every router the app serves.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    changes.router,
    applications.router,
    tracking.router,
    withdrawals.router,
    students.router,
    roster.router,
    positions.router,
    calendar.router,
    graduates.router,
    sessions.router,
    hardship.router,
    posts.router,
    admin.router,
)
