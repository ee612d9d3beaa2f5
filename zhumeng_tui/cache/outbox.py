"""The outbox: every local change, durable, in order, until the server answers.

A change is a :class:`Mutation`: what to send (method, path, body, ``If-Match``)
and the records it touches, each with its optimistic local state.
:meth:`Outbox.add` writes the entry and applies those records to the mirror in
ONE transaction (``synchronous=FULL``: an acknowledged change survives a crash
or power cut). Each entry gets a gap-free sequence number and an
``Idempotency-Key`` (client id + sequence number).

The sync engine (``cache.sync``) sends the pending entries in order and records
each definite answer with :meth:`Outbox.resolve`: the server's record replaces
the optimistic one; a conflict keeps both versions; a refusal restores the
record it was based on. A shown conflict or refusal stays until
:meth:`Outbox.dismiss` (the entry itself stays, as history).

States: an entry is ``pending``, ``done``, ``conflict`` or ``rejected``; an
item ``pending``, ``ok``, ``conflict``, ``rejected`` or ``dismissed``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zhumeng_tui.cache.schema import Data, dumps, local_rank_sql, worst_state_sql

if TYPE_CHECKING:
    from zhumeng_tui.cache.store import Cache

#: The ``rid`` of a record the server has not named yet: the outbox gives it a
#: temporary negative id (replaced by the server's id once it answers).
NEW_RECORD = 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class MutationItem:
    """One record a mutation touches. ``local`` is the optimistic record to show
    until the server answers (None: leave the mirror alone). A new record uses
    ``rid=NEW_RECORD``."""

    rtype: str
    rid: int
    local: Data | None = None


@dataclass
class Mutation:
    """A local change: what to send, and which records it touches.

    ``kind`` picks the answer handler (see ``cache.sync.HANDLERS``): "record"
    (the answer is the updated record of ``items[0].rtype``) or "batch"
    (``BatchResponse``, items in order).
    """

    kind: str
    method: str
    path: str
    body: Any
    items: list[MutationItem]
    if_match: int | None = None


@dataclass
class OutboxItem:
    pos: int
    rtype: str
    rid: int
    base_version: int | None
    state: str
    code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None


@dataclass
class OutboxEntry:
    seq: int
    client_id: str
    idem_key: str
    kind: str
    method: str
    path: str
    body: Any
    if_match: int | None
    state: str
    attempts: int
    sent: bool
    next_try: float
    created_at: str
    code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    items: list[OutboxItem] = field(default_factory=list)


@dataclass
class ItemOutcome:
    """How the server answered for one item of an entry."""

    pos: int
    state: str  # ok | conflict | rejected
    code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    server: Data | None = None  # the server's record (new one, or current on conflict)


@dataclass
class RecordState:
    """The outbox state of one record: its most telling open item."""

    state: str  # pending | conflict | rejected
    code: str | None
    message_zh: str | None
    message_en: str | None
    seq: int
    server: Data | None = None
    local: Data | None = None

    def message(self, lang: str = "zh") -> str | None:
        return self.message_en if lang == "en" else self.message_zh


# ------------------------------------------------ read by the mirror's apply --


def pending_base_versions(c: sqlite3.Connection) -> dict[tuple[str, int], int]:
    """(rtype, rid) -> the newest version a pending change of ours is based on."""
    return {
        (r[0], r[1]): r[2]
        for r in c.execute(
            "SELECT rtype, rid, MAX(base_version) FROM outbox_item WHERE state = 'pending' GROUP BY rtype, rid"
        )
    }


def pending_local(c: sqlite3.Connection, rtype: str, rid: int) -> Data | None:
    """The optimistic record of the newest pending change of this record."""
    row = c.execute(
        "SELECT local FROM outbox_item WHERE rtype = ? AND rid = ? AND state = 'pending' AND local IS NOT NULL"
        " ORDER BY seq DESC LIMIT 1",
        (rtype, rid),
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


# ------------------------------------------------------------------ outbox --

_ENTRY_COLS = (
    "seq, client_id, idem_key, kind, method, path, body, if_match, state, attempts, sent, next_try,"
    " created_at, code, message_zh, message_en"
)


class Outbox:
    """The outbox of one cache (``cache.outbox``)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    # ----------------------------------------------------------- adding --

    def add(self, m: Mutation) -> int:
        """Queue ``m`` and apply its optimistic records, in ONE transaction.
        Returns the entry's sequence number (gap-free per client)."""
        with self.cache.write() as c:
            return self.add_in(c, m)

    def add_in(self, c: sqlite3.Connection, m: Mutation) -> int:
        """:meth:`add` inside the caller's write transaction ``c``."""
        cache = self.cache
        client_id = cache.meta_in(c, "client_id")
        assert client_id is not None
        self._name_new_records(c, m)
        seq = int(c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox").fetchone()[0])
        key = f"{client_id}-{seq}"
        c.execute(
            "INSERT INTO outbox (seq, client_id, idem_key, kind, method, path, body, if_match, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, client_id, key, m.kind, m.method, m.path, dumps(m.body), m.if_match, _now()),
        )
        touched: dict[str, set[int]] = {}
        for it in m.items:
            touched.setdefault(it.rtype, set()).add(it.rid)
        # Each item is based on the mirror's record as it is. A record named
        # twice is based the second time on the first item's optimistic
        # state: such a change is applied item by item.
        once = sum(len(ids) for ids in touched.values()) == len(m.items)
        stored = {rtype: cache.stored(c, rtype, ids) for rtype, ids in touched.items()} if once else {}
        locals_: dict[str, tuple[list[Data], list[str]]] = {}
        rows: list[tuple[Any, ...]] = []
        for pos, it in enumerate(m.items):
            if once:
                base_version, base = stored[it.rtype].get(it.rid, (None, None))
            else:
                row = c.execute(f"SELECT version, data FROM m_{it.rtype} WHERE id = ?", (it.rid,)).fetchone()
                base_version, base = (row[0], row[1]) if row else (None, None)
            if it.local is None:
                rows.append((seq, pos, it.rtype, it.rid, base_version, base, None))
                continue
            # the optimistic record as the mirror shows it (on the version it
            # is based on), serialised once for the item and the mirror
            local = dict(it.local)
            local["id"] = it.rid
            if base_version is not None:
                local["version"] = base_version
            text = dumps(local)
            rows.append((seq, pos, it.rtype, it.rid, base_version, base, text))
            if once:
                records, texts = locals_.setdefault(it.rtype, ([], []))
                records.append(local)
                texts.append(text)
            else:
                cache.put(c, it.rtype, local)
        c.executemany("INSERT INTO outbox_item (seq, pos, rtype, rid, base_version, base, local)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        for rtype, (records, texts) in locals_.items():
            cache.put_many(c, rtype, records, texts)
        cache.refresh_view(c, touched)
        return seq

    @staticmethod
    def _name_new_records(c: sqlite3.Connection, m: Mutation) -> None:
        """Give each new record of ``m`` a temporary negative id, below any in the mirror."""
        low: dict[str, int] = {}
        for it in m.items:
            if it.rid != NEW_RECORD:
                continue
            if it.rtype not in low:
                low[it.rtype] = int(c.execute(f"SELECT MIN(MIN(id), 0) FROM m_{it.rtype}").fetchone()[0] or 0)
            low[it.rtype] -= 1
            it.rid = low[it.rtype]
            if it.local is not None:
                it.local["id"] = it.rid

    # ---------------------------------------------------------- reading --

    def _entry(self, c: sqlite3.Connection, row: sqlite3.Row | tuple[Any, ...]) -> OutboxEntry:
        (seq, client_id, key, kind, method, path, body, if_match, state, attempts, sent, next_try,
         created_at, code, zh, en) = row
        items = [
            OutboxItem(*r)
            for r in c.execute(
                "SELECT pos, rtype, rid, base_version, state, code, message_zh, message_en"
                " FROM outbox_item WHERE seq = ? ORDER BY pos",
                (seq,),
            )
        ]
        return OutboxEntry(seq, client_id, key, kind, method, path, json.loads(body) if body else None,
                           if_match, state, attempts, bool(sent), next_try, created_at, code, zh, en, items)

    def entries(self, state: str | None = None) -> list[OutboxEntry]:
        c = self.cache.conn()
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = c.execute(f"SELECT {_ENTRY_COLS} FROM outbox {where} ORDER BY seq", params).fetchall()
        return [self._entry(c, r) for r in rows]

    def entry(self, seq: int) -> OutboxEntry | None:
        c = self.cache.conn()
        row = c.execute(f"SELECT {_ENTRY_COLS} FROM outbox WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else self._entry(c, row)

    def next_pending(self) -> OutboxEntry | None:
        c = self.cache.conn()
        row = c.execute(
            f"SELECT {_ENTRY_COLS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1"
        ).fetchone()
        return None if row is None else self._entry(c, row)

    def local_state(self, rtype: str, rid: int) -> RecordState | None:
        """The outbox state of one record (conflict > rejected > pending), or None."""
        row = self.cache.conn().execute(
            "SELECT state, code, message_zh, message_en, seq, server, local FROM outbox_item"
            " WHERE rtype = ? AND rid = ? AND state IN ('pending', 'conflict', 'rejected')"
            f" ORDER BY {local_rank_sql('state')} DESC, seq DESC LIMIT 1",
            (rtype, rid),
        ).fetchone()
        if row is None:
            return None
        return RecordState(row[0], row[1], row[2], row[3], row[4],
                           json.loads(row[5]) if row[5] else None, json.loads(row[6]) if row[6] else None)

    def local_counts(self) -> dict[str, int]:
        """Records (not entries) per local state, each record counted once at its worst state."""
        counts = {"pending": 0, "conflict": 0, "rejected": 0}
        rows = self.cache.conn().execute(
            f"SELECT st, count(*) FROM (SELECT {worst_state_sql('state')} AS st FROM outbox_item"
            " WHERE state IN ('pending', 'conflict', 'rejected') GROUP BY rtype, rid) GROUP BY st"
        )
        for st, n in rows:
            counts[st] = n
        return counts

    # ---------------------------------------------------------- answers --

    def mark_attempt(self, seq: int, *, error: tuple[str, str, str] | None, delay: float) -> None:
        """A send that got no definite answer: the entry stays pending, retried after ``delay``."""
        with self.cache.write() as c:
            c.execute(
                "UPDATE outbox SET attempts = attempts + 1, sent = 1, next_try = ?, updated_at = ?,"
                " code = ?, message_zh = ?, message_en = ? WHERE seq = ?",
                (time.time() + delay, _now(), *(error or (None, None, None)), seq),
            )

    def resolve(self, seq: int, outcomes: list[ItemOutcome], *,
                entry_code: tuple[str, str, str] | None = None) -> None:
        """Record the server's definite answer for entry ``seq`` (one
        transaction, not flushed to disk on its own: lost to a power cut, the
        entry is pending again and is sent again with its idempotency key,
        and the server answers what it answered; the next change written
        flushes it). An item keeps the server's record only when it is shown
        from there (a conflict's current record); an accepted record is in
        the mirror, and a copy per item would grow the cache by megabytes
        for each bulk decision."""
        cache = self.cache
        with cache.write(durable=False) as c:
            rows = {
                r[0]: r
                for r in c.execute(
                    "SELECT pos, rtype, rid, base_version, base FROM outbox_item WHERE seq = ?", (seq,)
                )
            }
            touched: dict[str, set[int]] = {}
            states = set()
            later_unsent, later_pending = c.execute(
                "SELECT EXISTS(SELECT 1 FROM outbox WHERE seq > ? AND state = 'pending' AND sent = 0),"
                " EXISTS(SELECT 1 FROM outbox WHERE seq > ? AND state = 'pending')",
                (seq, seq),
            ).fetchone()
            c.executemany(
                "UPDATE outbox_item SET state = ?, code = ?, message_zh = ?, message_en = ?, server = ?"
                " WHERE seq = ? AND pos = ?",
                [(o.state, o.code, o.message_zh, o.message_en,
                  None if o.server is None or o.state == "ok" else dumps(o.server), seq, o.pos)
                 for o in outcomes],
            )
            # the server's records that replace ours as they are (each record
            # named once in the entry, nothing of ours after them) are stored together
            keys = {(rows[o.pos][1], rows[o.pos][2]) for o in outcomes}
            together: dict[str, list[Data]] | None = {} if len(keys) == len(outcomes) and not later_pending else None
            for o in outcomes:
                pos, rtype, rid, base_version, base = rows[o.pos]
                states.add(o.state)
                touched.setdefault(rtype, set()).add(rid)
                if o.state == "ok" and o.server is not None:
                    new_id = int(o.server.get("id", rid))
                    if (together is not None and rid > 0 and new_id == rid
                            and not (base_version is not None and later_unsent)):
                        together.setdefault(rtype, []).append(o.server)
                        continue
                    if rid < 0 or new_id != rid:  # a temporary record: the server named it
                        cache.delete(c, rtype, rid)
                        c.execute("UPDATE outbox_item SET rid = ? WHERE seq = ? AND pos = ?", (new_id, seq, pos))
                        touched[rtype].add(new_id)
                    cache.store_server_record(c, rtype, o.server)
                    new_version = int(o.server.get("version") or 1)
                    if later_pending:  # a later change of ours is still on its way: keep showing it
                        local = pending_local(c, rtype, new_id)
                        if local is not None and (cache.version(c, rtype, new_id) or 0) <= new_version:
                            local.update(id=new_id, version=new_version)
                            cache.put(c, rtype, local)
                    if base_version is not None and later_unsent:
                        self._rebase(c, seq, rtype, new_id, base_version, new_version)
                elif o.state == "conflict" and o.server is not None:
                    cache.store_server_record(c, rtype, o.server, force=True)
                elif o.state in ("conflict", "rejected"):
                    if rid < 0:
                        cache.delete(c, rtype, rid)
                    elif base is not None and cache.version(c, rtype, rid) == base_version:
                        cache.put(c, rtype, json.loads(base))
            for rtype, records in (together or {}).items():  # each unless the mirror has a newer one
                have = cache.stored(c, rtype, (int(r["id"]) for r in records), ("version",))
                cache.put_many(c, rtype, [r for r in records if have.get(int(r["id"]), (0,))[0]
                                          <= int(r.get("version") or 1)])
            if states <= {"ok"}:
                state = "done"
            elif "conflict" in states and len(outcomes) == 1:
                state = "conflict"
            elif states == {"rejected"}:
                state = "rejected"
            else:
                state = "done"  # a batch: the items carry their own results
            c.execute(
                "UPDATE outbox SET state = ?, sent = 1, updated_at = ?, code = ?, message_zh = ?, message_en = ?"
                " WHERE seq = ?",
                (state, _now(), *(entry_code or (None, None, None)), seq),
            )
            cache.refresh_view(c, touched)

    @staticmethod
    def _rebase(c: sqlite3.Connection, after: int, rtype: str, rid: int, old: int, new: int) -> None:
        """Later, never-sent entries built on our own optimistic state of this record
        move their base version (If-Match / batch item version) to the server's new one."""
        rows = c.execute(
            "SELECT i.seq, i.pos, o.if_match, o.body, (SELECT count(*) FROM outbox_item j WHERE j.seq = i.seq)"
            " FROM outbox_item i JOIN outbox o ON o.seq = i.seq"
            " WHERE i.seq > ? AND i.rtype = ? AND i.rid = ? AND i.base_version = ?"
            " AND i.state = 'pending' AND o.state = 'pending' AND o.sent = 0",
            (after, rtype, rid, old),
        ).fetchall()
        for seq, pos, if_match, body, n_items in rows:
            c.execute("UPDATE outbox_item SET base_version = ? WHERE seq = ? AND pos = ?", (new, seq, pos))
            if if_match == old and n_items == 1:
                c.execute("UPDATE outbox SET if_match = ? WHERE seq = ?", (new, seq))
            obj = json.loads(body) if body else None
            if isinstance(obj, dict) and isinstance(obj.get("items"), list):
                changed = False
                for it in obj["items"]:
                    if isinstance(it, dict) and it.get("id") == rid and it.get("version") == old:
                        it["version"] = new
                        changed = True
                if changed:
                    c.execute("UPDATE outbox SET body = ? WHERE seq = ?", (dumps(obj), seq))

    def dismiss(self, rtype: str, rid: int) -> int:
        """The user has seen a conflict/rejection: clear it (the entry stays, as history)."""
        with self.cache.write() as c:
            n = c.execute(
                "UPDATE outbox_item SET state = 'dismissed' WHERE rtype = ? AND rid = ?"
                " AND state IN ('conflict', 'rejected')",
                (rtype, rid),
            ).rowcount
            self.cache.refresh_view(c, {rtype: {rid}})
        return n
