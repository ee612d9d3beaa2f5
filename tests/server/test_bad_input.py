"""Every refused request: a 4xx ErrorResponse, and the database unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.server.conftest import fingerprint, pick
from tests.support import Api
from zhumeng_tui.api_client.schemas import ErrorResponse


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = ErrorResponse.model_validate(r.json()).error
    if code:
        assert err.code == code, r.text
    assert err.message_zh and err.message_en
    return r.json()["error"]


async def test_unknown_ids(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    for path in ("/applications/999999", "/withdrawals/999999", "/students/999999", "/followups/999999"):
        assert_error(await api.get("demo-univ", path), 404, "not_found")
    assert_error(await api.get("demo-univ", "/applications/abc"), 404, "not_found")
    assert_error(await api.get("demo-univ", "/applications/99999999999999999999999"), 422, "validation_error")
    assert_error(await api.get("demo-univ", "/nothing-here"), 404, "not_found")
    assert_error(await api.write("demo-univ", "POST", "/applications/999999/actions", {"action": "approve"},
                                 version=1), 404, "not_found")
    assert_error(await api.write("demo-univ", "POST", "/withdrawals", {"application_id": 2**70}), 404)
    assert_error(await api.write("demo-univ", "POST", "/integrity", {"student_id": 999999, "kind": "other",
                                                                      "date": "2026-03-01", "note": "x"}), 404)
    assert_error(await api.write("demo-univ", "PUT", "/applications/1/actions", {"action": "approve"}), 405)
    assert fingerprint(app) == fp


async def test_malformed_and_wrong_types(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    a = pick(await api.records("demo-univ", "application"), status="dept_confirmed")
    h = {**await api.login("demo-univ"), "Idempotency-Key": "m1", "If-Match": str(a["version"]),
         "Content-Type": "application/json"}
    for raw in (b"{not json", b"", b"[]", b"null", b'"x"', b"{\"action\": \"approve\"", b"\xff\xfe"):
        r = await api.client.post(f"/api/v1/applications/{a['id']}/actions", content=raw, headers=h)
        assert_error(r, 422, "validation_error")
    bad_bodies: list[dict[str, Any]] = [
        {"action": 5},
        {"action": "approve", "reason": 12},
        {"action": "approve", "acknowledge": ["nonsense"]},
        {"action": "approve", "acknowledge": "certified"},
        {"action": "approve", "extra": 1},
        {"action": "reject", "reason": "x" * 501},
        {},
    ]
    for body in bad_bodies:
        r = await api.write("demo-univ", "POST", f"/applications/{a['id']}/actions", body, version=a["version"])
        err = assert_error(r, 422, "validation_error")
        assert err["fields"], body
    r = await api.write("demo-univ", "POST", f"/applications/{a['id']}/actions",
                        {"action": "approve", "reason": 1, "bogus": True}, version=a["version"])
    fields = {f["field"] for f in assert_error(r, 422)["fields"]}
    assert fields == {"reason", "bogus"}
    r = await api.client.post("/api/v1/auth/token", json={"username": "u" * 100, "password": "x"})
    assert_error(r, 422, "validation_error")
    assert fingerprint(app) == fp


async def test_yes_or_no_is_true_or_false(api: Api, app: FastAPI) -> None:
    """A yes/no field takes true or false; 1, 0 or "yes" is refused with the
    field named, not read as a yes or a no."""
    fp = fingerprint(app)
    a = pick(await api.records("demo-univ", "application"), status="on_duty")
    for written in (1, 0, "yes", "true", "是"):
        r = await api.write("demo-univ", "PATCH", f"/applications/{a['id']}/tracking",
                            {"insurance_recorded": written}, version=a["version"])
        err = assert_error(r, 422, "validation_error")
        assert [f["field"] for f in err["fields"]] == ["insurance_recorded"], written
    assert fingerprint(app) == fp
    r = await api.write("demo-univ", "PATCH", f"/applications/{a['id']}/tracking",
                        {"insurance_recorded": True}, version=a["version"])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"application_id": 1, "date": "2026-03-01", "channel": "电话", "staff": "x", "note": "n" * 2001},
         "too_long"),
        ({"application_id": 1, "date": "2026-13-01", "channel": "电话", "staff": "x", "note": "n"},
         "validation_error"),
        ({"application_id": 1, "date": 1772323200, "channel": "电话", "staff": "x", "note": "n"},
         "validation_error"),  # a date as seconds since 1970
        ({"application_id": 1, "date": "2026-03-01", "channel": "飞鸽", "staff": "x", "note": "n"}, "bad_channel"),
        ({"application_id": "one", "date": "2026-03-01", "channel": "电话", "staff": "x", "note": "n"},
         "validation_error"),
        ({"application_id": 1, "date": "2026-03-01", "channel": "电话", "staff": "", "note": "n"}, "staff_required"),
        ({"application_id": 1, "date": "2026-03-01", "channel": "电话", "staff": "x", "note": " "}, "note_required"),
    ],
)
async def test_followup_bad_fields(api: Api, app: FastAPI, body: dict[str, Any], code: str) -> None:
    """Malformed fields are a validation error; a field a follow-up rule
    refuses answers with that rule's code."""
    fp = fingerprint(app)
    assert_error(await api.write("demo-univ", "POST", "/followups", body), 422, code)
    assert fingerprint(app) == fp


async def test_fourth_live_application_refused(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-province", "application")
    live = {"applied", "matched", "dept_confirmed", "approved", "returned", "on_duty"}
    counts: dict[int, int] = {}
    for a in apps:
        if a["status"] in live:
            counts[a["student_id"]] = counts.get(a["student_id"], 0) + 1
    sid = next(s for s, n in counts.items() if n == 3)
    fp = fingerprint(app)
    r = await api.write("demo-province", "POST", "/applications", {"student_id": sid, "position_id": 1})
    assert_error(r, 409, "live_limit_exceeded")
    assert fingerprint(app) == fp
    assert_error(await api.write("demo-univ", "POST", "/applications", {"student_id": sid, "position_id": 1}),
                 403, "role_not_allowed")
    sid2 = next(s for s, n in counts.items() if n == 1)
    r = await api.write("demo-province", "POST", "/applications", {"student_id": sid2, "position_id": 1})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "applied" and r.json()["checks"]


async def test_too_short_position_refused(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    for start, end, code in (("2026-04-01", "2026-04-20", "position_too_short"),
                             ("2026-04-01", "2026-12-01", "position_too_long"),
                             ("2026-04-01", "2026-03-01", "position_dates_reversed")):
        r = await api.write("demo-province", "POST", "/positions",
                            {"employer_id": 1, "title": "短期岗位", "start_date": start, "end_date": end})
        assert_error(r, 422, code)
    assert fingerprint(app) == fp


async def test_future_dates_refused(api: Api, app: FastAPI) -> None:
    a = pick(await api.records("demo-univ", "application"), status="on_duty")
    fp = fingerprint(app)
    r = await api.write("demo-univ", "POST", "/followups", {"application_id": a["id"], "date": "2026-03-11",
                                                            "channel": "电话", "staff": "x", "note": "n"})
    assert_error(r, 422, "date_in_future")
    r = await api.write("demo-univ", "POST", "/integrity", {"student_id": a["student_id"], "kind": "other",
                                                            "date": "2027-01-01", "note": "n"})
    assert_error(r, 422, "date_in_future")
    r = await api.write("demo-univ", "POST", "/integrity", {"student_id": a["student_id"], "kind": "other",
                                                            "date": "2026-01-01", "note": "  "})
    assert_error(r, 422, "reason_required")
    assert fingerprint(app) == fp


async def test_integrity_roles(api: Api, app: FastAPI) -> None:
    a = pick(await api.records("demo-univ", "application"), status="on_duty", department_id=1)
    body = {"student_id": a["student_id"], "application_id": a["id"], "kind": "false_info", "date": "2026-03-01",
            "note": "材料不实"}
    assert_error(await api.write("demo-dept", "POST", "/integrity", body), 403, "role_not_allowed")
    r = await api.write("demo-univ", "POST", "/integrity", body)
    assert r.status_code == 201 and r.json()["source"] == "staff" and r.json()["created_by"] == "demo-univ"
    other = pick(await api.records("demo-univ", "application"), department_id=2)
    r = await api.write("demo-univ", "POST", "/integrity", {**body, "application_id": other["id"]})
    assert_error(r, 422, "application_mismatch")


async def test_dates_out_of_range_and_huge_bodies(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    for start, end in (("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-03-01"), ("9999-07-01", "9999-12-31")):
        r = await api.write("demo-province", "POST", "/positions",
                            {"employer_id": 1, "title": "x", "start_date": start, "end_date": end})
        assert_error(r, 422, "date_out_of_range")
    a = pick(await api.records("demo-univ", "application"), status="on_duty")
    r = await api.write("demo-univ", "POST", "/followups", {"application_id": a["id"], "date": "0001-01-01",
                                                            "channel": "电话", "staff": "x", "note": "n"})
    assert_error(r, 422, "date_out_of_range")
    h = {**await api.login("demo-univ"), "Idempotency-Key": "big", "Content-Type": "application/json"}
    r = await api.client.post("/api/v1/followups", content=b" " * (11 * 1024 * 1024), headers=h)
    assert_error(r, 413, "too_large")
    assert fingerprint(app) == fp
