"""The generator's state: one seeded random stream, the rows made so far and
their change-log entries, and the cheap random draws the subject modules use.

Every subject module draws from ``Gen.rnd`` in a fixed order, so the same seed,
size and "today" give the same database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from pydantic_core import to_json

from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.students import mask_id_number

UTC = dt.UTC
Row = dict[str, Any]

# Statuses as plain strings (enum attribute access is slow in 3.11 hot loops).
S_APPLIED = "applied"
S_MATCHED = "matched"
S_DEPT_CONFIRMED = "dept_confirmed"
S_APPROVED = "approved"
S_RETURNED = "returned"
S_REJECTED = "rejected"
S_ON_DUTY = "on_duty"
S_COMPLETED = "completed"
S_APPRAISED = "appraised"
S_WITHDRAWN = "withdrawn"


def rand_int(r: random.Random, a: int, b: int) -> int:
    """randint(a, b), but cheap (hot loops; deterministic by seed)."""
    return a + int(r.random() * (b - a + 1))


def pick(r: random.Random, seq: Any) -> Any:
    return seq[int(r.random() * len(seq))]


def pick_weighted(r: random.Random, items: Any, cum: Any) -> Any:
    """A weighted choice with cumulative weights."""
    return items[bisect.bisect_right(cum, r.random() * cum[-1])]


_WIRE_FIELDS: dict[str, tuple[str, ...]] = {t: tuple(mdl.model_fields) for t, mdl in s.RECORD_MODELS.items()}


class Gen:
    """What the subject modules share while they generate."""

    def __init__(self, n_students: int, seed: int, today: dt.date) -> None:
        self.n = n_students
        self.rnd = random.Random(seed)
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(9, 0), tzinfo=UTC)
        self.seq = 0
        self.rows: dict[str, list[Row]] = {}
        self.log: list[Row] = []
        #: Receives change-log rows in chunks (keeps memory flat for 200k students).
        self.log_sink: Callable[[list[Row]], None] | None = None
        # Filled in by the subject modules, in the order they run.
        self.cal = WorkCalendar(())
        self.staff_names: dict[int, list[str]] = {}  # department id -> usernames
        self.employer_names: dict[int, str] = {}
        self.positions: list[Row] = []
        self.good_positions: list[Row] = []  # lengths within the rules
        self.bad_positions: list[Row] = []
        self.students: list[Row] = []

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, rtype: str, row: Row, univ: int | None, dept: int | None) -> None:
        """Keep ``row`` for its table and write its change-log entry."""
        row.setdefault("version", 1)
        row["seq"] = self.next_seq()
        self.rows.setdefault(rtype, []).append(row)
        rid = row["year"] if rtype == "calendar_year" else row["id"]
        extra: Row = {"id": rid}
        if rtype == "student":
            extra["id_number_masked"] = mask_id_number(row["id_number"])
        # Only the schema's fields go on the wire (never password hashes or full ID numbers).
        wire = {k: extra[k] if k in extra else row[k] for k in _WIRE_FIELDS[rtype]}
        data = to_json(wire).decode()
        self.log.append(dict(type=rtype, record_id=rid, seq=row["seq"], version=row["version"], deleted=False,
                             university_id=univ, department_id=dept, data_json=data))
        if self.log_sink is not None and len(self.log) >= 20000:
            self.log_sink(self.log)
            self.log = []

    def ts(self, days_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago)
