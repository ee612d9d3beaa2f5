from __future__ import annotations

from tests.server.conftest import pick
from tests.support import Api


async def test_department_sees_only_its_department(api: Api) -> None:
    feed = await api.all_changes("demo-dept")
    scoped = {"student", "application", "withdrawal", "followup", "integrity"}
    kinds = {c["type"] for c in feed["changes"]}
    assert {"student", "application", "employer", "position", "calendar_year"} <= kinds
    for c in feed["changes"]:
        if c["type"] in scoped:
            assert c["data"]["department_id"] == 1, c
        if c["type"] == "department":
            assert c["id"] == 1
    univ = await api.all_changes("demo-univ")
    depts = {c["data"]["department_id"] for c in univ["changes"] if c["type"] == "application"}
    assert len(depts) == 12


async def test_other_department_record_is_404(api: Api) -> None:
    apps = await api.records("demo-univ", "application")
    other = pick(apps, department_id=2, status="matched")
    r = await api.get("demo-dept", f"/applications/{other['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert "student_id" not in r.text
    r = await api.write("demo-dept", "POST", f"/applications/{other['id']}/actions", {"action": "confirm"},
                        version=other["version"])
    assert r.status_code == 404
    mine = pick(apps, department_id=1, status="matched")
    assert (await api.get("demo-dept", f"/applications/{mine['id']}")).status_code == 200
    assert (await api.get("demo-dept", f"/students/{other['student_id']}")).status_code == 404


async def test_viewer_reads_but_never_writes(api: Api) -> None:
    apps = await api.records("demo-viewer", "application")
    assert len({a["department_id"] for a in apps}) == 12
    a = pick(apps, status="dept_confirmed")
    r = await api.write("demo-viewer", "POST", f"/applications/{a['id']}/actions", {"action": "approve"},
                        version=a["version"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "read_only"
    r = await api.write("demo-viewer", "POST", "/followups",
                        {"application_id": a["id"], "date": "2026-03-01", "channel": "电话", "staff": "x", "note": "y"})
    assert r.status_code == 403


async def test_province_sees_everything(api: Api) -> None:
    prov = await api.all_changes("demo-province")
    univ = await api.all_changes("demo-univ")
    assert len(prov["changes"]) >= len(univ["changes"])
