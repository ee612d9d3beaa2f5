"""Deterministic demo data (``zhumeng-server --demo``, the app's embedded default).

``generate(engine, students=3000, seed=1, today=...)`` fills a freshly migrated,
empty database with bulk inserts: one in-province university with 12
departments, employers of all six types across the 21 市州 of Sichuan and
省本级, positions (a few with illegal lengths), ~1.35 applications per student in
every status, students failing each eligibility check, withdrawals at every
step (one overdue), follow-ups, integrity entries and staff accounts. Dates are
relative to ``today``. Same seed + size + today -> the same database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import itertools
import random
from collections.abc import Callable, Iterable
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Boolean, Connection, Engine, Integer, String, Table, Text, insert, text

from zhumeng_server import models as m
from zhumeng_server.auth import demo_password_hash
from zhumeng_server.core import SEQ_KEY
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.calendar import WorkCalendar, YearData
from zhumeng_tui.domain.status import Status
from zhumeng_tui.domain.students import mask_id_number

DEMO_PASSWORD = "zhumeng-demo"
#: Bump when the generator's output changes: embedded demo databases are regenerated.
GENERATOR_VERSION = "4"
UTC = dt.UTC

REGIONS = (
    "成都市", "自贡市", "攀枝花市", "泸州市", "德阳市", "绵阳市", "广元市", "遂宁市", "内江市", "乐山市",
    "南充市", "眉山市", "宜宾市", "广安市", "达州市", "雅安市", "巴中市", "资阳市", "阿坝州", "甘孜州",
    "凉山州", "省本级",
)

DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("计算机科学与技术学院", ("计算机科学与技术", "软件工程", "网络工程", "数据科学与大数据技术")),
    ("经济管理学院", ("会计学", "财务管理", "市场营销", "国际经济与贸易")),
    ("外国语学院", ("英语", "日语", "翻译", "商务英语")),
    ("机械工程学院", ("机械设计制造及其自动化", "车辆工程", "材料成型及控制工程")),
    ("土木工程学院", ("土木工程", "建筑环境与能源应用工程", "工程管理")),
    ("化学与材料学院", ("应用化学", "材料科学与工程", "高分子材料与工程")),
    ("文学与新闻学院", ("汉语言文学", "新闻学", "广告学")),
    ("法学院", ("法学", "知识产权")),
    ("医学院", ("护理学", "临床医学", "药学")),
    ("艺术学院", ("视觉传达设计", "环境设计", "音乐学")),
    ("数学与统计学院", ("数学与应用数学", "统计学", "信息与计算科学")),
    ("电气工程学院", ("电气工程及其自动化", "自动化", "电子信息工程")),
)

#: Common surnames with rough weights (most frequent first).
SURNAMES = (
    ("王", 72), ("李", 70), ("张", 66), ("刘", 53), ("陈", 45), ("杨", 31), ("黄", 23), ("赵", 20),
    ("吴", 19), ("周", 18), ("徐", 15), ("孙", 14), ("马", 13), ("朱", 12), ("胡", 11), ("郭", 11),
    ("何", 11), ("林", 10), ("罗", 10), ("高", 10), ("郑", 8), ("梁", 8), ("谢", 7), ("宋", 7),
    ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6), ("曹", 6), ("彭", 5), ("曾", 5),
    ("肖", 5), ("田", 5), ("董", 5), ("袁", 4), ("潘", 4), ("于", 4), ("蒋", 4), ("蔡", 4),
    ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3), ("魏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 2),
    ("韦", 2), ("付", 2), ("方", 2), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2),
    ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2),
    ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("欧阳", 1), ("司马", 1), ("上官", 1),
)
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣然阳晨博文轩昊天瑞泽睿哲宸皓"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧莹琳颖倩琪晶妍欣怡悦雯洁佳梦瑶璐曦诗涵萱彤蕾薇月"
OTHER_PROVINCES = ("重庆市", "贵州省", "云南省", "陕西省", "甘肃省", "湖北省", "湖南省", "河南省", "山东省")

EMPLOYER_NAMES: dict[str, tuple[str, ...]] = {
    "机关": ("人民政府办公室", "发展和改革委员会", "人力资源和社会保障局", "教育局", "商务局", "农业农村局"),
    "企业": ("科技有限公司", "建设集团有限公司", "食品股份有限公司", "电子信息有限公司", "物流有限公司",
             "文化传媒有限公司", "制药有限公司"),
    "金融机构": ("农村商业银行", "银行分行", "证券营业部", "保险公司中心支公司"),
    "科研院所": ("农业科学研究院", "工业技术研究院", "环境科学研究所", "地质调查研究院"),
    "社会服务机构": ("社会工作服务中心", "青少年发展基金会", "志愿服务联合会", "养老服务中心"),
    "基层": ("街道办事处", "社区居民委员会", "乡镇人民政府", "村民委员会"),
}
BRANDS = "天府锦城蜀道峨眉青城岷江嘉陵沱江金沙巴山剑门川渝熊猫竹海雪域"
TITLES: dict[str, tuple[str, ...]] = {
    "机关": ("综合文秘实习生", "政策研究助理", "政务服务实习生"),
    "企业": ("软件开发实习生", "财务助理", "市场专员实习生", "行政助理", "数据分析实习生", "工程技术实习生"),
    "金融机构": ("柜员实习生", "风险管理助理", "客户经理助理"),
    "科研院所": ("科研助理", "实验室助理", "数据整理实习生"),
    "社会服务机构": ("社工助理", "项目专员实习生", "活动策划助理"),
    "基层": ("基层治理助理", "乡村振兴专员", "社区服务实习生"),
}
REASONS_REJECT = ("专业与岗位要求不符", "学生本人放弃", "材料不实", "实习时间与课程冲突")
REASONS_RETURN = ("报到单信息不完整，请补充", "请补充用人单位盖章", "请核对实习起止日期")
NOTES = ("电话回访，实习进展顺利", "走访用人单位，表现良好", "微信沟通，学生适应良好",
         "学生反映工作量较大，已与单位沟通", "了解学生生活情况，无异常")
COUNSELLORS = ("李娜", "王芳", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚", "徐丽", "孙浩")

_STATUS_WEIGHTS = (
    (Status.APPLIED, 9), (Status.MATCHED, 22), (Status.DEPT_CONFIRMED, 15), (Status.APPROVED, 14),
    (Status.RETURNED, 4), (Status.REJECTED, 6), (Status.ON_DUTY, 12), (Status.COMPLETED, 8),
    (Status.APPRAISED, 5), (Status.WITHDRAWN, 5),
)
_PATH: dict[Status, tuple[tuple[str, Status], ...]] = {
    Status.APPLIED: (),
    Status.MATCHED: (("select", Status.MATCHED),),
    Status.DEPT_CONFIRMED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED)),
    Status.APPROVED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED), ("approve", Status.APPROVED)),
    Status.RETURNED: (("select", Status.MATCHED), ("return", Status.RETURNED)),
    Status.REJECTED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED), ("reject", Status.REJECTED)),
}
_PATH[Status.ON_DUTY] = (*_PATH[Status.APPROVED], ("on_duty", Status.ON_DUTY))
_PATH[Status.COMPLETED] = (*_PATH[Status.ON_DUTY], ("complete", Status.COMPLETED))
_PATH[Status.APPRAISED] = (*_PATH[Status.COMPLETED], ("appraise", Status.APPRAISED))
_PATH[Status.WITHDRAWN] = (*_PATH[Status.APPROVED], ("withdraw", Status.WITHDRAWN))


def calendar_years() -> list[YearData]:
    """Years covered by the ``chinesecalendar`` package (it stops at 2026)."""
    from chinese_calendar import constants

    years: dict[int, tuple[set[dt.date], set[dt.date]]] = {}
    for d in constants.holidays:
        years.setdefault(d.year, (set(), set()))[0].add(d)
    for d in constants.workdays:
        if d.weekday() >= 5:
            years.setdefault(d.year, (set(), set()))[1].add(d)
    return [YearData(y, frozenset(h), frozenset(w)) for y, (h, w) in sorted(years.items())]


# Plain strings (enum attribute access is slow in 3.11 hot loops).
_S_APPLIED = "applied"
_S_MATCHED = "matched"
_S_DEPT_CONFIRMED = "dept_confirmed"
_S_APPROVED = "approved"
_S_RETURNED = "returned"
_S_REJECTED = "rejected"
_S_ON_DUTY = "on_duty"
_S_COMPLETED = "completed"
_S_APPRAISED = "appraised"
_S_WITHDRAWN = "withdrawn"
_PATH_STR = {k.value: tuple((a, st.value) for a, st in v) for k, v in _PATH.items()}
_CUM_SURNAMES = list(itertools.accumulate(w for _, w in SURNAMES))
_SURNAME_LIST = [x for x, _ in SURNAMES]


def _ri(r: random.Random, a: int, b: int) -> int:
    """randint(a, b), but cheap (hot loops; deterministic by seed)."""
    return a + int(r.random() * (b - a + 1))


def _ch(r: random.Random, seq: Any) -> Any:
    return seq[int(r.random() * len(seq))]


def _wc(r: random.Random, items: Any, cum: Any) -> Any:
    """A weighted choice with cumulative weights."""
    return items[bisect.bisect_right(cum, r.random() * cum[-1])]


_WIRE_FIELDS: dict[str, tuple[str, ...]] = {t: tuple(mdl.model_fields) for t, mdl in s.RECORD_MODELS.items()}


class _Gen:
    def __init__(self, n_students: int, seed: int, today: dt.date) -> None:
        self.n = n_students
        self.rnd = random.Random(seed)
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(9, 0), tzinfo=UTC)
        self.seq = 0
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.log: list[dict[str, Any]] = []
        #: Receives change-log rows in chunks (keeps memory flat for 200k students).
        self.log_sink: Callable[[list[dict[str, Any]]], None] | None = None

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, rtype: str, row: dict[str, Any], univ: int | None, dept: int | None) -> None:
        row.setdefault("version", 1)
        row["seq"] = self.next_seq()
        self.rows.setdefault(rtype, []).append(row)
        rid = row["year"] if rtype == "calendar_year" else row["id"]
        extra: dict[str, Any] = {"id": rid}
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

    # ------------------------------------------------------------------
    def name(self, gender: str) -> str:
        r = self.rnd
        surname = _wc(r, _SURNAME_LIST, _CUM_SURNAMES)
        pool = GIVEN_M if gender == "男" else GIVEN_F
        given = _ch(r, pool) if r.random() < 0.4 else _ch(r, pool) + _ch(r, pool)
        return surname + given

    def run(self) -> None:
        r, today = self.rnd, self.today
        self.add("university", dict(id=1, name="四川逐梦大学", code="51001", in_province=True), 1, None)
        for i, (dname, _) in enumerate(DEPARTMENTS, start=1):
            self.add("department", dict(id=i, university_id=1, name=dname), 1, i)
        self.staff()
        for y in calendar_years():
            d = y.to_dict()
            self.add("calendar_year", dict(year=y.year, holidays=d["holidays"], workdays=d["workdays"]), None, None)
        self.cal = WorkCalendar(calendar_years())
        self.employers_and_positions()
        self.students()
        self.applications()
        _ = (r, today)

    def staff(self) -> None:
        pw = demo_password_hash(DEMO_PASSWORD)
        accounts: list[dict[str, Any]] = [
            dict(username="demo-univ", display_name="校团委 王老师", role="university", university_id=1,
                 department_id=None),
            dict(username="demo-dept", display_name=f"{DEPARTMENTS[0][0]}团委 李老师", role="department",
                 university_id=1, department_id=1),
            dict(username="demo-viewer", display_name="技术支持（只读）", role="viewer", university_id=1,
                 department_id=None, bound_role="university"),
            dict(username="demo-province", display_name="团省委 赵老师", role="province", university_id=None,
                 department_id=None),
            dict(username="demo-univ2", display_name="就业指导中心 陈老师", role="university", university_id=1,
                 department_id=None),
        ]
        for i, (dname, _) in enumerate(DEPARTMENTS, start=1):
            if i > 1:
                accounts.append(dict(username=f"demo-dept{i:02d}", display_name=f"{dname}团委", role="department",
                                     university_id=1, department_id=i))
            accounts.append(dict(username=f"counsellor{i:02d}", display_name=f"辅导员 {COUNSELLORS[i - 1]}",
                                 role="department", university_id=1, department_id=i))
        self.staff_names: dict[int, list[str]] = {}
        for sid, a in enumerate(accounts, start=1):
            a.setdefault("bound_role", None)
            row = dict(id=sid, password_hash=pw, active=True, **a)
            self.add("staff", row, a["university_id"], a["department_id"])
            if a["role"] == "department":
                self.staff_names.setdefault(a["department_id"], []).append(a["username"])

    def employers_and_positions(self) -> None:
        r, today = self.rnd, self.today
        n_emp = max(66, self.n // 25)
        types = list(EMPLOYER_NAMES)
        self.positions: list[dict[str, Any]] = []
        self.employer_names: dict[int, str] = {}
        pid = 0
        for eid in range(1, n_emp + 1):
            typ = types[(eid - 1) % len(types)]
            region = REGIONS[(eid - 1) % len(REGIONS)]
            base = "四川省" if region == "省本级" else region
            if typ == "企业":
                name = f"{base[:-1] if region != '省本级' else '四川'}{_ch(r, BRANDS)}{_ch(r, BRANDS)}{_ch(r, EMPLOYER_NAMES[typ])}"
            elif typ == "基层":
                name = f"{base}{_ch(r, BRANDS)}{_ch(r, EMPLOYER_NAMES[typ])}"
            else:
                name = f"{base}{_ch(r, EMPLOYER_NAMES[typ])}"
            name = f"{name}" if name not in self.employer_names.values() else f"{name}（{eid}）"
            self.employer_names[eid] = name
            self.add("employer", dict(id=eid, name=name, type=typ, region=region,
                                      certifying_committee=f"共青团{'四川省' if region == '省本级' else region}委员会"),
                     None, None)
            for _ in range(_ch(r, (1, 2, 2, 3))):
                pid += 1
                start = today + dt.timedelta(days=_ri(r, -150, 45))
                length = _ri(r, 45, 175)
                if pid % 29 == 0:
                    length = _ch(r, (14, 20, 25))  # too short: the length check fails
                elif pid % 31 == 0:
                    length = _ri(r, 200, 240)  # too long
                end = start + dt.timedelta(days=length - 1)
                dept_majors = _ch(r, DEPARTMENTS)[1]
                row = dict(id=pid, employer_id=eid, title=_ch(r, TITLES[typ]), region=region, type=typ,
                           quota=_ri(r, 1, 10), start_date=start, end_date=end,
                           majors=r.sample(dept_majors, k=min(2, len(dept_majors))))
                self.add("position", row, None, None)
                self.positions.append(row)
        self.good_positions = [
            p for p in self.positions if el.position_length_error(p["start_date"], p["end_date"]) is None
        ]
        self.bad_positions = [p for p in self.positions if p not in self.good_positions]

    def students(self) -> None:
        r = self.rnd
        self.students_rows: list[dict[str, Any]] = []
        serial: dict[tuple[int, int], int] = {}
        this_year = self.today.year
        fixed = ["张三", "李四", "王五", "赵六", "刘洋", "陈晨"]
        for sid in range(1, self.n + 1):
            dept = (sid - 1) % len(DEPARTMENTS) + 1
            year = this_year - 1 - _ch(r, (0, 1, 1, 2, 2, 3)) if sid > 12 else this_year - 3
            key = (year, dept)
            serial[key] = serial.get(key, 0) + 1
            gender = _ch(r, ("男", "女"))
            name = fixed[(sid - 1) // 12] if sid % 12 == 1 and (sid - 1) // 12 < len(fixed) else None
            if name is None:
                name = self.name(gender)
            degree = _wc(r, ("本科", "硕士", "专科", "博士"), (80, 92, 99, 100))
            birth = dt.date(year - 18, 1, 1) + dt.timedelta(days=_ri(r, 0, 700))
            city_code = _ch(r, ("0104", "0106", "0107", "0108", "0112", "0302", "0402", "0504", "0603", "0703"))
            id_number = f"51{city_code}{birth:%Y%m%d}{_ri(r, 0, 999):03d}{_ch(r, '0123456789X')}"
            oop = r.random() < 0.02
            origin_region = _ch(r, REGIONS[:-1])
            origin = f"四川省{origin_region}" if r.random() < 0.85 else _ch(r, OTHER_PROVINCES)
            grad_year = year + (3 if degree in ("专科", "硕士") else 4)
            hardship = _wc(r, s.HARDSHIP_CATEGORIES, (86, 92, 95, 97, 100))
            needs = [n for n in s.SERVICE_NEEDS if r.random() < (0.45 if grad_year <= this_year + 1 else 0.1)]
            row = dict(
                id=sid, university_id=1, department_id=dept,
                student_no=f"{year}{dept:02d}{serial[key]:04d}", name=name, id_number=id_number,
                gender=gender, major=_ch(r, DEPARTMENTS[dept - 1][1]), grade=f"{year}级", degree=degree,
                enrollment_status=_wc(r, ("在读", "休学", "毕业"), (985, 995, 1000)),
                full_time=r.random() > 0.015, realname_verified=r.random() > 0.03,
                univ_certified=r.random() > 0.07, origin=origin, out_of_province=oop,
                graduation_year=grad_year, phone=f"1{_ch(r, '3578')}{_ri(r, 0, 999999999):09d}",
                hardship=hardship, service_needs=needs,
            )
            self.add("student", row, 1, dept)
            self.students_rows.append(row)

    # ------------------------------------------------------------------
    def applications(self) -> None:
        r, today = self.rnd, self.today
        statuses = [st.value for st, _ in _STATUS_WEIGHTS]
        weights = list(itertools.accumulate(w for _, w in _STATUS_WEIGHTS))
        apps: list[dict[str, Any]] = []
        by_student: dict[int, list[dict[str, Any]]] = {}
        aid = 0
        dept_staff = self.staff_names
        for st_row in self.students_rows:
            sid = st_row["id"]
            k = _wc(r, (0, 1, 2, 3), (10, 66, 90, 100))
            if sid % 97 == 5:
                k = 4  # over the live limit (platform bypass): the live-limit check fails
            chosen = r.sample(self.good_positions, k=min(k, len(self.good_positions)))
            if k and sid % 41 == 3 and self.bad_positions:
                chosen[0] = _ch(r, self.bad_positions)
            intern_taken = False
            for n_app, pos in enumerate(chosen):
                aid += 1
                if sid % 97 == 5:
                    status = (_S_APPLIED, _S_MATCHED, _S_MATCHED, _S_DEPT_CONFIRMED)[n_app]
                else:
                    status = _wc(r, statuses, weights)
                    if intern_taken and status in (_S_APPROVED, _S_ON_DUTY, _S_COMPLETED,
                                                   _S_APPRAISED, _S_WITHDRAWN):
                        status = _S_REJECTED if sid % 211 != 7 else _S_APPROVED  # rare overlap
                    if status in (_S_APPROVED, _S_ON_DUTY, _S_COMPLETED, _S_APPRAISED):
                        intern_taken = True
                if status in (_S_ON_DUTY,) and pos["start_date"] > today:
                    status = _S_APPROVED
                if status in (_S_COMPLETED, _S_APPRAISED) and pos["end_date"] > today:
                    status = _S_ON_DUTY if pos["start_date"] <= today else _S_APPROVED
                app = self.make_app(aid, st_row, pos, status, dept_staff.get(st_row["department_id"], []))
                apps.append(app)
                by_student.setdefault(sid, []).append(app)
        pos_by_id = {p["id"]: p for p in self.positions}
        students = {s_["id"]: s_ for s_ in self.students_rows}
        for app in apps:
            student = students[app["student_id"]]
            pos = pos_by_id[app["position_id"]]
            others = [
                el.OtherApplication(o["id"], Status(o["status"]), pos_by_id[o["position_id"]]["start_date"],
                                    pos_by_id[o["position_id"]]["end_date"])
                for o in by_student[app["student_id"]] if o is not app
            ]
            rf = app["report_form"]
            form = None
            if rf is not None:
                form = el.ReportForm(rf["student_name"], rf["student_no"], rf["employer_name"], rf["position_title"],
                                     _d(rf["start_date"]), _d(rf["end_date"]))
            outcomes = el.evaluate(
                el.StudentFacts(student["name"], student["student_no"], student["enrollment_status"],
                                student["full_time"], student["realname_verified"], student["univ_certified"],
                                student["out_of_province"]),
                el.PositionFacts(pos["title"], self.employer_names[pos["employer_id"]], pos["start_date"],
                                 pos["end_date"]),
                form, Status(app["status"]), others,
            )
            app["checks"] = [o.to_dict() for o in outcomes]
            self.add("application", app, 1, app["department_id"])
        self.withdrawals_followups_integrity(apps, students, pos_by_id)

    def make_app(self, aid: int, student: dict[str, Any], pos: dict[str, Any], status: str,
                 staff: list[str]) -> dict[str, Any]:
        r, today = self.rnd, self.today
        applied_days = _ri(r, 20, 90) + max(0, (today - pos["start_date"]).days)
        applied_at = self.ts(applied_days + r.random())
        history = [_event(applied_at, "system", "apply", None, "applied", None, [])]
        t = applied_days
        reason = None
        dept_user = staff[0] if staff else "system"
        on_duty_date = completed_date = appraisal = None
        acknowledged: list[str] = []
        for action, to in _PATH_STR[status]:
            t = max(t - _ri(r, 1, max(1, t // 4)), 0.5)
            by = {"select": "system", "confirm": dept_user, "approve": "demo-univ", "return": dept_user,
                  "reject": _ch(r, (dept_user, "demo-univ")), "on_duty": "system", "complete": "system",
                  "appraise": "demo-univ", "withdraw": "demo-univ"}[action]
            rs = None
            if action == "reject":
                rs = _ch(r, REASONS_REJECT)
            elif action == "return":
                rs = _ch(r, REASONS_RETURN)
            acked: list[str] = []
            if action == "approve" and not student["univ_certified"]:
                acked = ["certified"]
                acknowledged = acked
            history.append(_event(self.ts(t), by, action, history[-1]["to_status"], to, rs, acked))
            if rs:
                reason = rs
        if status in (_S_ON_DUTY, _S_COMPLETED, _S_APPRAISED):
            # never after today (an intern is on duty already)
            on_duty_date = min(today, pos["start_date"] + dt.timedelta(days=_ch(r, (0, 0, 0, 1, 2, 7))))
        if status in (_S_COMPLETED, _S_APPRAISED):
            completed_date = pos["end_date"]
            if status == _S_APPRAISED or r.random() < 0.4:
                appraisal = min(today, pos["end_date"] + dt.timedelta(days=_ri(r, 3, 20)))
        form: dict[str, Any] | None = None
        if status != _S_APPLIED:
            roll = r.random()
            form = dict(student_name=student["name"], student_no=student["student_no"],
                        employer_name=self.employer_names[pos["employer_id"]], position_title=pos["title"],
                        start_date=pos["start_date"].isoformat(), end_date=pos["end_date"].isoformat())
            live_review = status in (_S_MATCHED, _S_DEPT_CONFIRMED, _S_RETURNED)
            if live_review and roll < 0.06:
                form = None
            elif live_review and roll < 0.10:
                form["position_title"] = None
            elif live_review and roll < 0.13:
                form["student_no"] = student["student_no"][:-1] + "9"
            elif roll < 0.18:
                form["end_date"] = (pos["end_date"] - dt.timedelta(days=7)).isoformat()  # warn only
        intern = status in (_S_APPROVED, _S_ON_DUTY, _S_COMPLETED, _S_APPRAISED)
        excellent = status in (_S_COMPLETED, _S_APPRAISED) and r.random() < 0.12
        return dict(
            id=aid, student_id=student["id"], position_id=pos["id"], university_id=1,
            department_id=student["department_id"], status=status, applied_at=applied_at,
            report_form=form, checks=[], acknowledged=acknowledged, reason=reason,
            on_duty_date=on_duty_date, completed_date=completed_date,
            insurance_recorded=intern and r.random() < 0.8, appraisal_copy_received=appraisal,
            employer_score=_ri(r, 70, 100) if status == _S_APPRAISED or (appraisal and r.random() < 0.5) else None,
            student_score=_ri(r, 65, 100) if status == _S_APPRAISED or (appraisal and r.random() < 0.5) else None,
            responsible_staff=_ch(r, staff) if intern and staff and r.random() < 0.7 else None,
            excellent_nominated=excellent,
            excellent_note="实习表现突出，用人单位推荐" if excellent else None,
            history=history,
        )

    def withdrawals_followups_integrity(self, apps: list[dict[str, Any]], students: dict[int, dict[str, Any]],
                                        pos_by_id: dict[int, dict[str, Any]]) -> None:
        r, today = self.rnd, self.today
        wid = fid = 0

        def step(name: str, d: dt.date, by: str, text: str | None = None, who: str | None = None) -> dict[str, Any]:
            at = dt.datetime.combine(d, dt.time(10, 30), tzinfo=UTC)
            return s.WithdrawalStepRecord(step=name, date=d, text=text, name=who, by=by,  # type: ignore[arg-type]
                                          at=at).model_dump(mode="json")

        def working_days_before(n: int) -> dt.date:
            d, left = today, n
            while left:
                d -= dt.timedelta(days=1)
                if self.cal.is_working_day(d):
                    left -= 1
            return d

        integrity: list[tuple[dict[str, Any], int]] = []
        approved_open = [a for a in apps if a["status"] == _S_APPROVED
                         and not students[a["student_id"]]["out_of_province"]]
        plan = ["overdue", "stamped", "counsellor", "statement", "filed", "cancelled"]
        n_open = max(len(plan), len(approved_open) // 8)
        for i, app in enumerate(approved_open[:n_open]):
            kind = plan[i] if i < len(plan) else _ch(r, plan[1:])
            wid += 1
            dept_user = (self.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
            counsellor = COUNSELLORS[app["department_id"] - 1]
            if kind == "overdue":
                stamp = working_days_before(6)
            else:
                stamp = working_days_before(1) if r.random() < 0.5 else today
            counsel = stamp - dt.timedelta(days=_ri(r, 0, 2))
            statement = counsel - dt.timedelta(days=_ri(r, 0, 3))
            steps: list[dict[str, Any]] = []
            state = "filed"
            if kind in ("statement", "counsellor", "stamped", "overdue", "cancelled"):
                steps.append(step("statement", statement, dept_user, "本人因个人原因申请放弃该实习岗位。"))
                state = "statement"
            if kind in ("counsellor", "stamped", "overdue"):
                steps.append(step("counsellor", counsel, dept_user, who=counsellor))
                state = "counsellor"
            deadline, approx = None, False
            if kind in ("stamped", "overdue"):
                steps.append(step("stamp", stamp, "demo-univ", who="校团委 王老师"))
                state = "stamped"
                dl = self.cal.withdrawal_deadline(stamp)
                deadline, approx = dl.due, dl.approximate
            if kind == "cancelled":
                steps.append(step("cancel", statement, dept_user, "学生决定继续实习"))
                state = "cancelled"
            filed_at = dt.datetime.combine(statement - dt.timedelta(days=1), dt.time(9), tzinfo=UTC)
            self.add("withdrawal", dict(
                id=wid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
                university_id=1, state=state, filed_by=dept_user, filed_at=filed_at, steps=steps,
                deadline=deadline, deadline_approximate=approx, submitted_late=False,
            ), 1, app["department_id"])
        for app in apps:
            if app["status"] != _S_WITHDRAWN:
                continue
            wid += 1
            dept_user = (self.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
            submitted = dt.date.fromisoformat(app["history"][-1]["at"][:10])
            late = r.random() < 0.1
            stamp = submitted - dt.timedelta(days=6 if late else 1)
            dl = self.cal.withdrawal_deadline(stamp)
            steps = [
                step("statement", stamp - dt.timedelta(days=3), dept_user, "本人因考研复习申请放弃该实习岗位。"),
                step("counsellor", stamp - dt.timedelta(days=2), dept_user, who=COUNSELLORS[app["department_id"] - 1]),
                step("stamp", stamp, "demo-univ", who="校团委 王老师"),
                step("submit", submitted, "demo-univ"),
            ]
            self.add("withdrawal", dict(
                id=wid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
                university_id=1, state="submitted", filed_by=dept_user,
                filed_at=dt.datetime.combine(stamp - dt.timedelta(days=4), dt.time(9), tzinfo=UTC), steps=steps,
                deadline=dl.due, deadline_approximate=dl.approximate, submitted_late=submitted > dl.due,
            ), 1, app["department_id"])
            integrity.append((dict(kind="withdrew", date=submitted, source="automatic", created_by="demo-univ",
                                   note=f"放弃岗位：{pos_by_id[app['position_id']]['title']}（申请#{app['id']}）"), app["id"]))
        channels = s.FOLLOWUP_CHANNELS
        for app in apps:
            st = app["status"]
            hard = students[app["student_id"]]["hardship"] != "none"
            if st not in (_S_ON_DUTY, _S_COMPLETED, _S_APPRAISED) and not (
                    hard and st == _S_APPROVED):
                continue
            for _ in range(_ch(r, (0, 1, 1, 2))):
                fid += 1
                d = today - dt.timedelta(days=_ri(r, 0, 40))
                by = app["responsible_staff"] or (self.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
                self.add("followup", dict(
                    id=fid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
                    date=d, channel=_ch(r, channels), staff=COUNSELLORS[app["department_id"] - 1],
                    note=_ch(r, NOTES), created_by=by,
                    created_at=dt.datetime.combine(d, dt.time(16), tzinfo=UTC), university_id=1,
                ), 1, app["department_id"])
            if app["excellent_nominated"]:
                integrity.append((dict(kind="excellent", date=app["completed_date"] or today, source="staff",
                                       created_by="demo-univ", note=app["excellent_note"]), app["id"]))
            elif st == _S_ON_DUTY and app["on_duty_date"] and app["on_duty_date"] > \
                    pos_by_id[app["position_id"]]["start_date"] + dt.timedelta(days=3):
                integrity.append((dict(kind="late_start", date=app["on_duty_date"], source="staff",
                                       created_by="demo-univ", note="未按报到单日期上岗"), app["id"]))
        app_by_id = {a["id"]: a for a in apps}
        for i, app in enumerate(a for a in apps if a["status"] == _S_REJECTED):
            if i % 15 == 0:
                integrity.append((dict(kind="false_info" if i % 30 == 0 else "other", date=today - dt.timedelta(days=5),
                                       source="staff", created_by="demo-univ",
                                       note="提交材料与实际不符" if i % 30 == 0 else "多次未按要求提交材料"), app["id"]))
        for iid, (entry, aid) in enumerate(integrity, start=1):
            app = app_by_id[aid]
            created = dt.datetime.combine(entry["date"], dt.time(17), tzinfo=UTC)
            self.add("integrity", dict(id=iid, student_id=app["student_id"], department_id=app["department_id"],
                                       university_id=1, application_id=aid, created_at=created, **entry),
                     1, app["department_id"])


def _event(at: dt.datetime, by: str, action: str, from_status: str | None, to_status: str, reason: str | None,
           acknowledged: list[str]) -> dict[str, Any]:
    """A ``schemas.HistoryEvent`` as JSON (built directly: generation speed)."""
    return {"at": _iso(at), "by": by, "action": action, "from_status": from_status, "to_status": to_status,
            "reason": reason, "acknowledged": acknowledged}


def _iso(x: Any) -> str:
    if isinstance(x, dt.datetime):
        return x.isoformat().replace("+00:00", "Z")
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(type(x))


def _d(x: str | None) -> dt.date | None:
    return dt.date.fromisoformat(x) if x else None


_TABLES: dict[str, Any] = {
    "university": m.University, "department": m.Department, "staff": m.StaffAccount,
    "calendar_year": m.CalendarYearRow, "employer": m.Employer, "position": m.Position, "student": m.Student,
    "application": m.Application, "withdrawal": m.Withdrawal, "followup": m.FollowUp, "integrity": m.IntegrityEntry,
}


def _chunks(rows: list[dict[str, Any]], n: int = 5000) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany; on SQLite straight through the DB-API with the columns'
    own bind processors (the ORM/Core per-row overhead dominates otherwise)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for chunk in _chunks(rows):
            conn.execute(insert(table), chunk)
        return
    cols = [c for c in table.columns if c.name in rows[0]]
    procs = [c.type._cached_bind_processor(conn.dialect) for c in cols]
    names = [c.name for c in cols]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    columns: list[list[Any]] = []
    for name, col, proc in zip(names, cols, procs, strict=True):
        values = [r[name] for r in rows]
        if isinstance(col.type, Boolean | Integer | String | Text):
            proc = None  # the DB-API takes these as they are
        if proc is not None:
            values = [None if v is None else proc(v) for v in values]
        columns.append(values)
    data = list(zip(*columns, strict=True))
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(sql, data)


def generate(engine: Engine, students: int = 3000, seed: int = 1, today: dt.date | None = None) -> dict[str, int]:
    """Fill an empty, migrated database. Returns the number of rows per type."""
    today = today or dt.date.today()
    g = _Gen(students, seed, today)
    # Millions of small dicts and no cycles: the cyclic GC would rescan them all
    # again and again (superlinear); switch it off while generating.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(engine, g, students, seed, today)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(engine: Engine, g: _Gen, students: int, seed: int, today: dt.date) -> dict[str, int]:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # A fresh database filled in one transaction: a big page cache helps.
            conn.exec_driver_sql("PRAGMA cache_size=-131072")
        log_table: Table = m.ChangeLog.__table__  # type: ignore[attr-defined]
        g.log_sink = lambda rows: _bulk_insert(conn, log_table, rows)
        g.run()
        _bulk_insert(conn, log_table, g.log)
        for rtype, model in _TABLES.items():
            _bulk_insert(conn, model.__table__, g.rows.get(rtype, []))
        settings = {SEQ_KEY: str(g.seq), "tombstone_horizon": "0", "demo_students": str(students),
                    "demo_seed": str(seed), "demo_today": today.isoformat(),
                    "demo_generator": GENERATOR_VERSION}
        conn.execute(insert(m.ServerSetting.__table__), [dict(key=k, value=v) for k, v in settings.items()])  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            for rtype, model in _TABLES.items():
                if rtype == "calendar_year":
                    continue
                name = model.__table__.name
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"COALESCE((SELECT MAX(id) FROM {name}), 1))"))
    return {k: len(v) for k, v in g.rows.items()}
