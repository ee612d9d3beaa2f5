"""Helpers for tests (this project's and other helpers'): a demo app on a
temporary SQLite file or a PostgreSQL database, and a real uvicorn server on
a loopback port.

    from zhumeng_server.testing import make_demo_app, serve_on_loopback

    app = make_demo_app(tmp_path, students=200, seed=1, today=dt.date(2026, 3, 10))
    app = make_demo_app(tmp_path, database_url="postgresql+psycopg://u@/name?host=/run/pg")
    drop_database("postgresql+psycopg://u@/name?host=/run/pg")   # after app.state.server.engine.dispose()
    # in-process: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    with serve_on_loopback(app) as url:   # e.g. "http://127.0.0.1:54321"
        httpx.get(url + "/api/v1/health")
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from zhumeng_server import db
from zhumeng_server.app import create_app
from zhumeng_server.demo import DEMO_PASSWORD, generate

TEST_SECRET = "test-secret-not-for-production"

__all__ = ["DEMO_PASSWORD", "TEST_SECRET", "create_database", "drop_database", "make_demo_app", "serve_on_loopback", "set_today"]


def make_demo_app(
    tmp_path: Path,
    students: int = 200,
    seed: int = 1,
    today: dt.date | Callable[[], dt.date] | None = None,
    *,
    database_url: str | None = None,
) -> FastAPI:
    """A demo app over ``database_url`` (created, migrated, generated);
    default: the SQLite file ``tmp_path/demo.sqlite``.

    A SQLite file is a copy of a demo database generated once per process; a
    PostgreSQL database is (re)created from a template database generated
    once per process on the same server (the URL's user may create
    databases); any other database (an empty one) is migrated and generated
    in place.
    ``today`` pins the server's "today" (the demo data is relative to it);
    default: the real date. Change it later with :func:`set_today`.
    """
    today_fn: Callable[[], dt.date]
    if today is None:
        today_fn = dt.date.today
    elif isinstance(today, dt.date):
        pinned = today
        today_fn = lambda: pinned  # noqa: E731
    else:
        today_fn = today
    url = database_url or f"sqlite:///{Path(tmp_path) / 'demo.sqlite'}"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if p.exists():
                p.unlink()
        shutil.copyfile(_template(students, seed, today_fn()), path)
        return create_app(url, TEST_SECRET, demo=True, today=today_fn)
    if parsed.get_backend_name() == "postgresql":
        _pg_from_template(url, students, seed, today_fn())
        return create_app(url, TEST_SECRET, demo=True, today=today_fn)
    engine = db.make_engine(url)
    db.upgrade(engine)
    generate(engine, students=students, seed=seed, today=today_fn())
    return create_app(url, TEST_SECRET, demo=True, today=today_fn, engine=engine)


_TEMPLATES: dict[tuple[int, int, dt.date], Path] = {}
_TEMPLATE_LOCK = threading.Lock()


def _template(students: int, seed: int, today: dt.date) -> Path:
    """A generated demo database, made once per process and copied per test."""
    key = (students, seed, today)
    with _TEMPLATE_LOCK:
        path = _TEMPLATES.get(key)
        if path is None or not path.exists():
            tmpdir = Path(tempfile.mkdtemp(prefix="zhumeng-demo-template-"))
            atexit.register(shutil.rmtree, tmpdir, True)
            path = tmpdir / "demo.sqlite"
            engine = db.make_engine(f"sqlite:///{path}")
            db.upgrade(engine)
            generate(engine, students=students, seed=seed, today=today)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            _TEMPLATES[key] = path
        return path


_PG_TEMPLATES: set[tuple[str, str]] = set()


def _pg_admin(url: str) -> Engine:
    """An autocommit engine on the ``postgres`` database of ``url``'s server."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_from_template(url: str, students: int, seed: int, today: dt.date) -> None:
    """Create the database of ``url`` as a copy of a demo database generated
    once per process (``CREATE DATABASE ... TEMPLATE``)."""
    target = make_url(url).database
    assert target, "the PostgreSQL URL names no database"
    template = f"zhumeng_tmpl_{students}_{seed}_{today:%Y%m%d}_{os.getpid()}"
    admin = _pg_admin(url)
    try:
        with _TEMPLATE_LOCK:
            key = (make_url(url).set(database="postgres").render_as_string(), template)
            if key not in _PG_TEMPLATES:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(template)} WITH (FORCE)")
                    conn.exec_driver_sql(f"CREATE DATABASE {_quote(template)}")
                engine = db.make_engine(make_url(url).set(database=template).render_as_string(hide_password=False))
                try:
                    db.upgrade(engine)
                    generate(engine, students=students, seed=seed, today=today)
                finally:
                    engine.dispose()
                _PG_TEMPLATES.add(key)
                atexit.register(_drop_quietly, url, template)
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(target)} WITH (FORCE)")
                conn.exec_driver_sql(f"CREATE DATABASE {_quote(target)} TEMPLATE {_quote(template)}")
    finally:
        admin.dispose()


def create_database(url: str) -> None:
    """Create the empty PostgreSQL database of ``url`` (the URL's user may create databases)."""
    name = make_url(url).database
    assert name
    admin = _pg_admin(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {_quote(name)}")
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database of ``url`` (closing its connections)."""
    name = make_url(url).database
    assert name
    admin = _pg_admin(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    finally:
        admin.dispose()


def _drop_quietly(url: str, name: str) -> None:
    with contextlib.suppress(Exception):
        drop_database(make_url(url).set(database=name).render_as_string(hide_password=False))


def set_today(app: FastAPI, today: dt.date) -> None:
    """Pin the server's "today"."""
    app.state.today = lambda: today


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        # IPPROTO_TCP named: asyncio turns Nagle's algorithm off only on sockets
        # that say so, and with it on every answer on a kept-alive connection
        # waited about 40 ms for the client's delayed acknowledgement
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, int(self.sock.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self, timeout: float = 10.0) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()


@contextmanager
def server_process(argv: list[str], port: int, *, env: dict[str, str] | None = None,
                   stdout: IO[str] | None = None, timeout: float = 90.0,
                   why: Callable[[], str] = str) -> Iterator[str]:
    """Start ``argv``, a server listening on ``port`` of 127.0.0.1, and yield
    its base URL once it answers ``/api/v1/health`` (after ``timeout``
    seconds, or if it exits first, fail saying ``why()``); terminate it on
    exit, and kill it if it has not stopped within 30 s."""
    import httpx

    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.STDOUT if stdout else None)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout  # a guard against a hang, not a speed check
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start ({' '.join(argv[:3])}): {why()}")
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def serve_on_loopback(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields the base URL."""
    srv = LoopbackServer(app).start()
    try:
        yield srv.url
    finally:
        srv.stop()
