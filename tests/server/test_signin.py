"""Signing in: throttled per account and per client address (the counters
live in the database, so every worker shares them), the same work for an
unknown user as for a wrong password, Argon2id hashes (older hashes upgraded
on the next sign-in), demo accounts only on a demo server, and tokens that
expire when idle as well as after their lifetime."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from zhumeng_server import auth
from zhumeng_server.app import create_app
from zhumeng_server.testing import DEMO_PASSWORD, TEST_SECRET

TOKEN = "/api/v1/auth/token"


@asynccontextmanager
async def client_from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def database_url(app: FastAPI) -> str:
    return str(app.state.server.engine.url.render_as_string(hide_password=False))


def advance(app: FastAPI, by: dt.timedelta) -> None:
    """Move the server's clock forward."""
    st = app.state.server
    before = st.now
    st.now = lambda: before() + by


def sign_in(c: httpx.AsyncClient, user: str, password: str = DEMO_PASSWORD) -> Any:
    return c.post(TOKEN, json={"username": user, "password": password})


async def test_wrong_passwords_lock_the_account_for_a_while(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "zhumeng_server")
    settings = app.state.server.settings
    async with client_from(app, "198.51.100.1") as c:
        for i in range(settings.signin_account_failures):
            assert (await sign_in(c, "demo-univ", f"wrong-{i}")).status_code == 401
        r = await sign_in(c, "demo-univ")
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "too_many_attempts"
        assert r.json()["error"]["message_zh"] and r.json()["error"]["message_en"]
        retry = int(r.headers["Retry-After"])
        assert 0 < retry <= settings.signin_lockout.total_seconds()
        assert (await sign_in(c, "demo-dept")).status_code == 200  # another account is not locked
    async with client_from(app, "198.51.100.2") as c:
        assert (await sign_in(c, "demo-univ")).status_code == 429  # the account, from anywhere
        advance(app, dt.timedelta(seconds=retry + 1))
        assert (await sign_in(c, "demo-univ")).status_code == 200
    failures = [r for r in caplog.records if "demo-univ" in r.getMessage() and "198.51.100.1" in r.getMessage()]
    assert len(failures) >= settings.signin_account_failures


async def test_guesses_sent_at_once_get_no_more_tries_than_one_after_another(app: FastAPI) -> None:
    limit = app.state.server.settings.signin_account_failures
    async with client_from(app, "198.51.100.3") as c:
        answers = await asyncio.gather(*(sign_in(c, "demo-univ2", f"guess-{i}") for i in range(4 * limit)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(401) == limit and codes.count(429) == 3 * limit, codes


async def test_many_names_from_one_address_lock_the_address(app: FastAPI) -> None:
    settings = app.state.server.settings
    async with client_from(app, "203.0.113.9") as c:
        for i in range(settings.signin_address_failures):
            assert (await sign_in(c, f"guess-{i}", "x")).status_code == 401
        r = await sign_in(c, "demo-univ")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    async with client_from(app, "203.0.113.10") as c:
        assert (await sign_in(c, "demo-univ")).status_code == 200


async def test_the_counters_are_shared_by_every_server_on_the_database(app: FastAPI) -> None:
    other = create_app(database_url(app), TEST_SECRET, demo=True)
    try:
        limit = app.state.server.settings.signin_account_failures
        async with client_from(app, "192.0.2.1") as a, client_from(other, "192.0.2.1") as b:
            for i in range(limit):
                assert (await sign_in(a if i % 2 else b, "demo-dept", "wrong")).status_code == 401
            assert (await sign_in(a, "demo-dept")).status_code == 429
            assert (await sign_in(b, "demo-dept")).status_code == 429
    finally:
        other.state.server.engine.dispose()


async def test_a_success_clears_the_account_count(app: FastAPI) -> None:
    limit = app.state.server.settings.signin_account_failures
    async with client_from(app, "192.0.2.7") as c:
        for _ in range(3):
            for _ in range(limit - 1):
                assert (await sign_in(c, "demo-viewer", "typo")).status_code == 401
            assert (await sign_in(c, "demo-viewer")).status_code == 200


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored hashes each sign-in verified a password against."""
    seen: list[str] = []
    real: Callable[[str, str], bool] = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        seen.append(stored)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", spy)
    return seen


async def test_unknown_and_disabled_users_cost_one_verification(app: FastAPI, verifications: list[str]) -> None:
    with app.state.server.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET active = false WHERE username = 'demo-univ2'"))
    async with client_from(app, "192.0.2.20") as c:
        for user, password in (("nobody-here", "x"), ("demo-univ2", DEMO_PASSWORD), ("demo-univ", "wrong")):
            verifications.clear()
            r = await sign_in(c, user, password)
            assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials", user
            assert len(verifications) == 1 and verifications[0].startswith("$argon2id$"), user


async def test_passwords_are_argon2id_with_a_salt_each(app: FastAPI) -> None:
    with app.state.server.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM staff"))]
    assert len(hashes) > 3
    for h in hashes:
        assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), h  # OWASP's parameters
    salts = [h.split("$")[4] for h in hashes]
    assert len(set(salts)) == len(salts)


def legacy_scrypt(password: str) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


async def test_an_older_hash_is_upgraded_on_the_next_sign_in(app: FastAPI) -> None:
    old = legacy_scrypt(DEMO_PASSWORD)
    with app.state.server.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET password_hash = :h WHERE username = 'demo-dept'"), {"h": old})

    def stored() -> str:
        with app.state.server.engine.connect() as conn:
            return str(conn.execute(text("SELECT password_hash FROM staff WHERE username = 'demo-dept'")).scalar())

    async with client_from(app, "192.0.2.30") as c:
        assert (await sign_in(c, "demo-dept", "wrong")).status_code == 401
        assert stored() == old
        assert (await sign_in(c, "demo-dept")).status_code == 200
        assert stored().startswith("$argon2id$")
        assert (await sign_in(c, "demo-dept")).status_code == 200


async def test_demo_accounts_sign_in_only_on_a_demo_server(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhumeng_server import cli

    url = database_url(app)
    real = create_app(url, TEST_SECRET, demo=False)
    try:
        async with client_from(real, "192.0.2.40") as c:
            for user in ("demo-univ", "demo-province", "counsellor01"):
                r = await sign_in(c, user)
                assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials", user
        monkeypatch.setattr("sys.stdin", io.StringIO("a-real-password\n"))
        assert cli.main(["create-user", "--database-url", url, "--username", "real-admin", "--role", "province",
                         "--password-stdin"]) == 0
        async with client_from(real, "192.0.2.40") as c:
            assert (await sign_in(c, "real-admin", "a-real-password")).status_code == 200
    finally:
        real.state.server.engine.dispose()


async def test_a_token_expires_when_idle_and_after_its_lifetime(app: FastAPI) -> None:
    st = app.state.server
    st.settings = dataclasses.replace(st.settings, token_lifetime=dt.timedelta(hours=1),
                                      token_idle=dt.timedelta(minutes=20))
    async with client_from(app, "192.0.2.50") as c:
        r = await sign_in(c, "demo-univ")
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for _ in range(3):  # used every 15 minutes: alive
            advance(app, dt.timedelta(minutes=15))
            assert (await c.get("/api/v1/me", headers=h)).status_code == 200
        advance(app, dt.timedelta(minutes=16))  # 61 minutes after sign-in
        r = await c.get("/api/v1/me", headers=h)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        r = await sign_in(c, "demo-univ")
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        advance(app, dt.timedelta(minutes=21))  # idle too long
        assert (await c.get("/api/v1/me", headers=h)).status_code == 401
