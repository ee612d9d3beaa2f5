"""The parsing rules of imports (a cell as a date, yes/no, a number, a 学号;
a header) and the roster's allowed values; the checks a roster change moves;
the on-duty date."""

from __future__ import annotations

import datetime as dt

import pytest

from zhumeng_tui.domain import cells, roster
from zhumeng_tui.domain.eligibility import (
    CheckId,
    PositionFacts,
    StudentFacts,
    evaluate,
    student_checks,
)
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import on_duty_move
from zhumeng_tui.domain.status import Role, Status

WHAT = ("上岗日期", "on-duty date")
DAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize("cell", [
    DAY, dt.datetime(2026, 3, 10, 0, 0), 46091, 46091.0, "2026-03-10", "2026/3/10", "2026.3.10", "20260310",
    20260310, "2026年3月10日", " 2026-03-10 ", "2026-03-10 08:30:00", "２０２６－０３－１０",
])
def test_a_date_from_any_cell_excel_gives(cell: object) -> None:
    assert cells.parse_date(cell, WHAT) == DAY


@pytest.mark.parametrize("cell", ["2026-13-01", "明天", "3/10/2026", "", 12, 1e9, True])
def test_what_is_not_a_date_says_so(cell: object) -> None:
    with pytest.raises(DomainError) as e:
        cells.parse_date(cell, WHAT)
    assert e.value.code in ("bad_date", "date_out_of_range")
    assert "上岗日期" in e.value.message_zh


def test_a_date_outside_the_years_the_system_knows() -> None:
    with pytest.raises(DomainError) as e:
        cells.parse_date("1999-12-31", WHAT)
    assert e.value.code == "date_out_of_range"


@pytest.mark.parametrize(("cell", "value"), [
    ("是", True), ("否", False), ("有", True), ("无", False), ("Yes", True), ("no", False), (1, True),
    (0, False), (1.0, True), ("√", True), ("×", False), (True, True), ("ＹＥＳ", True), ("已登记", True),
])
def test_yes_or_no(cell: object, value: bool) -> None:
    assert cells.parse_bool(cell, ("保险", "insurance")) is value


def test_not_yes_or_no() -> None:
    with pytest.raises(DomainError) as e:
        cells.parse_bool("可能", ("保险", "insurance"))
    assert e.value.code == "bad_value" and "是" in e.value.message_zh


@pytest.mark.parametrize(("cell", "value"), [(85, 85), (85.0, 85), ("85", 85), (" 90 ", 90), ("９０", 90)])
def test_whole_numbers(cell: object, value: int) -> None:
    assert cells.parse_whole_number(cell, ("评价", "score")) == value


@pytest.mark.parametrize("cell", [85.5, "八十", "85分", True])
def test_not_whole_numbers(cell: object) -> None:
    with pytest.raises(DomainError):
        cells.parse_whole_number(cell, ("评价", "score"))


def test_student_numbers_stay_text() -> None:
    assert cells.parse_student_no("0012345") == "0012345"
    assert cells.parse_student_no(2023010001.0) == "2023010001"
    assert cells.parse_student_no(" SY2106123 ") == "SY2106123"
    with pytest.raises(DomainError) as e:
        cells.parse_student_no("2.02301E+09")
    assert "科学计数法" in e.value.message_zh


def test_headers_match_whatever_their_spacing() -> None:
    assert cells.header_key(" 学 号* ") == cells.header_key("学号")
    assert cells.header_key("Student No.") == cells.header_key("student_no") == "studentno"
    assert cells.header_key("联系电话（手机）") == "联系电话手机"


def test_roster_values() -> None:
    roster.check_roster_update(roster.RosterUpdate(enrollment_status="休学", phone="13912345678"))
    assert roster.parse_study_mode("非全日制") is False and roster.study_mode_text(True) == "全日制"
    for bad in (roster.RosterUpdate(enrollment_status="在校"), roster.RosterUpdate(phone="2345678"),
                roster.RosterUpdate(phone="1391234567x")):
        with pytest.raises(DomainError) as e:
            roster.check_roster_update(bad)
        assert e.value.code == "value_not_allowed"
    with pytest.raises(DomainError) as e:
        roster.check_roster_update(roster.RosterUpdate())
    assert e.value.code == "nothing_to_change"
    with pytest.raises(DomainError):
        roster.parse_study_mode("函授")
    assert roster.roster_changes({"phone": "1", "full_time": True}, roster.RosterUpdate(phone="2", full_time=True)) == {
        "phone": "2"}


def test_student_checks_are_the_evaluated_ones() -> None:
    for facts in (StudentFacts("张三", "1", "在读", True, True, True, False),
                  StudentFacts("张三", "1", "休学", False, False, False, True)):
        full = {o.check: o for o in evaluate(facts, PositionFacts("岗", "单位", DAY, DAY + dt.timedelta(days=60)),
                                             None, Status.MATCHED)}
        part = student_checks(facts)
        assert {o.check for o in part} == {CheckId.ENROLLED, CheckId.REALNAME, CheckId.CERTIFIED, CheckId.IN_PROVINCE}
        assert all(full[o.check] == o for o in part)


def test_the_on_duty_date() -> None:
    start, end = dt.date(2026, 3, 1), dt.date(2026, 6, 1)
    assert on_duty_move(Status.APPROVED, Role.UNIVERSITY, DAY, start, end) == Status.ON_DUTY
    assert on_duty_move(Status.ON_DUTY, Role.DEPARTMENT, DAY, start, end) == Status.ON_DUTY  # a correction
    with pytest.raises(DomainError) as e:
        on_duty_move(Status.APPROVED, Role.DEPARTMENT, DAY, start, end)
    assert e.value.code == "role_not_allowed"
    with pytest.raises(DomainError) as e:
        on_duty_move(Status.APPROVED, Role.UNIVERSITY, dt.date(2026, 2, 1), start, end)
    assert e.value.code == "on_duty_outside_position"
    with pytest.raises(DomainError) as e:
        on_duty_move(Status.MATCHED, Role.UNIVERSITY, DAY, start, end)
    assert e.value.code == "not_an_intern"
