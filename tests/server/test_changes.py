from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.server.conftest import pick
from tests.support import Api
from zhumeng_tui.api_client import schemas as s


async def test_feed_pages_cover_everything_once(api: Api) -> None:
    full = await api.all_changes("demo-univ")
    assert not full["has_more"] and not full["reset"]
    seqs = [c["seq"] for c in full["changes"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    got: list[dict[str, Any]] = []
    since = 0
    pages = 0
    while True:
        r = await api.get("demo-univ", "/changes", params={"since": since, "limit": 500})
        page = s.ChangesResponse.model_validate(r.json())
        assert said_in_headers(r.headers) == (page.cursor, page.has_more, page.horizon)
        got.extend(c.model_dump() for c in page.changes)
        assert page.cursor >= since
        since = page.cursor
        pages += 1
        if not page.has_more:
            break
    assert pages > 2
    assert [c["seq"] for c in got] == seqs
    # Nothing new: one small answer, same cursor.
    r = await api.get("demo-univ", "/changes", params={"since": since})
    assert r.json() == {"changes": [], "cursor": since, "has_more": False, "reset": False, "horizon": 0}


def said_in_headers(headers: Any) -> tuple[int, bool, int]:
    """The cursor, has_more and horizon a page's headers repeat (a client asks
    for the next page with them before it has decoded the body)."""
    more = headers[s.HAS_MORE_HEADER]
    assert more in ("true", "false")
    return int(headers[s.CURSOR_HEADER]), more == "true", int(headers[s.HORIZON_HEADER])


async def test_every_record_parses_with_the_schema(api: Api) -> None:
    r = await api.get("demo-province", "/changes", params={"limit": 10000})
    assert "password_hash" not in r.text and "scrypt$" not in r.text and '"id_number"' not in r.text
    full = await api.all_changes("demo-province")
    types = set()
    for c in full["changes"]:
        change = s.Change.model_validate(c)
        model = s.RECORD_MODELS[change.type]
        rec = model.model_validate(change.data)
        assert rec.id == change.id and rec.seq == change.seq and rec.version == change.version
        types.add(change.type)
    assert types == set(s.RECORD_MODELS)


async def test_feed_returns_exactly_what_changed(api: Api) -> None:
    base = await api.all_changes("demo-dept")
    cursor = base["cursor"]
    apps = await api.records("demo-dept", "application")
    a = pick(apps, status="matched")
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"])
    assert r.status_code == 200
    on = pick(apps, status="on_duty")
    f = await api.write("demo-dept", "POST", "/followups", {"application_id": on["id"], "date": "2026-03-10",
                                                            "channel": "微信", "staff": "李老师", "note": "ok"})
    assert f.status_code == 201
    delta = await api.all_changes("demo-dept", since=cursor)
    kinds = [(c["type"], c["id"]) for c in delta["changes"]]
    assert ("application", a["id"]) in kinds and ("followup", f.json()["id"]) in kinds
    assert all(t in ("application", "followup") for t, _ in kinds)
    app_change = next(c for c in delta["changes"] if c["type"] == "application" and c["id"] == a["id"])
    assert app_change["data"] == r.json()
    # Delete the follow-up: a tombstone.
    cur2 = delta["cursor"]
    fu = f.json()
    d = await api.write("demo-dept", "DELETE", f"/followups/{fu['id']}", version=fu["version"])
    assert d.status_code == 204
    delta2 = await api.all_changes("demo-dept", since=cur2)
    assert delta2["changes"] == [{"type": "followup", "id": fu["id"], "seq": delta2["changes"][0]["seq"],
                                  "version": fu["version"] + 1, "deleted": True, "data": None}]
    assert (await api.get("demo-dept", f"/followups/{fu['id']}")).status_code == 404
    # Other departments' changes are not in this feed, but the cursor moves past them.
    other = pick(await api.records("demo-univ", "application"), status="matched", department_id=3)
    r = await api.write("demo-univ", "POST", f"/applications/{other['id']}/actions",
                        {"action": "return", "reason": "x"}, version=other["version"])
    assert r.status_code == 200
    delta3 = await api.all_changes("demo-dept", since=delta2["cursor"])
    assert delta3["changes"] == [] and delta3["cursor"] > delta2["cursor"]


async def test_followup_delete_only_by_author(api: Api) -> None:
    apps = await api.records("demo-dept", "application")
    on = pick(apps, status="on_duty")
    f = (await api.write("demo-univ", "POST", "/followups", {"application_id": on["id"], "date": "2026-03-10",
                                                             "channel": "电话", "staff": "王", "note": "x"})).json()
    r = await api.write("demo-dept", "DELETE", f"/followups/{f['id']}", version=f["version"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_author"
    r = await api.write("demo-univ", "DELETE", f"/followups/{f['id']}")
    assert r.status_code == 428
    r = await api.write("demo-univ", "DELETE", f"/followups/{f['id']}", version=f["version"])
    assert r.status_code == 204


async def test_position_delete_tombstone_and_prune_reset(api: Api, app: FastAPI) -> None:
    r = await api.write("demo-province", "POST", "/positions",
                        {"employer_id": 1, "title": "临时岗位", "start_date": "2026-04-01", "end_date": "2026-06-30"})
    assert r.status_code == 201, r.text
    p = r.json()
    used = pick(await api.records("demo-univ", "application"), status="matched")
    r = await api.write("demo-univ", "DELETE", f"/positions/{p['id']}", version=p["version"])
    assert r.status_code == 403
    r = await api.write("demo-province", "DELETE", f"/positions/{used['position_id']}",
                        version=(await api.get("demo-province", f"/positions/{used['position_id']}")).json()["version"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "has_applications"
    old_cursor = p["seq"] - 1
    r = await api.write("demo-province", "DELETE", f"/positions/{p['id']}", version=p["version"])
    assert r.status_code == 204
    delta = await api.all_changes("demo-univ", since=old_cursor)
    tomb = [c for c in delta["changes"] if c["type"] == "position" and c["id"] == p["id"]]
    assert len(tomb) == 1 and tomb[0]["deleted"] and tomb[0]["data"] is None
    # Prune: a cursor from before the tombstone must reset; a fresh cursor is fine.
    r = await api.client.post("/api/v1/admin/prune-tombstones", headers=await api.login("demo-univ"))
    assert r.status_code == 403
    r = await api.client.post("/api/v1/admin/prune-tombstones", headers=await api.login("demo-province"))
    assert r.status_code == 200 and r.json()["pruned"] == 1
    horizon = r.json()["tombstone_horizon"]
    assert horizon == tomb[0]["seq"]
    reset = await api.all_changes("demo-univ", since=old_cursor)
    assert reset == {"changes": [], "cursor": 0, "has_more": False, "reset": True, "horizon": horizon}
    ok = await api.all_changes("demo-univ", since=horizon)
    assert not ok["reset"]
    full = await api.all_changes("demo-univ", since=0)
    assert not full["reset"] and all(not c["deleted"] for c in full["changes"]) and full["horizon"] == horizon
    # A pull that began after the purge sends the horizon it got: its pages
    # below the horizon are not a reset; an older horizon still is.
    r = await api.get("demo-univ", "/changes", params={"since": old_cursor, "horizon": horizon})
    assert not r.json()["reset"]
    r = await api.get("demo-univ", "/changes", params={"since": old_cursor, "horizon": horizon - 1})
    assert r.json()["reset"]
    assert said_in_headers(r.headers) == (0, False, horizon)  # a reset says no more in its headers too


async def test_cursor_ahead_of_the_server_resets(api: Api) -> None:
    full = await api.all_changes("demo-dept")
    r = await api.all_changes("demo-dept", since=full["cursor"] + 1000)
    assert r == {"changes": [], "cursor": 0, "has_more": False, "reset": True, "horizon": 0}


async def test_limit_bounds(api: Api) -> None:
    for params in ({"limit": 0}, {"limit": 10001}, {"since": -1}, {"since": "abc"}):
        r = await api.get("demo-univ", "/changes", params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = await api.get("demo-univ", "/changes", params={"limit": 10000})
    assert r.status_code == 200
