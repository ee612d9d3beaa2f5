"""``LocalServices``: the facade over the local cache, the API client and sync.

Queries are synchronous SQLite reads (call them from a thread worker); methods
that talk to the server are ``async`` and push their database work to threads,
so the event loop never blocks on I/O.

Extending (e.g. ``services/tracking.py``): build a :class:`~zhumeng_tui.cache.store.Mutation`
(what to send + the optimistic records) and ``await services.mutate(m)``; read
records with :meth:`LocalServices.record` / :meth:`LocalServices.records`; add
filter parts with :func:`register_filter` and columns with ``EXTRA_COLUMNS``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyarrow.compute as pc

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import (
    ApiError,
    Forbidden,
    NotFound,
    Offline,
    Unauthorised,
)
from zhumeng_tui.api_client.schemas import (
    ActionRequest,
    Application,
    BatchItem,
    BatchRequest,
    Employer,
    FollowUp,
    IntegrityEntry,
    Me,
    Position,
    Student,
    Withdrawal,
)
from zhumeng_tui.cache.store import Cache, Mutation, MutationItem, cache_path
from zhumeng_tui.cache.sync import ProgressFn, SyncEngine
from zhumeng_tui.domain.calendar import WorkCalendar, YearData
from zhumeng_tui.domain.eligibility import (
    CHECK_MISSING,
    CheckId,
    CheckResult,
    gate_refusal,
    review_gate,
)
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.search import search_terms
from zhumeng_tui.domain.status import STATUS_LABELS, Action, Role, Status, check_transition
from zhumeng_tui.services import (
    AppFilter,
    ApplicationDetail,
    ApplicationRows,
    Dashboard,
    DashboardLine,
    ItemResult,
    MissingGroup,
    MissingStudent,
    Refusal,
    ReviewPreview,
    ReviewResult,
    SortSpec,
    SyncStatus,
)
from zhumeng_tui.services.search import SearchIndex, from_int_array, parse_ids, terms_sql, to_int_array

#: Columns of ``ApplicationRows.table`` -> SQL over ``app_view``. Raw values
#: (status codes, check results); the table widget formats them.
COLUMNS: dict[str, str] = {
    "student_no": "student_no",
    "name": "name",
    "department": "department",
    "employer": "employer",
    "position": "position",
    "city": "city",
    "status": "status",
    "worst": "worst",
    "failed_checks": "failed_checks",
    "local_state": "local_state",
    "applied_at": "applied_at",
    "start_date": "start_date",
    "end_date": "end_date",
    "on_duty_date": "on_duty_date",
    "phone": "phone",
    "version": "version",
    "responsible_staff": "responsible_staff",
    **{f"c_{c.value}": f"c_{c.value}" for c in CheckId},
}
#: Extensions add columns here (name -> SQL expression over app_view).
EXTRA_COLUMNS: dict[str, str] = {}
#: Sort keys that differ from the column (names sort by pinyin).
_SORT_SQL = {"name": "py_full", "department": "department", "worst": "CASE worst WHEN 'fail' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END"}

FilterHook = Callable[[AppFilter, "LocalServices"], tuple[list[str], list[Any]]]
#: Extra filter parts (e.g. ``intern_flag``): each returns SQL clauses + params over app_view.
FILTER_HOOKS: list[FilterHook] = []


def register_filter(hook: FilterHook) -> None:
    FILTER_HOOKS.append(hook)


#: Statuses in which failing checks block the campus's decision ("who is
#: still missing what": the dashboard's blockers and ``missing()``).
REVIEW_STATUSES = frozenset({Status.MATCHED, Status.DEPT_CONFIRMED, Status.RETURNED})
BATCH_MAX = 5000


class ReadOnly(Forbidden):
    default_code = "read_only"
    default_zh = "只读账号不能修改数据"
    default_en = "This account is read-only"


@dataclass
class MutationOutcome:
    """What happened to one queued change (see :meth:`LocalServices.mutate`)."""

    seq: int
    results: list[ItemResult]
    records: list[dict[str, Any] | None]  # the server's record per item when ok

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def queued(self) -> bool:
        return any(r.queued for r in self.results)


class LocalServices:
    """Implements :class:`zhumeng_tui.services.Services`."""

    def __init__(self, *, cache: Cache, api: ApiClient, me: Me, lang: str = "zh",
                 server_url: str = "", username: str = "") -> None:
        self.cache = cache
        self.api = api
        self.me = me
        self.lang = lang
        self.server_url = server_url
        self.username = username or me.username
        self.engine = SyncEngine(cache, api)
        self._last_message: str | None = None
        #: Recent results by (cache generation, query): a filter the user
        #: goes back to (backspace) is answered without touching SQLite.
        self._remembered: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._remember_lock = threading.Lock()
        #: The in-memory search index (see ``services.search``) and its
        #: loader. False: every query is answered by SQLite (same results).
        self.use_search_index = True
        self._index: SearchIndex | None = None
        self._index_thread: threading.Thread | None = None
        self._index_failed_at: int | None = None

    # -------------------------------------------------------- helpers --

    @property
    def token(self) -> str | None:
        return self.api.token

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    @property
    def role(self) -> Role:
        return Role(self.me.role)

    @property
    def read_only(self) -> bool:
        return self.role == Role.VIEWER

    def require_writable(self) -> None:
        if self.read_only:
            raise ReadOnly()

    def record(self, rtype: str, rid: int) -> dict[str, Any] | None:
        """One cached record (as the server sent it, or its optimistic local state)."""
        return self.cache.get_record(rtype, rid)

    def records(self, rtype: str, where: str = "1", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Cached records of a type; ``where`` is SQL over ``m_<rtype>``'s columns."""
        return self.cache.records(rtype, where, params)

    # -------------------------------------------------------- queries --

    def calendar(self) -> WorkCalendar:
        years = []
        for d in self.cache.records("calendar_year"):
            try:
                years.append(YearData.from_dict(d))
            except (KeyError, ValueError, AssertionError):
                continue
        return WorkCalendar(years)

    def departments(self) -> list[tuple[int, str]]:
        rows = self.cache.conn().execute("SELECT id, name FROM m_department ORDER BY id")
        return [(int(r[0]), str(r[1])) for r in rows]

    def _actionable_sql(self, no_index: str = "") -> tuple[str, list[Any]]:
        """Applications waiting for this account (``no_index="+"``: not through an index)."""
        role = self.role
        if role == Role.VIEWER:
            role = Role(self.me.bound_role or Role.UNIVERSITY)
        if role == Role.DEPARTMENT:
            return f"({no_index}status = 'matched' AND out_of_province = 0 AND department_id = ?)", [self.me.department_id]
        if role == Role.UNIVERSITY:
            return f"({no_index}status = 'dept_confirmed' AND out_of_province = 0)", []
        if role == Role.PROVINCE:
            return f"({no_index}status IN ('matched', 'dept_confirmed') AND out_of_province = 1)", []
        return "0", []

    def _where(self, f: AppFilter) -> tuple[str, list[Any], bool]:
        """(SQL over app_view, its parameters, whether the matches are best
        read in 学号 order through ix_app_view_search: no filter, or a search
        text that index answers)."""
        clauses: list[str] = []
        params: list[Any] = []
        text = f.text.strip()
        in_search_order = not text
        if text:
            terms = search_terms(text)
            sql, p = terms_sql(terms)
            clauses.append(sql)
            params += p
            # a part of a name, one letter or a 学号 prefix: read in 学号 order
            # (a scan or range of ix_app_view_search); pinyin of two or more
            # letters seeks the pinyin indexes and sorts the few matches
            in_search_order = not any(t.field == "py_full" for t in terms)
        # Index choice ("+col" keeps SQLite from using an index on col): with
        # search text, ix_app_view_search answers the text and gives the order;
        # without, ix_app_view_dash covers status, department and checks. A
        # department alone: one scan of that index beats a seek per row.
        no_index = "+" if text else ""
        if f.department_id is not None:
            clauses.append("+department_id = ?")
            params.append(f.department_id)
        if f.statuses:
            clauses.append(f"{no_index}status IN ({', '.join('?' for _ in f.statuses)})")
            params += sorted(s.value for s in f.statuses)
        if f.check is not None:
            clauses.append(f"c_{CheckId(f.check).value} = ?")
            params.append(CheckResult(f.check_result).value)
        if f.actionable:
            sql, p = self._actionable_sql(no_index)
            clauses.append(sql)
            params += p
        if f.local_state:
            clauses.append("local_state = ?")
            params.append(f.local_state)
        if f.employer_id is not None:
            clauses.append("+employer_id = ?")
            params.append(f.employer_id)
        if f.city:
            clauses.append("city = ?")
            params.append(f.city)
        for hook in FILTER_HOOKS:
            sql_parts, p = hook(f, self)
            clauses += sql_parts
            params += p
        where = " AND ".join(clauses) or "1"
        return where, params, in_search_order and (bool(text) or where == "1")

    def _sort_key(self, sort: SortSpec) -> str:
        """The SQL expression to sort by."""
        col = sort.column if sort.column in COLUMNS or sort.column in EXTRA_COLUMNS else "student_no"
        return _SORT_SQL.get(col) or EXTRA_COLUMNS.get(col) or COLUMNS[col]

    def query_applications(
        self,
        f: AppFilter,
        sort: SortSpec,
        *,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> ApplicationRows:
        """The applications matching ``f`` in ``sort`` order.

        Lazy: one query gives the ids in order (reused while the cache is
        unchanged, so going back to an earlier filter costs nothing); a row's
        values are read when its page is shown (see :class:`ApplicationRows`).
        ``columns``: the row values (default: all of ``COLUMNS`` +
        ``EXTRA_COLUMNS``). ``limit``: at most this many rows (the first ones
        in sort order); ``total`` then still counts every match.
        """
        all_cols = {**COLUMNS, **EXTRA_COLUMNS}
        names = [c for c in (columns or list(all_cols)) if c in all_cols]
        ids = self._ordered_ids(f, sort)
        total = len(ids)
        if limit is not None:
            ids = ids[: max(0, limit)]
        exprs = [all_cols[n] for n in names]
        return ApplicationRows(ids, columns=names, total=total, fetch=lambda page: self._fetch_rows(exprs, page))

    def forget_results(self) -> None:
        """Drop the remembered results (benchmarks: time a query, not a lookup)."""
        with self._remember_lock:
            self._remembered.clear()

    def _remember(self, key: tuple[Any, ...], compute: Callable[[], Any], keep: int = 8) -> Any:
        """``compute()``, or its result for ``key`` while the cache is unchanged
        (``key`` starts with the cache generation) and the day is the same
        (filters such as "no follow-up for 30 days" count from today)."""
        key = (dt.date.today(), *key)
        with self._remember_lock:
            hit = self._remembered.get(key)
            if hit is not None:
                self._remembered.move_to_end(key)
                return hit
        value = compute()
        with self._remember_lock:
            self._remembered[key] = value
            while len(self._remembered) > keep:
                self._remembered.popitem(last=False)
        return value

    # ---------------------------------------------------- search index --

    def search_index(self, *, wait: bool = False) -> SearchIndex | None:
        """The in-memory search index of the current cache generation, or None
        while it loads (a background thread, started here; ``wait``: load it
        now). Queries use SQL meanwhile, with the same results."""
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
        with self._remember_lock:
            busy = self._index_thread is not None and self._index_thread.is_alive()
            if not busy and self._index_failed_at != gen:
                self._index_thread = threading.Thread(target=self._load_index, name="search-index", daemon=True)
                self._index_thread.start()
        return None

    def _load_index(self) -> None:
        gen = self.cache.generation
        try:
            with self.cache.read() as conn:
                idx = SearchIndex.load(conn, gen)
        except (RuntimeError, sqlite3.Error, ValueError):
            self._index_failed_at = gen  # closed cache or odd data: SQL answers
            return
        current = self._index
        if current is None or current.generation < idx.generation:
            self._index = idx

    # --------------------------------------------------------- id lists --

    def _ordered_ids(self, f: AppFilter, sort: SortSpec) -> array[int]:
        gen = self.cache.generation
        idx = self.search_index()

        def compute() -> array[int]:
            if idx is not None and idx.generation == gen:
                return self._indexed_ids(idx, f, sort)
            return self._sql_ids(f, sort)

        ids: array[int] = self._remember((gen, "ids", f, sort), compute)
        return ids

    def _sql_ids(self, f: AppFilter, sort: SortSpec, *, ordered: bool = True) -> array[int]:
        """The ids matching ``f`` from SQLite, in ``sort`` order (or in any
        order: ``ordered=False``)."""
        where, params, in_search_order = self._where(f)
        key = self._sort_key(sort)
        d = " DESC" if sort.descending else ""
        if not ordered:
            sql = f"SELECT group_concat(id) FROM app_view WHERE {where}"
        else:
            # In 学号 order, ix_app_view_search gives the matches without a sort.
            # Otherwise pinyin seeks its indexes and other filters scan
            # ix_app_view_dash or the table: then sorting the matches beats
            # walking the 学号 index with a random row read per application.
            order = f"student_no{d}, id{d}" if key == "student_no" and in_search_order else f"+({key}){d}, id{d}"
            sql = f"SELECT group_concat(id) FROM (SELECT id FROM app_view WHERE {where} ORDER BY {order})"
        return parse_ids(self.cache.conn().execute(sql, params).fetchone()[0])

    def _indexed_ids(self, idx: SearchIndex, f: AppFilter, sort: SortSpec) -> array[int]:
        """The ids matching ``f`` in ``sort`` order, with the search text (and,
        in 学号 order, the order itself) answered by the in-memory index; the
        other filters are SQL, remembered while the user types."""
        terms = search_terms(f.text)
        rest = dataclasses.replace(f, text="")
        rest_where = self._where(rest)[0]
        if self._sort_key(sort) == "student_no":
            mask = idx.mask(terms) if terms else None
            if rest_where != "1":
                gen = idx.generation
                rest_mask = self._remember(
                    (gen, "mask", rest), lambda: idx.member_mask(self._sql_ids(rest, sort, ordered=False))
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

    def _fetch_rows(self, exprs: list[str], ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """The rows of ``ids`` that are in the cache, by id (see ``ApplicationRows``)."""
        found: dict[int, tuple[Any, ...]] = {}
        cols = ", ".join(exprs) if exprs else "NULL"
        try:
            conn = self.cache.conn()
            for i in range(0, len(ids), 500):
                chunk = list(ids[i : i + 500])
                marks = ",".join("?" * len(chunk))
                for r in conn.execute(f"SELECT id, {cols} FROM app_view WHERE id IN ({marks})", chunk):
                    found[r[0]] = r[1:] if exprs else ()
        except (RuntimeError, sqlite3.ProgrammingError):
            pass  # the cache was closed (the app is quitting): nothing to draw
        return found

    def ids_matching(self, f: AppFilter) -> list[int]:
        """Every application id matching ``f`` (in 学号 order), e.g. for
        "select all": usually the list the queue already shows."""
        return list(self._ordered_ids(f, SortSpec()))

    def count(self, f: AppFilter) -> int:
        where, params, _ = self._where(f)
        return int(self.cache.conn().execute(f"SELECT count(*) FROM app_view WHERE {where}", params).fetchone()[0])

    def application_detail(self, application_id: int) -> ApplicationDetail:
        with self.cache.read():
            app_d = self.cache.get_record("application", application_id)
            if app_d is None:
                raise NotFound(message_zh="本地缓存中没有该申请", message_en="This application is not in the local cache")
            app = Application.model_validate(app_d)
            st = self.cache.get_record("student", app.student_id)
            pos = self.cache.get_record("position", app.position_id)
            if st is None or pos is None:
                raise NotFound(message_zh="本地缓存缺少该申请的学生或岗位，请同步",
                               message_en="The student or position of this application is not cached; sync")
            emp = self.cache.get_record("employer", int(pos["employer_id"])) or {
                "id": pos["employer_id"], "name": "", "type": "", "region": "", "certifying_committee": ""}
            dept = self.cache.get_record("department", app.department_id)
            integrity = [IntegrityEntry.model_validate(d)
                         for d in self.cache.records("integrity", "student_id = ?", (app.student_id,))]
            followups = [FollowUp.model_validate(d)
                         for d in self.cache.records("followup", "application_id = ?", (application_id,))]
            withdrawals = [Withdrawal.model_validate(d)
                           for d in self.cache.records("withdrawal", "application_id = ?", (application_id,))]
            local = self.cache.local_state("application", application_id)
        followups.sort(key=lambda x: (x.date, x.id), reverse=True)
        integrity.sort(key=lambda x: (x.date, x.id), reverse=True)
        return ApplicationDetail(
            application=app,
            student=Student.model_validate(st),
            position=Position.model_validate(pos),
            employer=Employer.model_validate(emp),
            department_name=str(dept["name"]) if dept else "",
            integrity=integrity,
            followups=followups,
            withdrawals=withdrawals,
            local_state=local.state if local else None,
            local_message=local.message(self.lang) if local and local.state != "pending" else None,
        )

    def dashboard(self) -> Dashboard:
        c = self.cache.conn()
        with self.cache.read():
            # counts per status: from the status index alone; check sums only
            # over the statuses where a failing check blocks
            act_sql, act_params = self._actionable_sql()
            waiting_n = c.execute(f"SELECT count(*) FROM app_view WHERE {act_sql}", act_params).fetchone()[0]
            by_status = dict(c.execute("SELECT status, count(*) FROM app_view GROUP BY status").fetchall())
            review = sorted(s.value for s in REVIEW_STATUSES)
            sums = ", ".join(f"SUM(c_{ch.value} = 'fail')" for ch in CheckId)
            blocker_counts = c.execute(
                f"SELECT {sums} FROM app_view WHERE status IN ({', '.join('?' for _ in review)})", review
            ).fetchone()
            local = self.cache.local_counts()
        waiting = DashboardLine("waiting", "待我审核", "Waiting for my decision", int(waiting_n),
                                AppFilter(actionable=True), "warn" if waiting_n else "normal")
        n_ret = int(by_status.get(Status.RETURNED.value, 0))
        returned = DashboardLine("returned", "退回补充", "Returned for more information", n_ret,
                                 AppFilter(statuses=frozenset({Status.RETURNED})), "warn" if n_ret else "normal")
        blockers = []
        for ch, n in zip(CheckId, blocker_counts, strict=True):
            if n:
                zh, en = CHECK_MISSING[ch]
                blockers.append(DashboardLine(f"check:{ch.value}", zh, en, int(n),
                                              AppFilter(check=ch, statuses=REVIEW_STATUSES), "error"))
        lines = []
        for s in Status:
            zh, en = STATUS_LABELS[s]
            lines.append(DashboardLine(f"status:{s.value}", zh, en, int(by_status.get(s.value, 0)),
                                       AppFilter(statuses=frozenset({s}))))
        extra = []
        for state, zh, en, sev in (("conflict", "同步冲突", "Sync conflicts", "error"),
                                   ("rejected", "被服务器拒绝", "Refused by the server", "error"),
                                   ("pending", "待发送", "Waiting to be sent", "normal")):
            if local.get(state):
                extra.append(DashboardLine(f"local:{state}", zh, en, local[state], AppFilter(local_state=state), sev))
        return Dashboard(waiting, returned, blockers, lines, extra)

    def missing(self, department_id: int | None = None) -> list[MissingGroup]:
        c = self.cache.conn()
        review = sorted(s.value for s in REVIEW_STATUSES)
        reason_key = "$.reason_en" if self.lang == "en" else "$.reason_zh"
        groups = []
        with self.cache.read():
            for ch in CheckId:
                params: list[Any] = [reason_key, ch.value, *review]
                dept = ""
                if department_id is not None:
                    dept = " AND v.department_id = ?"
                    params.append(department_id)
                rows = c.execute(
                    "SELECT v.id, v.student_no, v.name, v.department, v.phone,"
                    " (SELECT json_extract(j.value, ?) FROM m_application a, json_each(a.data, '$.checks') j"
                    "  WHERE a.id = v.id AND json_extract(j.value, '$.check') = ?)"
                    f" FROM app_view v WHERE v.c_{ch.value} = 'fail'"
                    f" AND v.status IN ({', '.join('?' for _ in review)}){dept}"
                    " ORDER BY v.department, v.student_no",
                    params,
                ).fetchall()
                # One line per student and reason: a student blocked the same way on
                # several applications is chased once.
                seen: set[tuple[str, str]] = set()
                students = []
                for r in rows:
                    key = (r[1], r[5] or "")
                    if key not in seen:
                        seen.add(key)
                        students.append(MissingStudent(r[0], r[1], r[2], r[3], r[4], r[5] or ""))
                if students:
                    zh, en = CHECK_MISSING[ch]
                    groups.append(MissingGroup(ch, self.t(zh, en), students))
        return groups

    # --------------------------------------------------------- review --

    def _rows_by_id(self, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        checks = ", ".join(f"c_{c.value}" for c in CheckId)
        rows = self.cache.conn().execute(
            f"SELECT id, status, out_of_province, department_id, version, {checks}"
            " FROM app_view WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        ).fetchall()
        return {r[0]: r for r in rows}

    def preview_review(self, ids: list[int], action: Action, reason: str | None = None) -> ReviewPreview:
        action = Action(action)
        rows = self._rows_by_id(ids)
        will_send: list[int] = []
        refused: list[Refusal] = []
        warnings: dict[CheckId, list[int]] = {}
        role = self.role
        for aid in ids:
            row = rows.get(aid)
            if row is None:
                refused.append(Refusal(aid, "not_found", self.t("本地缓存中没有该申请", "Not in the local cache")))
                continue
            _, status, out_prov, dept_id, _version, *results = row
            if role == Role.VIEWER:
                refused.append(Refusal(aid, "read_only", ReadOnly().message(self.lang)))
                continue
            if role == Role.DEPARTMENT and self.me.department_id is not None and dept_id != self.me.department_id:
                refused.append(Refusal(aid, "out_of_scope", self.t("不属于本院系", "Not in your department")))
                continue
            try:
                check_not_provincial(role, bool(out_prov))
                check_transition(status, action, role, reason if reason is not None else "-")
            except DomainError as err:
                refused.append(Refusal(aid, err.code, err.message(self.lang)))
                continue
            by_check = dict(zip(CheckId, results, strict=True))
            failed, warns = review_gate(action, by_check, role)
            refusal = gate_refusal(failed, [])
            if refusal is not None:
                refused.append(Refusal(aid, refusal.code, refusal.message(self.lang)))
                continue
            for c in warns:
                warnings.setdefault(c, []).append(aid)
            will_send.append(aid)
        return ReviewPreview(action, len(ids), will_send, refused, warnings)

    async def review(
        self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId]
    ) -> ReviewResult:
        """Send a review decision for ``ids``: one outbox entry (a batch when
        more than one), optimistic rows, then an immediate push. Items refused
        locally come back with ``ok=False``; offline items come back ``queued``."""
        self.require_writable()
        action = Action(action)
        preview = await asyncio.to_thread(self.preview_review, ids, action, reason)
        refused = {r.application_id: r for r in preview.refused}
        acked = {CheckId(a) for a in acknowledge}
        not_acked: dict[int, list[CheckId]] = {}
        for check, aids in preview.warnings.items():
            if check not in acked:
                for aid in aids:
                    not_acked.setdefault(aid, []).append(check)
        send = [i for i in preview.will_send if i not in not_acked]
        results: dict[int, ItemResult] = {}
        for aid, r in refused.items():
            results[aid] = ItemResult(aid, False, code=r.code, message=r.message)
        for aid, checks in not_acked.items():
            refusal = gate_refusal([], checks)
            assert refusal is not None
            results[aid] = ItemResult(aid, False, code=refusal.code, message=refusal.message(self.lang))
        if send:
            ack_list = sorted(acked, key=lambda c: list(CheckId).index(c))
            outcomes = await self._queue_review(send, action, reason, ack_list)
            for o in outcomes:
                for res in o.results:
                    results[res.application_id] = res
        return ReviewResult([results[i] for i in ids if i in results])

    def _review_mutations(self, ids: list[int], action: Action, reason: str | None,
                          acknowledge: list[CheckId]) -> list[int]:
        """Queue the outbox entries for a review (one transaction)."""
        target = None
        seqs = []
        with self.cache.write() as c:
            recs = {
                int(r[0]): json.loads(r[1])
                for r in c.execute(
                    "SELECT id, data FROM m_application WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids),),
                )
            }
            chunks = [ids[i:i + BATCH_MAX] for i in range(0, len(ids), BATCH_MAX)]
            for chunk in chunks:
                items: list[MutationItem] = []
                batch: list[BatchItem] = []
                for aid in chunk:
                    rec = recs[aid]
                    target = check_transition(rec["status"], action, self.role, reason or "-")
                    local = dict(rec)
                    local["status"] = target.value
                    if action in (Action.REJECT, Action.RETURN):
                        local["reason"] = reason
                    items.append(MutationItem("application", aid, local))
                    batch.append(BatchItem(id=aid, version=int(rec["version"]), action=action, reason=reason,
                                           acknowledge=list(acknowledge)))
                if len(chunk) == 1:
                    b = batch[0]
                    m = Mutation(
                        "record", "POST", f"/applications/{b.id}/actions",
                        ActionRequest(action=action, reason=reason, acknowledge=list(acknowledge)).model_dump(
                            mode="json"),
                        items, if_match=b.version,
                    )
                else:
                    m = Mutation("batch", "POST", "/applications/actions:batch",
                                 BatchRequest(items=batch).model_dump(mode="json"), items)
                seqs.append(self.cache.add_mutation_in(c, m))
        return seqs

    async def _queue_review(self, ids: list[int], action: Action, reason: str | None,
                            acknowledge: list[CheckId]) -> list[MutationOutcome]:
        seqs = await asyncio.to_thread(self._review_mutations, ids, action, reason, acknowledge)
        await self._push_quietly()
        return [await asyncio.to_thread(self._outcome, s) for s in seqs]

    async def _push_quietly(self) -> None:
        try:
            report = await self.engine.push()
        except ApiError as err:  # pragma: no cover - push reports, it does not raise
            self._last_message = err.message(self.lang)
            return
        if report.stopped is not None:
            self._last_message = report.stopped.message(self.lang)
            if isinstance(report.stopped, Unauthorised):
                raise report.stopped

    def _outcome(self, seq: int) -> MutationOutcome:
        entry = self.cache.entry(seq)
        assert entry is not None
        results = []
        records: list[dict[str, Any] | None] = []
        for it in entry.items:
            msg = it.message_en if self.lang == "en" else it.message_zh
            if it.state == "pending":
                results.append(ItemResult(it.rid, True, queued=True))
            elif it.state == "ok":
                results.append(ItemResult(it.rid, True))
            else:
                results.append(ItemResult(it.rid, False, code=it.code or it.state, message=msg))
            records.append(self.cache.get_record(it.rtype, it.rid) if it.state == "ok" else None)
        return MutationOutcome(seq, results, records)

    async def mutate(self, m: Mutation, *, push: bool = True) -> MutationOutcome:
        """The generic local change: queue ``m`` (outbox + optimistic records, one
        transaction), push, and report per item. Refuses for a read-only account."""
        self.require_writable()
        seq = await asyncio.to_thread(self.cache.add_mutation, m)
        if push:
            await self._push_quietly()
        return await asyncio.to_thread(self._outcome, seq)

    def dismiss_local(self, application_id: int, rtype: str = "application") -> int:
        """Clear a shown conflict/rejection for a record (the entry stays as history)."""
        return self.cache.dismiss(rtype, application_id)

    async def retry_review(self, application_id: int) -> ReviewResult:
        """Send a conflicted/refused review decision again, now based on the
        server's current record (the user has looked at both versions). The
        old entry is dismissed; the decision goes through ``review`` (local
        checks first) as a new outbox entry."""
        self.require_writable()
        st = await asyncio.to_thread(self.cache.local_state, "application", application_id)
        if st is None or st.state not in ("conflict", "rejected"):
            return ReviewResult([ItemResult(application_id, False, code="nothing_to_retry", message=self.t(
                "该申请没有冲突或被拒绝的修改", "This application has no conflicting or refused change"))])
        entry = await asyncio.to_thread(self.cache.entry, st.seq)
        assert entry is not None
        body = entry.body if isinstance(entry.body, dict) else {}
        item = next((x for x in body.get("items") or () if x.get("id") == application_id), body)
        if "action" not in item:
            return ReviewResult([ItemResult(application_id, False, code="not_a_review", message=self.t(
                "该修改不是审核操作", "That change is not a review decision"))])
        await asyncio.to_thread(self.cache.dismiss, "application", application_id)
        return await self.review([application_id], Action(item["action"]), item.get("reason"),
                                 [CheckId(c) for c in item.get("acknowledge") or ()])

    def local_state(self, rtype: str, rid: int) -> tuple[str, str | None] | None:
        st = self.cache.local_state(rtype, rid)
        return None if st is None else (st.state, st.message(self.lang))

    # ----------------------------------------------------------- sync --

    def sync_status(self) -> SyncStatus:
        counts = self.cache.local_counts()
        last = self.cache.get_meta("last_synced")
        eng = self.engine
        return SyncStatus(
            online=bool(eng.online),
            syncing=eng.syncing,
            done=eng.done,
            total=eng.total,
            pending=counts["pending"],
            conflicts=counts["conflict"],
            rejected=counts["rejected"],
            last_synced=dt.datetime.fromisoformat(last) if last else None,
            first_sync=self.cache.cursor == 0 or self.cache.view_stale,
            message=self._last_message,
        )

    async def sync(self, progress: ProgressFn | None = None) -> SyncStatus:
        """Push the outbox, pull what changed. Offline is not an error here: the
        status says ``online=False``. A rejected token raises ``Unauthorised``."""
        self._last_message = None
        try:
            pushed, _ = await self.engine.sync(progress)
            if pushed.stopped is not None:
                self._last_message = pushed.stopped.message(self.lang)
        except Offline as err:
            self._last_message = err.message(self.lang)
        except Unauthorised:
            raise
        except ApiError as err:
            self._last_message = err.message(self.lang)
        return await asyncio.to_thread(self.sync_status)

    @property
    def last_message(self) -> str | None:
        return self._last_message

    async def close(self) -> None:
        await self.api.aclose()
        self.cache.close()


# ------------------------------------------------------------ opening --


def _store_me(cache: Cache, me: Me) -> None:
    cache.set_meta("me", me.model_dump_json())


async def connect(
    server_url: str,
    *,
    username: str,
    password: str | None = None,
    data_dir: Path | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: str = "zh",
    offline_ok: bool = True,
    api: ApiClient | None = None,
) -> LocalServices:
    """Sign in (password, or a stored ``token``), open this account's cache and
    return the services. Wrong credentials raise :class:`Unauthorised` with a
    clear message. With ``offline_ok`` and a token, an unreachable server opens
    the warm cache read from disk (``services.engine.online`` is False)."""
    api = api or ApiClient(server_url, transport=transport, token=token)
    me: Me | None = None
    if password is not None:
        try:
            await api.login(username, password)
        except Unauthorised as err:
            await api.aclose()
            raise Unauthorised(
                err.code,
                f"用户名或密码错误（{username}）",
                f"Wrong user name or password for {username}",
            ) from None
        except ApiError:
            await api.aclose()
            raise
    elif not api.token:
        await api.aclose()
        raise Unauthorised(
            "no_credentials", "需要登录：请提供密码或已保存的令牌", "Sign-in needed: give a password or a stored token"
        )
    online: bool | None = None
    try:
        me = await api.me()
        online = True
    except Unauthorised:
        await api.aclose()
        raise Unauthorised(
            "token_invalid", "登录已失效，请重新输入密码登录", "The saved session is no longer valid; sign in again"
        ) from None
    except Offline:
        if not offline_ok:
            await api.aclose()
            raise
        online = False
    cache = await asyncio.to_thread(Cache, cache_path(server_url, username, data_dir))
    if me is None:
        raw = cache.get_meta("me")
        if raw is None:
            cache.close()
            await api.aclose()
            raise Offline(message_zh="无法连接服务器，且本机没有该账号的缓存",
                          message_en="Cannot reach the server and there is no local cache for this account")
        me = Me.model_validate_json(raw)
    else:
        await asyncio.to_thread(_store_me, cache, me)
    svc = LocalServices(cache=cache, api=api, me=me, lang=lang, server_url=server_url, username=username)
    svc.engine.online = online
    return svc


def open_local(
    server_url: str,
    *,
    username: str,
    data_dir: Path | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: str = "zh",
) -> LocalServices:
    """Open a warm cache without touching the network (cold start < 1 s). The
    signed-in account is the one remembered in the cache; call ``await sync()``
    afterwards. Raises ``NotFound`` when there is no cache for this account."""
    path = cache_path(server_url, username, data_dir)
    if not path.exists():
        raise NotFound("no_cache", "本机没有该账号的缓存", "There is no local cache for this account")
    cache = Cache(path)
    raw = cache.get_meta("me")
    if raw is None:
        cache.close()
        raise NotFound("no_cache", "本机没有该账号的缓存", "There is no local cache for this account")
    me = Me.model_validate_json(raw)
    api = ApiClient(server_url, transport=transport, token=token)
    return LocalServices(cache=cache, api=api, me=me, lang=lang, server_url=server_url, username=username)
