"""The Chinese working-day calendar (weekends, public holidays, 调休 make-up days).

Calendar data is published year by year, so it is *data*: a ``WorkCalendar`` is
built from ``YearData`` records (the server stores them and an administrator can
import a new year). For a year without data, the calendar counts Monday-Friday
and says so: every answer carries the set of years that fell back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from zhumeng_tui.domain.errors import DomainError

WITHDRAWAL_WORKING_DAYS = 3


@dataclass(frozen=True)
class YearData:
    year: int
    holidays: frozenset[dt.date]  # days off that would otherwise be working days
    workdays: frozenset[dt.date]  # 调休: weekend days that are working days

    def validate(self) -> None:
        for d in self.holidays | self.workdays:
            if d.year != self.year:
                raise DomainError(
                    "calendar_wrong_year",
                    f"日期 {d} 不属于 {self.year} 年",
                    f"Date {d} is not in year {self.year}",
                )
        both = self.holidays & self.workdays
        if both:
            d = min(both)
            raise DomainError(
                "calendar_conflict",
                f"日期 {d} 同时被列为假日和调休工作日",
                f"Date {d} is listed both as a holiday and as a working day",
            )

    def to_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> YearData:
        def dates(key: str) -> frozenset[dt.date]:
            raw = data.get(key) or []
            assert isinstance(raw, list)
            return frozenset(dt.date.fromisoformat(str(x)) for x in raw)

        return cls(int(str(data["year"])), dates("holidays"), dates("workdays"))


@dataclass(frozen=True)
class Deadline:
    stamp_date: dt.date
    due: dt.date
    #: Years the count passed through for which no calendar data exists
    #: (Monday-Friday was used). Empty when the deadline is exact.
    fallback_years: frozenset[int] = field(default_factory=frozenset)

    @property
    def approximate(self) -> bool:
        return bool(self.fallback_years)


class WorkCalendar:
    def __init__(self, years: Iterable[YearData] = ()) -> None:
        self._years: dict[int, YearData] = {y.year: y for y in years}

    @property
    def years(self) -> list[int]:
        return sorted(self._years)

    def has_year(self, year: int) -> bool:
        return year in self._years

    def is_working_day(self, d: dt.date) -> bool:
        data = self._years.get(d.year)
        if data is None:
            return d.weekday() < 5
        if d in data.workdays:
            return True
        if d in data.holidays:
            return False
        return d.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> tuple[dt.date, frozenset[int]]:
        """The n-th working day after ``start`` (``start`` itself not counted)."""
        if n < 1:
            raise ValueError("n must be >= 1")
        d, left, missing = start, n, set()
        while left:
            d += dt.timedelta(days=1)
            if d.year not in self._years:
                missing.add(d.year)
            if self.is_working_day(d):
                left -= 1
        return d, frozenset(missing)

    def withdrawal_deadline(self, stamp_date: dt.date) -> Deadline:
        due, missing = self.add_working_days(stamp_date, WITHDRAWAL_WORKING_DAYS)
        return Deadline(stamp_date, due, missing)

    def working_days_left(self, today: dt.date, due: dt.date) -> int:
        """Working days from ``today`` to ``due``: 0 = due today, < 0 = overdue.

        Overdue requests count how many working days they are late.
        """
        if today == due:
            return 0
        step = 1 if today < due else -1
        count, d = 0, today
        while d != due:
            d += dt.timedelta(days=step)
            if self.is_working_day(d):
                count += 1
        if step < 0:
            # today is after due: late by the working days after due up to today.
            late, d = 0, due
            while d < today:
                d += dt.timedelta(days=1)
                if self.is_working_day(d):
                    late += 1
            return -max(late, 1)
        return count
