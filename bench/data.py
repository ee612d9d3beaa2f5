"""Synthetic change-feed records for a large cache (no server needed).

``build_cache(path, applications=200_000)`` fills a real client cache through
the real apply path (``Cache.apply_changes``), page by page, exactly as a sync
would — only the records are generated here instead of pulled.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.eligibility import CheckId

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕春菊凤洁梅琳云莲雪荣爱香月瑞凡佳嘉琼珍莉晶妍秋珊锦青倩婷颖露瑶怡丹蓉君琴蕊薇梦岚馨韵悦昭冰爽羽宁欣晓欢枫菲舒思浩宇轩博文天泽睿哲"
DEPARTMENTS = ["计算机科学与技术学院", "经济管理学院", "外国语学院", "土木工程学院", "医学院", "化学与材料学院",
               "文学与新闻学院", "法学院", "数学学院", "物理学院", "艺术学院", "体育学院"]
CITIES = ["成都市", "绵阳市", "自贡市", "泸州市", "德阳市", "广元市", "遂宁市", "内江市", "乐山市", "南充市"]
STATUSES = (["applied"] * 2 + ["matched"] * 3 + ["dept_confirmed"] * 2 + ["approved", "rejected", "returned",
            "on_duty", "on_duty", "completed", "appraised", "withdrawn"])
REASONS = {"pass": ("通过", "OK"), "warn": ("需确认", "Needs acknowledgement"), "fail": ("未通过", "Failed")}


def _ch(rtype: str, rid: int, seq: int, data: dict[str, Any]) -> FeedChange:
    data["id"], data["version"], data["seq"] = rid, 1, seq
    return FeedChange.of(rtype, rid, seq, data)


def changes(applications: int, seed: int = 1) -> Iterator[FeedChange]:
    r = random.Random(seed)
    seq = 0

    def nxt() -> int:
        nonlocal seq
        seq += 1
        return seq

    yield _ch("university", 1, nxt(), {"name": "基准大学", "code": "51999", "in_province": True})
    for i, name in enumerate(DEPARTMENTS, start=1):
        yield _ch("department", i, nxt(), {"university_id": 1, "name": name})
    n_emp = 400
    for i in range(1, n_emp + 1):
        yield _ch("employer", i, nxt(), {"name": f"{r.choice(CITIES)[:2]}第{i}实习单位", "type": "企业",
                                         "region": r.choice(CITIES), "certifying_committee": "团市委"})
    n_pos = 2000
    for i in range(1, n_pos + 1):
        start = dt.date(2026, 3, 1) + dt.timedelta(days=r.randrange(90))
        yield _ch("position", i, nxt(), {"employer_id": r.randrange(1, n_emp + 1), "title": f"实习岗位{i % 50}",
                                         "region": r.choice(CITIES), "type": "企业", "quota": 5,
                                         "start_date": start.isoformat(),
                                         "end_date": (start + dt.timedelta(days=60)).isoformat(), "majors": []})
    students = max(1, applications * 3 // 4)
    for i in range(1, students + 1):
        dept = 1 + i % len(DEPARTMENTS)
        name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 1, 2))))
        yield _ch("student", i, nxt(), {
            "university_id": 1, "department_id": dept, "student_no": f"{2022 + i % 4}{dept:02d}{i:06d}",
            "name": name, "id_number_masked": "5101**********1234", "gender": "男", "major": "专业",
            "grade": "2023级", "degree": "本科", "enrollment_status": "在读", "full_time": True,
            "realname_verified": True, "univ_certified": True, "origin": "四川省", "out_of_province": False,
            "graduation_year": 2027, "phone": f"138{i:08d}"})
    check_ids = [c.value for c in CheckId]
    for i in range(1, applications + 1):
        sid = 1 + (i * 7919) % students
        checks = []
        for c in check_ids:
            x = r.random()
            res = "fail" if x < 0.03 else "warn" if x < 0.08 else "pass"
            checks.append({"check": c, "result": res, "reason_zh": REASONS[res][0],
                           "reason_en": REASONS[res][1]})
        yield _ch("application", i, nxt(), {
            "student_id": sid, "position_id": r.randrange(1, n_pos + 1), "university_id": 1,
            "department_id": 1 + sid % len(DEPARTMENTS), "status": r.choice(STATUSES),
            "applied_at": "2026-01-15T08:00:00Z", "checks": checks, "history": []})


def build_cache(path: Path, applications: int, seed: int = 1, page: int = 20000) -> Cache:
    """A cache at ``path`` holding ``applications`` synthetic applications
    (reused when it already does)."""
    cache = Cache(path)
    have = cache.conn().execute("SELECT count(*) FROM app_view").fetchone()[0]
    if have == applications:
        return cache
    cache.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    cache = Cache(path)
    batch: list[FeedChange] = []
    for c in changes(applications, seed):
        batch.append(c)
        if len(batch) >= page:
            cache.apply_changes(batch, batch[-1].seq)
            batch = []
    if batch:
        cache.apply_changes(batch, batch[-1].seq)
    cache.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return cache
