"""The records' wire JSON as the server writes it."""

from __future__ import annotations

import dataclasses

from fastapi import FastAPI
from sqlmodel import Session, select

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.wire import TYPE_OF, record_json, to_json


def test_record_json_is_the_validated_records_json(app: FastAPI) -> None:
    """The JSON written from a row without validating it again is, for every
    record type, the JSON of the validated wire record."""
    with Session(app.state.server.engine) as session:
        seen = 0
        for model in TYPE_OF:
            if model is m.AppRow:
                continue
            for row in session.scalars(select(model).limit(300)):
                assert record_json(row) == to_json(row), model
                seen += 1
        assert seen > 1500


def test_application_rows_read_outside_the_orm(app: FastAPI) -> None:
    """``m.AppRow`` holds the application table's columns, and its JSON is the
    ORM row's."""
    assert [f.name for f in dataclasses.fields(m.AppRow)] == [
        c.name for c in m.Application.__table__.columns  # type: ignore[attr-defined]
    ]
    state = app.state.server
    with Session(state.engine) as session:
        orm = {a.id: a for a in session.scalars(select(m.Application))}
        tx = Tx(state, session, None)  # type: ignore[arg-type]
        students = sorted({a.student_id for a in orm.values()})
        tx.read_apps_of(students)
        read = [a for sid in students for a in tx.apps_of(sid)]
        assert len(read) == len(orm) and all(isinstance(a, m.AppRow) for a in read)
        for a in read:
            assert record_json(a) == to_json(orm[a.id])
