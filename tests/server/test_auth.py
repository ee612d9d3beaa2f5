from __future__ import annotations

from tests.support import Api


async def test_health_and_openapi(api: Api) -> None:
    r = await api.client.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    doc = (await api.client.get("/openapi.json")).json()
    paths = doc["paths"]
    for p in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/changes", "/api/v1/applications/{id}",
              "/api/v1/applications/{id}/actions", "/api/v1/applications/actions:batch",
              "/api/v1/withdrawals", "/api/v1/withdrawals/{id}/steps", "/api/v1/followups",
              "/api/v1/integrity", "/api/v1/calendar", "/api/v1/calendar/{year}",
              "/api/v1/applications/{id}/tracking", "/api/v1/applications/{id}/excellent"):
        assert p in paths, p


async def test_login_and_me(api: Api) -> None:
    r = await api.client.post("/api/v1/auth/token", json={"username": "demo-univ", "password": "zhumeng-demo"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["role"] == "university" and body["access_token"]
    me = await api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "demo-univ" and me.json()["university_name"]
    dept = (await api.get("demo-dept", "/me")).json()
    assert dept["role"] == "department" and dept["department_id"] == 1
    viewer = (await api.get("demo-viewer", "/me")).json()
    assert viewer["role"] == "viewer" and viewer["bound_role"] == "university"
    prov = (await api.get("demo-province", "/me")).json()
    assert prov["role"] == "province"


async def test_wrong_credentials_401(api: Api) -> None:
    for body in ({"username": "demo-univ", "password": "nope"}, {"username": "nobody", "password": "x"}):
        r = await api.client.post("/api/v1/auth/token", json=body)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"


async def test_missing_or_bad_token_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        r = await api.client.get("/api/v1/changes", headers=headers)
        assert r.status_code == 401, headers
        err = r.json()["error"]
        assert err["code"] == "unauthorized" and err["message_zh"] and err["message_en"]


async def test_token_stored_only_as_hash(api: Api, app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    await api.login("demo-univ")
    token = api.tokens["demo-univ"]
    with app.state.server.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT token_hash FROM auth_token"))]
        pw = conn.execute(text("SELECT password_hash FROM staff WHERE username='demo-univ'")).scalar()
    assert token not in hashes and len(hashes) == 1 and len(hashes[0]) == 64
    assert pw.startswith("$argon2id$") and "zhumeng-demo" not in pw


async def test_logout_revokes_the_token(api: Api) -> None:
    h = await api.login("demo-dept")
    assert (await api.client.get("/api/v1/me", headers=h)).status_code == 200
    r = await api.client.delete("/api/v1/auth/token", headers=h)
    assert r.status_code == 204
    r = await api.client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert (await api.client.delete("/api/v1/auth/token", headers=h)).status_code == 401
