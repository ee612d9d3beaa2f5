"""The demo server embedded in the app (its default when no --server is given).

    srv = start_demo_server(data_dir)      # generates data_dir/demo.sqlite once
    srv.url                                # "http://127.0.0.1:<free port>"
    srv.stop()

The database is reused on later starts and regenerated when the schema
revision, the size, the seed or the generator version changed. The secret is kept in
``data_dir/demo-secret`` (0600) so tokens survive restarts.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from zhumeng_server import db
from zhumeng_server.app import create_app
from zhumeng_server.core import get_setting
from zhumeng_server.demo import GENERATOR_VERSION, generate
from zhumeng_server.testing import LoopbackServer

DB_NAME = "demo.sqlite"


@dataclass
class EmbeddedServer:
    url: str
    database: Path
    _server: LoopbackServer

    def stop(self) -> None:
        self._server.stop()


def _secret(data_dir: Path) -> str:
    path = data_dir / "demo-secret"
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def _usable(path: Path, students: int, seed: int) -> bool:
    if not path.exists():
        return False
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        db.check_schema(engine)
        with Session(engine) as session:
            return (
                get_setting(session, "demo_students"),
                get_setting(session, "demo_seed"),
                get_setting(session, "demo_generator"),
            ) == (str(students), str(seed), GENERATOR_VERSION)
    except Exception:
        return False
    finally:
        engine.dispose()


def ensure_demo_database(data_dir: Path, students: int = 3000, seed: int = 1) -> Path:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_NAME
    if not _usable(path, students, seed):
        for p in (path, path.with_name(DB_NAME + "-wal"), path.with_name(DB_NAME + "-shm")):
            if p.exists():
                p.unlink()
        tmp = data_dir / (DB_NAME + ".tmp")
        for p in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            if p.exists():
                p.unlink()
        engine = db.make_engine(f"sqlite:///{tmp}")
        db.upgrade(engine)
        generate(engine, students=students, seed=seed, today=dt.date.today())
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        os.replace(tmp, path)
        os.chmod(path, 0o600)
    return path


def start_demo_server(data_dir: Path, students: int = 3000, seed: int = 1) -> EmbeddedServer:
    """Serve the demo database on 127.0.0.1 (free port) in a daemon thread."""
    path = ensure_demo_database(Path(data_dir), students, seed)
    app = create_app(f"sqlite:///{path}", _secret(Path(data_dir)), demo=True)
    srv = LoopbackServer(app).start()
    return EmbeddedServer(url=srv.url, database=path, _server=srv)
