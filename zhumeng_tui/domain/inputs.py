"""What people type: dates within the years the system knows (not in the
future when they say when something happened, and not before the thing they
record could happen), texts that are filled in and
not too long."""

from __future__ import annotations

import datetime as dt

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
