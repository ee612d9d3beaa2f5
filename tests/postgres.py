"""A real PostgreSQL for the tests, started once per test session.

The server comes from the ``pgserver`` wheel (the test extras install it;
it runs as root too) or, without it, from ``initdb``/``pg_ctl`` found on
PATH. It listens on a Unix socket in a temporary directory only.

``ZHUMENG_TEST_POSTGRES`` changes that: ``skip`` skips the PostgreSQL
variants of the tests (say so explicitly: without it, a PostgreSQL that
cannot start fails them); a ``postgresql+psycopg://`` URL uses that server
instead (its user must be allowed to create databases).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

ENV = "ZHUMENG_TEST_POSTGRES"


class PostgresUnavailable(RuntimeError):
    pass


_names = itertools.count(1)


@dataclass
class Postgres:
    """A running PostgreSQL server; ``new_url()`` names a new database on it."""

    admin_url: str
    #: What keeps the server running (pgserver's handle), if anything.
    handle: object = None

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def new_url(self) -> str:
        """The URL of a database name not used before in this session (not created)."""
        return self.url(f"zt_{os.getpid()}_{next(_names)}")


def skip_requested() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "skip"


def start_postgres() -> Postgres:
    """Start (or reach) the session's PostgreSQL; raise :class:`PostgresUnavailable` saying why not."""
    given = os.environ.get(ENV, "").strip()
    if given.startswith("postgresql"):
        return Postgres(given)
    base = Path(tempfile.mkdtemp(prefix="zhumeng-pg-"))
    try:
        import pgserver
    except ImportError:
        pgserver = None
    if pgserver is not None:
        try:
            srv = pgserver.get_server(base / "data", cleanup_mode="delete")
        except Exception as e:
            raise PostgresUnavailable(f"pgserver could not start PostgreSQL in {base}: {e}") from e
        uri = make_url(srv.get_uri()).set(drivername="postgresql+psycopg")
        return Postgres(uri.render_as_string(hide_password=False), handle=srv)
    return _start_with_pg_ctl(base)


def _start_with_pg_ctl(base: Path) -> Postgres:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        raise PostgresUnavailable(
            "no PostgreSQL: install the test extras (pgserver) or put initdb/pg_ctl on PATH, "
            f"or set {ENV}=skip to skip the PostgreSQL tests"
        )
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run_as = ["runuser", "-u", "nobody", "--"]
        os.chown(base, 65534, 65534)
        os.chown(sock, 65534, 65534)
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "-A", "trust"],
                       check=True, capture_output=True)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                        f"-k {sock} -c listen_addresses='' -c fsync=off", "start"], check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        raise PostgresUnavailable(f"pg_ctl could not start PostgreSQL: {e.stderr.decode(errors='replace')}") from e
    import atexit

    atexit.register(subprocess.run, [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                    capture_output=True)
    return Postgres(f"postgresql+psycopg://postgres@/postgres?host={sock}")
