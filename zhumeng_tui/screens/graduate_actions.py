"""What the graduates list and a graduate's detail both do: record
attendance at a session (picked from those held) and set the employment
status, for one graduate or a selection; and the message that brings the
choices of their forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from textual.message import Message

from zhumeng_tui.api_client.schemas import ServiceSession
from zhumeng_tui.domain.graduates import EmploymentStatus
from zhumeng_tui.domain.status import Role
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.screens.graduate_dialogs import SessionPickDialog
from zhumeng_tui.screens.graduate_forms import employment_form
from zhumeng_tui.services import GraduateOptions


class GraduateOptionsLoaded(Message):
    """The sessions, officers and departments the forms offer."""

    def __init__(self, options: GraduateOptions) -> None:
        super().__init__()
        self.options = options


def recordable(screen: ZScreen, options: GraduateOptions) -> list[ServiceSession]:
    """The sessions this account may record attendance at (a city account: its city's)."""
    me = screen.services.me
    return [s for s in options.sessions if screen.role != Role.CITY or s.city == me.city]


def record_attendance(screen: ZScreen, sessions: Sequence[ServiceSession], ids: list[int]) -> None:
    """Pick a session, then record that these graduates attended it."""

    def send(session_id: int | None) -> None:
        if session_id is not None:
            screen.send_change(partial(screen.services.record_attendance, session_id, ids))

    screen.app.push_screen(SessionPickDialog(sessions, len(ids)), send)


def set_employment(screen: ZScreen, ids: list[int], current: EmploymentStatus | None = None) -> None:
    """Ask for the employment status and its date, then record it for these graduates."""

    def send(value: tuple[EmploymentStatus, dt.date] | None) -> None:
        if value is not None:
            screen.send_change(partial(screen.services.set_employment, ids, *value))

    screen.app.push_screen(employment_form(len(ids), screen.services.today(), current), send)
