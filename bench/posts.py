"""Recommendations (``--only posts``): their quality over the demo cohort and
their speed in the client.

Quality: the demo database (3,000 students, its cohort and 3,000 posts) is
generated, and every graduate is recommended with the server's facts and the
domain's ranking; the figures are the share of graduates with three
recommendations, and the share of picks that match the graduate's major
(exactly, or within its discipline group).

Speed: a client cache of 10,000 graduates (majors, skills and cities drawn
like the demo's) and the demo's 3,000 posts, filled through the real apply
path; then ``services.recommend_many`` for all of them (budget < 2 s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from bench.data import DEPARTMENTS, GIVEN, SURNAMES
from bench.registry import Context, Figure, bench
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.api_client.schemas import Me
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.posts import DISCIPLINE_GROUPS, PostIndex

TODAY = dt.date(2026, 3, 10)
GRADUATES = 10_000
_MAJORS = [m for group in DISCIPLINE_GROUPS.values() for m in group]
_SKILLS = ("Python", "SQL", "Excel", "CAD", "Java", "数据分析", "财务分析", "英语六级", "新媒体运营", "PLC编程")
_CITIES = ("成都市", "绵阳市", "德阳市", "宜宾市", "南充市", "乐山市")


def _matches(major: str, reasons: tuple[tuple[str, str], ...]) -> bool:
    return reasons[0][0].startswith(("专业对口", "相近专业")) and bool(major)


def demo_quality(directory: Path) -> tuple[int, float, float, float]:
    """(graduates, share with three, share of picks matching the major, ms to recommend them)."""
    from sqlmodel import Session, select

    from zhumeng_server import models as m
    from zhumeng_server.routes.posts import graduate_facts, post_facts
    from zhumeng_server.testing import make_demo_app

    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        app = make_demo_app(Path(tmp), students=3000, today=TODAY)
        with Session(app.state.server.engine) as session:
            posts = [post_facts(p) for p in session.exec(select(m.JobPost)).all()]
            grads = [graduate_facts(session, g) for g in session.exec(select(m.Graduate)).all()]
        app.state.server.engine.dispose()
    t0 = time.perf_counter()
    index = PostIndex(TODAY, posts)
    recs = [(g, index.recommend(g)) for g in grads]
    ms = (time.perf_counter() - t0) * 1000
    three = sum(1 for _, r in recs if len(r.picks) == 3)
    picks = [(g, p) for g, r in recs for p in r.picks]
    matching = sum(1 for g, p in picks if _matches(g.major, p.reasons))
    return len(grads), three / max(1, len(grads)), matching / max(1, len(picks)), ms


def _ch(rtype: str, rid: int, seq: int, data: dict[str, Any]) -> FeedChange:
    data["id"], data["version"], data["seq"] = rid, 1, seq
    return FeedChange.of(rtype, rid, seq, data)


def changes(n: int, seed: int = 1) -> Iterator[FeedChange]:
    """A university, ``n`` graduates with majors, skills and cities, the demo's posts."""
    from zhumeng_server.demo.gen import Gen
    from zhumeng_server.demo.posts import add_posts

    r = random.Random(seed)
    seq = 0

    def nxt() -> int:
        nonlocal seq
        seq += 1
        return seq

    yield _ch("university", 1, nxt(), {"name": "基准大学", "code": "51999", "in_province": True, "city": "成都市"})
    for i, name in enumerate(DEPARTMENTS, start=1):
        yield _ch("department", i, nxt(), {"university_id": 1, "name": name})
    for i in range(1, n + 1):
        dept = 1 + i % len(DEPARTMENTS)
        name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 1, 2))))
        yield _ch("student", i, nxt(), {
            "university_id": 1, "department_id": dept, "student_no": f"2022{dept:02d}{i:06d}", "name": name,
            "id_number_masked": "5101**********1234", "gender": "男", "major": r.choice(_MAJORS), "grade": "2022级",
            "degree": r.choice(("本科", "本科", "本科", "硕士", "专科")), "enrollment_status": "在读",
            "full_time": True, "realname_verified": True, "univ_certified": True, "origin": "四川省",
            "out_of_province": False, "graduation_year": 2026, "phone": f"138{i:08d}"})
        intent = r.choice(("yes", "yes", "no", "undecided"))
        yield _ch("graduate", i, nxt(), {
            "student_id": i, "university_id": 1, "department_id": dept, "cohort": 2026,
            "graduation_date": "2026-06-30", "stay_intent": intent,
            "preferred_cities": r.sample(_CITIES, k=r.choice((0, 1, 1, 2))),
            "skills": r.sample(_SKILLS, k=r.choice((0, 1, 2, 3))), "needs": [],
            "employment_status": "unemployed", "employment_date": None})
    g = Gen(0, seed, TODAY)
    for row in add_posts(g):
        data = json.loads(to_json(row))
        yield _ch("job_post", int(row["id"]), nxt(), data)


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


@bench("posts", order=36)
def post_figures(ctx: Context) -> list[Figure]:
    from zhumeng_tui.services.local import LocalServices

    n_grads, three, matching, t_demo = demo_quality(ctx.directory)
    n = 2000 if ctx.args.quick else GRADUATES
    # a directory of its own: a cache makes its directory private, and the
    # bench's PostgreSQL (another user) must still reach its own
    cache = build(ctx.directory / "posts" / f"cache-{n}.sqlite3", n)
    me = Me(username="officer", display_name="专员", role="university", university_id=1)
    svc = LocalServices(cache=cache, api=ApiClient("http://bench.invalid"), me=me, today=lambda: TODAY)
    ids = [int(r[0]) for r in cache.conn().execute("SELECT id FROM m_graduate ORDER BY id")]
    times = []
    out: dict[int, Any] = {}
    for _ in range(3):
        t0 = time.perf_counter()
        out = svc.recommend_many(ids)
        times.append(time.perf_counter() - t0)
    asyncio.run(svc.close())
    with_picks = sum(1 for v in out.values() if v)
    same_group = sum(1 for v in out.values() for p in v if p.reasons.startswith(("专业对口", "相近专业")))
    total_picks = sum(len(v) for v in out.values())
    return [
        Figure(f"demo cohort ({n_grads:,}): graduates with three recommendations", three * 100, "%"),
        Figure("demo cohort: picks matching the major (exact or same discipline group)", matching * 100, "%"),
        Figure(f"demo cohort: recommend all {n_grads:,} (domain, server facts)", t_demo, "ms"),
        Figure(f"client: recommend {len(ids):,} graduates from the cache", min(times) * 1000, "ms", budget=2000,
               note=f"{with_picks:,} with picks; {same_group * 100 / max(1, total_picks):.0f}% of picks by major"),
    ]
