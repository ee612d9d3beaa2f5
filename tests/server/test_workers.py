"""Several server processes on one PostgreSQL database, as a deployment runs
them (``zhumeng-server --workers 2`` beside a second ``zhumeng-server``):
sessions, sign-in throttling and idempotency keys live in the database, so
what one process did holds in every other."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.postgres import Postgres
from zhumeng_server.settings import Settings
from zhumeng_server.testing import create_database, drop_database, free_port, server_process

pytestmark = pytest.mark.slow

SECRET = "workers-test-secret"
PASSWORD = "a-province-password"
TOKEN = "/api/v1/auth/token"


def server_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "zhumeng_server.cli", *args], input=stdin, text=True,
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def serving(url: str, log: Path, *options: str) -> Iterator[str]:
    """``zhumeng-server --database-url url *options`` on a free loopback port,
    until it answers ``/health``; stopped on exit."""
    port = free_port()
    env = {**os.environ, "ZHUMENG_SECRET": SECRET}
    with log.open("w") as out, server_process(
        [sys.executable, "-m", "zhumeng_server.cli", "--database-url", url, "--port", str(port), *options],
        port, env=env, stdout=out, why=lambda: "\n" + log.read_text(),
    ) as base:
        yield base


def sign_in(base: str, user: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(base + TOKEN, json={"username": user, "password": password}, timeout=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_sessions_throttling_and_idempotency_are_shared_by_every_process(
    postgres: Postgres, tmp_path: Path
) -> None:
    url = postgres.new_url()
    create_database(url)
    try:
        server_cli("migrate", "--database-url", url)
        for user in ("prov", "prov2"):
            server_cli("create-user", "--database-url", url, "--username", user, "--role", "province",
                       "--password-stdin", stdin=PASSWORD + "\n")
        with serving(url, tmp_path / "a.log", "--workers", "2") as a, serving(url, tmp_path / "b.log") as b:
            # a session begun on one process works on the other, and ends on both
            token = sign_in(a, "prov").json()["access_token"]
            assert httpx.get(b + "/api/v1/me", headers=bearer(token)).json()["username"] == "prov"
            assert httpx.delete(b + TOKEN, headers=bearer(token)).status_code == 204
            assert httpx.get(a + "/api/v1/me", headers=bearer(token)).status_code == 401

            # a write retried on the other process is answered from the first, not applied twice
            headers = {**bearer(sign_in(b, "prov").json()["access_token"]), "Idempotency-Key": "calendar-2027-1"}
            body = {"holidays": ["2027-01-01"], "workdays": []}
            first = httpx.put(a + "/api/v1/calendar/2027", json=body, headers=headers)
            assert first.status_code == 200, first.text
            again = httpx.put(b + "/api/v1/calendar/2027", json=body, headers=headers)
            assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
            assert again.json() == first.json() and again.json()["version"] == 1

            # wrong passwords spread over the processes lock the account on all of them
            for i in range(Settings().signin_account_failures):
                assert sign_in(a if i % 2 else b, "prov2", f"wrong-{i}").status_code == 401
            for base in (a, b):
                locked = sign_in(base, "prov2")
                assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    finally:
        drop_database(url)
