"""An administrator manages accounts from the server's command line, and each
change is in the audit log; the purge job drops what no longer counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.server.test_signin import client_from, database_url, sign_in
from tests.support import Api
from zhumeng_server import cli


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, *args: str,
        stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main([args[0], "--database-url", url, *args[1:]])
    out = capsys.readouterr()
    return code, out.out + out.err


def audit(app: FastAPI) -> list[tuple[str, str]]:
    with app.state.server.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text(
            "SELECT action, username FROM audit_event WHERE record_type = 'staff' ORDER BY id"))]


async def test_accounts_from_the_command_line(app: FastAPI, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url = database_url(app)
    code, out = run(capsys, monkeypatch, url, "create-user", "--username", "wang", "--role", "university",
                    "--university", "四川逐梦大学", "--password-stdin", stdin="first-password\n")
    assert code == 0, out
    code, out = run(capsys, monkeypatch, url, "create-user", "--username", "short", "--role", "province",
                    "--password-stdin", stdin="1234567\n")
    assert code == 2 and "at least 8 characters" in out
    code, out = run(capsys, monkeypatch, url, "create-user", "--username", "bad\x00name", "--role", "province",
                    "--password-stdin", stdin="a-long-password\n")
    assert code == 2 and "control character" in out
    code, out = run(capsys, monkeypatch, url, "list-users")
    line = next(row for row in out.splitlines() if row.startswith("wang\t"))
    assert line.split("\t")[:6] == ["wang", "university", "四川逐梦大学", "-", "enabled", "0"]
    assert "demo-univ\tuniversity" in out and "enabled demo" in out

    async with client_from(app, "192.0.2.60") as c:
        r = await sign_in(c, "wang", "first-password")
        assert r.status_code == 200
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (await c.get("/api/v1/me", headers=h)).status_code == 200

        code, out = run(capsys, monkeypatch, url, "revoke-sessions", "--username", "wang")
        assert code == 0 and "1 session(s)" in out
        assert (await c.get("/api/v1/me", headers=h)).status_code == 401

        code, out = run(capsys, monkeypatch, url, "reset-password", "--username", "wang", "--password-stdin",
                        stdin="second-password\n")
        assert code == 0, out
        assert (await sign_in(c, "wang", "first-password")).status_code == 401
        r = await sign_in(c, "wang", "second-password")
        assert r.status_code == 200
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}

        code, out = run(capsys, monkeypatch, url, "disable-user", "--username", "wang")
        assert code == 0, out
        assert (await c.get("/api/v1/me", headers=h)).status_code == 401
        assert (await sign_in(c, "wang", "second-password")).status_code == 401
        assert run(capsys, monkeypatch, url, "disable-user", "--username", "wang")[0] == 2
        assert run(capsys, monkeypatch, url, "enable-user", "--username", "wang")[0] == 0
        assert (await sign_in(c, "wang", "second-password")).status_code == 200

    code, out = run(capsys, monkeypatch, url, "revoke-sessions", "--username", "nobody")
    assert code == 2 and "no account named 'nobody'" in out
    actions = [a for a, _ in audit(app)]
    assert actions[-5:] == ["staff.create", "staff.revoke_sessions", "staff.reset_password", "staff.disable",
                            "staff.enable"]
    assert all(who.startswith("cli:") for _, who in audit(app)[-5:])


async def test_a_city_account_from_the_command_line_sees_the_universities_of_its_city(
        app: FastAPI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    url = database_url(app)
    code, out = run(capsys, monkeypatch, url, "create-user", "--username", "city-x", "--role", "city",
                    "--password-stdin", stdin="a-city-password\n")
    assert code == 2 and "--city is required" in out
    for user, role, extra in (("city-x", "city", ()), ("univ-x", "university", ("--university", "某市新大学"))):
        code, out = run(capsys, monkeypatch, url, "create-user", "--username", user, "--role", role,
                        "--city", "某市", *extra, "--password-stdin", stdin="a-long-password\n")
        assert code == 0, out
    async with client_from(app, "192.0.2.61") as c:
        h = {"Authorization": f"Bearer {(await sign_in(c, 'city-x', 'a-long-password')).json()['access_token']}"}
        assert (await c.get("/api/v1/me", headers=h)).json()["role"] == "city"
        feed = (await c.get("/api/v1/changes", headers=h, params={"since": 0, "limit": 10000})).json()
        universities = {ch["data"]["name"] for ch in feed["changes"] if ch["type"] == "university"}
        assert universities == {"某市新大学"}


async def test_the_purge_job(app: FastAPI, api: Api, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    url = database_url(app)
    st = app.state.server
    await api.login("demo-univ")
    positions = await api.records("demo-province", "position")
    applied = {a["position_id"] for a in await api.records("demo-province", "application")}
    free = next(p for p in positions if p["id"] not in applied)
    r = await api.write("demo-province", "DELETE", f"/positions/{free['id']}", version=free["version"])
    assert r.status_code == 204, r.text
    with st.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM idempotency_key")).scalar() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM change_log WHERE deleted")).scalar() == 1

    # the purge reads the real clock, the test server a pinned one: date what matters by the real one
    now = dt.datetime.now(dt.UTC)
    with st.engine.begin() as conn:
        conn.execute(text("UPDATE auth_token SET created_at = :t, last_used_at = :t, expires_at = :e"),
                     {"t": now, "e": now + dt.timedelta(days=1)})
        conn.execute(text("UPDATE idempotency_key SET created_at = :t"), {"t": now})
        conn.execute(text("UPDATE audit_event SET at = :t"), {"t": now})
    code, out = run(capsys, monkeypatch, url, "purge")
    assert code == 0 and "purged: 0 token(s), 0 idempotency key(s)" in out and "0 tombstone(s)" in out

    old = now - dt.timedelta(days=400)
    with st.engine.begin() as conn:
        conn.execute(text("UPDATE auth_token SET created_at = :t, expires_at = :t, last_used_at = :t"
                          " WHERE staff_id = (SELECT id FROM staff WHERE username = 'demo-univ')"), {"t": old})
        conn.execute(text("UPDATE idempotency_key SET created_at = :t"), {"t": old})
        conn.execute(text("UPDATE audit_event SET at = :t"), {"t": old})
    code, out = run(capsys, monkeypatch, url, "purge")
    assert code == 0, out
    assert "purged: 1 token(s), 1 idempotency key(s)" in out and "1 tombstone(s)" in out
    with st.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM change_log WHERE deleted")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM auth_token")).scalar() == 1  # demo-province's
    feed = await api.all_changes("demo-province", since=1)
    assert feed["reset"] is True  # a cursor older than the purged tombstone pulls again
