from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhumeng_tui.domain.calendar import WITHDRAWAL_WORKING_DAYS, WorkCalendar, YearData
from zhumeng_tui.domain.errors import DomainError


@lru_cache(maxsize=1)
def real_calendar() -> WorkCalendar:
    from chinese_calendar import constants

    years: dict[int, tuple[set[dt.date], set[dt.date]]] = {}
    for d in constants.holidays:
        years.setdefault(d.year, (set(), set()))[0].add(d)
    for d in constants.workdays:
        years.setdefault(d.year, (set(), set()))[1].add(d)
    return WorkCalendar(YearData(y, frozenset(h), frozenset(w)) for y, (h, w) in years.items())


dates_with_data = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2026, 12, 20))


@settings(max_examples=300, deadline=None)
@given(dates_with_data)
def test_deadline_is_three_working_days_later(stamp: dt.date) -> None:
    cal = real_calendar()
    dl = cal.withdrawal_deadline(stamp)
    assert dl.due > stamp and cal.is_working_day(dl.due)
    between = [stamp + dt.timedelta(days=i) for i in range(1, (dl.due - stamp).days + 1)]
    assert sum(cal.is_working_day(d) for d in between) == WITHDRAWAL_WORKING_DAYS
    assert not dl.approximate


@settings(max_examples=300, deadline=None)
@given(dates_with_data)
def test_deadline_is_never_a_holiday(stamp: dt.date) -> None:
    import chinese_calendar

    due = real_calendar().withdrawal_deadline(stamp).due
    if due.year <= 2026:
        assert chinese_calendar.is_workday(due)
        assert not chinese_calendar.is_holiday(due)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2027, 12, 20)))
def test_2027_without_data_is_monday_to_friday_and_flagged(stamp: dt.date) -> None:
    dl = real_calendar().withdrawal_deadline(stamp)
    assert dl.approximate and 2027 in dl.fallback_years
    assert dl.due.weekday() < 5
    between = [stamp + dt.timedelta(days=i) for i in range(1, (dl.due - stamp).days + 1)]
    assert sum(d.weekday() < 5 for d in between) == WITHDRAWAL_WORKING_DAYS


def test_known_deadlines() -> None:
    cal = real_calendar()
    # Friday -> next Wednesday.
    assert cal.withdrawal_deadline(dt.date(2026, 3, 6)).due == dt.date(2026, 3, 11)
    # Before National Day 2026 (Oct 1-7 off; Sep 30? working; Oct 10 Saturday make-up day).
    assert cal.withdrawal_deadline(dt.date(2026, 9, 29)).due == dt.date(2026, 10, 9)
    # The year turns into 2027: flagged.
    dl = cal.withdrawal_deadline(dt.date(2026, 12, 30))
    assert dl.approximate and dl.due.year == 2027


def test_working_days_left() -> None:
    cal = real_calendar()
    due = dt.date(2026, 3, 11)
    assert cal.working_days_left(dt.date(2026, 3, 11), due) == 0
    assert cal.working_days_left(dt.date(2026, 3, 9), due) == 2
    assert cal.working_days_left(dt.date(2026, 3, 12), due) == -1
    assert cal.working_days_left(dt.date(2026, 3, 16), due) == -3


def test_year_data_validation_and_roundtrip() -> None:
    y = YearData(2027, frozenset({dt.date(2027, 1, 1)}), frozenset({dt.date(2027, 2, 6)}))
    y.validate()
    assert YearData.from_dict(y.to_dict()) == y
    with pytest.raises(DomainError) as e:
        YearData(2027, frozenset({dt.date(2026, 1, 1)}), frozenset()).validate()
    assert e.value.code == "calendar_wrong_year"
    d = dt.date(2027, 2, 6)
    with pytest.raises(DomainError) as e:
        YearData(2027, frozenset({d}), frozenset({d})).validate()
    assert e.value.code == "calendar_conflict"


def test_add_working_days_rejects_nonpositive() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(dt.date(2026, 1, 1), 0)
