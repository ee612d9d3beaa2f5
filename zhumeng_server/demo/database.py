"""Generating the demo into a database: the subjects in their fixed order, then
bulk inserts in one transaction."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Integer, String, Table, Text, insert, text

from zhumeng_server import models as m
from zhumeng_server.core import HORIZON_KEY, SEQ_KEY
from zhumeng_server.demo.applications import add_applications
from zhumeng_server.demo.gen import Gen, Row
from zhumeng_server.demo.graduates import add_graduate_services
from zhumeng_server.demo.organisation import (
    add_calendar,
    add_employers_and_positions,
    add_staff,
    add_university,
)
from zhumeng_server.demo.posts import add_posts, add_pushes
from zhumeng_server.demo.students import add_students
from zhumeng_server.demo.tracking import add_followups_and_integrity, add_withdrawals

#: Bump when the generator's output changes: embedded demo databases are regenerated.
GENERATOR_VERSION = "9"


def _run(g: Gen) -> None:
    """Every subject, in the order its random draws were made (same seed, same data)."""
    add_university(g)
    add_staff(g)
    add_calendar(g)
    add_employers_and_positions(g)
    add_students(g)
    apps = add_applications(g)
    integrity = add_withdrawals(g, apps)
    add_followups_and_integrity(g, apps, integrity)
    add_graduate_services(g)
    add_pushes(g, add_posts(g))


_TABLES: Row = {
    "university": m.University, "department": m.Department, "staff": m.StaffAccount,
    "calendar_year": m.CalendarYearRow, "employer": m.Employer, "position": m.Position, "student": m.Student,
    "application": m.Application, "withdrawal": m.Withdrawal, "followup": m.FollowUp, "integrity": m.IntegrityEntry,
    "graduate": m.Graduate, "service_session": m.ServiceSession, "attendance": m.Attendance,
    "hardship_case": m.HardshipCase,
    "job_post": m.JobPost,
    "post_push": m.PostPush,
}


def _chunks(rows: list[Row], n: int = 5000) -> Iterable[list[Row]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _bulk_insert(conn: Connection, table: Table, rows: list[Row]) -> None:
    """executemany; on SQLite straight through the DB-API with the columns'
    own bind processors (the ORM/Core per-row overhead dominates otherwise)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for chunk in _chunks(rows):
            conn.execute(insert(table), chunk)
        return
    cols = [c for c in table.columns if c.name in rows[0]]
    procs = [c.type._cached_bind_processor(conn.dialect) for c in cols]
    names = [c.name for c in cols]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    columns: list[list[Any]] = []
    for name, col, proc in zip(names, cols, procs, strict=True):
        values = [r[name] for r in rows]
        if isinstance(col.type, Boolean | Integer | String | Text):
            proc = None  # the DB-API takes these as they are
        if proc is not None:
            values = [None if v is None else proc(v) for v in values]
        columns.append(values)
    data = list(zip(*columns, strict=True))
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(sql, data)


def generate(engine: Engine, students: int = 3000, seed: int = 1, today: dt.date | None = None) -> dict[str, int]:
    """Fill an empty, migrated database. Returns the number of rows per type."""
    today = today or dt.date.today()
    g = Gen(students, seed, today)
    # Millions of small dicts and no cycles: the cyclic GC would rescan them all
    # again and again (superlinear); switch it off while generating.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(engine, g, students, seed, today)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(engine: Engine, g: Gen, students: int, seed: int, today: dt.date) -> dict[str, int]:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # A fresh database filled in one transaction: a big page cache helps.
            conn.exec_driver_sql("PRAGMA cache_size=-131072")
        log_table: Table = m.ChangeLog.__table__  # type: ignore[attr-defined]
        g.log_sink = lambda rows: _bulk_insert(conn, log_table, rows)
        _run(g)
        _bulk_insert(conn, log_table, g.log)
        for rtype, model in _TABLES.items():
            _bulk_insert(conn, model.__table__, g.rows.get(rtype, []))
        settings = {SEQ_KEY: str(g.seq), HORIZON_KEY: "0", "demo_students": str(students),
                    "demo_seed": str(seed), "demo_today": today.isoformat(),
                    "demo_generator": GENERATOR_VERSION}
        conn.execute(insert(m.ServerSetting.__table__), [dict(key=k, value=v) for k, v in settings.items()])  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            for rtype, model in _TABLES.items():
                if rtype == "calendar_year":
                    continue
                name = model.__table__.name
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {name}), 1))"))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # the planner's statistics of the tables just filled
    return {k: len(v) for k, v in g.rows.items()}

