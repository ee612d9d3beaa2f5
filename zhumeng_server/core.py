"""Server state, the write transaction (seq counter, change log, audit) and
idempotent execution of write requests."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, delete, select, update
from sqlmodel import Session, col
from starlette.background import BackgroundTask

from zhumeng_server import models as m
from zhumeng_server.auth import Principal
from zhumeng_server.db import checkpoint, ids_in, insert_rows
from zhumeng_server.errors import ApiError, forbidden_read_only
from zhumeng_server.settings import Settings
from zhumeng_server.wire import TYPE_OF, record_id, record_json, scope_of, to_json, to_jsonable
from zhumeng_tui.api_client.schemas import FieldError

T = TypeVar("T")
MAX_KEY_LEN = 200
SEQ_KEY = "seq"
HORIZON_KEY = "tombstone_horizon"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ServerState:
    engine: Engine
    secret: str
    today: Callable[[], dt.date] = dt.date.today
    now: Callable[[], dt.datetime] = utcnow
    demo: bool = False
    settings: Settings = field(default_factory=Settings)
    write_lock: threading.Lock = field(default_factory=threading.Lock)


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(m.ServerSetting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(m.ServerSetting, key)
    if row is None:
        session.add(m.ServerSetting(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def current_seq(session: Session) -> int:
    return int(get_setting(session, SEQ_KEY, "0") or 0)


def tombstone_horizon(session: Session) -> int:
    return int(get_setting(session, HORIZON_KEY, "0") or 0)


class Tx:
    """One write transaction: allocates seqs, writes the change log and audit."""

    def __init__(self, state: ServerState, session: Session, user: Principal) -> None:
        self.state = state
        self.session = session
        self.dialect = session.get_bind().dialect
        self.user = user
        self.today = state.today()
        real = state.now()
        # With a pinned "today" (tests, demos), timestamps follow it.
        self.now = real if real.date() == self.today else dt.datetime.combine(self.today, real.timetz())
        self._seq: int | None = None
        self._apps_of: dict[int, list[m.Application | m.AppRow]] = {}
        self._cache: dict[tuple[type, Any], Any] = {}
        #: Application rows read outside the ORM (``m.AppRow``): the values read,
        #: and those saved (:meth:`finish` writes back the columns that changed).
        self._read: dict[int, tuple[Any, ...]] = {}
        self._rows: dict[int, m.AppRow] = {}
        #: Facts derived from rows this transaction does not change, put here by
        #: whoever reads them in bulk (``review.prefetch_facts``).
        self.facts: dict[tuple[str, int], Any] = {}
        self._before: dict[tuple[str, int], str | None] = {}
        self._log: dict[tuple[str, int], dict[str, Any]] = {}
        self._audit: list[dict[str, Any]] = []
        #: Audit rows whose "before" is the change log's JSON as the transaction
        #: found it, read in bulk by :meth:`finish`: (row index, type, id).
        self._before_from_log: list[tuple[int, str, int]] = []
        #: The wire JSON of each record saved in this transaction.
        self.saved: dict[tuple[str, int], str] = {}
        self.keep: list[Any] = []  # strong refs for prefetched rows

    def get(self, model: type[T], key: Any) -> T | None:
        """``session.get`` through a per-transaction cache (see :meth:`prefetch`)."""
        k = (model, key)
        if k in self._cache:
            return self._cache[k]  # type: ignore[no-any-return]
        row = self.session.get(model, key)
        self._cache[k] = row
        return row

    def prefetch(self, model: type[Any], keys: Iterable[int]) -> None:
        """Load many rows by id in a few queries (batch requests)."""
        want = {k for k in keys if (model, k) not in self._cache}
        for k in want:
            self._cache[(model, k)] = None
        for among in ids_in(self.dialect, col(model.id), want):
            for row in self.session.scalars(select(model).where(among)):
                self._cache[(model, row.id)] = row

    def prefetch_log(self, rtype: str, ids: Iterable[int]) -> None:
        """Load the current wire JSON of many records (the audit "before")."""
        cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
        want = {k for k in ids if (rtype, k) not in self._before}
        for k in want:
            self._before[(rtype, k)] = None
        for among in ids_in(self.dialect, cl.record_id, want):
            for rid, data in self.session.execute(select(cl.record_id, cl.data_json).where(cl.type == rtype, among)):
                self._before[(rtype, rid)] = data

    def _before_json(self, rtype: str, rid: int) -> str | None:
        key = (rtype, rid)
        pending = self._log.get(key)
        if pending is not None:
            return pending["data_json"]  # type: ignore[no-any-return]
        if key not in self._before:
            self.prefetch_log(rtype, [rid])
        return self._before.get(key)

    def next_seq(self) -> int:
        if self._seq is None:
            self._seq = current_seq(self.session)
        self._seq += 1
        return self._seq

    def finish(self) -> None:
        """Write the change log, audit events and the seq counter (same transaction)."""
        self.session.flush()
        conn = self.session.connection()
        if self._before_from_log:  # before the change log is rewritten below
            for rtype in {t for _, t, _ in self._before_from_log}:
                self.prefetch_log(rtype, [rid for _, t, rid in self._before_from_log if t == rtype])
            for i, rtype, rid in self._before_from_log:
                self._audit[i]["before_json"] = self._before.get((rtype, rid))
            self._before_from_log.clear()
        if self._rows:
            app = m.Application.__table__  # type: ignore[attr-defined]
            names = [c.name for c in app.columns]
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for r in self._rows.values():
                changed = tuple(n for n, was in zip(names, self._read[r.id], strict=True) if getattr(r, n) != was)
                by_columns.setdefault(changed, []).append({"row_id": r.id, **{n: getattr(r, n) for n in changed}})
            for params in by_columns.values():
                conn.execute(update(app).where(app.c.id == bindparam("row_id")), params)
            self._rows.clear()
        if self._log:
            table = m.ChangeLog.__table__  # type: ignore[attr-defined]
            for rtype in {t for t, _ in self._log}:
                for among in ids_in(self.dialect, table.c.record_id, (rid for t, rid in self._log if t == rtype)):
                    conn.execute(delete(table).where(table.c.type == rtype, among))
            insert_rows(conn, table, list(self._log.values()))
            self._log.clear()
        if self._audit:
            insert_rows(conn, m.AuditEvent.__table__, self._audit)  # type: ignore[attr-defined]
            self._audit.clear()
        if self._seq is not None:
            set_setting(self.session, SEQ_KEY, str(self._seq))
            self.session.flush()

    # ------------------------------------------------------------------
    def save(self, row: Any, action: str, *, new: bool = False, bump_version: bool = True) -> None:
        """Record a change of ``row``: version, seq, change log, audit.

        ``bump_version=False`` is for derived fields the server recomputes (a
        sibling's eligibility checks): the change still gets a new ``seq`` so
        clients pull it, but a client's ``If-Match`` based on the record stays
        valid — otherwise confirming one application would make every pending
        action on the student's other applications a spurious conflict."""
        rtype = TYPE_OF[type(row)]
        if new:
            row.version = 1
            self.session.add(row)
            self.session.flush()
        elif bump_version:
            row.version += 1
        row.seq = self.next_seq()
        if isinstance(row, m.AppRow):
            self._rows[row.id] = row
        else:
            self.session.add(row)
        rid = record_id(row)
        data = record_json(row)
        self.saved[(rtype, rid)] = data
        univ, dept = scope_of(row)
        key = (rtype, rid)
        pending = self._log.get(key)
        if new or pending is not None or key in self._before:
            before = None if new else pending["data_json"] if pending is not None else self._before[key]
        else:
            before = None
            self._before_from_log.append((len(self._audit), rtype, rid))
        self._log[key] = dict(type=rtype, record_id=rid, seq=row.seq, version=row.version, deleted=False,
                              university_id=univ, department_id=dept, data_json=data)
        self.audit(action, rtype, rid, before, data)

    def tombstone(self, row: Any, action: str) -> None:
        """Delete ``row``; its change-log entry becomes a tombstone."""
        rtype = TYPE_OF[type(row)]
        rid = record_id(row)
        before = self._before_json(rtype, rid) or to_json(row)
        univ, dept = scope_of(row)
        self._log[(rtype, rid)] = dict(type=rtype, record_id=rid, seq=self.next_seq(), version=row.version + 1,
                                       deleted=True, university_id=univ, department_id=dept, data_json=None)
        self.session.delete(row)
        self.audit(action, rtype, rid, before, None)

    def audit(self, action: str, rtype: str, rid: int, before: str | None, after: str | None) -> None:
        self._audit.append(dict(at=self.now, username=self.user.username, action=action, record_type=rtype,
                                record_id=rid, before_json=before, after_json=after))

    # ------------------------------------------------------------------
    def apps_of(self, student_id: int) -> list[m.Application | m.AppRow]:
        apps = self._apps_of.get(student_id)
        if apps is None:
            apps = list(
                self.session.scalars(
                    select(m.Application).where(m.Application.student_id == student_id)  # type: ignore[arg-type]
                )
            )
            self._apps_of[student_id] = apps
        return apps

    def read_apps_of(self, student_ids: Iterable[int]) -> None:
        """Read every application of these students with plain selects, as
        ``m.AppRow`` (no ORM objects): :meth:`apps_of` then gives those, and
        :meth:`save` writes the saved ones back in :meth:`finish`."""
        table = m.Application.__table__  # type: ignore[attr-defined]
        conn = self.session.connection()
        want = {sid for sid in student_ids if sid not in self._apps_of}
        for sid in want:
            self._apps_of[sid] = []
        for among in ids_in(self.dialect, table.c.student_id, want):
            for row in conn.execute(select(table).where(among).order_by(table.c.id)):
                self._apps_of[row.student_id].append(m.AppRow(**row._mapping))
                self._read[row.id] = tuple(row)

    def prime_apps_of(self, student_ids: list[int]) -> None:
        want = {sid for sid in student_ids if sid not in self._apps_of}
        for sid in want:
            self._apps_of[sid] = []
        for among in ids_in(self.dialect, col(m.Application.student_id), want):
            for app in self.session.scalars(select(m.Application).where(among)):
                self._apps_of[app.student_id].append(app)
                self._cache[(m.Application, app.id)] = app

    def forget_apps_of(self, student_id: int) -> None:
        self._apps_of.pop(student_id, None)


def lock_for_write(session: Session) -> None:
    """Take the database's write lock first thing in a write transaction.

    A no-op UPDATE of the seq counter row: SQLite takes its RESERVED lock (so
    the reads that follow cannot go stale under another process), PostgreSQL a
    row lock. Writers are serialised across processes too, which keeps seq
    numbers in commit order and makes the idempotency check race-free.
    """
    s = m.ServerSetting.__table__  # type: ignore[attr-defined]
    session.execute(update(s).where(s.c.key == SEQ_KEY).values(value=s.c.value))


def ensure_settings(engine: Engine) -> None:
    """The counter rows every write locks (a freshly migrated database has none)."""
    with Session(engine) as session:
        for key in (SEQ_KEY, HORIZON_KEY):
            if session.get(m.ServerSetting, key) is None:
                session.add(m.ServerSetting(key=key, value="0"))
        session.commit()


def request_hash(method: str, path: str, body: Any) -> str:
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    raw = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a write runs. A large
    write (a batch of a thousand review moves) makes tens of thousands of
    short-lived objects that reference counting frees when it ends; in the
    middle of it they would set off a full collection, which scans the whole
    heap while every other writer waits for the lock."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_write(
    state: ServerState,
    user: Principal,
    idempotency_key: str | None,
    fingerprint: str,
    work: Callable[[Tx], tuple[int, BaseModel | str | None]],
) -> Response:
    """Run ``work`` in one transaction, applying ``idempotency_key`` at most once.

    ``work`` returns the status and the answer: a model, or its JSON already
    written (a str), or None (no body).

    Only successful answers are remembered: a refused request changes nothing
    (not even the key table), so repeating it is refused again the same way.
    """
    if user.read_only:
        raise forbidden_read_only()
    key = (idempotency_key or "").strip()
    if not key:
        raise ApiError(
            428, "idempotency_key_required", "写操作须带 Idempotency-Key 请求头",
            "Write requests need an Idempotency-Key header",
        )
    if not _KEY.fullmatch(key):
        raise _bad_header(
            "Idempotency-Key", f"须为 1-{MAX_KEY_LEN} 个可见 ASCII 字符（如 UUID）",
            f"must be 1-{MAX_KEY_LEN} visible ASCII characters (a UUID, say)",
        )
    with state.write_lock, collector_paused():
        # what the write made is freed (by reference counting) when _write returns
        status, body, replayed = _write(state, user, key, fingerprint, work)
    if replayed:
        return Response(body or None, status_code=status, media_type="application/json" if body else None,
                        headers={"Idempotent-Replayed": "true"})
    # the write-ahead log goes back into the database once the answer is sent
    return Response(body or None, status_code=status, media_type="application/json" if body else None,
                    background=BackgroundTask(checkpoint, state.engine))


def _write(
    state: ServerState, user: Principal, key: str, fingerprint: str,
    work: Callable[[Tx], tuple[int, BaseModel | str | None]],
) -> tuple[int, str, bool]:
    """The transaction of :func:`run_write`: (status, body, whether it is the
    remembered answer of an earlier request with the key)."""
    with Session(state.engine) as session:
        lock_for_write(session)
        prior = session.get(m.IdempotencyRecord, (user.staff_id, key))
        if prior is not None:
            if prior.request_hash != fingerprint:
                raise ApiError(
                    422, "idempotency_key_reused",
                    "该 Idempotency-Key 已用于另一个不同的请求",
                    "This Idempotency-Key was already used for a different request",
                )
            return prior.status_code, prior.body, True
        tx = Tx(state, session, user)
        try:
            status, payload = work(tx)
            body = payload if isinstance(payload, str) else payload.model_dump_json() if payload is not None else ""
            session.add(
                m.IdempotencyRecord(
                    staff_id=user.staff_id, key=key, request_hash=fingerprint, status_code=status,
                    body=body, created_at=tx.now,
                )
            )
            tx.finish()
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return status, body, False


def check_if_match(if_match: str | None, row: Any | None) -> None:
    """428 without If-Match; 409 ``version_conflict`` (with the current record)
    when it names another version."""
    if if_match is None or not if_match.strip():
        raise ApiError(
            428, "precondition_required", "修改已有记录须带 If-Match: <版本号> 请求头",
            "Changing an existing record needs an If-Match: <version> header",
        )
    found = _IF_MATCH.fullmatch(if_match.strip())
    if found is None:
        raise _bad_header("If-Match", "须为记录的版本号（正整数，如 3）", "must be the record's version (a whole number, e.g. 3)")
    if row is not None:
        check_version(int(found.group(1)), row)


#: An Idempotency-Key: visible ASCII only.
_KEY = re.compile(f"[\x21-\x7e]{{1,{MAX_KEY_LEN}}}")
#: If-Match: a version, optionally as an entity tag (``"3"``, ``W/"3"``).
_IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,18})"?')


def _bad_header(name: str, zh: str, en: str) -> ApiError:
    return ApiError(422, "validation_error", f"请求头 {name} 无效", f"The {name} header is not valid",
                    fields=[FieldError(field=name, message_zh=zh, message_en=en)])


def check_version(version: int, row: Any) -> None:
    if version != row.version:
        raise ApiError(
            409, "version_conflict",
            f"记录已被他人修改（当前版本 {row.version}，你的版本 {version}）",
            f"The record was changed by someone else (current version {row.version}, yours {version})",
            current=to_jsonable(row),
        )
