"""What a spreadsheet cell means: the parsing rules of imports.

A cell comes from ``.xlsx`` (a number, a date, a bool, text) or from ``.csv``
(always text). These functions turn one into the value a field needs, or
raise :class:`~zhumeng_tui.domain.errors.DomainError` saying what is wrong
and what to write instead. Pure: no files here (reading them is
``zhumeng_tui.sheets``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.inputs import What, check_in_range

#: Excel's day 0 (its serial numbers count days from here; 1900 is not a leap
#: year in this count since serial 60 is skipped by starting a day early).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers of 2000-01-01 and 2100-12-31: a number outside is not a date.
_SERIAL_MIN = (dt.date(2000, 1, 1) - EXCEL_EPOCH).days
_SERIAL_MAX = (dt.date(2100, 12, 31) - EXCEL_EPOCH).days

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_TRUE = frozenset({"是", "有", "已", "已登记", "已购买", "已认证", "y", "yes", "true", "1", "√", "✓", "✔", "t"})
_FALSE = frozenset({"否", "无", "未", "未登记", "未购买", "未认证", "n", "no", "false", "0", "×", "✗", "f"})


def is_blank(value: Any) -> bool:
    """An empty cell (None, or only spaces)."""
    return value is None or value == "" or (type(value) is str and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text, as a person reads it: whole numbers without ``.0``,
    dates as YYYY-MM-DD, spaces trimmed (full-width ones too)."""
    if type(value) is str:
        return value.replace("\u3000", " ").strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def header_key(value: Any) -> str:
    """A column header reduced to what identifies it: no spaces, line breaks,
    asterisks or parentheses, full-width letters folded, lower case
    ("学 号", "学号*", "Student No." all match their column)."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    return re.sub(r"[\s*:：()（）\[\]【】._\-]+", "", text)


def parse_student_no(value: Any) -> str:
    """A 学号 kept as text: a number cell loses its ``.0`` (leading zeros are
    the file's to keep: a 学号 column stored as numbers has already lost them)."""
    if isinstance(value, float) and not value.is_integer():
        raise DomainError("bad_student_no", f"学号不是整数：{value}", f"The student number is not a whole number: {value}")
    text = cell_text(value)
    if text.isdigit():
        return text
    if re.fullmatch(r"\d+(\.0+)?[eE]\+?\d+", text) or re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        raise DomainError(
            "bad_student_no",
            f"学号被写成了科学计数法（{text}）：请把该列设为文本格式后重新导出",
            f"The student number is in scientific notation ({text}): format the column as text and export again",
        )
    return text


def parse_date(value: Any, what: What) -> dt.date:
    """A date from a date cell, an Excel serial number (45000 = 2023-03-15),
    or text: 2026-03-10, 2026/3/10, 2026.3.10, 20260310, 2026年3月10日."""
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            day = EXCEL_EPOCH + dt.timedelta(days=int(value))
        elif float(value).is_integer() and len(str(int(value))) == 8:
            day = _from_text(str(int(value)))
    else:
        day = _from_text(cell_text(value))
    if day is None:
        raise DomainError(
            "bad_date",
            f"{what[0]}不是日期：{cell_text(value)!r}（应为 2026-03-10 这样的日期）",
            f"The {what[1]} is not a date: {cell_text(value)!r} (write it like 2026-03-10)",
        )
    check_in_range(day, what)
    return day


def _from_text(text: str) -> dt.date | None:
    t = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"\d{8}", t):
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    m = _DATE_RE.match(t)
    if m is None:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_bool(value: Any, what: What) -> bool:
    """Yes or no: 是/否, 有/无, 已/未, yes/no, true/false, 1/0, √/×."""
    if isinstance(value, bool):
        return value
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DomainError(
        "bad_value",
        f"{what[0]}应为“是”或“否”：{cell_text(value)!r}",
        f"The {what[1]} must be yes or no (是/否): {cell_text(value)!r}",
    )


def parse_whole_number(value: Any, what: What) -> int:
    """A whole number (a number cell, or text such as ``85``)."""
    if isinstance(value, bool):
        raise _not_number(value, what)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _not_number(value, what)
    text = unicodedata.normalize("NFKC", cell_text(value))
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    raise _not_number(value, what)


def _not_number(value: Any, what: What) -> DomainError:
    return DomainError(
        "bad_number",
        f"{what[0]}应为整数：{cell_text(value)!r}",
        f"The {what[1]} must be a whole number: {cell_text(value)!r}",
    )
