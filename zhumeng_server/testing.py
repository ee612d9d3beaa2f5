"""Helpers for tests (this project's and other helpers'): a demo app on a
temporary SQLite file (or any database given by its URL), and a real uvicorn
server on a loopback port.

    from zhumeng_server.testing import make_demo_app, serve_on_loopback

    app = make_demo_app(tmp_path, students=200, seed=1, today=dt.date(2026, 3, 10))
    app = make_demo_app(tmp_path, database_url="postgresql+psycopg://...")  # an empty database
    # in-process: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    with serve_on_loopback(app) as url:   # e.g. "http://127.0.0.1:54321"
        httpx.get(url + "/api/v1/health")
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from zhumeng_server import db
from zhumeng_server.app import create_app
from zhumeng_server.demo import DEMO_PASSWORD, generate

TEST_SECRET = "test-secret-not-for-production"

__all__ = ["DEMO_PASSWORD", "TEST_SECRET", "make_demo_app", "serve_on_loopback", "set_today"]


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

    A SQLite file is a copy of a demo database generated once per process;
    any other database (an empty one) is migrated and generated in place.
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
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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
def serve_on_loopback(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields the base URL."""
    srv = LoopbackServer(app).start()
    try:
        yield srv.url
    finally:
        srv.stop()
