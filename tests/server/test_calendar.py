from __future__ import annotations

from fastapi import FastAPI

from tests.server.conftest import fingerprint
from tests.support import Api


async def test_calendar_seeded_from_chinesecalendar(api: Api) -> None:
    r = await api.get("demo-dept", "/calendar")
    assert r.status_code == 200
    years = {y["year"]: y for y in r.json()}
    assert 2026 in years and 2027 not in years
    assert "2026-10-01" in years[2026]["holidays"] and "2026-10-10" in years[2026]["workdays"]
    assert years[2026]["id"] == 2026


async def test_calendar_import(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    for campus in ("demo-dept", "demo-univ"):  # shared by every university: the province writes it
        r = await api.write(campus, "PUT", "/calendar/2027", {"holidays": ["2027-01-01"]})
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2026-01-01"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "calendar_wrong_year"
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2027-02-06"], "workdays": ["2027-02-06"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "calendar_conflict"
    r = await api.write("demo-province", "PUT", "/calendar/1999", {"holidays": []})
    assert r.status_code == 422
    assert fingerprint(app) == fp
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2027-01-01"], "workdays": []})
    assert r.status_code == 200 and r.json()["version"] == 1
    cal = r.json()
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2027-01-01", "2027-02-08"]})
    assert r.status_code == 428
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2027-01-01", "2027-02-08"]},
                        version=cal["version"])
    assert r.status_code == 200 and r.json()["holidays"] == ["2027-01-01", "2027-02-08"]
    feed = await api.all_changes("demo-dept", since=cal["seq"] - 1)
    assert [c["type"] for c in feed["changes"]] == ["calendar_year", "calendar_year"][: len(feed["changes"])]
    assert feed["changes"][-1]["data"]["version"] == 2
