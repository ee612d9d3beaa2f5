"""What people type: dates within the years the system knows (not in the
future when they say when something happened, and not before the thing they
record could happen), texts that are filled in, not too long and free of
control characters."""

from __future__ import annotations

import datetime as dt
import re

from zhumeng_tui.domain.errors import DomainError

#: Dates outside these years are typos, not data (and the calendar has no use for them).
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

#: What a value is, for messages: (Chinese, English).
What = tuple[str, str]


def check_in_range(d: dt.date, what: What) -> None:
    """A date between 2000-01-01 and 2100-12-31."""
    if not MIN_DATE <= d <= MAX_DATE:
        raise DomainError(
            "date_out_of_range",
            f"{what[0]}（{d}）超出范围（{MIN_DATE.year}-{MAX_DATE.year} 年）",
            f"The {what[1]} ({d}) is out of range ({MIN_DATE.year}-{MAX_DATE.year})",
        )


def check_not_future(d: dt.date, today: dt.date, what: What) -> None:
    """The date something happened: in range, and not after ``today``."""
    check_in_range(d, what)
    if d > today:
        raise DomainError(
            "date_in_future",
            f"{what[0]}（{d}）不能晚于今天（{today}）",
            f"The {what[1]} ({d}) cannot be after today ({today})",
        )


def check_not_before(d: dt.date, earliest: dt.date | None, what: What, earliest_what: What) -> None:
    """``d`` is not before ``earliest`` (the date the thing it records can first
    have happened; ``None``: no such bound)."""
    if earliest is not None and d < earliest:
        raise DomainError(
            "date_too_early",
            f"{what[0]}（{d}）不能早于{earliest_what[0]}（{earliest}）",
            f"The {what[1]} ({d}) cannot be before the {earliest_what[1]} ({earliest})",
        )


def check_text(value: str, limit: int, what: What, missing: DomainError | None = None) -> None:
    """At most ``limit`` characters; with ``missing``, also not blank (that
    error is raised for a blank value)."""
    if missing is not None and not value.strip():
        raise missing
    if len(value) > limit:
        raise DomainError(
            "too_long",
            f"{what[0]}超过{limit}个字符",
            f"The {what[1]} is longer than {limit} characters",
        )


#: Never in a text: C0 and C1 control characters (NUL above all), DEL, lone
#: surrogates, the Unicode line and paragraph separators and the bidi
#: overrides that make a text read differently from what it holds.
_REFUSED = "\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
#: A multi-line text (a note, a reason) may hold newlines and tabs.
_REFUSED_MULTILINE = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
_CONTROL = re.compile(f"[{_REFUSED}]")
_CONTROL_MULTILINE = re.compile(f"[{_REFUSED_MULTILINE}]")
#: The same as a pattern of the texts allowed (the OpenAPI document's strings).
PLAIN_TEXT_PATTERN = f"^[^{_REFUSED}]*$"
PLAIN_TEXT_MULTILINE_PATTERN = f"^[^{_REFUSED_MULTILINE}]*$"


def find_control_character(value: str, multiline: bool = False) -> int | None:
    """The position of the first character a text may not hold, or None."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    return found.start() if found else None


def control_character_message(value: str, pos: int, multiline: bool = False) -> tuple[str, str]:
    """What is wrong with ``value`` at ``pos`` and what to do: (Chinese, English)."""
    code = f"U+{ord(value[pos]):04X}"
    allowed_zh = "（换行和制表符可以）" if multiline else ""
    allowed_en = " (newlines and tabs are fine)" if multiline else ""
    return (
        f"第 {pos + 1} 个字符是控制字符 {code}，请删除后重试{allowed_zh}",
        f"character {pos + 1} is the control character {code}; remove it and try again{allowed_en}",
    )


def check_plain_text(value: str, what: What, multiline: bool = False) -> None:
    """No control characters (see :func:`find_control_character`)."""
    pos = find_control_character(value, multiline)
    if pos is not None:
        zh, en = control_character_message(value, pos, multiline)
        raise DomainError("control_character", f"{what[0]}：{zh}", f"The {what[1]}: {en}")
