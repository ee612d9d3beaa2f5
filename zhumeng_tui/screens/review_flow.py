"""The bulk review flow, shared by the queue and the detail screen.

reason (reject/return) -> local preview (ReviewPreview: sent / refused / warnings)
-> confirmation dialog (each warning kind acknowledged) -> one batch via
``Services.review`` -> result dialog. Runs as one async worker (group
"review"); queries run in a thread. Offline, ``review`` queues the items in
the outbox and the result says so.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual import work
from textual.message import Message

from zhumeng_tui.domain.status import TRANSITIONS, Action, Role
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.screens.dialogs import OwnChecks, ReasonDialog, ReviewConfirmDialog, ReviewResultDialog
from zhumeng_tui.services import ReviewPreview, ReviewResult
from zhumeng_tui.widgets.keys import K


def role_may(role: Role, action: Action) -> bool:
    """Whether ``role`` may ever take ``action`` (viewers: never)."""
    if role == Role.VIEWER:
        return False
    return any(t.action == action and role in t.roles for t in TRANSITIONS)


def needs_reason(action: Action) -> bool:
    return any(t.action == action and t.needs_reason for t in TRANSITIONS)


REVIEW_BINDINGS = [
    K("c", "review('confirm')", "确认", "Confirm", id="review.confirm"),
    K("a", "review('approve')", "审核通过", "Approve", id="review.approve"),
    K("x", "review('reject')", "驳回", "Reject", id="review.reject"),
    K("r", "review('return')", "退回补充", "Return", id="review.return"),
]


class ReviewDone(Message):
    """Posted to the screen when a batch was sent (or queued)."""

    def __init__(self, action: Action, result: ReviewResult, preview: ReviewPreview) -> None:
        super().__init__()
        self.action = action
        self.result = result
        self.preview = preview


class ReviewActionsMixin(ZScreen):
    """Adds c / a / x / r to a screen. Subclasses implement ``review_targets``."""

    def review_targets(self) -> list[int]:
        """The application ids the action applies to (selection or current row)."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            try:
                act = Action(str(parameters[0]))
            except (IndexError, ValueError):
                return False
            return role_may(self.role, act)
        return super().check_action(action, parameters)

    def action_review(self, action: str) -> None:
        act = Action(action)
        if not role_may(self.role, act):
            return
        ids = self.review_targets()
        if not ids:
            self.notify(tr("请先选择申请（空格选择）", "Select applications first (space)"), severity="warning")
            return
        self.run_review(ids, act)

    @work(exclusive=True, exit_on_error=False, group="review")
    async def run_review(self, ids: list[int], action: Action) -> None:
        services = self.services
        reason: str | None = None
        own_checks = False
        if needs_reason(action):
            picked = await self.app.push_screen_wait(ReasonDialog(action, len(ids)))
            if picked is None:
                return
            own_checks = isinstance(picked, OwnChecks)
            reason = None if isinstance(picked, OwnChecks) else picked
        preview = await asyncio.to_thread(partial(services.preview_review, ids, action, own_checks=own_checks))
        acknowledge = await self.app.push_screen_wait(ReviewConfirmDialog(preview, reason))
        if acknowledge is None:
            return
        self.notify(tr(f"正在发送 {len(preview.will_send)} 条…", f"Sending {len(preview.will_send)}…"))
        result = await services.review(list(preview.will_send), action, reason, acknowledge, own_checks=own_checks)
        self.post_message(ReviewDone(action, result, preview))
        names: dict[int, str] = {}
        describe_all = getattr(self, "describe_applications", None)
        if describe_all is not None:
            shown = [r.record_id for r in result.results] + [r.application_id for r in preview.refused]
            names = await asyncio.to_thread(describe_all, shown)

        def describe(app_id: int) -> str:
            return names.get(app_id, f"#{app_id}")

        await self.app.push_screen_wait(ReviewResultDialog(action, result, preview, describe))
