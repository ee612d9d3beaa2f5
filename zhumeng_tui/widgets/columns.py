"""The column registry of the application lists: header labels, fixed widths
and the formatters that turn raw row values into the words a user reads.

A row from :class:`~zhumeng_tui.services.ApplicationRows` holds raw values
(status codes, check results, local states); the table formats a value only
when its line is drawn, through :func:`formatter`. Widths are fixed per column
name (:func:`column_width`), so showing 200,000 rows never measures 200,000
strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size

from zhumeng_tui.domain.eligibility import RESULT_LABELS, CheckResult, check_list_text
from zhumeng_tui.domain.graduates import (
    GRADUATE_FLAG_LABELS,
    EmploymentStatus,
    GraduateFlag,
    NeedKind,
)
from zhumeng_tui.domain.hardship import CASE_STATE_LABELS, CaseState
from zhumeng_tui.domain.posts import ANSWER_LABELS, Answer
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.services import COLUMN_LABELS

#: The leading column: ``✓`` on a row whose application is in the selection.
MARK_COLUMN = "✓"

#: Fixed display widths (cells, without padding). Unknown columns get 10.
COLUMN_WIDTHS: dict[str, int] = {
    MARK_COLUMN: 1,
    "id": 6,
    "student_no": 12,
    "name": 8,
    "student_name": 8,
    "gender": 4,
    "department": 20,
    "department_name": 14,
    "major": 12,
    "grade": 6,
    "degree": 4,
    "employer": 18,
    "employer_name": 18,
    "employer_type": 8,
    "position": 14,
    "position_title": 14,
    "title": 14,
    "region": 8,
    "city": 8,
    "status": 12,
    "checks": 8,
    "check": 8,
    "worst": 8,
    "blockers": 16,
    "failed_checks": 16,
    "local_state": 6,
    "applied_at": 10,
    "start_date": 10,
    "end_date": 10,
    "on_duty_date": 10,
    "days": 7,
    "phone": 11,
    "intern_flag": 14,
    "responsible_staff": 10,
    "needs": 12,
    "served": 6,
    "sessions": 4,
    "employment": 8,
    "hardship": 6,
    "graduate_flags": 16,
    "pushes": 10,
}

#: Short labels of the employment statuses in a list cell (the three kinds of
#: 已就业 by their kind alone; the full ones: ``graduates.EMPLOYMENT_LABELS``).
EMPLOYMENT_SHORT: dict[EmploymentStatus, tuple[str, str]] = {
    EmploymentStatus.UNEMPLOYED: ("未就业", "none"),
    EmploymentStatus.SIGNED: ("签约", "signed"),
    EmploymentStatus.CONTRACT: ("劳动合同", "contract"),
    EmploymentStatus.FLEXIBLE: ("灵活就业", "flexible"),
    EmploymentStatus.FURTHER_STUDY: ("升学", "study"),
    EmploymentStatus.ABROAD: ("出国", "abroad"),
    EmploymentStatus.ENLISTED: ("参军", "enlisted"),
    EmploymentStatus.ENTREPRENEUR: ("自主创业", "business"),
    EmploymentStatus.NOT_SEEKING: ("暂不就业", "not seek"),
}

#: Short labels of the needs in a list cell (the full ones: ``graduates.NEED_LABELS``).
NEED_SHORT: dict[NeedKind, tuple[str, str]] = {
    NeedKind.GUIDANCE: ("指导", "guid."),
    NeedKind.ENTREPRENEURSHIP: ("创业", "start-up"),
    NeedKind.TRAINING: ("培训", "train."),
    NeedKind.SUBSIDY: ("补贴", "subsidy"),
    NeedKind.POLICY: ("政策", "policy"),
}

_RESULTS = frozenset(r.value for r in CheckResult)

LOCAL_STATE_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("待发送", "pending"),
    "conflict": ("冲突", "conflict"),
    "rejected": ("被拒绝", "refused"),
}

def column_label(name: str) -> str:
    """The header label of a column in the current language (``COLUMN_LABELS``
    of the services contract: the exports use the same labels); unknown
    columns show their name."""
    pair = COLUMN_LABELS.get(name)
    return tr_pair(pair) if pair else name


def column_width(name: str) -> int:
    """Display width of a column: fixed per name, wide enough for its labels."""
    width = COLUMN_WIDTHS.get(name, 10)
    if name == "status":
        width = max(cell_len(tr_pair(p)) for p in STATUS_LABELS.values())
    elif name == "local_state":
        width = max(cell_len(tr_pair(p)) for p in LOCAL_STATE_LABELS.values())
    elif name in ("checks", "check", "worst"):
        width = max(cell_len(tr_pair(p)) for p in RESULT_LABELS.values())
    elif name == "employment":
        width = max(cell_len(tr_pair(p)) for p in EMPLOYMENT_SHORT.values())
    return max(width, cell_len(column_label(name)))


#: A column cut to the room left at the right edge is shown only this wide or wider.
MIN_CUT_WIDTH = 8


def fit(value: Any, width: int) -> str:
    """``value`` as text exactly ``width`` cells wide: padded, or cut with ``…``."""
    if width <= 0:
        return ""
    text = "" if value is None else str(value).replace("\n", " ")
    if cell_len(text) > width:
        # a wide character that does not fit leaves a pad space: "…" goes right after the text
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)
    return set_cell_size(text, width)


def fitting_widths(widths: Sequence[int], room: int, padding: int = 2) -> list[int]:
    """The widths of the leading columns that fit ``room`` cells, each with
    ``padding`` around it: whole, then the first that does not fit cut to the
    room left (when that is ``MIN_CUT_WIDTH`` or more and it is not the first
    column); the rest are left out. ``room`` 0 or less (not laid out yet): all."""
    out: list[int] = []
    used = 0
    for width in widths:
        if room > 0 and used + width + padding > room:
            left = room - used - padding
            if left >= MIN_CUT_WIDTH and out:
                out.append(left)
            break
        out.append(width)
        used += width + padding
    return out


def _fmt_status(value: Any) -> Any:
    try:
        return tr_pair(STATUS_LABELS[Status(value)])
    except (ValueError, KeyError):
        return value


def _fmt_local(value: Any) -> Any:
    pair = LOCAL_STATE_LABELS.get(str(value)) if value else None
    return tr_pair(pair) if pair else ("" if value is None else value)


def _fmt_result(value: Any) -> Any:
    pair = RESULT_LABELS.get(CheckResult(value)) if value in _RESULTS else None
    return tr_pair(pair) if pair else value


def _fmt_checks(value: Any) -> Any:
    """A list of check ids (or a comma/space separated string) -> labels."""
    if value is None:
        return ""
    parts = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return check_list_text(parts, get_lang())


def _fmt_datetime(value: Any) -> Any:
    if value is None:
        return ""
    s = str(value)
    return s[:10] if len(s) > 10 and s[4] == "-" else value


def _codes(labels: dict[Any, tuple[str, str]], convert: Callable[[str], Any]) -> Callable[[Any], Any]:
    """``code,code`` -> their labels joined (unknown codes as they are)."""

    def fmt(value: Any) -> Any:
        out = []
        for code in str(value or "").split(","):
            if not code:
                continue
            try:
                out.append(tr_pair(labels[convert(code)]))
            except (KeyError, ValueError):
                out.append(code)
        return ("·" if get_lang() == "zh" else ",").join(out)

    return fmt


def _label(labels: dict[Any, tuple[str, str]], convert: Callable[[str], Any]) -> Callable[[Any], Any]:
    def fmt(value: Any) -> Any:
        try:
            return tr_pair(labels[convert(value)]) if value else ""
        except (KeyError, ValueError):
            return value

    return fmt


def _fmt_pushes(value: Any) -> Any:
    """``3,hired`` -> ``3 已录用`` (``3,`` -> ``3 待反馈``)."""
    if not value:
        return ""
    count, _, answer = str(value).partition(",")
    try:
        words = tr_pair(ANSWER_LABELS[Answer(answer)]) if answer else tr("待反馈", "no answer")
    except ValueError:
        words = answer
    return f"{count} {words}"


_FORMATTERS: dict[str, Callable[[Any], Any]] = {
    "pushes": _fmt_pushes,
    "needs": _codes(NEED_SHORT, NeedKind),
    "graduate_flags": _codes(GRADUATE_FLAG_LABELS, GraduateFlag),
    "employment": _label(EMPLOYMENT_SHORT, EmploymentStatus),
    "hardship": _label(CASE_STATE_LABELS, CaseState),
    "status": _fmt_status,
    "local_state": _fmt_local,
    "checks": _fmt_result,
    "check": _fmt_result,
    "worst": _fmt_result,
    "blockers": _fmt_checks,
    "failed_checks": _fmt_checks,
    "applied_at": _fmt_datetime,
}


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def formatter(name: str) -> Callable[[Any], str]:
    """The function that turns a raw value of column ``name`` into its text."""
    fmt = _FORMATTERS.get(name)
    if fmt is None:
        return _as_text
    return lambda value: _as_text(fmt(value))
