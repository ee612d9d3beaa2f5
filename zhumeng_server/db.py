"""Engine creation and schema migrations (Alembic, run programmatically)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pydantic_core
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    insert,
)
from sqlalchemy.orm import Mapped
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    import psycopg

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: SQLite: the write-ahead log's size (pages) at which a commit copies it back
#: into the database itself. The server does that after each write's answer
#: has gone (:func:`checkpoint`), so this is only a backstop.
WAL_AUTOCHECKPOINT = 10_000


def make_engine(database_url: str) -> Engine:
    """An engine; SQLite gets WAL (see :func:`checkpoint`), a busy timeout and foreign keys."""
    kwargs: dict[str, Any] = {
        # JSON columns: Rust (pydantic-core) encoder/decoder, UTF-8 kept as is.
        "json_serializer": lambda obj: pydantic_core.to_json(obj).decode(),
        "json_deserializer": pydantic_core.from_json,
    }
    is_sqlite = database_url.startswith("sqlite")
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if database_url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    engine = create_engine(database_url, **kwargs)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


#: SQLite: ids per ``IN (...)`` (one bound parameter each).
IDS_PER_QUERY = 500


def ids_in(dialect: Dialect, column: ColumnElement[Any] | Mapped[Any], ids: Iterable[int]) -> Iterator[ColumnElement[bool]]:
    """``column`` among ``ids``, as the conditions of as few queries as the
    database takes: PostgreSQL ``column = ANY(:ids)``, one array parameter
    (a thousand ids in one parameter, not a thousand parameters to render and
    parse); elsewhere ``column IN (...)`` by :data:`IDS_PER_QUERY`."""
    want = sorted(set(ids))
    if not want:
        return
    if dialect.name == "postgresql":
        yield column == any_(bindparam(None, want, type_=ARRAY(BigInteger)))
        return
    for i in range(0, len(want), IDS_PER_QUERY):
        yield column.in_(want[i : i + IDS_PER_QUERY])


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with the same keys: PostgreSQL's COPY (one stream of
    rows, no statement per row), elsewhere an executemany. The values go to
    the driver as they are (text, numbers, dates: no JSON column)."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    psycopg_conn = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with psycopg_conn.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


def checkpoint(engine: Engine) -> None:
    """SQLite: copy the write-ahead log back into the database file (a
    passive checkpoint: it waits for no reader or writer). The server runs it
    after a write's answer has been sent, so no answer waits for the copy (a
    batch of a thousand review moves writes megabytes). Other databases and
    SQLite in memory: nothing."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class SchemaError(RuntimeError):
    pass


def check_schema(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless the database is at the newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise SchemaError("unmigrated")
    if current != head:
        raise SchemaError(f"out of date: {current} != {head}")
