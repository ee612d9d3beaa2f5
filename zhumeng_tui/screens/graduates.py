"""毕业生服务 (section 7): every graduate of the cohort in scope with their
needs, how many are served, sessions attended, employment status, hardship
case and flags.

The list reuses the review queue (:class:`QueueScreenBase`: search box and
department, the table that draws only the rows in view, ``space`` /
``ctrl+a`` selection kept as a set of ids) with its own filters: need,
served or not, employment status, flag. Bulk keys apply to the selection (or
the row under the cursor): ``a`` records attendance at a session, ``e`` sets
the employment status, ``p`` pushes each graduate's recommended posts
(hardship graduates first). ``l`` opens the sessions, ``c`` the coverage,
``enter`` a graduate.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    EMPLOYMENT_LABELS,
    GRADUATE_FLAG_LABELS,
    NEED_LABELS,
    EmploymentStatus,
    GraduateFlag,
    NeedKind,
)
from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.base import error_text
from zhumeng_tui.screens.graduate_actions import (
    GraduateOptionsLoaded,
    record_attendance,
    recordable,
    set_employment,
)
from zhumeng_tui.screens.graduate_detail import GraduateDetailScreen
from zhumeng_tui.screens.post_forms import push_confirm
from zhumeng_tui.screens.queue_base import IdsMatched, QueueScreenBase, RowsLoaded
from zhumeng_tui.services import (
    AppFilter,
    EmploymentFilter,
    ExportRequest,
    GraduateFilter,
    GraduateOptions,
    PushSummary,
    ServedFilter,
    SortSpec,
)
from zhumeng_tui.widgets.filter_bar import FilterBar
from zhumeng_tui.widgets.keys import K

#: The choices of the flag select beyond the flags: an open hardship case.
HARDSHIP = "hardship"


class PushPreviewed(Message):
    """What a push of the recommendations for ``ids`` would send."""

    def __init__(self, ids: list[int], summary: PushSummary) -> None:
        super().__init__()
        self.ids = ids
        self.summary = summary


class GraduatesScreen(QueueScreenBase):
    """Every graduate in scope; filters, bulk attendance and employment status."""

    QUEUE_NAME = "graduates"
    EXPORT_LISTS = ("graduates",)
    TITLE_TEXT = ("毕业生服务", "Graduate services")
    HELP_TEXT = (
        "本届毕业生：服务需求（就业指导、创业指导、职业技能培训、求职创业补贴、政策咨询）、已服务数（参加过相应活动即为已服务）、"
        "参加活动次数、就业状态、困难帮扶与提示（需求未服务、临近毕业60天仍未就业）。"
        "空格选择、ctrl+a 全选筛选结果，a 登记签到，e 登记就业状态，p 推送推荐岗位（困难毕业生优先）。",
        "The graduating cohort: needs (career guidance, entrepreneurship, skills training, job-seeking subsidy,"
        " policy advice), how many are served (a need is served once the graduate attended a session serving"
        " it), sessions attended, employment status, hardship case and flags (a need not served, not employed"
        " 60 days before graduation). space selects, ctrl+a selects all matching; a records attendance,"
        " e the employment status, p pushes the recommended posts (hardship graduates first).",
    )
    STATUSES = ()
    SHOW_CHECK_FILTER = False
    #: The flags and the employment status within 80 columns; the department last.
    VISIBLE_COLUMNS: ClassVar[list[str] | None] = ["student_no", "name", "needs", "served", "employment", "graduate_flags", "hardship",
                       "pushes", "sessions", "department", "local_state"]
    RELOAD_ON_RESUME = True
    BINDINGS: ClassVar = [
        K("a", "attendance", "签到", "Attendance", id="graduates.attendance", footer_en="Attend"),
        K("e", "employment", "就业状态", "Employment", id="graduates.employment"),
        K("p", "push", "推送岗位", "Push posts", id="graduates.push", show=False),
        K("l", "sessions", "服务活动", "Sessions", id="graduates.sessions"),
        K("c", "coverage", "覆盖率", "Coverage", id="graduates.coverage", show=False),
    ]
    DEFAULT_CSS = """
    GraduatesScreen #g-filters { height: 1; width: 100%; }
    GraduatesScreen #g-filters > Select { width: 1fr; }
    """

    def __init__(self, preset: GraduateFilter | None = None, preset_label: str | None = None) -> None:
        self.graduate_preset = preset or GraduateFilter()
        p = self.graduate_preset
        super().__init__(AppFilter(text=p.text, department_id=p.department_id), preset_label)
        self.options: GraduateOptions | None = None

    # --------------------------------------------------------- compose ----

    def compose_extra(self) -> ComposeResult:
        p = self.graduate_preset
        flag = HARDSHIP if p.hardship else (p.flag.value if p.flag else None)
        with Horizontal(id="g-filters"):
            yield Select[str]([(tr_pair(NEED_LABELS[k]), k.value) for k in NeedKind],
                              prompt=tr("全部需求", "All needs"), value=p.need.value if p.need else Select.NULL,
                              id="g-need", compact=True)
            yield Select[str]([(tr("已服务", "Served"), ServedFilter.SERVED.value),
                               (tr("未服务", "Not served"), ServedFilter.UNSERVED.value)],
                              prompt=tr("服务：全部", "Served: all"),
                              value=p.served.value if p.served else Select.NULL, id="g-served", compact=True)
            yield Select[str]([(tr("已就业（全部）", "Employed (any)"), "employed")]
                              + [(tr_pair(label), s.value) for s, label in EMPLOYMENT_LABELS.items()],
                              prompt=tr("全部就业状态", "All statuses"),
                              value=str(p.employment) if p.employment else Select.NULL, id="g-status", compact=True)
            yield Select[str]([(tr_pair(GRADUATE_FLAG_LABELS[f]), f.value) for f in GraduateFlag]
                              + [(tr("困难帮扶中", "Open hardship case"), HARDSHIP)],
                              prompt=tr("全部提示", "All flags"), value=flag or Select.NULL, id="g-flag",
                              compact=True)

    def on_mount(self) -> None:
        # QueueScreenBase.on_mount runs as well (Textual calls the handler of every class).
        for w in self.query("#f-status"):
            w.display = False
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="graduate-options")
    def _load_options(self) -> None:
        self.post_message(GraduateOptionsLoaded(self.services.graduate_options()))

    @on(GraduateOptionsLoaded)
    def _options(self, event: GraduateOptionsLoaded) -> None:
        self.options = event.options

    # ---------------------------------------------------------- filter ----

    def _select(self, sel_id: str) -> str | None:
        found = self.query(f"#{sel_id}")
        if not found:
            return None
        v = found.first(Select).value
        return None if v is Select.NULL or v is None or v is False else str(v)

    def graduate_filter(self) -> GraduateFilter:
        bar = self.query_one(FilterBar).current()
        dept = bar.department_id if self.query("#f-dept") else None
        need, served, status, flag = (self._select(x) for x in ("g-need", "g-served", "g-status", "g-flag"))
        employment: EmploymentFilter | None = None
        if status is not None:
            employment = "employed" if status == "employed" else EmploymentStatus(status)
        return GraduateFilter(
            text=bar.text,
            department_id=dept if dept is not None else self.graduate_preset.department_id,
            need=NeedKind(need) if need else None,
            served=ServedFilter(served) if served else None,
            employment=employment,
            hardship=True if flag == HARDSHIP else None,
            flag=GraduateFlag(flag) if flag and flag != HARDSHIP else None,
        )

    def reload(self) -> None:
        self._generation += 1
        self._loading = True
        self._update_line()
        self._query(self.graduate_filter(), self.sort, self._generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def _query(self, f: GraduateFilter, sort: SortSpec, generation: int) -> None:
        self.post_message(RowsLoaded(self.services.query_graduates(f, sort), generation))

    def action_select_all(self) -> None:
        self._select_all(self.graduate_filter())

    @work(thread=True, exclusive=True, exit_on_error=False, group="select-all")
    def _select_all(self, f: GraduateFilter) -> None:
        self.post_message(IdsMatched(self.services.graduate_ids_matching(f)))

    @on(Select.Changed, "#g-need, #g-served, #g-status, #g-flag")
    def _extra_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.reload()

    def action_clear_filters(self) -> None:
        self.graduate_preset = GraduateFilter()
        for sel in self.query("#g-filters Select"):
            if isinstance(sel, Select):
                sel.clear()
        super().action_clear_filters()

    def open_application(self, application_id: int) -> None:
        self.app.push_screen(GraduateDetailScreen(application_id))

    # --------------------------------------------------------- actions ----

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "attendance":
            return may(self.role, Change.RECORD_ATTENDANCE)
        if action == "employment":
            return may(self.role, Change.SET_EMPLOYMENT)
        if action == "push":
            return may(self.role, Change.PUSH_POSTS)
        return super().check_action(action, parameters)

    def action_attendance(self) -> None:
        ids = self.targets()
        if not ids:
            return
        if self.options is None:
            self.notify(tr("正在读取活动列表，请稍候", "Reading the sessions; try again in a moment"))
            return
        record_attendance(self, recordable(self, self.options), ids)

    def action_employment(self) -> None:
        ids = self.targets()
        if ids:
            set_employment(self, ids)

    def export_requests(self) -> list[ExportRequest]:
        """The graduates as shown: their filter, sort and selection."""
        return [ExportRequest("graduates", self.graduate_filter(), self.sort, frozenset(self.selected) or None)]

    def action_push(self) -> None:
        ids = self.targets()
        if ids:
            self._preview_push(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="push-preview")
    def _preview_push(self, ids: list[int]) -> None:
        try:
            summary = self.services.preview_push(ids)
        except DomainError as e:
            self.app.call_from_thread(self.notify, error_text(e), severity="error")
            return
        self.post_message(PushPreviewed(ids, summary))

    @on(PushPreviewed)
    def _confirm_push(self, event: PushPreviewed) -> None:
        if not event.summary.posts:
            self.notify(tr("所选毕业生没有可推送的新岗位", "The graduates chosen have no new post to push"),
                        severity="warning")
            return

        def send(ok: bool | None) -> None:
            if ok:
                self.send_change(partial(self.services.push_recommendations, event.ids))

        self.app.push_screen(push_confirm(event.summary), send)

    def action_sessions(self) -> None:
        from zhumeng_tui.screens.sessions import SessionsScreen

        self.app.push_screen(SessionsScreen())

    def action_coverage(self) -> None:
        from zhumeng_tui.screens.coverage import CoverageScreen

        self.app.push_screen(CoverageScreen())
