from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.status import Status

S = el.StudentFacts("张三", "2023010001", "在读", True, True, True, False)
P = el.PositionFacts("实习生", "某公司", dt.date(2026, 4, 1), dt.date(2026, 6, 30))
F = el.ReportForm("张三", "2023010001", "某公司", "实习生", P.start_date, P.end_date)


def by_id(outcomes: list[el.CheckOutcome]) -> dict[el.CheckId, el.CheckResult]:
    return {o.check: o.result for o in outcomes}


def test_all_pass() -> None:
    out = el.evaluate(S, P, F, Status.DEPT_CONFIRMED)
    assert [o.check for o in out] == list(el.CheckId)
    assert el.worst(out) == el.CheckResult.PASS


def test_each_check_can_fail_or_warn() -> None:
    import dataclasses as dc

    r = by_id(el.evaluate(dc.replace(S, enrollment_status="休学"), P, F, Status.MATCHED))
    assert r[el.CheckId.ENROLLED] == "fail"
    assert by_id(el.evaluate(dc.replace(S, realname_verified=False), P, F, Status.MATCHED))[el.CheckId.REALNAME] == "fail"
    assert by_id(el.evaluate(dc.replace(S, univ_certified=False), P, F, Status.MATCHED))[el.CheckId.CERTIFIED] == "warn"
    assert by_id(el.evaluate(S, P, None, Status.MATCHED))[el.CheckId.REPORT_FORM] == "fail"
    assert by_id(el.evaluate(S, P, dc.replace(F, end_date=dt.date(2026, 6, 1)), Status.MATCHED))[
        el.CheckId.REPORT_FORM] == "warn"
    others = [el.OtherApplication(i, Status.MATCHED, P.start_date, P.end_date) for i in range(3)]
    assert by_id(el.evaluate(S, P, F, Status.MATCHED, others))[el.CheckId.LIVE_LIMIT] == "fail"
    short = dc.replace(P, end_date=dt.date(2026, 4, 20))
    assert by_id(el.evaluate(S, short, F, Status.MATCHED))[el.CheckId.POSITION_LENGTH] == "fail"
    overlap = [el.OtherApplication(9, Status.APPROVED, dt.date(2026, 5, 1), dt.date(2026, 7, 1))]
    assert by_id(el.evaluate(S, P, F, Status.MATCHED, overlap))[el.CheckId.NO_OVERLAP] == "fail"
    assert by_id(el.evaluate(dc.replace(S, out_of_province=True), P, F, Status.MATCHED))[el.CheckId.IN_PROVINCE] == "fail"


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)), st.integers(0, 400))
def test_position_length_bounds(start: dt.date, days: int) -> None:
    end = start + dt.timedelta(days=days - 1)
    err = el.position_length_error(start, end)
    if days < el.MIN_POSITION_DAYS:
        assert err is not None
    elif end < el.add_months(start, el.MAX_POSITION_MONTHS):
        assert err is None
    else:
        assert err is not None and err.code == "position_too_long"
