"""The review queue (资格审核): the queue component + bulk review actions."""

from __future__ import annotations

from typing import ClassVar

from textual import on

from zhumeng_tui.screens.queue_base import QueueScreenBase
from zhumeng_tui.screens.review_flow import REVIEW_BINDINGS, ReviewActionsMixin, ReviewDone
from zhumeng_tui.widgets.keys import K


class ReviewQueueScreen(QueueScreenBase, ReviewActionsMixin):
    """Applications in scope; select, then confirm / approve / reject / return in bulk."""

    QUEUE_NAME: ClassVar[str] = "review"
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("审核队列", "Review queue")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "选择申请（空格 / v 连选 / ctrl+a 全选筛选结果），再批量确认、审核、驳回或退回。"
        "发送前会显示将发送、不能发送的条数及原因，警告须逐项确认。esc 先离开搜索框，再清除选择，再返回。",
        "Select applications (space / v range / ctrl+a all matching), then confirm, approve, reject or "
        "return them in one batch. Before sending you see how many go, which cannot and why; each warning "
        "must be acknowledged. esc leaves the search box, then clears the selection, then goes back.",
    )

    #: In the order they are given room: what fits the width is shown, the
    #: detail (enter) shows the rest.
    VISIBLE_COLUMNS: ClassVar[list[str] | None] = [
        "local_state",
        "student_no",
        "name",
        "status",
        "failed_checks",
        "department",
        "worst",
        "employer",
        "position",
        "city",
    ]

    BINDINGS: ClassVar = [
        *REVIEW_BINDINGS,
        K("m", "missing", "缺材料名单", "Who is missing what", id="queue.missing", show=False),
    ]

    def review_targets(self) -> list[int]:
        return self.targets()

    def action_missing(self) -> None:
        from zhumeng_tui.screens.missing import MissingScreen

        self.app.push_screen(MissingScreen(self.current_filter.department_id))

    @on(ReviewDone)
    def _review_done(self, event: ReviewDone) -> None:
        for r in event.result.results:
            if r.ok:
                self.selected.discard(r.record_id)
        self.refresh_selection()
        self.reload()
        self.zapp.local_changed(self)
