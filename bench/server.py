"""A demo server in its own process for the benchmarks (like a real server:
no shared GIL with the client being measured).

    python -m bench.server --students 50000 --dir .bench   # prints the URL, serves until killed

The generated database is kept in ``--dir`` and reused when the student count,
seed, generator version and schema revision match (generating 50,000
students takes a while).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH_TODAY = dt.date(2026, 3, 10)


def _postgres_url(students: int, seed: int, directory: Path) -> str:
    """A fresh copy of the demo database on a PostgreSQL kept in ``directory``
    (pgserver; the generated template database is reused between runs)."""
    import pgserver
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from zhumeng_server import db
    from zhumeng_server.demo import GENERATOR_VERSION, generate

    with warnings.catch_warnings():  # pgserver asks platformdirs for a runtime dir a machine may not have
        warnings.filterwarnings("ignore", "XDG_RUNTIME_DIR is not set")
        srv = pgserver.get_server(directory / "postgres", cleanup_mode="stop")
    base = make_url(srv.get_uri()).set(drivername="postgresql+psycopg")
    template = f"bench_{students}_{seed}_g{GENERATOR_VERSION}_{db.head_revision()}".lower()
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        have = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).first()
    if not have:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{template}"')
        engine = db.make_engine(base.set(database=template).render_as_string(hide_password=False))
        try:
            db.upgrade(engine)
            generate(engine, students=students, seed=seed, today=BENCH_TODAY)
        except BaseException:
            engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{template}" WITH (FORCE)')
            raise
        engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql('DROP DATABASE IF EXISTS "bench_work" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "bench_work" TEMPLATE "{template}"')
    admin.dispose()
    _keep.append(srv)
    return base.set(database="bench_work").render_as_string(hide_password=False)


_keep: list[object] = []


def _serve(students: int, seed: int, directory: Path, database: str = "sqlite") -> None:
    from zhumeng_server import db
    from zhumeng_server.app import create_app, settle_heap
    from zhumeng_server.demo import generate
    from zhumeng_server.testing import TEST_SECRET, LoopbackServer

    directory.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        _serve_workers(_postgres_url(students, seed, directory))
        return
    from zhumeng_server.demo import GENERATOR_VERSION

    path = directory / f"demo-{students}-{seed}-g{GENERATOR_VERSION}-{db.head_revision()}.sqlite"
    marker = path.with_suffix(".ok")
    url = f"sqlite:///{path}"
    if not (path.exists() and marker.exists()):
        for p in (path, marker):
            p.unlink(missing_ok=True)
        engine = db.make_engine(url)
        db.upgrade(engine)
        generate(engine, students=students, seed=seed, today=BENCH_TODAY)
        engine.dispose()
        marker.write_text("ok")
    # serve a fresh copy: benchmarks change data (bulk confirm), the template stays as generated
    work = directory / f"work-{students}-{seed}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copyfile(path, work)
    url = f"sqlite:///{work}"
    engine = db.make_engine(url)
    app = create_app(url, TEST_SECRET, demo=True, today=lambda: BENCH_TODAY, engine=engine)
    settle_heap()
    srv = LoopbackServer(app).start()
    print(json.dumps({"url": srv.url}), flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin (or kills us)
    finally:
        srv.stop()


#: Worker processes of the server on PostgreSQL, as it is deployed (one per
#: core of the 2-core VM the figures come from; see docs/deployment.md).
POSTGRES_WORKERS = 2
_DATABASE_ENV = "ZHUMENG_BENCH_DATABASE_URL"


def app_from_env() -> Any:
    """The app of one worker of the server on PostgreSQL (uvicorn's factory),
    on the bench's day."""
    from zhumeng_server.app import create_app, settle_heap
    from zhumeng_server.testing import TEST_SECRET

    app = create_app(os.environ[_DATABASE_ENV], TEST_SECRET, demo=True, today=lambda: BENCH_TODAY)
    settle_heap()
    return app


def _serve_workers(url: str, timeout: float = 120.0) -> None:
    """Serve the database at ``url`` with :data:`POSTGRES_WORKERS` uvicorn
    worker processes (as ``zhumeng-server --workers`` does) on a free
    loopback port; print the URL once it answers, stop when stdin closes."""
    from zhumeng_server.testing import free_port, server_process

    port = free_port()
    with server_process(
        [sys.executable, "-m", "uvicorn", "bench.server:app_from_env", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(POSTGRES_WORKERS), "--log-level", "warning", "--no-access-log"],
        port, env={**os.environ, _DATABASE_ENV: url}, timeout=timeout,
    ) as base:
        print(json.dumps({"url": base}), flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or kills us)


@contextmanager
def demo_server(students: int, *, seed: int = 1, directory: Path = Path(".bench"),
                timeout: float = 900.0, database: str = "sqlite") -> Iterator[str]:
    """Start ``python -m bench.server`` (on SQLite or PostgreSQL) and yield its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.server", "--students", str(students), "--seed", str(seed),
         "--dir", str(directory), "--database", database],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        start = time.monotonic()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench server exited ({proc.wait()})")
        if time.monotonic() - start > timeout:
            raise RuntimeError("bench server too slow to start")
        yield str(json.loads(line)["url"])
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.server")
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=Path(".bench"))
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    a = ap.parse_args(argv)
    _serve(a.students, a.seed, a.dir, a.database)


if __name__ == "__main__":
    main()
