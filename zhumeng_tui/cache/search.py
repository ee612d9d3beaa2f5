"""The search rule (``domain.search``) in SQL and in memory.

:func:`terms_sql` turns the terms into a condition over a table or view with
``student_no``, ``name``, ``py_initials`` and ``py_full`` (prefixes become
index ranges). :class:`SearchIndex` holds those four columns of every cached
application in 学号 order as Arrow arrays, so the review queue answers a
keystroke with one vectorised pass (about 10 ms at 200,000 rows) instead of an
SQLite scan (40-80 ms). It is a snapshot of one cache generation: the services
(``services.lists``) load a new one in the background after a change and use
SQL meanwhile. The Arrow helpers convert id lists without a Python int per id.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.search import Term

_SEP = "\x1f"  # between values in a group_concat (never typed into a name or 学号)
#: The index's columns, read in this order (学号, then id: the queue's default order).
_ORDER = "student_no, id"


def prefix_range(column: str, prefix: str) -> tuple[str, list[Any]]:
    """``column`` starts with ``prefix``, as a range an index can seek to."""
    return f"({column} >= ? AND {column} < ?)", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]


def terms_sql(terms: Sequence[Term], alias: str = "") -> tuple[str, list[Any]]:
    """The terms as one SQL condition (OR) and its ``?`` parameters; ``alias``:
    a table alias for the columns (``"s"`` -> ``s.name``)."""
    parts: list[str] = []
    params: list[Any] = []
    for term in terms:
        col = f"{alias}.{term.field}" if alias else term.field
        if term.kind == "prefix":
            sql, p = prefix_range(col, term.value)
        else:
            sql, p = f"instr({col}, ?) > 0", [term.value]
        parts.append(sql)
        params += p
    if not parts:
        return "1", []
    return (parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"), params


def to_int_array(values: pa.Array) -> array[int]:
    """An Arrow int64 array -> ``array('q')`` (one copy, no Python int per value)."""
    out: array[int] = array("q")
    if len(values):
        values = values.cast(pa.int64())
        if values.null_count:
            values = values.drop_null()
        buf = values.buffers()[1]
        assert buf is not None
        out.frombytes(memoryview(buf)[values.offset * 8 : (values.offset + len(values)) * 8])
    return out


def parse_ids(text: str | None) -> array[int]:
    """``group_concat(id)`` text -> ids (pyarrow parses; no Python int per id)."""
    if not text:
        return array("q")
    return to_int_array(pc.split_pattern(pa.array([text], pa.string()), ",").values.cast(pa.int64()))


def from_int_array(values: Sequence[int]) -> pa.Array:
    """``array('q')`` (or any int sequence) -> an Arrow int64 array."""
    if isinstance(values, array) and values.typecode == "q":
        return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
    return pa.array(values, pa.int64())


def _column(conn: sqlite3.Connection, column: str) -> pa.Array:
    """One column of ``app_view`` in index order, read as one string (fast: no
    Python object per value) and split by Arrow."""
    text = conn.execute(
        f"SELECT group_concat({column}, char(31)) FROM (SELECT {column} FROM app_view ORDER BY {_ORDER})"
    ).fetchone()[0]
    if not text:
        return pa.array([], pa.string())
    return pc.split_pattern(pa.array([text], pa.string()), _SEP).values


@dataclass(frozen=True)
class SearchIndex:
    """The searchable columns of every application, in 学号 order."""

    generation: int  # the cache generation it was read at
    ids: pa.Array  # int64
    columns: dict[str, pa.Array]  # student_no, name, py_initials, py_full

    @classmethod
    def load(cls, cache: Cache) -> SearchIndex | None:
        """Read the index of the cache's current generation (in one snapshot,
        so the columns agree); None when the cache is closed or a value holds
        the separator (SQL answers then). The generation is read before the
        snapshot begins, so a write during the load leaves the index marked
        as older."""
        generation = cache.generation
        try:
            with cache.read() as conn:
                ids = _column(conn, "id").cast(pa.int64())
                cols = {name: _column(conn, name) for name in ("student_no", "name", "py_initials", "py_full")}
        except (RuntimeError, sqlite3.Error):
            return None
        if any(len(c) != len(ids) for c in cols.values()):
            return None
        return cls(generation, ids, cols)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, terms: Sequence[Term]) -> pa.BooleanArray:
        """Which rows match any of ``terms`` (all rows for no terms)."""
        if not terms:
            return pa.array([True] * len(self.ids), pa.bool_())
        out: pa.BooleanArray | None = None
        for term in terms:
            col = self.columns[term.field]
            m = pc.starts_with(col, term.value) if term.kind == "prefix" else pc.match_substring(col, term.value)
            out = m if out is None else pc.or_(out, m)
        assert out is not None
        return out.fill_null(False)

    def member_mask(self, ids: Sequence[int]) -> pa.BooleanArray:
        """Which rows have one of ``ids``."""
        return pc.is_in(self.ids, value_set=from_int_array(ids)).fill_null(False)
