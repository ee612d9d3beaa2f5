"""The local SQLite cache: the connection and transaction discipline, the
mirror of the server's records (``m_<type>`` tables and ``app_view``), the sync
cursor, and the outbox (``cache.outbox``, in the same database).

One database per server URL + account (see :func:`cache_path`), 0600 in a 0700
directory, WAL + ``synchronous=FULL`` (an acknowledged change survives a crash
or power cut). ``PRAGMA user_version`` holds the schema version: any other
version drops and rebuilds the mirror (re-pulled from the server) but keeps the
outbox.

Threads: each thread gets its own connection (WAL readers never block); all
writes go through :meth:`Cache.write` (a process lock + ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import operator
import os
import re
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.cache.outbox import Outbox, pending_base_versions, pending_local
from zhumeng_tui.cache.rows import READERS, Gone, Row, scalar_row
from zhumeng_tui.cache.schema import (
    APP_VIEW,
    MIRROR,
    MIRROR_TABLES,
    SCHEMA_VERSION,
    VIEW_READS_INDEXES,
    VIEW_SOURCES,
    Data,
    app_view_changed_sql,
    app_view_rebuild_sql,
    app_view_table_sql,
    app_view_update_sql,
    ddl,
)

APP_NAME = "zhumeng-tui"

#: SQLite's page cache per connection (negative: KiB), and while a bulk pull
#: writes the whole mirror (fewer pages read back while its b-trees grow).
CACHE_KIB = -16000
BULK_CACHE_KIB = -64000
#: The page size of a new cache file: a first sync writes ~230 MB for a large
#: university, about a sixth faster in 16 KiB pages than in SQLite's 4 KiB;
#: larger pages cost a bulk review's scattered updates more than they save.
PAGE_BYTES = 16384

#: The statements that build each table's secondary indexes (by table name).
#: A bulk pull drops those of the tables it writes, all but the ones
#: ``app_view``'s rows are made with while it fills (``VIEW_READS_INDEXES``),
#: and builds them again table by table (see :meth:`Cache.apply_changes`).
_INDEXES: dict[str, list[str]] = {}
#: Every index the schema declares (an index a cache has besides these is dropped when it opens).
_DECLARED_INDEXES: set[str] = set()
for _stmt in ddl():
    _found = re.match(r"CREATE INDEX IF NOT EXISTS (\w+) ON (\w+) ", _stmt)
    if _found:
        _DECLARED_INDEXES.add(_found[1])
    if _found and _found[1] not in VIEW_READS_INDEXES:
        _INDEXES.setdefault(_found[2], []).append(_stmt)

#: The table whose indexes a bulk pull builds last, after it has ended
#: (:meth:`Cache.build_late_indexes`, which the sync runs in the background):
#: ``app_view``'s eight took about a second for 68,000 applications, a fifth of
#: a first sync, while nothing but the lists' speed needs them. Until they are
#: there, the lists read the table without them.
LATE_INDEXED = "app_view"
_LATE = frozenset(_INDEXES.get(LATE_INDEXED, ()))


def _index_names(c: sqlite3.Connection, tables: Iterable[str]) -> list[str]:
    """The indexes of ``tables`` that exist and that a bulk pull drops."""
    tables = [t for t in tables if t in _INDEXES]
    if not tables:
        return []
    return [r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' * len(tables))})"
        f" AND name NOT IN ({', '.join('?' * len(VIEW_READS_INDEXES))})",
        [*tables, *VIEW_READS_INDEXES])]


#: Rows one INSERT writes. SQLite lets the GIL go for each statement it
#: runs and the thread waits to get it back: one row a statement, the
#: writing thread of a first sync waited its turn 10,000 times a page while
#: the next page's rows were made in another (10,000 applications: 0.9 s
#: written that way, 0.3 s fifty at a time). Two hundred (at most 26
#: columns each: 5,200 values, under SQLite's limit of 32,766) took a
#: first sync of 50,000 students 0.06-0.1 s less than fifty, five hundred no less.
ROWS_PER_INSERT = 200


def _same(value: Any) -> Any:
    return value


# Python's sqlite3 binds an int, float, str or bytearray as it is; for any
# other value (None, a bool, a record's JSON as msgspec.Raw) it first looks
# for an adapter, and on Python 3.11 the look-up that finds none builds an
# AttributeError with its message each time, holding the GIL (about 15% of
# the CPU of writing a page of applications, 80,000 values). An adapter
# found in the registry skips that. The registry is the process's (the
# embedded demo server's connections use it too): each adapter gives SQLite
# the same value it got before.
sqlite3.register_adapter(type(None), _same)
sqlite3.register_adapter(bool, int)
sqlite3.register_adapter(msgspec.Raw, _same)


@functools.cache
def _insert_sql(rtype: str, rows: int) -> str:
    """The INSERT of ``rows`` rows of ``m_<rtype>`` (``[id, version, seq, data, *columns]`` each)."""
    cols = MIRROR[rtype]
    one = "(?, ?, ?, CAST(? AS TEXT)" + ", ?" * len(cols) + ")"
    names = "".join(f", {col.name}" for col in cols)
    return f"INSERT OR REPLACE INTO m_{rtype} (id, version, seq, data{names}) VALUES " + ", ".join([one] * rows)


def _insert_rows(c: sqlite3.Connection, rtype: str, rows: list[Row]) -> None:
    """Write ``rows`` (distinct ids) in statements of :data:`ROWS_PER_INSERT` rows."""
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    if whole:
        flat = itertools.chain.from_iterable  # half the time of a nested comprehension
        c.executemany(_insert_sql(rtype, ROWS_PER_INSERT),
                      [list(flat(rows[i:i + ROWS_PER_INSERT])) for i in range(0, whole, ROWS_PER_INSERT)])
    if whole < len(rows):
        c.execute(_insert_sql(rtype, len(rows) - whole), list(itertools.chain.from_iterable(rows[whole:])))


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_path(server_url: str, username: str, data_dir: Path | None = None) -> Path:
    """``<data dir>/cache-<hash of url + account>.sqlite3``."""
    key = f"{server_url.rstrip('/').lower()}\n{username}".encode()
    digest = hashlib.sha256(key).hexdigest()[:20]
    return (data_dir or default_data_dir()) / f"cache-{digest}.sqlite3"


# ------------------------------------------------------------------ cache --


#: A stored record's JSON text as a dict (msgspec: about twice as fast as ``json.loads``).
decode_record = msgspec.json.decode


class PreparedPage(NamedTuple):
    """A page of the feed ready to be written (:meth:`Cache.prepare_page`)."""

    #: the page's changes by record type, in feed order
    by_type: dict[str, list[FeedChange]]
    #: their rows (``rows.RowReader.from_feed``), by record type
    rows: dict[str, list[Row | Gone | None]]
    #: how many changes
    size: int


#: A bulk pull's pages the write-ahead log holds at most: the copy of one
#: page's log runs while the next is written, and the page after that waits
#: for it (the log then starts again from its beginning).
LOG_PAGES = 2


class Cache:
    """One account's cache database: the mirror and, as ``outbox``, its changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        #: Every open connection -> the thread using it. Textual starts a new
        #: thread per worker: a connection whose thread has ended is handed to
        #: the next new thread (warm page cache, no connection per keystroke).
        self._conns: dict[sqlite3.Connection, threading.Thread] = {}
        self._conns_lock = threading.Lock()
        #: Bumped by every committed write: results computed from the cache
        #: (see ``services.lists``) are reused while it is unchanged.
        self.generation = 0
        self._wlock = threading.RLock()
        #: Open ``read()`` snapshots; ``close`` waits for them (long reads in
        #: background threads, e.g. the search index, are interrupted first).
        self._reading: set[sqlite3.Connection] = set()
        self._reads_done = threading.Condition()
        self._closed = False
        #: The thread copying the write-ahead log into the database file after
        #: each write (see :meth:`_copy_log_later`), and the last copy asked for.
        self._checkpointer: ThreadPoolExecutor | None = None
        self._checkpoint: Future[None] | None = None
        #: Open :meth:`log_copy_held` blocks, and whether a write came in one.
        self._copy_held = 0
        self._copy_wanted = False
        self.rebuilt = False  # True when this open dropped an old mirror
        #: The tables a bulk pull has written, and those of them whose indexes it built again already.
        self._bulk_written: set[str] = set()
        self._bulk_indexed: set[str] = set()
        self._bulk_pages_in_log = 0
        self.outbox = Outbox(self)
        self._prepare_files()
        self._init_schema()

    # ------------------------------------------------------------ files --

    def _prepare_files(self) -> None:
        d = self.path.parent
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(d, 0o700)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
        self._fix_modes()

    def _fix_modes(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            with contextlib.suppress(OSError):
                if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600:
                    os.chmod(p, 0o600)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA page_size={PAGE_BYTES}")  # a new file only
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute(f"PRAGMA cache_size={CACHE_KIB}")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # no commit copies the log itself: _copy_log_later
        return conn

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (reads; writes go through :meth:`write`)."""
        if self._closed:
            raise RuntimeError("cache is closed")
        c = getattr(self._local, "conn", None)
        if c is None:
            me = threading.current_thread()
            with self._conns_lock:
                c = next((k for k, t in self._conns.items() if not t.is_alive()), None)
                if c is not None:
                    self._conns[c] = me
            if c is None:
                c = self._connect()
                with self._conns_lock:
                    self._conns[c] = me
                self._fix_modes()
            elif c.in_transaction:  # its thread ended inside a read snapshot
                c.execute("ROLLBACK")
            self._local.conn = c
        return c

    @property
    def connection_count(self) -> int:
        """Open connections (at most one per live thread that read the cache)."""
        return len(self._conns)

    @contextlib.contextmanager
    def write(self, *, durable: bool = True, data: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``).

        ``durable=False`` commits with ``synchronous=NORMAL`` (no fsync): only
        for what can be had again — pages of the mirror (pulled again) and
        the server's answers to the outbox (sent again, answered the same by
        the idempotency key). The transaction is still atomic, so a power cut
        can only lose the last ones, never leave one half applied. A change
        of the user's (an outbox entry) always uses ``synchronous=FULL``. ``data=False``: the write changes no
        record (bookkeeping in ``meta``): results computed from the cache stay
        valid (``generation`` is not bumped)."""
        c = self.conn()
        with self._wlock:
            if c.in_transaction:  # nested: join the outer transaction
                yield c
                return
            if not durable:
                c.execute("PRAGMA synchronous=NORMAL")
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    yield c
                except BaseException:
                    if c.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                        c.execute("ROLLBACK")
                    raise
                c.execute("COMMIT")
                if data:
                    self.generation += 1
            finally:
                if not durable:
                    c.execute("PRAGMA synchronous=FULL")
        self._copy_log_later()

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries. ``close`` interrupts it
        (``sqlite3.OperationalError``) rather than closing its connection
        under it."""
        c = self.conn()
        if c.in_transaction:
            yield c
            return
        with self._reads_done:
            if self._closed:
                raise RuntimeError("cache is closed")
            self._reading.add(c)
        try:
            c.execute("BEGIN")
            try:
                yield c
            finally:
                c.execute("COMMIT")
        finally:
            with self._reads_done:
                self._reading.discard(c)
                self._reads_done.notify_all()

    def close(self) -> None:
        # Closing a connection under a running statement would crash sqlite3:
        # interrupt the open snapshots (reads only: a write, e.g. a change
        # going into the outbox, is waited for) and wait for them to end.
        with self._conns_lock:
            self._closed = True
            checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.shutdown(wait=True)
        with self._reads_done:
            deadline = time.monotonic() + 10
            while self._reading and time.monotonic() < deadline:
                for c in self._reading:  # again and again: one between two statements is lost
                    c.interrupt()
                self._reads_done.wait(0.05)
            busy = set(self._reading)
        with self._wlock, self._conns_lock:
            for c in self._conns:
                if c in busy:
                    continue  # still running after 10 s: leave it to the process exit
                with contextlib.suppress(sqlite3.Error):
                    c.close()
            self._conns.clear()

    # ----------------------------------------------------------- schema --

    def _init_schema(self) -> None:
        c = self.conn()
        with self._wlock:
            c.execute("BEGIN IMMEDIATE")
            try:
                version = c.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA_VERSION):
                    self._rebuild(c)
                elif version == 0:
                    # A brand-new file, or one from before versioning: start clean,
                    # keeping any outbox that exists.
                    has_tables = c.execute(
                        "SELECT count(*) FROM sqlite_master WHERE type='table'"
                    ).fetchone()[0]
                    if has_tables:
                        self._rebuild(c)
                for stmt in ddl():
                    c.execute(stmt)
                # an index the schema no longer declares costs every write and helps no read
                for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                                         ).fetchall():
                    if name not in _DECLARED_INDEXES:
                        c.execute(f'DROP INDEX "{name}"')
                c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                if self.meta_in(c, "client_id") is None:
                    self.set_meta_in(c, "client_id", uuid.uuid4().hex)
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                    c.execute("ROLLBACK")
                raise
        self._fix_modes()

    def _rebuild(self, c: sqlite3.Connection) -> None:
        """Drop everything but the outbox and the client id; the mirror is re-pulled."""
        keep_meta = {}
        with contextlib.suppress(sqlite3.Error):
            for k, v in c.execute("SELECT key, value FROM meta WHERE key IN ('client_id', 'me')"):
                keep_meta[k] = v
        tables = [
            r[0]
            for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if not r[0].startswith("sqlite_")
        ]
        outbox_rows: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        if "outbox" in tables:
            cur = c.execute("SELECT * FROM outbox")
            cols = [d[0] for d in cur.description]
            outbox_rows = [dict(zip(cols, r, strict=True)) for r in cur]
        if "outbox_item" in tables:
            cur = c.execute("SELECT * FROM outbox_item")
            cols = [d[0] for d in cur.description]
            item_rows = [dict(zip(cols, r, strict=True)) for r in cur]
        for t in tables:
            c.execute(f'DROP TABLE IF EXISTS "{t}"')
        for stmt in ddl():
            c.execute(stmt)
        for k, v in keep_meta.items():
            self.set_meta_in(c, k, v)
        for table, rows in (("outbox", outbox_rows), ("outbox_item", item_rows)):
            known = {r[1] for r in c.execute(f"PRAGMA table_info({table})")}
            for r in rows:
                r = {k: v for k, v in r.items() if k in known}
                if not r:
                    continue
                names = ", ".join(r)
                marks = ", ".join("?" for _ in r)
                c.execute(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", list(r.values()))
        self.rebuilt = True

    # ------------------------------------------------------------- meta --

    @staticmethod
    def meta_in(c: sqlite3.Connection, key: str) -> str | None:
        row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def set_meta_in(c: sqlite3.Connection, key: str, value: str | None) -> None:
        if value is None:
            c.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        return self.meta_in(self.conn(), key)

    def set_meta(self, key: str, value: str | None) -> None:
        with self.write(data=False) as c:
            self.set_meta_in(c, key, value)

    @property
    def client_id(self) -> str:
        v = self.get_meta("client_id")
        assert v is not None
        return v

    @property
    def cursor(self) -> int:
        return int(self.get_meta("cursor") or 0)

    @property
    def horizon(self) -> int | None:
        """The server's tombstone horizon with the last page applied (sent back with the next pull)."""
        raw = self.get_meta("horizon")
        return int(raw) if raw else None

    def mirror_empty(self) -> bool:
        return self.conn().execute("SELECT NOT EXISTS(SELECT 1 FROM m_application)").fetchone()[0] == 1 and (
            self.conn().execute("SELECT NOT EXISTS(SELECT 1 FROM m_student)").fetchone()[0] == 1
        )

    # ----------------------------------------------------------- mirror --

    def get_record(self, rtype: str, rid: int) -> Data | None:
        row = self.conn().execute(f"SELECT data FROM m_{rtype} WHERE id = ?", (rid,)).fetchone()
        return None if row is None else decode_record(row[0])

    def records(self, rtype: str, **equal: Any) -> list[Data]:
        """The cached records of a type in id order; ``equal``: only those whose
        columns (of ``MIRROR[rtype]``) have these values."""
        known = {col.name for col in MIRROR[rtype]}
        if not set(equal) <= known:
            raise ValueError(f"m_{rtype} has no column {sorted(set(equal) - known)}")
        where = " AND ".join(f"{name} = ?" for name in equal) or "1"
        rows = self.conn().execute(f"SELECT data FROM m_{rtype} WHERE {where} ORDER BY id", list(equal.values()))
        return [decode_record(r[0]) for r in rows]

    def records_by_id(self, rtype: str, ids: Sequence[int]) -> dict[int, Data]:
        """The cached records of a type with these ids, by id."""
        rows = self.conn().execute(
            f"SELECT id, data FROM m_{rtype} WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)
        )
        return {int(r[0]): decode_record(r[1]) for r in rows}

    def _put_many(self, c: sqlite3.Connection, rtype: str, rows: Iterable[Row]) -> None:
        rows = list(rows)
        try:
            _insert_rows(c, rtype, rows)
        except sqlite3.ProgrammingError:  # a list/dict where a column expects a value: stored as NULL
            _insert_rows(c, rtype, [scalar_row(r) for r in rows])

    def put(self, c: sqlite3.Connection, rtype: str, data: Data, seq: int | None = None) -> None:
        self._put_many(c, rtype, [READERS[rtype].from_record(data, seq)])

    def put_many(self, c: sqlite3.Connection, rtype: str, records: Iterable[Data],
                 texts: Iterable[str] | None = None) -> None:
        """:meth:`put` of many records of one type (distinct ids), in one
        statement; ``texts``: the records as JSON, when the caller has them."""
        reader = READERS[rtype]
        if texts is None:
            self._put_many(c, rtype, [reader.from_record(data, None) for data in records])
        else:
            self._put_many(c, rtype, [reader.from_record(data, None, text=text)
                                      for data, text in zip(records, texts, strict=True)])

    @staticmethod
    def stored(c: sqlite3.Connection, rtype: str, ids: Iterable[int],
               columns: tuple[str, ...] = ("version", "data")) -> dict[int, tuple[Any, ...]]:
        """The mirror's ``columns`` (by default version and JSON text) of the
        records of a type with these ids, by id."""
        rows = c.execute(f"SELECT id, {', '.join(columns)} FROM m_{rtype}"
                         " WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),))
        return {r[0]: r[1:] for r in rows}

    def delete(self, c: sqlite3.Connection, rtype: str, rid: int) -> None:
        c.execute(f"DELETE FROM m_{rtype} WHERE id = ?", (rid,))
        if rtype == "application":
            c.execute("DELETE FROM app_view WHERE id = ?", (rid,))

    def version(self, c: sqlite3.Connection, rtype: str, rid: int) -> int | None:
        row = c.execute(f"SELECT version FROM m_{rtype} WHERE id = ?", (rid,)).fetchone()
        return None if row is None else int(row[0])

    def store_server_record(self, c: sqlite3.Connection, rtype: str, data: Data, *, force: bool = False) -> bool:
        """Store a record the server sent, unless the mirror already has a newer one."""
        have = self.version(c, rtype, int(data["id"]))
        if not force and have is not None and have > int(data.get("version") or 1):
            return False
        self.put(c, rtype, data)
        return True

    @staticmethod
    def prepare_page(changes: Iterable[FeedChange]) -> PreparedPage:
        """The rows of a page, made without the database: a pull makes the
        next page's while the current one is written (``apply_changes``)."""
        by_type: dict[str, list[FeedChange]] = {}
        n = 0
        for rtype, run in itertools.groupby(changes, operator.attrgetter("type")):  # a page is long runs of one type
            chs = by_type.get(rtype)
            if chs is None:
                chs = by_type[rtype] = []
            before = len(chs)
            chs.extend(run)
            n += len(chs) - before
        built = {rtype: READERS[rtype].from_feed(chs) for rtype, chs in by_type.items() if rtype in READERS}
        return PreparedPage(by_type, built, n)

    def apply_changes(self, changes: Iterable[FeedChange], cursor: int, *, bulk: bool = False,
                      horizon: int | None = None, prepared: PreparedPage | None = None) -> int:
        """Apply one page of the change feed (records + tombstones) and move the
        cursor (and the server's tombstone ``horizon`` with it), in ONE transaction. A record is stored as the server sent it
        (``rows.RowReader``); one with a pending change of ours keeps our
        optimistic state until the server's version is newer than the one
        the change is based on. ``prepared``: the page's rows, made already
        (:meth:`prepare_page`; they are made here otherwise).

        ``bulk`` (a pull from cursor 0): drop the secondary indexes of the
        tables the page writes (building them once is about twice as fast as
        keeping them up to date row by row); build those of the tables an
        earlier page of the pull wrote and this one does not (the feed sends
        a first pull mostly type by type: the build overlaps the making of
        the next page's rows, instead of waiting for the end; a table written
        again later keeps its indexes up to date); :meth:`finish_bulk` builds
        the rest at the end, but ``app_view``'s (:data:`LATE_INDEXED`). Mark
        ``app_view`` stale, and add the page's applications to it as they
        come; a record one of its rows is made of (``VIEW_SOURCES``) that
        comes after rows were added is noted in ``view_pending``, and
        :meth:`finish_bulk` makes those rows again. An interrupted first sync
        leaves the mark and the notes, and the next pull finishes it."""
        by_type, built, n = prepared if prepared is not None else self.prepare_page(changes)
        puts: dict[str, dict[int, Row]] = {}
        deletes: dict[str, set[int]] = {}
        touched: dict[str, set[int]] = {}
        writes = {f"m_{rtype}" for rtype in built} | ({"app_view"} if "application" in built else set())
        early = self._bulk_written - writes - self._bulk_indexed - {LATE_INDEXED} if bulk else set()
        if bulk:
            self._bulk_pages_in_log += 1
            if self._bulk_pages_in_log > LOG_PAGES:
                self._checkpointed()
                self._bulk_pages_in_log = 1
        with self.write(durable=False) as c:
            if bulk:
                c.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
                for name in _index_names(c, writes - self._bulk_indexed):
                    c.execute(f'DROP INDEX "{name}"')
            pending = pending_base_versions(c)
            for rtype, rows_of_type in built.items():
                reader = READERS[rtype]
                chs = by_type[rtype]
                # what the mirror has already, as sent (the server's answer to a change of ours)
                held = {} if bulk else self.stored(c, rtype, (ch.id for ch in chs), ("version", "seq"))
                put = puts[rtype] = {}
                gone = deletes[rtype] = set()
                for ch, row in zip(chs, rows_of_type, strict=True):
                    rid = ch.id
                    if isinstance(row, Gone):
                        put.pop(rid, None)
                        gone.add(rid)
                        continue
                    if held and held.get(rid) == (ch.version, ch.seq):
                        put.pop(rid, None)
                        gone.discard(rid)
                        continue
                    if pending:
                        base = pending.get((rtype, rid))
                        if base is not None and ch.version <= base:
                            if self.version(c, rtype, rid) is not None:
                                continue  # our optimistic local record is based on this one: keep it
                            # the mirror lost it (a rebuilt cache): show the newest optimistic state
                            local = pending_local(c, rtype, rid)
                            if local is not None:
                                local.update(id=rid, version=ch.version, seq=ch.seq)
                                put[rid] = reader.from_record(local, ch.seq)
                                continue
                    if row is None:  # the record needs changing before it is stored
                        data = ch.record()
                        assert data is not None
                        data.update(id=rid, version=ch.version, seq=ch.seq)
                        row = reader.from_record(data, ch.seq)
                    if gone:
                        gone.discard(rid)
                    put[rid] = row
                if not bulk:
                    touched[rtype] = {ch.id for ch in chs if held.get(ch.id) != (ch.version, ch.seq)}
            for gone_type, ids in deletes.items():
                for rid in ids:
                    self.delete(c, gone_type, rid)
            for put_type, rows in puts.items():
                self._put_many(c, put_type, rows.values())
            if bulk:
                self.set_meta_in(c, "view_stale", "1")
                self._view_rows_of_page(c, puts, deletes)
                for table in early:
                    for stmt in _INDEXES.get(table, ()):
                        c.execute(stmt)
                c.execute(f"PRAGMA cache_size={CACHE_KIB}")
            else:
                self.refresh_view(c, touched)
            self.set_meta_in(c, "cursor", str(cursor))
            if horizon is not None:
                self.set_meta_in(c, "horizon", str(horizon))
        if bulk:
            self._bulk_written |= writes
            self._bulk_indexed |= early
        return n

    @staticmethod
    def _view_rows_of_page(c: sqlite3.Connection, puts: dict[str, dict[int, Row]],
                           deletes: dict[str, set[int]]) -> None:
        """A bulk page: its applications' ``app_view`` rows, made with the
        mirror as it is; the page's records (and tombstones) that rows made
        before may join are noted in ``view_pending`` (none while ``app_view``
        is empty: a row made later joins them as they are)."""
        sources = [(rtype, rid) for rtype in VIEW_SOURCES
                   for rid in itertools.chain(puts.get(rtype, ()), deletes.get(rtype, ()))]
        if sources and c.execute("SELECT EXISTS (SELECT 1 FROM app_view)").fetchone()[0]:
            c.executemany("INSERT OR IGNORE INTO view_pending (rtype, id) VALUES (?, ?)", sources)
        apps = puts.get("application")
        if apps:
            c.execute(app_view_rebuild_sql("a.id IN (SELECT value FROM json_each(?))"), (json.dumps(list(apps)),))

    @property
    def view_stale(self) -> bool:
        return self.get_meta("view_stale") is not None

    @contextlib.contextmanager
    def log_copy_held(self) -> Iterator[None]:
        """No copy of the log starts while this is open; one starts when it
        closes, for the writes made in it. A change and the server's answer
        to it are two writes a moment apart (``services.core.queue``): with
        the copy of the first between them, the client's share of a decision
        on 1,000 applications was about 0.07 s longer (median of six paired
        runs), and one copy does for both."""
        with self._conns_lock:
            self._copy_held += 1
        try:
            yield
        finally:
            with self._conns_lock:
                self._copy_held -= 1
                wanted = self._copy_held == 0 and self._copy_wanted
                if wanted:
                    self._copy_wanted = False
            if wanted:
                self._copy_log_later()

    def _copy_log_later(self) -> None:
        """Copy the write-ahead log into the database file in a thread of its
        own (a ``PASSIVE`` checkpoint), not in the commit: SQLite's automatic
        checkpoint would make the commit that crosses its threshold wait while
        it copies tens of MB (a bulk decision's 1,000 scattered updates).
        One copy waiting to start does for every commit before it."""
        with self._conns_lock:
            if self._copy_held:
                self._copy_wanted = True
                return
            last = self._checkpoint
            if self._closed or (last is not None and not (last.running() or last.done())):
                return  # closed, or the last copy asked for has not started: it covers this commit
            if self._checkpointer is None:
                self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="cache-checkpoint")
            self._checkpoint = self._checkpointer.submit(self._copy_log)

    def _copy_log(self) -> None:
        with contextlib.suppress(sqlite3.Error, RuntimeError):  # busy, or closed: the next write's copy does it
            self.conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _checkpointed(self) -> None:
        """Wait for the last copy of the log asked for, if any."""
        with self._conns_lock:
            running = self._checkpoint
        if running is not None:
            running.result()

    def finish_bulk(self) -> None:
        """After a bulk pull: build the indexes it dropped, but those of
        :data:`LATE_INDEXED` (:meth:`build_late_indexes`), make again the
        ``app_view`` rows noted in ``view_pending`` (one transaction)."""
        self._checkpointed()
        with self.write() as c:
            c.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
            for stmt in ddl():  # creates what is missing: the indexes a bulk pull dropped
                if stmt not in _LATE:
                    c.execute(stmt)
            pending: dict[str, set[int]] = {}
            for rtype, rid in c.execute("SELECT rtype, id FROM view_pending"):
                pending.setdefault(rtype, set()).add(rid)
            self.refresh_view(c, pending)
            c.execute("DELETE FROM view_pending")
            self.set_meta_in(c, "view_stale", None)
            c.execute(f"PRAGMA cache_size={CACHE_KIB}")
        self._bulk_written.clear()
        self._bulk_indexed.clear()
        self._bulk_pages_in_log = 0

    def build_late_indexes(self) -> None:
        """Build the indexes of :data:`LATE_INDEXED` a bulk pull dropped (none
        when they are there). One transaction that changes no record: results
        computed from the cache stay valid, and a crash in it loses only the
        indexes, which the next open builds (``ddl``). Its commit is durable
        all the same: the fsync that writes the pull's log to disk is made
        here, in the background, rather than in the next durable write (in
        the bench, with a commit without it, the sync right after a first
        one took 0.4-0.5 s instead of about 20 ms in most runs)."""
        with self.write(data=False) as c:
            c.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
            for stmt in _INDEXES.get(LATE_INDEXED, ()):
                c.execute(stmt)
            c.execute(f"PRAGMA cache_size={CACHE_KIB}")

    def refresh_view(self, c: sqlite3.Connection, touched: dict[str, set[int]]) -> None:
        """Rebuild the app_view rows depending on the touched records (of an
        application, or of one of ``VIEW_SOURCES``)."""
        if not touched:
            return
        c.execute("CREATE TEMP TABLE IF NOT EXISTS touched_app (id INTEGER PRIMARY KEY)")
        c.execute("CREATE TEMP TABLE IF NOT EXISTS touched_ids (id INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM temp.touched_app")

        def via(column: str, ids: set[int], sub: str | None = None) -> None:
            if not ids:
                return
            c.execute("DELETE FROM temp.touched_ids")
            c.executemany("INSERT OR IGNORE INTO temp.touched_ids VALUES (?)", [(i,) for i in ids])
            src = "SELECT id FROM temp.touched_ids" if sub is None else sub
            c.execute(
                f"INSERT OR IGNORE INTO temp.touched_app SELECT id FROM m_application WHERE {column} IN ({src})"
            )

        apps = touched.get("application", set())
        c.executemany("INSERT OR IGNORE INTO temp.touched_app VALUES (?)", [(i,) for i in apps])
        via("student_id", touched.get("student", set()))
        via("position_id", touched.get("position", set()))
        via("department_id", touched.get("department", set()))
        via(
            "position_id",
            touched.get("employer", set()),
            "SELECT id FROM m_position WHERE employer_id IN (SELECT id FROM temp.touched_ids)",
        )
        wd = touched.get("withdrawal", set())
        if wd:
            c.execute("DELETE FROM temp.touched_ids")
            c.executemany("INSERT OR IGNORE INTO temp.touched_ids VALUES (?)", [(i,) for i in wd])
            c.execute(
                "INSERT OR IGNORE INTO temp.touched_app SELECT application_id FROM m_withdrawal"
                " WHERE id IN (SELECT id FROM temp.touched_ids) AND application_id IS NOT NULL"
            )
        # The rows are made aside, and app_view is given only the columns that
        # changed: SQLite rewrites an index of a row only when its UPDATE names
        # one of the index's columns, and a decision on a thousand applications
        # changes their status and local state, not their names or pinyin
        # (half the time of rewriting the whole rows).
        c.execute(app_view_table_sql("temp.view_new"))
        c.execute("DELETE FROM temp.view_new")
        c.execute(app_view_rebuild_sql("a.id IN (SELECT id FROM temp.touched_app)", into="temp.view_new"))
        changed = c.execute(app_view_changed_sql("temp.view_new")).fetchone()
        columns = [vc.name for vc, differs in zip(APP_VIEW, changed, strict=True) if differs]
        if columns:
            c.execute(app_view_update_sql("temp.view_new", columns))
        names = ", ".join(["id", *(vc.name for vc in APP_VIEW)])
        c.execute(f"INSERT INTO app_view ({names}) SELECT {names} FROM temp.view_new"
                  " WHERE id NOT IN (SELECT id FROM app_view)")

    def reset_mirror(self) -> None:
        """The server said ``reset``: drop the mirror; the next pull starts from 0."""
        with self.write() as c:
            for t in MIRROR_TABLES:
                c.execute(f"DELETE FROM {t}")
            self.set_meta_in(c, "cursor", "0")
            self.set_meta_in(c, "horizon", None)
        self._bulk_written.clear()
        self._bulk_indexed.clear()
        self._bulk_pages_in_log = 0

    def integrity_ok(self) -> bool:
        return self.conn().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
