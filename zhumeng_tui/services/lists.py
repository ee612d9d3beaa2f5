"""``ApplicationLists``: the lists of applications (review queue, interns list)
answered fast at 200,000 rows.

A list is its ids in order (one query) plus a page of rows read when shown
(:class:`~zhumeng_tui.services.ApplicationRows`). The ids come from SQLite
(``cache.applications``), or, for search text, from the in-memory search index
(``cache.search.SearchIndex``) once it has loaded: a keystroke is then one
vectorised pass instead of a scan. Both give the same list in the same order.
Recent id lists are remembered while the cache is unchanged (its
``generation``) and the day is the same (flags count from today): going back
to an earlier filter costs nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pyarrow.compute as pc

from zhumeng_tui.cache import applications as sql
from zhumeng_tui.cache.search import SearchIndex, from_int_array, to_int_array
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.search import search_terms
from zhumeng_tui.services import AppFilter, ApplicationRows, SortSpec

T = TypeVar("T")
Row = tuple[Any, ...]


class ApplicationLists:
    def __init__(self, cache: Cache, reviewer: sql.Reviewer, today: Callable[[], dt.date]) -> None:
        self.cache = cache
        self.reviewer = reviewer
        self.today = today
        self._remembered: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        #: False: every list is answered by SQLite (the same results).
        self.use_search_index = True
        self._index: SearchIndex | None = None
        self._index_thread: threading.Thread | None = None
        self._index_failed_at: int | None = None

    # ---------------------------------------------------------------- lists --

    def query(
        self,
        f: AppFilter,
        sort: SortSpec,
        columns: Sequence[str],
        *,
        limit: int | None = None,
        shape: Callable[[dict[int, Row]], dict[int, Row]] | None = None,
    ) -> ApplicationRows:
        """The applications matching ``f`` in ``sort`` order, lazily: the ids
        now, a page of ``columns`` values when shown. ``limit``: at most this
        many (``total`` still counts every match). ``shape``: applied to each
        page of rows read (e.g. codes -> labels)."""
        names = [c for c in columns if c in sql.COLUMN_NAMES]
        ids = self.ids(f, sort)
        total = len(ids)
        if limit is not None:
            ids = ids[: max(0, limit)]
        exprs = [sql.column_sql(n, self.today()) for n in names]

        def fetch(page: Sequence[int]) -> dict[int, Row]:
            found = sql.rows(self.cache, exprs, page)
            return shape(found) if shape is not None else found

        return ApplicationRows(ids, columns=names, total=total, fetch=fetch)

    def ids(self, f: AppFilter, sort: SortSpec) -> array[int]:
        """The ids matching ``f`` in ``sort`` order (remembered)."""
        gen = self.cache.generation
        idx = self.search_index()

        def compute() -> array[int]:
            if idx is not None and idx.generation == gen:
                return self._indexed_ids(idx, f, sort)
            return self._sql_ids(f, sort)

        return self._remember((gen, "ids", f, sort), compute)

    def count(self, f: AppFilter) -> int:
        return sql.count(self.cache, self._where(f))

    def forget_results(self) -> None:
        """Drop the remembered lists (benchmarks: time a query, not a lookup)."""
        with self._lock:
            self._remembered.clear()

    def _where(self, f: AppFilter) -> sql.Where:
        return sql.where(f, self.today(), self.reviewer)

    def _remember(self, key: tuple[Any, ...], compute: Callable[[], T], keep: int = 8) -> T:
        """``compute()``, or its result for ``key`` while the cache is unchanged
        (``key`` starts with the cache generation) and the day is the same."""
        key = (self.today(), *key)
        with self._lock:
            hit = self._remembered.get(key)
            if hit is not None:
                self._remembered.move_to_end(key)
                return hit  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._remembered[key] = value
            while len(self._remembered) > keep:
                self._remembered.popitem(last=False)
        return value

    def _sql_ids(self, f: AppFilter, sort: SortSpec, *, ordered: bool = True) -> array[int]:
        """The ids matching ``f`` from SQLite, in ``sort`` order (or in any
        order: ``ordered=False``)."""
        order = sql.sort_sql(sort, self.today()) if ordered else None
        return sql.ids(self.cache, self._where(f), order, sort.descending)

    def _indexed_ids(self, idx: SearchIndex, f: AppFilter, sort: SortSpec) -> array[int]:
        """The ids matching ``f`` in ``sort`` order, with the search text (and,
        in 学号 order, the order itself) answered by the in-memory index; the
        other filters are SQL, remembered while the user types."""
        terms = search_terms(f.text)
        rest = dataclasses.replace(f, text="")
        if sql.sorts_by_student_no(sort):
            mask = idx.mask(terms) if terms else None
            if self._where(rest).sql != "1":
                rest_mask = self._remember(
                    (idx.generation, "mask", rest),
                    lambda: idx.member_mask(self._sql_ids(rest, sort, ordered=False)),
                )
                mask = rest_mask if mask is None else pc.and_(mask, rest_mask)
            out = idx.ids if mask is None else idx.ids.filter(mask)
            return to_int_array(out[::-1] if sort.descending else out)
        if not terms:
            return self._sql_ids(f, sort)
        ordered = self._remember((idx.generation, "ids", rest, sort), lambda: self._sql_ids(rest, sort))
        matched = idx.ids.filter(idx.mask(terms))
        arrow = from_int_array(ordered)
        return to_int_array(arrow.filter(pc.is_in(arrow, value_set=matched)))

    # --------------------------------------------------------- search index --

    def search_index(self, *, wait: bool = False) -> SearchIndex | None:
        """The in-memory search index of the current cache generation, or None
        while it loads (a background thread, started here; ``wait``: load it
        now). Lists use SQL meanwhile, with the same results."""
        if not self.use_search_index:
            return None
        gen = self.cache.generation
        idx = self._index
        if idx is not None and idx.generation == gen:
            return idx
        if wait:
            self._load_index()
            idx = self._index
            return idx if idx is not None and idx.generation == gen else None
        with self._lock:
            busy = self._index_thread is not None and self._index_thread.is_alive()
            if not busy and self._index_failed_at != gen:
                self._index_thread = threading.Thread(target=self._load_index, name="search-index", daemon=True)
                self._index_thread.start()
        return None

    def _load_index(self) -> None:
        gen = self.cache.generation
        idx = SearchIndex.load(self.cache)
        if idx is None:
            self._index_failed_at = gen  # closed cache or odd data: SQL answers
            return
        current = self._index
        if current is None or current.generation < idx.generation:
            self._index = idx
