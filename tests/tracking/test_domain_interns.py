"""Unit tests for zhumeng_tui.domain.interns (pure rules, no I/O)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from zhumeng_tui.domain.calendar import WorkCalendar, YearData
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import (
    FLAG_LABELS,
    InternFacts,
    InternFlag,
    check_followup,
    check_integrity_entry,
    check_nomination,
    check_tracking,
    days_done,
    deadline_view,
    flag_labels,
    followup_due,
    intern_flags,
    missing_calendar_note,
    parse_date,
    parse_score,
)
from zhumeng_tui.domain.status import Status

D = dt.date


def year_2026() -> YearData:
    hol = frozenset(d for d in chinese_calendar.holidays if d.year == 2026 and d.weekday() < 5)
    work = frozenset(d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5)
    return YearData(2026, hol, work)


CAL = WorkCalendar([year_2026()])


def facts(status: Status, **kw: object) -> InternFacts:
    base: dict[str, object] = {"start_date": D(2026, 7, 1), "end_date": D(2026, 8, 31)}
    base.update(kw)
    return InternFacts(status=status, **base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- flags ----


def test_not_on_duty_flag_from_three_days_after_start() -> None:
    f = facts(Status.APPROVED)
    assert intern_flags(f, D(2026, 7, 3)) == []
    assert intern_flags(f, D(2026, 7, 4)) == [InternFlag.NOT_ON_DUTY]
    # before the start nothing is late
    assert intern_flags(f, D(2026, 6, 20)) == []


def test_on_duty_without_insurance() -> None:
    f = facts(Status.ON_DUTY, on_duty_date=D(2026, 7, 1))
    assert InternFlag.NO_INSURANCE in intern_flags(f, D(2026, 7, 10))
    f2 = facts(Status.ON_DUTY, on_duty_date=D(2026, 7, 1), insurance_recorded=True)
    assert intern_flags(f2, D(2026, 7, 10)) == []


def test_ending_within_seven_days() -> None:
    f = facts(
        Status.ON_DUTY, on_duty_date=D(2026, 7, 1), insurance_recorded=True, last_followup=D(2026, 8, 20)
    )
    assert intern_flags(f, D(2026, 8, 23)) == []
    assert intern_flags(f, D(2026, 8, 24)) == [InternFlag.ENDING_SOON]
    assert intern_flags(f, D(2026, 8, 31)) == [InternFlag.ENDING_SOON]
    assert InternFlag.ENDING_SOON not in intern_flags(f, D(2026, 9, 1))


def test_completed_without_appraisal_or_evaluations() -> None:
    f = facts(Status.COMPLETED, completed_date=D(2026, 8, 31))
    assert intern_flags(f, D(2026, 9, 5)) == [InternFlag.APPRAISAL_MISSING, InternFlag.EVALUATION_MISSING]
    f2 = facts(Status.COMPLETED, appraisal_copy_received=D(2026, 9, 2), employer_score=90, student_score=None)
    assert intern_flags(f2, D(2026, 9, 5)) == [InternFlag.EVALUATION_MISSING]
    f3 = facts(Status.COMPLETED, appraisal_copy_received=D(2026, 9, 2), employer_score=90, student_score=85)
    assert intern_flags(f3, D(2026, 9, 5)) == []
    # appraised interns are done: no flags
    assert intern_flags(facts(Status.APPRAISED), D(2026, 9, 5)) == []


def test_no_followup_for_thirty_days() -> None:
    f = facts(Status.ON_DUTY, on_duty_date=D(2026, 7, 2), insurance_recorded=True)
    assert intern_flags(f, D(2026, 7, 31)) == []
    assert intern_flags(f, D(2026, 8, 1)) == [InternFlag.NO_FOLLOWUP]
    f2 = facts(
        Status.ON_DUTY, on_duty_date=D(2026, 7, 2), insurance_recorded=True, last_followup=D(2026, 7, 25)
    )
    assert intern_flags(f2, D(2026, 8, 1)) == []
    assert followup_due(f2) == D(2026, 8, 24)
    assert followup_due(facts(Status.APPROVED)) is None


def test_flag_labels_are_pairs() -> None:
    for fl in InternFlag:
        zh, en = FLAG_LABELS[fl]
        assert zh and en and zh != en
    assert flag_labels([InternFlag.NO_INSURANCE, InternFlag.ENDING_SOON]) == "未登记保险、即将结束"
    assert flag_labels([InternFlag.NO_INSURANCE], "en") == "No insurance"


def test_days_done() -> None:
    f = facts(Status.ON_DUTY, on_duty_date=D(2026, 7, 1))
    assert days_done(f, D(2026, 7, 10)) == (10, 62)
    assert days_done(f, D(2026, 12, 1)) == (62, 62)
    assert days_done(facts(Status.APPROVED), D(2026, 7, 10)) == (0, 62)
    assert days_done(facts(Status.COMPLETED, completed_date=D(2026, 8, 31)), D(2026, 9, 9)) == (62, 62)


# ------------------------------------------------------------- deadline ----


def test_deadline_across_national_day_2026() -> None:
    # Stamped Wed 30 Sep: 1-7 Oct are holidays, Thu 8 and Fri 9 work, Sat 10 Oct
    # is a 调休 make-up working day -> due Sat 10 Oct.
    v = deadline_view(CAL, D(2026, 9, 30), today=D(2026, 9, 30))
    assert v.due == D(2026, 10, 10)
    assert not v.approximate and v.note() == ""
    assert v.days_left == 3
    assert v.left_text() == "剩余3个工作日"
    assert v.text("en") == "2026-10-10 (3 working days left)"
    on_holiday = deadline_view(CAL, D(2026, 9, 30), today=D(2026, 10, 5))
    assert on_holiday.days_left == 3
    assert deadline_view(CAL, D(2026, 9, 30), today=D(2026, 10, 10)).due_today
    late = deadline_view(CAL, D(2026, 9, 30), today=D(2026, 10, 12))
    assert late.overdue and late.days_left == -1
    assert late.left_text() == "已逾期1个工作日"


def test_deadline_in_a_year_without_data_says_monday_to_friday() -> None:
    v = deadline_view(CAL, D(2027, 1, 8), today=D(2027, 1, 8))  # Friday
    assert v.due == D(2027, 1, 13)
    assert v.approximate and v.fallback_years == frozenset({2027})
    assert "周一至周五" in v.note()
    assert "Monday-Friday only" in v.note("en")
    assert v.text().startswith("2027-01-13*")


def test_deadline_crossing_into_a_year_without_data() -> None:
    v = deadline_view(CAL, D(2026, 12, 30), today=D(2026, 12, 30))
    assert v.due == D(2027, 1, 4)  # 31 Dec, Fri 1 Jan counted (Mon-Fri), Mon 4 Jan
    assert v.fallback_years == frozenset({2027})


def test_submitted_is_not_overdue() -> None:
    v = deadline_view(CAL, D(2026, 9, 30), today=D(2026, 11, 1), submitted_date=D(2026, 10, 12))
    assert not v.overdue and v.late
    assert v.left_text("en") == "submitted late"
    ok = deadline_view(CAL, D(2026, 9, 30), today=D(2026, 11, 1), submitted_date=D(2026, 10, 9))
    assert not ok.late and ok.left_text() == "按时提交"


def test_missing_calendar_note() -> None:
    assert missing_calendar_note([]) == ""
    assert "2027、2028" in missing_calendar_note([2028, 2027])


# --------------------------------------------------------------- checks ----


def test_followup_checks() -> None:
    today = D(2026, 7, 10)
    check_followup(Status.ON_DUTY, D(2026, 7, 10), "电话", "王老师", "一切正常", today)
    with pytest.raises(DomainError) as e:
        check_followup(Status.ON_DUTY, D(2026, 7, 11), "电话", "王老师", "x", today)
    assert e.value.code == "date_in_future"
    with pytest.raises(DomainError) as e:
        check_followup(Status.ON_DUTY, today, "邮件", "王老师", "x", today)
    assert e.value.code == "bad_channel"
    with pytest.raises(DomainError) as e:
        check_followup(Status.ON_DUTY, today, "微信", " ", "x", today)
    assert e.value.code == "staff_required"
    with pytest.raises(DomainError) as e:
        check_followup(Status.ON_DUTY, today, "微信", "王", "  ", today)
    assert e.value.code == "note_required"
    with pytest.raises(DomainError) as e:
        check_followup(Status.MATCHED, today, "微信", "王", "x", today)
    assert e.value.code == "not_an_intern"


def test_tracking_checks() -> None:
    today = D(2026, 9, 10)
    check_tracking(Status.ON_DUTY, today, insurance_recorded=True, responsible_staff="demo-univ")
    check_tracking(
        Status.COMPLETED, today, appraisal_copy_received=today, employer_score=0, student_score=100
    )
    with pytest.raises(DomainError, match="not_on_duty"):
        check_tracking(Status.APPROVED, today, insurance_recorded=True)
    with pytest.raises(DomainError, match="date_in_future"):
        check_tracking(Status.COMPLETED, today, appraisal_copy_received=D(2026, 9, 11))
    with pytest.raises(DomainError, match="bad_score"):
        check_tracking(Status.COMPLETED, today, employer_score=101)
    with pytest.raises(DomainError, match="not_completed"):
        check_tracking(Status.ON_DUTY, today, employer_score=80)
    with pytest.raises(DomainError, match="not_an_intern"):
        check_tracking(Status.WITHDRAWN, today, responsible_staff="x")


def test_parse_score_and_date() -> None:
    who = ("单位评价", "employer's evaluation")
    assert parse_score("", who) is None
    assert parse_score(" 88 ", who) == 88
    for bad in ("abc", "-1", "101", "8.5"):
        with pytest.raises(DomainError):
            parse_score(bad, who)
    assert parse_date("2026-09-30") == D(2026, 9, 30)
    assert parse_date("2026/9/30".replace("9/", "09/")) == D(2026, 9, 30)
    assert parse_date("20260930") == D(2026, 9, 30)
    with pytest.raises(DomainError, match="bad_date"):
        parse_date("30.9.2026")


def test_nomination_and_integrity_checks() -> None:
    check_nomination(Status.COMPLETED, False, "表现突出")
    with pytest.raises(DomainError, match="not_completed"):
        check_nomination(Status.ON_DUTY, False, "x")
    with pytest.raises(DomainError, match="already_nominated"):
        check_nomination(Status.APPRAISED, True, "x")
    with pytest.raises(DomainError, match="note_required"):
        check_nomination(Status.APPRAISED, False, " ")
    today = D(2026, 9, 10)
    check_integrity_entry("other", today, "更正：上条记录有误", today)
    with pytest.raises(DomainError, match="reason_required"):
        check_integrity_entry("other", today, "", today)
    with pytest.raises(DomainError, match="date_in_future"):
        check_integrity_entry("other", D(2026, 9, 11), "x", today)
    with pytest.raises(DomainError, match="bad_kind"):
        check_integrity_entry("nonsense", today, "x", today)
