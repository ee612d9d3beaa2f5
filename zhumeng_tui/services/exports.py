"""The lists that can be exported, each a declaration: its name (the
``zhumeng-tui export`` LIST), its title, its columns (header in both
languages, kind: text / date / number) and how its rows are read — through the
same queries the screens show, with the same filter, sort and selection, so a
file holds what the screen showed.

Adding a list is one :class:`ListExport` in :data:`LISTS` (see
``docs/sheets.md``); the export key, the palette, the file dialog, the
headless command and the writers need nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from zhumeng_tui.api_client.schemas import Me
from zhumeng_tui.domain.eligibility import RESULT_LABELS, check_list_text
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EMPLOYMENT_LABELS, GRADUATE_FLAG_LABELS, NEED_LABELS
from zhumeng_tui.domain.hardship import CASE_FLAG_LABELS, CASE_STATE_LABELS, CATEGORY_LABELS, SUBSIDY_LABELS
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, SOURCE_LABELS, IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import ON_DUTY_DATE
from zhumeng_tui.domain.posts import ANSWER_LABELS, EDUCATION_LABELS
from zhumeng_tui.domain.posts import SOURCE_LABELS as POST_SOURCE_LABELS
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.domain.withdrawal import STATE_LABELS, WithdrawalState
from zhumeng_tui.services import (
    COLUMN_LABELS,
    GRADUATE_COLUMNS,
    AppFilter,
    ApplicationRows,
    CaseFilter,
    CaseRow,
    Chart,
    ExcellentRow,
    ExportRequest,
    FileFormat,
    GraduateFilter,
    IntegrityFilter,
    IntegrityRow,
    Ledger,
    MissingGroup,
    PostFilter,
    PostRow,
    SortSpec,
    WithdrawalFilter,
    WithdrawalRow,
)
from zhumeng_tui.sheets.write import ColumnKind

Row = Sequence[Any]
Pair = tuple[str, str]

#: The tracking fields' headers: the interns export writes them and the
#: tracking import reads them, so an exported list can be filled in and imported.
TRACKING_HEADERS: dict[str, Pair] = {
    "on_duty_date": (ON_DUTY_DATE[0], "On-duty date"),
    "insurance_recorded": ("保险", "Insurance"),
    "appraisal_copy_received": ("鉴定表收到日期", "Appraisal copy received"),
    "employer_score": ("用人单位评价", "Employer's evaluation"),
    "student_score": ("学生评价", "Student's evaluation"),
}


class Source(Protocol):
    """What the declarations read: the queries the screens read too."""

    lang: str
    me: Me

    def today(self) -> dt.date: ...
    def query_applications(
        self, f: AppFilter, sort: SortSpec, *, columns: list[str] | None = None, limit: int | None = None
    ) -> ApplicationRows: ...
    def query_interns(self, f: AppFilter, sort: SortSpec, columns: Sequence[str] = ...) -> ApplicationRows: ...
    def missing(self, department_id: int | None = None) -> list[MissingGroup]: ...
    def query_withdrawals(self, f: WithdrawalFilter) -> list[WithdrawalRow]: ...
    def query_integrity(self, f: IntegrityFilter) -> list[IntegrityRow]: ...
    def query_excellent(self, year: int | None = None) -> list[ExcellentRow]: ...
    def statistics(self) -> list[Chart]: ...
    def query_posts(self, f: PostFilter) -> list[PostRow]: ...
    def query_graduates(self, f: GraduateFilter, sort: SortSpec) -> ApplicationRows: ...
    def query_cases(self, f: CaseFilter) -> list[CaseRow]: ...
    def ledger(self) -> Ledger: ...


@dataclass(frozen=True)
class ExportColumn:
    """A column of an exported list: the row value's key, its header, its kind
    and its relative width in a printed document."""

    key: str
    label: Pair
    kind: ColumnKind = ColumnKind.TEXT
    width: float = 1.0


def column(key: str, kind: ColumnKind = ColumnKind.TEXT, label: Pair | None = None, width: float = 1.0) -> ExportColumn:
    """A column whose header is the lists' label of ``key`` unless ``label`` is given."""
    return ExportColumn(key, label or COLUMN_LABELS.get(key, (key, key)), kind, width)


@dataclass(frozen=True)
class ListRows:
    """How many rows a list has, and the rows (values in column order)."""

    count: int
    rows: Iterable[Row]


Columns = Sequence[ExportColumn] | Callable[[Source, ExportRequest], Sequence[ExportColumn]]


@dataclass(frozen=True)
class ListExport:
    """One exportable list (see the module docstring)."""

    name: str
    title: Pair
    columns: Columns
    rows: Callable[[Source, ExportRequest, Sequence[ExportColumn]], ListRows]
    formats: tuple[FileFormat, ...] = (FileFormat.XLSX, FileFormat.CSV)
    #: A printed document's title (the list's title when None) and the lines to sign.
    document_title: Callable[[Source], str] | None = None
    signatures: tuple[Pair, ...] = field(default=())
    #: A report of several tables (``.xlsx``: a sheet each under a title row;
    #: ``.csv``: one after another): its title and its tables.
    report: Callable[[Source], tuple[str, list[tuple[str, list[str], Sequence[Row]]]]] | None = None

    def columns_for(self, src: Source, request: ExportRequest) -> Sequence[ExportColumn]:
        return self.columns(src, request) if callable(self.columns) else self.columns


def pick(lang: str, pair: Pair) -> str:
    return pair[1] if lang == "en" else pair[0]


def _query(request: ExportRequest, kind: type[Any], default: Any) -> Any:
    q = request.query
    if q is None:
        return default
    if not isinstance(q, kind):
        raise DomainError("bad_export_query", "导出条件与名单不符", f"The filter does not fit the list {request.list_name}")
    return q


# ------------------------------------------------------------ value text --


def _labels(table: dict[Any, Pair]) -> Callable[[str], Callable[[Any], Any]]:
    """Codes shown as their labels (an unknown code as it is)."""

    def make(lang: str) -> Callable[[Any], Any]:
        labels = {str(k): pick(lang, v) for k, v in table.items()}
        return lambda value: labels.get(value, "" if value is None else value)

    return make


def _checks(lang: str) -> Callable[[Any], Any]:
    seen: dict[Any, str] = {}

    def text(value: Any) -> str:
        found = seen.get(value)
        if found is None:
            found = seen[value] = check_list_text(str(value or "").replace(",", " ").split(), lang)
        return found

    return text


def _yes_no(lang: str) -> Callable[[Any], Any]:
    yes, no = pick(lang, ("是", "yes")), pick(lang, ("否", "no"))
    return lambda value: "" if value is None or value == "" else yes if value else no


def _day(lang: str) -> Callable[[Any], Any]:
    return lambda value: str(value)[:10] if value else ""


#: How a raw row value reads, per column key (others are shown as they are):
#: for a language, a function of the value (made once per export, not per cell).
VALUE_TEXT: dict[str, Callable[[str], Callable[[Any], Any]]] = {
    "status": _labels(STATUS_LABELS),
    "worst": _labels(RESULT_LABELS),
    "failed_checks": _checks,
    "insurance_recorded": _yes_no,
    "applied_at": _day,
}


def _application_rows(
    read: Callable[[Source, AppFilter, SortSpec, list[str]], ApplicationRows],
) -> Callable[[Source, ExportRequest, Sequence[ExportColumn]], ListRows]:
    """Rows of an application list, as its screen shows them (filter, sort,
    selection), a page at a time; ``row_no`` numbers the rows."""

    def rows(src: Source, request: ExportRequest, columns: Sequence[ExportColumn]) -> ListRows:
        f = _query(request, AppFilter, AppFilter())
        keys = [c.key for c in columns if c.key != "row_no"]
        found = read(src, f, request.sort or SortSpec(), keys)
        at = {k: i for i, k in enumerate(found.columns)}
        ids = list(found.ids) if request.ids is None else [i for i in found.ids if i in request.ids]
        numbered = columns[0].key == "row_no"
        plan = [(at[c.key], VALUE_TEXT[c.key](src.lang) if c.key in VALUE_TEXT else None)
                for c in columns if c.key != "row_no"]

        def gen() -> Iterator[Row]:
            n = 0
            for start in range(0, len(ids), 512):
                page = ids[start : start + 512]
                values = found.rows_of(page)
                for app_id in page:
                    row = values.get(app_id)
                    if row is None:
                        continue
                    n += 1
                    out = [row[i] if fmt is None else fmt(row[i]) for i, fmt in plan]
                    yield [n, *out] if numbered else out

        return ListRows(len(ids), gen())

    return rows


def _records(read: Callable[[Source, ExportRequest], list[Any]], cells: Callable[[Any, str], Row]
             ) -> Callable[[Source, ExportRequest, Sequence[ExportColumn]], ListRows]:
    """Rows of a short list read at once (``read``), each turned into cells."""

    def rows(src: Source, request: ExportRequest, columns: Sequence[ExportColumn]) -> ListRows:
        found = read(src, request)
        return ListRows(len(found), (cells(r, src.lang) for r in found))

    return rows


# ----------------------------------------------------------------- lists --

_DATE, _NUM = ColumnKind.DATE, ColumnKind.NUMBER

APPLICATIONS = ListExport(
    "applications", ("审核队列", "Review queue"),
    [column("student_no"), column("name"), column("department"), column("employer"), column("position"),
     column("city"), column("status"), column("worst"), column("failed_checks"),
     column("applied_at", _DATE, ("投递日期", "Applied")), column("start_date", _DATE, ("开始日期", "Start")),
     column("end_date", _DATE, ("结束日期", "End")), column("phone")],
    _application_rows(lambda src, f, sort, keys: src.query_applications(f, sort, columns=keys)),
)

_INTERN_STATUSES = frozenset({Status.APPROVED, Status.ON_DUTY, Status.COMPLETED, Status.APPRAISED})


def _final_title(src: Source) -> str:
    university = src.me.university_name or ""
    return pick(src.lang, (f"{university}逐梦计划最终确定参与实习人员名单",
                           f"{university} Zhumeng programme: final list of interns".strip()))


FINAL_LIST = ListExport(
    "final-list", ("最终确定参与实习人员名单", "Final intern list"),
    [column("row_no", _NUM, ("序号", "No."), 0.5), column("student_no", width=1.3), column("name"),
     column("gender", width=0.5), column("department", width=1.6), column("major", width=1.4),
     column("grade", width=0.8), column("employer", width=1.8), column("position", width=1.4),
     column("city", label=("实习地区", "Region")), column("start_date", _DATE, ("开始日期", "Start"), 1.1),
     column("end_date", _DATE, ("结束日期", "End"), 1.1), column("phone", width=1.2), column("status")],
    _application_rows(lambda src, f, sort, keys: src.query_interns(f, sort, keys)),
    formats=(FileFormat.XLSX, FileFormat.CSV, FileFormat.DOCX),
    document_title=_final_title,
    signatures=(("填表人", "Prepared by"), ("审核人", "Checked by"), ("高校（盖章）", "University stamp"),
                ("日期", "Date")),
)

INTERNS = ListExport(
    "interns", ("实习跟踪", "Interns"),
    [column("student_no"), column("name"), column("intern_flag"), column("status"), column("days"),
     column("employer"), column("employer_type"), column("city"), column("start_date", _DATE),
     column("end_date", _DATE), column("responsible_staff"), column("department"),
     column("on_duty_date", _DATE, TRACKING_HEADERS["on_duty_date"]),
     column("insurance_recorded", label=TRACKING_HEADERS["insurance_recorded"]),
     column("appraisal_copy_received", _DATE, TRACKING_HEADERS["appraisal_copy_received"]),
     column("employer_score", _NUM, TRACKING_HEADERS["employer_score"]),
     column("student_score", _NUM, TRACKING_HEADERS["student_score"])],
    _application_rows(lambda src, f, sort, keys: src.query_interns(f, sort, keys)),
)


def _missing_cells(row: tuple[MissingGroup, Any], lang: str) -> Row:
    group, s = row
    return (s.student_no, s.name, s.department_name, s.phone, group.label, s.reason)


MISSING = ListExport(
    "missing", ("缺材料名单", "Who is missing what"),
    [column("student_no"), column("name"), column("department"), column("phone"),
     column("blockers"), column("reason", label=("原因", "Reason"), width=2.0)],
    _records(lambda src, r: [(g, s) for g in src.missing(_query(r, int, None)) for s in g.students],
             _missing_cells),
)


def _withdrawal_cells(r: WithdrawalRow, lang: str) -> Row:
    d = r.deadline
    return (
        r.student_no, r.student_name, d.due if d else "", d.left_text(lang) if d else "",
        pick(lang, ("是", "yes")) if d is not None and d.approximate else "",
        pick(lang, STATE_LABELS[WithdrawalState(r.state)]), r.department_name, r.employer_name, r.filed_at.date(),
    )


WITHDRAWALS = ListExport(
    "withdrawals", ("放弃岗位申请", "Withdrawals"),
    [column("student_no"), column("name"), column("due", _DATE, ("截止日期", "Deadline")),
     column("left", label=("剩余", "Left")),
     column("approximate", label=("截止日期按周一至周五估算", "Deadline counts Monday-Friday")),
     column("state", label=("进度", "Progress")), column("department"), column("employer"),
     column("filed_at", _DATE, ("申请日期", "Filed"))],
    _records(lambda src, r: [x for x in src.query_withdrawals(_query(r, WithdrawalFilter, WithdrawalFilter()))],
             _withdrawal_cells),
)


def _integrity_cells(r: IntegrityRow, lang: str) -> Row:
    e = r.entry
    return (e.date, r.student_no, r.student_name, r.department_name,
            pick(lang, INTEGRITY_LABELS[IntegrityKind(e.kind)]), pick(lang, SOURCE_LABELS[IntegritySource(e.source)]),
            e.note)


INTEGRITY = ListExport(
    "integrity", ("诚信档案", "Integrity archive"),
    [column("date", _DATE, ("日期", "Date")), column("student_no"), column("name"), column("department"),
     column("kind", label=("类型", "Kind")), column("source", label=("来源", "Source")),
     column("note", label=("说明", "Note"), width=3.0)],
    _records(lambda src, r: src.query_integrity(_query(r, IntegrityFilter, IntegrityFilter())), _integrity_cells),
)


def _excellent_cells(r: ExcellentRow, lang: str) -> Row:
    return (r.student_no, r.student_name, r.department_name, r.employer_name, r.position_title, r.end_date,
            r.employer_score, r.student_score, r.note)


EXCELLENT = ListExport(
    "excellent", ("优秀实习生推荐名单", "Excellent intern nominations"),
    [column("student_no"), column("name"), column("department"), column("employer"), column("position"),
     column("end_date", _DATE), column("employer_score", _NUM, ("单位评价", "Employer")),
     column("student_score", _NUM, ("学生评价", "Student")), column("note", label=("推荐理由", "Note"), width=2.5)],
    _records(lambda src, r: src.query_excellent(_query(r, int, None)), _excellent_cells),
)


def _chart(src: Source, request: ExportRequest) -> Chart:
    key = _query(request, str, "")
    for chart in src.statistics():
        if chart.key == key:
            return chart
    raise DomainError("unknown_chart", f"没有这个统计图：{key}", f"No such chart: {key}")


def _chart_columns(src: Source, request: ExportRequest) -> Sequence[ExportColumn]:
    chart = _chart(src, request)
    total = [ExportColumn("total", ("合计", "Total"), _NUM)] if chart.has_total else []
    return [ExportColumn("category", (chart.category_label, chart.category_label)),
            *(ExportColumn(f"s{i}", (s.label, s.label), _NUM) for i, s in enumerate(chart.series)), *total]


def _chart_rows(src: Source, request: ExportRequest, columns: Sequence[ExportColumn]) -> ListRows:
    """A chart's numbers as the statistics screen's table shows them."""
    chart = _chart(src, request)
    total = chart.has_total
    rows = [(c, *(s.values[i] for s in chart.series), *([chart.total(i)] if total else []))
            for i, c in enumerate(chart.categories)]
    return ListRows(len(rows), rows)


STATISTICS = ListExport("statistics", ("统计", "Statistics"), _chart_columns, _chart_rows)


def _post_cells(r: PostRow, lang: str) -> Row:
    p = r.post
    return (p.title, p.employer, p.category, p.city, p.salary_min, p.salary_max, "、".join(p.majors),
            "、".join(p.skills), pick(lang, EDUCATION_LABELS[p.education]), p.openings, p.valid_until,
            pick(lang, POST_SOURCE_LABELS[p.source]), p.verified_on, r.pushed)


#: The columns of the posts export; the posts import reads the same headers.
POST_COLUMNS = [
    column("title", label=("岗位名称", "Title")), column("employer"), column("category", label=("岗位类别", "Category")),
    column("city", label=("工作城市", "City")), column("salary_min", _NUM, ("月薪下限", "Salary from")),
    column("salary_max", _NUM, ("月薪上限", "Salary to")), column("majors", label=("专业要求", "Majors")),
    column("skills", label=("技能要求", "Skills")), column("education", label=("学历要求", "Education")),
    column("openings", _NUM, ("招聘人数", "Openings")), column("valid_until", _DATE, ("有效期至", "Valid until")),
    column("source", label=("来源", "Source")), column("verified_on", _DATE, ("审核日期", "Verified")),
    column("pushed", _NUM, ("推送人数", "Pushed to")),
]

POSTS = ListExport(
    "posts", ("岗位信息", "Job posts"), POST_COLUMNS,
    _records(lambda src, r: src.query_posts(_query(r, PostFilter, PostFilter())), _post_cells),
)


def _ledger_report(src: Source) -> tuple[str, list[tuple[str, list[str], Sequence[Row]]]]:
    ledger = src.ledger()
    title = pick(src.lang, (f"{ledger.title} 汇总台账 {ledger.date}", f"{ledger.title} summary ledger {ledger.date}"))
    return title, [(t.title, t.columns, t.rows) for t in ledger.tables(src.lang)]


def _ledger_columns(src: Source, request: ExportRequest) -> Sequence[ExportColumn]:
    first = src.ledger().tables(src.lang)[0]
    return [ExportColumn(f"c{i}", (c, c), _NUM if i else ColumnKind.TEXT) for i, c in enumerate(first.columns)]


def _ledger_rows(src: Source, request: ExportRequest, columns: Sequence[ExportColumn]) -> ListRows:
    rows = src.ledger().tables(src.lang)[0].rows
    return ListRows(len(rows), rows)


def _codes(table: dict[Any, Pair]) -> Callable[[str], Callable[[Any], Any]]:
    """``code,code`` as their labels joined with 、 (unknown codes as they are)."""
    by_code = {str(k): v for k, v in table.items()}

    def make(lang: str) -> Callable[[Any], Any]:
        return lambda value: "、".join(pick(lang, by_code[c]) if c in by_code else c
                                      for c in str(value or "").split(",") if c)

    return make


def _pushes(lang: str) -> Callable[[Any], Any]:
    """``3,applied`` -> ``3 已投递`` (``3,`` -> ``3 待反馈``)."""
    answers = {str(k): v for k, v in ANSWER_LABELS.items()}

    def text(value: Any) -> Any:
        if not value:
            return ""
        count, _, answer = str(value).partition(",")
        return f"{count} {pick(lang, answers.get(answer, ('待反馈', 'no answer')))}"

    return text


#: How the graduates list's raw values read.
GRADUATE_TEXT: dict[str, Callable[[str], Callable[[Any], Any]]] = {
    "needs": _codes(NEED_LABELS), "employment": _codes(EMPLOYMENT_LABELS), "hardship": _codes(CASE_STATE_LABELS),
    "graduate_flags": _codes(GRADUATE_FLAG_LABELS), "pushes": _pushes,
}


def _graduate_rows(src: Source, request: ExportRequest, columns: Sequence[ExportColumn]) -> ListRows:
    """The graduates list as shown (filter, sort, selection), a page at a time."""
    found = src.query_graduates(_query(request, GraduateFilter, GraduateFilter()), request.sort or SortSpec())
    at = {k: i for i, k in enumerate(found.columns)}
    ids = list(found.ids) if request.ids is None else [i for i in found.ids if i in request.ids]
    plan = [(at[c.key], GRADUATE_TEXT[c.key](src.lang) if c.key in GRADUATE_TEXT else None) for c in columns]

    def gen() -> Iterator[Row]:
        for start in range(0, len(ids), 512):
            page = ids[start : start + 512]
            values = found.rows_of(page)
            for gid in page:
                row = values.get(gid)
                if row is not None:
                    yield [row[i] if fmt is None else fmt(row[i]) for i, fmt in plan]

    return ListRows(len(ids), gen())


GRADUATES = ListExport(
    "graduates", ("毕业生服务", "Graduate services"),
    [column(k) for k in GRADUATE_COLUMNS if k != "local_state"], _graduate_rows,
)


def _case_cells(r: CaseRow, lang: str) -> Row:
    def labels(table: dict[Any, Pair], codes: Sequence[Any]) -> str:
        return "、".join(pick(lang, table[c]) for c in codes)

    return (r.student_no, r.name, r.department_name, labels(CATEGORY_LABELS, r.categories), r.officer,
            pick(lang, CASE_STATE_LABELS[r.state]), r.plan_target, r.last_visit, r.days_since_visit,
            pick(lang, SUBSIDY_LABELS[r.subsidy]) if r.subsidy else "", labels(CASE_FLAG_LABELS, r.flags))


HARDSHIP = ListExport(
    "hardship", ("困难帮扶台账", "Hardship ledger"),
    [column("student_no"), column("name"), column("department"), column("categories", label=("困难类别", "Categories")),
     column("officer", label=("帮扶专员", "Officer")), column("state", label=("状态", "State")),
     column("plan_target", _DATE, ("计划目标日期", "Plan target")), column("last_visit", _DATE, ("最近回访", "Last visit")),
     column("days", _NUM, ("距今天数", "Days since")), column("subsidy", label=("求职创业补贴", "Subsidy")),
     column("flags", label=("提示", "Flags"))],
    _records(lambda src, r: src.query_cases(_query(r, CaseFilter, CaseFilter())), _case_cells),
)


LEDGER = ListExport("ledger", ("汇总台账", "Summary ledger"), _ledger_columns, _ledger_rows, report=_ledger_report)

#: Every exportable list by name. The graduate-services lists join here.
LISTS: dict[str, ListExport] = {
    x.name: x for x in (APPLICATIONS, FINAL_LIST, MISSING, INTERNS, WITHDRAWALS, INTEGRITY, EXCELLENT, STATISTICS,
                        GRADUATES, HARDSHIP, POSTS, LEDGER)
}


def list_export(name: str) -> ListExport:
    """The declaration of list ``name``, or a DomainError naming the lists there are."""
    found = LISTS.get(name)
    if found is None:
        names = ", ".join(n for n in LISTS if n != "statistics")
        raise DomainError("unknown_list", f"没有名为 {name} 的名单；可导出：{names}",
                          f"There is no list named {name}; lists: {names}")
    return found
