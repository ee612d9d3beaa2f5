"""The graduate-services rules: needs, intent, employment, sessions, coverage, flags, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    EMPLOYMENT_LABELS,
    NEED_LABELS,
    SESSION_LABELS,
    EmploymentStatus,
    GraduateFlag,
    NeedKind,
    SessionKind,
    StayIntent,
    check_attendance,
    check_cities,
    check_employment,
    check_graduation_date,
    check_needs,
    check_session,
    graduate_flags,
    parse_employment,
    parse_need,
    parse_stay_intent,
    served_needs,
    split_list,
    unemployed_near_graduation,
)
from zhumeng_tui.domain.permissions import Change, check_role, may
from zhumeng_tui.domain.status import Role

TODAY = dt.date(2026, 3, 10)
needs = st.sets(st.sampled_from(list(NeedKind)))


def code(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as e:
        call()
    return e.value.code


@given(st.sampled_from(list(NeedKind)))
def test_a_need_by_code_or_either_label(kind: NeedKind) -> None:
    zh, en = NEED_LABELS[kind]
    assert parse_need(kind.value) == parse_need(zh) == parse_need(f" {en.upper()} ") == kind


@given(st.text(min_size=1, max_size=8))
def test_an_unknown_need_is_refused_and_named(text: str) -> None:
    known = {k.value for k in NeedKind} | {z for z, _ in NEED_LABELS.values()} | {e.lower() for _, e in NEED_LABELS.values()}
    if text.strip() in known or text.strip().lower() in known:
        return
    with pytest.raises(DomainError) as e:
        check_needs(["就业指导", text])
    assert e.value.code == "bad_need"
    assert text in e.value.message_zh


@given(st.lists(st.sampled_from(list(NeedKind))))
def test_needs_come_back_once_in_their_order(given_needs: list[NeedKind]) -> None:
    out = check_needs(given_needs)
    assert out == [k for k in NeedKind if k in set(given_needs)]


def test_survey_answers() -> None:
    assert parse_stay_intent("是") == StayIntent.YES
    assert parse_stay_intent("未定") == StayIntent.UNDECIDED
    assert code(lambda: parse_stay_intent("maybe")) == "bad_stay_intent"
    assert parse_employment("签约") == EmploymentStatus.SIGNED
    assert parse_employment("灵活就业") == EmploymentStatus.FLEXIBLE
    for s, (zh, _en) in EMPLOYMENT_LABELS.items():
        assert parse_employment(zh) == s
    assert split_list("成都、绵阳，重庆;  上海") == ["成都", "绵阳", "重庆", "上海"]
    assert check_cities(["成都", " 成都 ", "", "绵阳"]) == ["成都", "绵阳"]
    assert code(lambda: check_cities(["成" * 21])) == "too_long"


def test_employment_dates() -> None:
    assert check_employment("contract", TODAY, TODAY) == EmploymentStatus.CONTRACT
    assert code(lambda: check_employment("contract", None, TODAY)) == "date_required"
    assert code(lambda: check_employment("contract", TODAY + dt.timedelta(days=1), TODAY)) == "date_in_future"
    assert code(lambda: check_employment("hired", TODAY, TODAY)) == "bad_status"
    check_graduation_date(dt.date(2026, 6, 30), 2026)
    assert code(lambda: check_graduation_date(dt.date(2025, 6, 30), 2026)) == "bad_graduation_date"


def test_sessions() -> None:
    kind, need = check_session("讲座", "就业指导", "求职技巧", TODAY, "人社局", "图书馆报告厅")
    assert (kind, need) == (SessionKind.LECTURE, NeedKind.GUIDANCE)
    assert code(lambda: check_session("party", "guidance", "t", TODAY, "p", "x")) == "bad_session_kind"
    assert code(lambda: check_session("lecture", "food", "t", TODAY, "p", "x")) == "bad_need"
    assert code(lambda: check_session("lecture", "guidance", " ", TODAY, "p", "x")) == "title_required"
    assert code(lambda: check_session("lecture", "guidance", "t", None, "p", "x")) == "date_required"
    assert code(lambda: check_session("lecture", "guidance", "t", TODAY, "", "x")) == "provider_required"
    assert code(lambda: check_session("lecture", "guidance", "t", TODAY, "p", "")) == "place_required"
    for k, (zh, _) in SESSION_LABELS.items():
        assert check_session(zh, "policy", "t", TODAY, "p", "x")[0] == k


def test_attendance_only_for_a_session_held() -> None:
    check_attendance(TODAY, [1], TODAY)
    assert code(lambda: check_attendance(TODAY + dt.timedelta(days=1), [1], TODAY)) == "session_not_held"
    assert code(lambda: check_attendance(TODAY, [], TODAY)) == "nobody"


@given(needs, needs)
def test_a_need_is_served_by_a_session_serving_it(asked: set[NeedKind], attended: set[NeedKind]) -> None:
    served = served_needs(asked, attended)
    for k in NeedKind:
        assert (k in served) == (k in asked and k in attended)


@given(needs, needs, st.sampled_from(list(EmploymentStatus)), st.integers(-200, 200))
def test_graduate_flags(asked: set[NeedKind], attended: set[NeedKind], status: EmploymentStatus, days: int) -> None:
    grad = TODAY + dt.timedelta(days=days)
    flags = graduate_flags(asked, attended, status, grad, TODAY)
    assert (GraduateFlag.UNSERVED in flags) == bool(asked - attended)
    near = status == EmploymentStatus.UNEMPLOYED and days <= 60
    assert (GraduateFlag.UNEMPLOYED in flags) == near == unemployed_near_graduation(status, grad, TODAY)


@given(st.sampled_from(list(Role)), st.sampled_from(list(Change)))
def test_a_city_account_records_sessions_and_posts_and_nothing_else(role: Role, change: Change) -> None:
    if role == Role.CITY:
        assert may(role, change) == (change in (Change.CREATE_SESSION, Change.RECORD_ATTENDANCE,
                                                Change.CREATE_POST, Change.VERIFY_POST))
    if role == Role.VIEWER:
        assert not may(role, change)
        with pytest.raises(DomainError) as e:
            check_role(role, change)
        assert e.value.code == "role_not_allowed"


@given(st.lists(st.sampled_from(list(NeedKind))), st.lists(st.sampled_from(list(NeedKind))))
def test_merging_needs_keeps_how_each_was_first_recorded(before: list[NeedKind], after: list[NeedKind]) -> None:
    from zhumeng_tui.domain.graduates import NeedEntry, NeedSource, merge_needs

    old = [NeedEntry(k, dt.date(2025, 11, 1), NeedSource.SURVEY, "survey") for k in check_needs(before)]
    new = merge_needs(old, after, NeedSource.STAFF, TODAY, "demo-univ")
    assert [e.kind for e in new] == check_needs(after)
    for e in new:
        if e.kind in before:
            assert (e.recorded_on, e.source) == (dt.date(2025, 11, 1), NeedSource.SURVEY)
        else:
            assert (e.recorded_on, e.source, e.by) == (TODAY, NeedSource.STAFF, "demo-univ")
