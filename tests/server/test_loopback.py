"""Over a real loopback port (uvicorn in a thread)."""

from __future__ import annotations

import concurrent.futures
import socket
from pathlib import Path

import httpx
import pytest

from tests.support import ServerFactory, bearer
from zhumeng_server.embedded import start_demo_server
from zhumeng_server.testing import LoopbackServer

pytestmark = pytest.mark.slow


def test_sync_and_concurrent_writes_over_loopback(make_server: ServerFactory) -> None:
    url = make_server(students=100, seed=2, loopback=True).url
    assert httpx.get(url + "/api/v1/health").json() == {"status": "ok"}
    h = bearer(url, "demo-dept")
    feed = httpx.get(url + "/api/v1/changes", params={"limit": 10000}, headers=h).json()
    matched = [c["data"] for c in feed["changes"] if c["type"] == "application"
               and c["data"]["status"] == "matched"]
    assert matched
    target = matched[0]

    def send(i: int) -> int:
        # Eight racing clients replay one key: applied once, same answer.
        r = httpx.post(f"{url}/api/v1/applications/{target['id']}/actions", json={"action": "confirm"},
                       headers={**h, "Idempotency-Key": "race", "If-Match": str(target["version"])})
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(8)))
    assert codes == [200] * 8
    after = httpx.get(f"{url}/api/v1/applications/{target['id']}", headers=h).json()
    assert after["version"] == target["version"] + 1
    delta = httpx.get(url + "/api/v1/changes", params={"since": feed["cursor"]}, headers=h).json()
    assert [c["id"] for c in delta["changes"] if c["type"] == "application"].count(target["id"]) == 1
    r = httpx.get(url + "/api/v1/changes", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_the_loopback_server_sends_each_answer_at_once(make_server: ServerFactory) -> None:
    """Nagle's algorithm is off on the connections of the server ``make run``
    embeds: with it on, every answer on a kept-alive connection waited for
    the client's delayed acknowledgement, about 40 ms a request."""
    srv = LoopbackServer(make_server(students=20, seed=1).app).start()
    try:
        with httpx.Client() as client:
            for _ in range(2):
                assert client.get(srv.url + "/api/v1/health").status_code == 200
            sockets = [c.transport.get_extra_info("socket") for c in srv.server.server_state.connections]
            assert sockets and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
    finally:
        srv.stop()


def test_embedded_server_reuses_its_database(tmp_path: Path) -> None:
    srv = start_demo_server(tmp_path, students=40, seed=1)
    try:
        assert srv.url.startswith("http://127.0.0.1:")
        h = bearer(srv.url, "demo-univ")
        assert httpx.get(srv.url + "/api/v1/me", headers=h).json()["role"] == "university"
        mtime = srv.database.stat().st_mtime_ns
    finally:
        srv.stop()
    srv2 = start_demo_server(tmp_path, students=40, seed=1)
    try:
        assert srv2.database.stat().st_mtime_ns == mtime or srv2.database.exists()
        # Tokens survive a restart (the secret is kept in the data dir).
        assert httpx.get(srv2.url + "/api/v1/me", headers=h).status_code == 200
    finally:
        srv2.stop()
    srv3 = start_demo_server(tmp_path, students=41, seed=1)  # other size: regenerated
    try:
        h3 = bearer(srv3.url, "demo-univ")
        feed = httpx.get(srv3.url + "/api/v1/changes", params={"limit": 10000}, headers=h3).json()
        assert sum(1 for c in feed["changes"] if c["type"] == "student") == 41
    finally:
        srv3.stop()
