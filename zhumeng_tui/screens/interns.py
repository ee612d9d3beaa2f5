"""Interns (实习跟踪): every intern in scope, with flags.

The list reuses the review queue (:class:`QueueScreenBase`: filter bar, ``/``
search, ``space``/``ctrl+a`` selection, the ✓ column) over every approved /
on-duty / completed / appraised intern in scope, with every column of the
interns query and extra filters for the flag, employer and city. The tracking
actions (:class:`TrackingActions`) apply to the selection or the row under the
cursor; ``enter`` opens the intern (:class:`InternDetailScreen`).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select

from zhumeng_tui.domain.interns import FLAG_LABELS, InternFlag
from zhumeng_tui.domain.permissions import provincial_only
from zhumeng_tui.domain.status import INTERN_STATUSES, Status
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.queue_base import IdsMatched, QueueScreenBase, RowsLoaded
from zhumeng_tui.screens.tracking_actions import TrackingActions
from zhumeng_tui.services import INTERN_COLUMNS, AppFilter, InternFilterOptions, SortSpec
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.keys import K

INTERN_STATUS_ORDER = (Status.APPROVED, Status.ON_DUTY, Status.COMPLETED, Status.APPRAISED)


class FilterOptionsLoaded(Message):
    """The employers and cities to filter the interns by."""

    def __init__(self, options: InternFilterOptions) -> None:
        super().__init__()
        self.options = options


class InternsScreen(QueueScreenBase, TrackingActions):
    """Every intern in scope, with flags; reuses the review queue component."""

    QUEUE_NAME = "interns"
    TITLE_TEXT = ("实习跟踪", "Interns")
    HELP_TEXT = (
        "已审核通过、已上岗、实习完成、已鉴定的实习生。提示：逾期未上岗（开始日期后3天）、未登记保险、"
        "7天内结束、未收鉴定表或评价缺失、超30天未跟踪。",
        "Approved, on-duty, completed and appraised interns. Flags: not on duty 3 days after the"
        " start, no insurance, ending within 7 days, appraisal copy or evaluations missing, no"
        " follow-up for 30 days.",
    )
    STATUSES = INTERN_STATUS_ORDER
    VISIBLE_COLUMNS: ClassVar[list[str] | None] = INTERN_COLUMNS
    #: read but not shown: whether the one-intern actions are the province's
    QUERY_COLUMNS: ClassVar[list[str]] = [*INTERN_COLUMNS, "out_of_province"]
    SHOW_CHECK_FILTER = False
    EXPORT_LISTS = ("interns", "final-list")
    RELOAD_ON_RESUME = True
    BINDINGS: ClassVar = [
        K("f", "followup", "跟踪", "Follow-up", id="interns.followup", footer_en="Log"),
        K("t", "assign_staff", "负责人", "Staff", id="interns.staff"),
        K("b", "insurance", "保险", "Insurance", id="interns.insurance", footer_en="Insured"),
        K("d", "withdraw", "放弃", "Withdraw", id="interns.withdraw"),
        K("e", "nominate", "推荐优秀", "Nominate", id="interns.nominate", show=False),
        K("p", "export('final-list', 'docx')", "打印最终名单", "Print the final list", id="interns.print",
          show=False),
    ]
    DEFAULT_CSS = """
    InternsScreen #i-filters { height: 1; width: 100%; }
    InternsScreen #i-filters > Select { width: 1fr; }
    """

    def base_filter(self) -> AppFilter:
        return AppFilter(statuses=frozenset(INTERN_STATUSES))

    def compose_extra(self) -> ComposeResult:
        with Horizontal(id="i-filters"):
            yield Choice(
                [(tr("任一提示", "Any flag"), "any")]
                + [(tr_pair(FLAG_LABELS[f]), f.value) for f in InternFlag],
                prompt=tr("全部提示", "All flags"),
                value=self.preset.intern_flag or Select.NULL,
                id="i-flag",
                compact=True,
            )
            yield Choice([], prompt=tr("全部单位", "All employers"), id="i-employer", compact=True)
            yield Choice([], prompt=tr("全部地区", "All cities"), id="i-city", compact=True)

    def on_mount(self) -> None:
        # QueueScreenBase.on_mount runs as well: Textual calls the handler of every class.
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="intern-options")
    def _load_options(self) -> None:
        self.post_message(FilterOptionsLoaded(self.services.intern_filter_options()))

    @on(FilterOptionsLoaded)
    def _show_options(self, event: FilterOptionsLoaded) -> None:
        options = event.options
        emp = self.query_one("#i-employer", Select)
        emp.set_options([(name, str(i)) for i, name in options.employers])
        city = self.query_one("#i-city", Select)
        city.set_options([(c, c) for c in options.cities])
        if self.preset.employer_id is not None:
            emp.value = str(self.preset.employer_id)
        if self.preset.city:
            city.value = self.preset.city

    def adjust_filter(self, f: AppFilter) -> AppFilter:
        def val(sel_id: str) -> str | None:
            found = self.query(f"#{sel_id}")
            if not found:
                return None
            v = found.first(Select).value
            return None if v is Select.NULL or v is None or v is False else str(v)

        flag, emp, city = val("i-flag"), val("i-employer"), val("i-city")
        return dataclasses.replace(
            f,
            intern_flag=("any" if flag == "any" else InternFlag(flag)) if flag else f.intern_flag,
            employer_id=int(emp) if emp else f.employer_id,
            city=city or f.city,
        )

    @on(Select.Changed, "#i-flag, #i-employer, #i-city")
    def _extra_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def run_query(self, f: AppFilter, sort: SortSpec, generation: int) -> None:
        rows = self.services.query_interns(f, sort, self.QUERY_COLUMNS)
        self.post_message(RowsLoaded(rows, generation))

    @work(thread=True, exclusive=True, exit_on_error=False, group="select-all")
    def select_all_matching(self, f: AppFilter) -> None:
        self.post_message(IdsMatched(self.services.intern_ids_matching(f)))

    def open_application(self, application_id: int) -> None:
        self.app.push_screen(InternDetailScreen(application_id))

    def tracking_targets(self) -> list[int]:
        return self.targets()

    def _row_value(self, column: str, application_id: int | None = None) -> object:
        """``column`` of ``application_id``'s row, or of the one intern the
        actions apply to (None: several, or not shown)."""
        if application_id is None:
            ids = self.targets()
            if len(ids) != 1:
                return None
            application_id = ids[0]
        rows = self.rows
        if rows is None or column not in rows.columns:
            return None
        values = rows.rows_of([application_id]).get(application_id)
        return None if values is None else values[rows.columns.index(column)]

    def intern_status(self) -> Status | None:
        value = self._row_value("status")
        return Status(str(value)) if value else None

    def provincial_target(self, application_id: int) -> bool:
        return provincial_only(self.role, bool(self._row_value("out_of_province", application_id)))

    def target_label(self, application_id: int) -> str:
        return self.describe_applications([application_id]).get(application_id, f"#{application_id}")
