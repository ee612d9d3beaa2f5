"""What the tests share: the reference server started one way (generated
demo data, a pinned "today", in process or on a loopback port), the services
built the way the app builds them, the app harness for Pilot tests and
``wait_for``, a thin client of the server's API, and a few questions about
the demo data.

The fixtures that use these are in ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import itertools
import os
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from textual.app import App
from textual.widgets import Static

from tests.faults import FaultTransport
from zhumeng_server.testing import DEMO_PASSWORD, make_demo_app, serve_on_loopback
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.app import Connected, Connector, LaunchOptions, ZhumengApp
from zhumeng_tui.domain.status import Status
from zhumeng_tui.services import AppFilter, Services, SortSpec
from zhumeng_tui.services.local import LocalServices, connect

if TYPE_CHECKING:
    from textual.pilot import Pilot
    from textual.screen import Screen

#: The day the demo data and both sides' clocks are pinned to (a Tuesday;
#: 2026 has calendar data).
TODAY = dt.date(2026, 3, 10)
#: The base URL of a server that runs in process (any host does).
IN_PROCESS_URL = "http://demo.test"


@dataclass(frozen=True)
class DemoServer:
    """A running demo server: its app (to look inside its database), the URL
    clients use, the "today" it is pinned to, and whether it runs in process."""

    app: FastAPI
    url: str
    today: dt.date
    in_process: bool

    def transport(self) -> httpx.AsyncBaseTransport:
        """A new transport that reaches this server."""
        return httpx.ASGITransport(app=self.app) if self.in_process else httpx.AsyncHTTPTransport()

    def tokens(self) -> int:
        """Sessions the server holds (sign-in tokens not revoked)."""
        with self.app.state.server.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM auth_token")).scalar_one())


@contextmanager
def demo_server(
    directory: Path,
    *,
    students: int = 200,
    seed: int = 1,
    today: dt.date = TODAY,
    loopback: bool = False,
    database_url: str | None = None,
) -> Iterator[DemoServer]:
    """The reference server with generated demo data (``students``, ``seed``)
    on ``today``, in process (ASGI) or on a loopback port (uvicorn in a
    thread, stopped on exit). Its database is ``database_url``, by default a
    SQLite file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    app = make_demo_app(directory, students=students, seed=seed, today=today, database_url=database_url)
    if not loopback:
        yield DemoServer(app, IN_PROCESS_URL, today, in_process=True)
        return
    with serve_on_loopback(app) as url:
        yield DemoServer(app, url, today, in_process=False)


#: The ``make_server`` fixture: ``demo_server``'s options -> a started server.
ServerFactory = Callable[..., DemoServer]


async def open_services(
    server: DemoServer,
    data_dir: Path,
    username: str = "demo-univ",
    *,
    password: str | None = DEMO_PASSWORD,
    transport: httpx.AsyncBaseTransport | None = None,
    sync: bool = False,
    today: Callable[[], dt.date] | None = None,
) -> LocalServices:
    """The services as the composition root builds them
    (``services.local.connect``) for ``username``, with the cache in
    ``data_dir``, on the server's day unless ``today`` says otherwise.

    Requests go through ``transport`` (default: straight to the server) and
    are not retried, and a failed push may be tried again at once, so a fault
    the test injects is met exactly where it was planned. ``sync``: pull
    everything, and build the lists' indexes, before returning."""
    api = ApiClient(server.url, transport=transport or server.transport(), retries=0, backoff=0.001)
    services = await connect(
        server.url,
        username=username,
        password=password,
        data_dir=data_dir,
        api=api,
        today=today or (lambda: server.today),
    )
    services.engine.backoff = 0.0
    if sync:
        await services.sync()
        await services.engine.settled()
    return services


async def until(
    cond: Callable[[], object], what: str | None = None, timeout: float = 30.0, *,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Let the event loop run until ``cond()`` holds, looking every 0.05 s
    (``pause`` waits in between). After ``timeout`` seconds (a guard against a hang, not a speed
    check) fail, saying what was awaited: ``what``, or the source of ``cond``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"not met within {timeout:g} s: {what or _source(cond)}")
        await pause(0.05)


async def wait_for(
    pilot: Pilot[object], cond: Callable[[], object], what: str | None = None, timeout: float = 30.0
) -> None:
    """:func:`until`, letting the app run (``pilot.pause``)."""
    await until(cond, what, timeout, pause=pilot.pause)


def _source(cond: Callable[[], object]) -> str:
    try:
        return " ".join(inspect.getsource(cond).split())
    except (OSError, TypeError):
        return repr(cond)


async def wait_signed_in(pilot: Pilot[object], app: ZhumengApp) -> Services:
    """Until the app has signed in; its services."""
    await wait_for(pilot, lambda: app.services is not None, "signed in")
    assert app.services is not None
    return app.services


async def wait_synced(pilot: Pilot[object], app: ZhumengApp) -> None:
    """Until the app has signed in and its sync has finished."""
    await wait_signed_in(pilot, app)
    await wait_for(
        pilot,
        lambda: not app.workers or all(w.group != "sync" or w.is_finished for w in app.workers),
        "sync worker finished",
    )
    await wait_for(
        pilot, lambda: app.last_sync_status is not None and not app.last_sync_status.syncing, "sync status shown"
    )
    await pilot.pause(0.1)


_keys = itertools.count(1)


class Api:
    """A thin client of the server's API, as any other client would call it:
    signs in per user (demo password) and sends the write headers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        #: Per user: a mirror of the change feed (what a client keeps) and its cursor.
        self.mirrors: dict[str, tuple[int, dict[tuple[str, int], dict[str, Any]]]] = {}

    async def login(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = await self.client.post("/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def get(self, user: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get("/api/v1" + path, headers=await self.login(user), **kw)

    async def write(
        self, user: str, method: str, path: str, body: Any = None, *, version: int | None = None,
        key: str | None = None, headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = dict(await self.login(user))
        h["Idempotency-Key"] = key or f"test-key-{next(_keys)}"
        if version is not None:
            h["If-Match"] = str(version)
        h.update(headers or {})
        return await self.client.request(method, "/api/v1" + path, json=body, headers=h)

    async def all_changes(self, user: str, since: int = 0) -> dict[str, Any]:
        r = await self.get(user, "/changes", params={"since": since, "limit": 10000})
        assert r.status_code == 200, r.text
        return r.json()

    async def records(self, user: str, rtype: str) -> list[dict[str, Any]]:
        """Current records of a type, pulled incrementally like a client would."""
        cursor, mirror = self.mirrors.get(user, (0, {}))
        while True:
            data = await self.all_changes(user, since=cursor)
            assert not data["reset"]
            for c in data["changes"]:
                if c["deleted"]:
                    mirror.pop((c["type"], c["id"]), None)
                else:
                    mirror[(c["type"], c["id"])] = c["data"]
            cursor = data["cursor"]
            if not data["has_more"]:
                break
        self.mirrors[user] = (cursor, mirror)
        return sorted((d for (t, _), d in mirror.items() if t == rtype), key=lambda d: d["id"])


def sign_in_token(url: str, user: str = "demo-univ") -> str:
    """A token of ``user`` signed in (demo password) to the server at ``url``."""
    r = httpx.post(url + "/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def bearer(url: str, user: str) -> dict[str, str]:
    """The Authorization header of ``user`` signed in (demo password) to the server at ``url``."""
    return {"Authorization": f"Bearer {sign_in_token(url, user)}"}


#: The checkout, importable by the app a test starts as a process.
ROOT = Path(__file__).resolve().parents[1]


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of the app started as a process by a test: the
    user's directories under ``home``, no OS keyring, this checkout
    importable; ``extra`` on top."""
    return {
        **os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local"), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHONPATH": str(ROOT), **extra,
    }


def text_of(screen: Screen[object], selector: str) -> str:
    """The text the ``Static`` at ``selector`` shows."""
    return str(screen.query_one(selector, Static).render())


@dataclass
class Harness:
    """Builds the real app against ``server``. It signs in through ``faults``
    (a real transport the test can switch off) and keeps its cache in
    ``data_dir``."""

    server: DemoServer
    data_dir: Path
    faults: FaultTransport = field(init=False)

    def __post_init__(self) -> None:
        self.faults = FaultTransport(self.server.transport())

    def connector(self, *, presynced: bool = False) -> Connector:
        """The app's connector: builds the services with :func:`open_services`."""

        async def connect(url: str, username: str, password: str | None) -> Connected:
            return Connected(
                await open_services(
                    self.server, self.data_dir, username, password=password, transport=self.faults, sync=presynced
                )
            )

        return connect

    def app(
        self,
        username: str | None = "demo-univ",
        password: str | None = DEMO_PASSWORD,
        *,
        presynced: bool = False,
        keymap: dict[str, str] | None = None,
    ) -> ZhumengApp:
        """The app, signing in as ``username`` (``None``: the sign-in screen
        asks). It syncs on start as it does for a user; with ``presynced`` the
        services arrive already synced instead, so its screens have data as
        soon as it has services."""
        options = LaunchOptions(
            server_url=self.server.url,
            username=username,
            password=password,
            sync_on_start=not presynced,
            sync_interval=0,
            keymap=keymap or {},
            data_dir=self.data_dir,
        )
        return ZhumengApp(options, self.connector(presynced=presynced))


def in_province(services: Services, ids: Iterable[int]) -> list[int]:
    """The application ids whose student studies in the province (the campus
    may change them; the province reviews the others)."""
    out = []
    for app_id in ids:
        application = services.record("application", app_id) or {}
        student = services.record("student", int(application.get("student_id", 0))) or {}
        if not student.get("out_of_province"):
            out.append(app_id)
    return out


def interns(services: Services, status: Status) -> list[int]:
    """The in-province interns with ``status``, in the interns list's order."""
    return in_province(services, services.query_interns(AppFilter(statuses=frozenset({status})), SortSpec()).ids)


def burst(app: App[Any], *keys: str) -> None:
    """Keys (as ``Pilot.press`` names them) as a terminal delivers a paste or a
    quick typist's: all of them queued before the app handles the first
    (``Pilot.press`` waits for each)."""
    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    driver = app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
