"""The tracking actions on interns, shared by the interns list and an intern's detail.

``TrackingActions`` adds the actions behind the keys (the screens declare the
bindings): responsible staff and insurance (on every target), a follow-up, a
withdrawal request and an excellent-intern nomination (on one intern). Each
opens its form (:mod:`zhumeng_tui.screens.intern_forms`) and sends the typed
result with :meth:`ZScreen.send_change`. Filing a withdrawal opens the new
request (:class:`FilesWithdrawals`).

A screen says which interns the actions apply to (``tracking_targets``) and,
when it knows it, the status of the one it shows (``intern_status``), so the
forms refuse what that status does not allow before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.message import Message

from zhumeng_tui.api_client.schemas import TrackingUpdate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import check_nomination
from zhumeng_tui.domain.permissions import PROVINCIAL_ONLY, Change
from zhumeng_tui.domain.status import Status
from zhumeng_tui.domain.withdrawal import check_filing
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import error_text
from zhumeng_tui.screens.intern_forms import (
    FollowUpInput,
    followup_form,
    insurance_form,
    nomination_form,
    staff_form,
)
from zhumeng_tui.screens.withdrawal_detail import FilesWithdrawals
from zhumeng_tui.services import InternFilterOptions


class StaffLoaded(Message):
    """The staff to choose from, for the responsible-staff form of ``ids``."""

    def __init__(self, ids: list[int], options: InternFilterOptions) -> None:
        super().__init__()
        self.ids = ids
        self.options = options


class TrackingActions(FilesWithdrawals):
    """Tracking actions on ``tracking_targets()``; see the module docstring."""

    ACTION_CHANGES: ClassVar = {
        "followup": Change.ADD_FOLLOWUP,
        "assign_staff": Change.SET_TRACKING,
        "insurance": Change.SET_TRACKING,
        "nominate": Change.NOMINATE_EXCELLENT,
    }

    def tracking_targets(self) -> list[int]:
        """The application ids the actions apply to."""
        return []

    def intern_status(self) -> Status | None:
        """The status of the one intern shown, when the screen knows it."""
        return None

    def nominated(self) -> bool:
        """Whether the one intern shown is already nominated, when the screen knows it."""
        return False

    def intern_start(self) -> dt.date | None:
        """The start date of the one intern shown, when the screen knows it."""
        return None

    def target_label(self, application_id: int) -> str:
        """学号 and name of an intern, for a question about them."""
        return f"#{application_id}"

    def provincial_target(self, application_id: int) -> bool:
        """Whether the intern is one only the province may change (an
        out-of-province student, for a campus account), when the screen knows it."""
        return False

    def _refused_now(self, check: Callable[[], None]) -> bool:
        """Run a domain check whose refusal is known before any typing: say
        it (and return True) instead of opening a form that would fail."""
        try:
            check()
        except DomainError as e:
            self.notify(error_text(e), severity="error")
            return True
        return False

    def _one_target(self) -> int | None:
        ids = self.tracking_targets()
        if len(ids) != 1:
            if ids:
                self.notify(tr("请只选择一名实习生", "Choose one intern"), severity="warning")
            return None
        if self.provincial_target(ids[0]):
            self.notify(tr(*PROVINCIAL_ONLY), severity="error")
            return None
        return ids[0]

    def _send_tracking(self, ids: list[int], update: TrackingUpdate | None) -> None:
        if update is not None:
            self.send_change(partial(self.services.set_tracking, ids, update))

    # -- responsible staff and insurance (every target) --

    def action_assign_staff(self) -> None:
        ids = self.tracking_targets()
        if ids:
            self._load_staff(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff-options")
    def _load_staff(self, ids: list[int]) -> None:
        self.post_message(StaffLoaded(ids, self.services.intern_filter_options()))

    @on(StaffLoaded)
    def _staff_loaded(self, event: StaffLoaded) -> None:
        ids = event.ids
        self.app.push_screen(staff_form(len(ids), event.options.staff), partial(self._send_tracking, ids))

    def action_insurance(self) -> None:
        ids = self.tracking_targets()
        if ids:
            self.app.push_screen(insurance_form(len(ids)), partial(self._send_tracking, ids))

    # -- one intern --

    def action_followup(self) -> None:
        app_id = self._one_target()
        if app_id is None:
            return
        form = followup_form(
            self.intern_status(), self.services.today(), self.services.me.display_name, self.intern_start()
        )

        def send(entry: FollowUpInput | None) -> None:
            if entry is not None:
                ts = self.services
                self.send_change(partial(ts.add_followup, app_id, entry.date, entry.channel, entry.staff, entry.note))

        self.app.push_screen(form, send)

    def action_nominate(self) -> None:
        app_id = self._one_target()
        if app_id is None:
            return

        status, already = self.intern_status(), self.nominated()
        if status is not None and self._refused_now(lambda: check_nomination(status, already, "-")):
            return

        def send(note: str | None) -> None:
            if note is not None:
                self.send_change(partial(self.services.nominate_excellent, app_id, note))

        self.app.push_screen(nomination_form(status, already), send)

    def action_withdraw(self) -> None:
        app_id = self._one_target()
        if app_id is None:
            return
        status = self.intern_status()
        if status is not None and self._refused_now(lambda: check_filing(status, False)):
            return
        self.file_withdrawal(app_id, self.target_label(app_id))
