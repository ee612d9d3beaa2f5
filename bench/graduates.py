"""Graduate services at a province-scale cohort (``--only graduates``): a synthetic cache of 60,000
graduates (with their students), 600 sessions, ~100,000 attendance records
and ~3,000 hardship cases, filled through the real apply path; then the
graduates list (ids, first page), a filter by an unserved need, coverage, the
dashboard's graduate lines and the hardship ledger, through the services."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.data import DEPARTMENTS, GIVEN, SURNAMES
from bench.registry import Context, Figure, bench
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.api_client.schemas import Me
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.graduates import GraduateFlag, NeedKind, SessionKind
from zhumeng_tui.services import CaseFilter, GraduateFilter, ServedFilter, SortSpec

GRADUATES = 60_000
TODAY = dt.date(2026, 3, 10)
KINDS = list(NeedKind)
SHARE = {"guidance": 0.34, "training": 0.2, "entrepreneurship": 0.1, "policy": 0.12, "subsidy": 0.05}


def _ch(rtype: str, rid: int, seq: int, data: dict[str, Any]) -> FeedChange:
    data["id"], data["version"], data["seq"] = rid, 1, seq
    return FeedChange.of(rtype, rid, seq, data)


def changes(n: int, seed: int = 1) -> Iterator[FeedChange]:
    r = random.Random(seed)
    seq = 0

    def nxt() -> int:
        nonlocal seq
        seq += 1
        return seq

    yield _ch("university", 1, nxt(), {"name": "基准大学", "code": "51999", "in_province": True, "city": "成都市"})
    for i, name in enumerate(DEPARTMENTS, start=1):
        yield _ch("department", i, nxt(), {"university_id": 1, "name": name})
    yield _ch("staff", 1, nxt(), {"username": "officer", "display_name": "专员", "role": "university",
                                  "university_id": 1})
    for i in range(1, n + 1):
        dept = 1 + i % len(DEPARTMENTS)
        name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 1, 2))))
        yield _ch("student", i, nxt(), {
            "university_id": 1, "department_id": dept, "student_no": f"2022{dept:02d}{i:06d}", "name": name,
            "id_number_masked": "5101**********1234", "gender": "男", "major": "专业", "grade": "2022级",
            "degree": "本科", "enrollment_status": "在读", "full_time": True, "realname_verified": True,
            "univ_certified": True, "origin": "四川省", "out_of_province": False, "graduation_year": 2026,
            "phone": f"138{i:08d}"})
        needs = [{"kind": k, "recorded_on": "2026-01-10", "source": "survey", "by": "officer"}
                 for k, p in SHARE.items() if r.random() < p]
        yield _ch("graduate", i, nxt(), {
            "student_id": i, "university_id": 1, "department_id": dept, "cohort": 2026,
            "graduation_date": "2026-06-30" if r.random() > 0.08 else "2026-01-15", "stay_intent": "yes",
            "preferred_cities": ["成都市"], "skills": [], "needs": needs,
            "employment_status": r.choice(("unemployed", "unemployed", "signed", "contract", "further_study")),
            "employment_date": None})
    sessions = 600
    for s in range(1, sessions + 1):
        kind = list(SessionKind)[s % len(SessionKind)]
        yield _ch("service_session", s, nxt(), {
            "university_id": 1, "department_id": None, "city": None, "kind": kind.value,
            "serves": KINDS[s % len(KINDS)].value, "title": f"活动{s}", "date": "2026-02-01", "provider": "p",
            "place": "x", "created_by": "officer", "created_at": "2026-01-20T08:00:00Z"})
    aid = 0
    for g in range(1, n + 1):
        for _ in range(r.choice((0, 1, 1, 2, 3))):
            aid += 1
            yield _ch("attendance", aid, nxt(), {
                "session_id": r.randrange(1, sessions + 1), "graduate_id": g, "university_id": 1,
                "department_id": 1 + g % len(DEPARTMENTS), "recorded_by": "officer",
                "recorded_at": "2026-02-01T10:00:00Z"})
    for c in range(1, n // 20 + 1):
        g = c * 20
        yield _ch("hardship_case", c, nxt(), {
            "graduate_id": g, "university_id": 1, "department_id": 1 + g % len(DEPARTMENTS), "state": "open",
            "opened_on": "2025-12-01", "opened_by": "officer", "categories": [{"category": "poverty", "note": ""}],
            "officer": "officer", "officer_kind": "employment",
            "plan": None if c % 3 else {"measures": "m", "target_date": "2026-04-01", "by": "officer",
                                        "at": "2025-12-02T08:00:00Z"},
            "visits": [] if c % 4 == 0 else [{"date": "2026-02-20", "channel": "电话", "note": "n",
                                              "outcome": "continue", "by": "officer", "at": "2026-02-20T08:00:00Z"}],
            "subsidy": None if c % 5 else {"amount": 1500, "applied_on": "2026-01-10", "approved_on": None,
                                           "paid_on": None}})


def build(path: Path, n: int) -> Cache:
    cache = Cache(path)
    if cache.conn().execute("SELECT count(*) FROM m_graduate").fetchone()[0] == n:
        return cache
    cache.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    cache = Cache(path)
    batch: list[FeedChange] = []
    for c in changes(n):
        batch.append(c)
        if len(batch) >= 20000:
            cache.apply_changes(batch, batch[-1].seq)
            batch = []
    if batch:
        cache.apply_changes(batch, batch[-1].seq)
    return cache


def services(ctx: Context) -> Any:
    def make() -> Any:
        from zhumeng_tui.services.local import LocalServices

        n = 5000 if ctx.args.quick else GRADUATES
        # a directory of its own: a cache makes its directory private, and the
        # bench's PostgreSQL (another user) must still reach its own
        cache = build(ctx.directory / "graduates" / f"cache-{n}.sqlite3", n)
        me = Me(username="officer", display_name="专员", role="university", university_id=1)
        svc = LocalServices(cache=cache, api=ApiClient("http://bench.invalid"), me=me, today=lambda: TODAY)
        ctx.cleanups.append(lambda: asyncio.run(svc.close()))
        return svc

    return ctx.get("graduate_services", make)


def best(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    import time

    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000, out


@bench("graduates", order=35)
def graduate_figures(ctx: Context) -> list[Figure]:
    svc = services(ctx)

    def listed(f: GraduateFilter) -> Any:
        rows = svc.query_graduates(f, SortSpec())
        rows.row(0)
        return rows

    t_all, rows = best(lambda: listed(GraduateFilter()))
    t_need, need = best(lambda: listed(GraduateFilter(need=NeedKind.GUIDANCE, served=ServedFilter.UNSERVED)))
    t_flag, flagged = best(lambda: listed(GraduateFilter(text="王", flag=GraduateFlag.UNEMPLOYED)))
    t_cov, _ = best(svc.coverage)
    t_dash, _ = best(svc.graduate_dashboard_lines)
    t_cases, cases = best(lambda: svc.query_cases(CaseFilter()))
    return [
        Figure(f"graduates list, all ({len(rows.ids):,}), first page", t_all, "ms", budget=300),
        Figure(f"need not served filter ({len(need.ids):,})", t_need, "ms", budget=300),
        Figure(f"search + flag filter ({len(flagged.ids):,})", t_flag, "ms", budget=300),
        Figure("coverage by department", t_cov, "ms"),
        Figure("dashboard: graduate-services lines", t_dash, "ms"),
        Figure(f"hardship ledger ({len(cases):,} open cases)", t_cases, "ms"),
    ]
