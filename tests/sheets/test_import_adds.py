"""The imports that add records. `attendance`: a sign-in sheet's 学号 (and
姓名) and session, each row new or already recorded or refused with its
column and reason, the new ones recorded on the server, a second import
changing nothing. `posts`: a job board's export adds unverified posts, a post
already there (same employer, title and city) is unchanged, every bad value
is refused with its row, column and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sheets.conftest import csv_file, read_csv, read_xlsx, xlsx
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.posts import EDUCATION_LABELS, SOURCE_LABELS, Education, PostSource, salary_text
from zhumeng_tui.services import ExportRequest, FileFormat, PostFilter
from zhumeng_tui.services.local import LocalServices


def _students(svc: LocalServices) -> dict[int, dict[str, Any]]:
    return {s["id"]: s for s in svc.records("student")}


def _attended(svc: LocalServices) -> set[tuple[int, int]]:
    return {(a["graduate_id"], a["session_id"]) for a in svc.records("attendance")}


async def test_a_sign_in_sheet_records_who_attended_once(univ: LocalServices, tmp_path: Path) -> None:
    today = univ.today().isoformat()
    sessions = univ.records("service_session")
    titles = [s["title"] for s in sessions]
    held = [s for s in sessions if s["date"] <= today and titles.count(s["title"]) == 1]
    a, b = held[0], held[1]
    twice = next(s for s in sessions if titles.count(s["title"]) > 1)
    ahead = next(s for s in sessions if s["date"] > today and titles.count(s["title"]) == 1)
    students = _students(univ)
    attended = _attended(univ)
    graduates = univ.records("graduate")
    fresh = [(g, students[g["student_id"]]) for g in graduates
             if (g["id"], a["id"]) not in attended and (g["id"], b["id"]) not in attended]
    (g1, s1), (g2, s2), (_, s4), (_, s5) = fresh[:4]
    g3 = next(g for g in graduates if (g["id"], a["id"]) in attended)
    s3 = students[g3["student_id"]]
    a_name = f"{a['date']} {a['title']}"
    path = xlsx(tmp_path / "签到表.xlsx", [
        ["学号", "姓名", "活动"],
        [s1["student_no"], s1["name"], a_name],                          # 2: new
        [s2["student_no"], "", a["title"]],                              # 3: new, the title alone
        [s3["student_no"], s3["name"], a_name],                          # 4: already recorded
        ["2099999999", "查无此人", a_name],                              # 5: unknown 学号
        [s4["student_no"], "王不对", a_name],                            # 6: the name does not match
        [s4["student_no"], s4["name"], "不存在的活动"],                  # 7: unknown session
        [s4["student_no"], s4["name"], twice["title"]],                  # 8: two sessions by that title
        [s4["student_no"], s4["name"], f"{ahead['date']} {ahead['title']}"],  # 9: not held yet
        [s5["student_no"], s5["name"], a_name],                          # 10, 11: the same row twice
        [s5["student_no"], s5["name"], a_name],
        [s1["student_no"], s1["name"], f"{b['date'].replace('-', '/')} {b['title']}"],  # 12: new, another session
    ], title="活动签到表")
    analysis = univ.analyse_import("attendance", path)
    assert analysis.rows_read == 11
    assert [c.row for c in analysis.changes] == [3, 4, 13]  # the title row shifts them by one
    assert analysis.new_rows == 3 and analysis.unchanged == 1
    assert analysis.key_label == "学号 · 活动"
    assert analysis.changes[0].changes[0].column == "签到"
    assert (analysis.changes[0].changes[0].before, analysis.changes[0].changes[0].after) == ("否", "是")
    refused = {(r.row, r.column): r.reason for r in analysis.refused}
    assert set(refused) == {(6, "学号"), (7, "姓名"), (8, "活动"), (9, "活动"), (10, "活动"), (11, "学号"),
                            (12, "学号")}
    assert "未知学号" in refused[(6, "学号")]
    assert "没有“不存在的活动”这个服务活动" in refused[(8, "活动")]
    assert "请在主题前写上活动日期" in refused[(9, "活动")]
    assert "尚未举行" in refused[(10, "活动")]
    assert "出现了不止一次" in refused[(11, "学号")]
    serves = {s["id"]: s["serves"] for s in sessions}
    first_served: dict[str, set[int]] = {}
    for g, session in ((g1, a), (g2, a), (g1, b)):
        had = {serves[sid] for gid, sid in attended if gid == g["id"]} | {
            k for k, gs in first_served.items() if g["id"] in gs}
        kind = session["serves"]
        if kind in {n["kind"] for n in g["needs"]} and kind not in had:
            first_served.setdefault(kind, set()).add(g["id"])
    labels = {"guidance": "就业指导", "entrepreneurship": "创业指导", "training": "职业技能培训",
              "subsidy": "求职创业补贴", "policy": "政策咨询"}
    assert first_served, "the sheet serves a need for the first time"
    assert analysis.effects == ["3 条新签到，涉及 2 个活动", *(
        f"{len(gs)} 名毕业生的“{labels[k]}”需求将由此得到服务" for k, gs in sorted(
            first_served.items(), key=lambda kv: list(labels).index(kv[0])))]
    assert analysis.refused_file is not None
    written = read_xlsx(analysis.refused_file)
    assert written[0] == ["学号", "姓名", "活动", "错误原因"] and len(written) == 8
    assert _attended(univ) == attended  # nothing sent before the confirmation

    result = await univ.apply_import(analysis)
    assert (result.ok, result.queued, result.refused) == (3, 0, 0)
    await univ.sync()
    assert _attended(univ) == attended | {(g1["id"], a["id"]), (g2["id"], a["id"]), (g1["id"], b["id"])}
    again = univ.analyse_import("attendance", path)
    assert not again.changes and again.unchanged == 4


async def test_the_graduates_export_with_a_session_column_is_a_sign_in_sheet(univ: LocalServices,
                                                                             tmp_path: Path) -> None:
    exported = univ.export(ExportRequest("graduates"), tmp_path / "graduates.csv", FileFormat.CSV)
    sessions = univ.records("service_session")
    titles = [s["title"] for s in sessions]
    session = next(s for s in sessions if s["date"] <= univ.today().isoformat() and titles.count(s["title"]) == 1)
    header, *rows = read_csv(exported.path)
    csv_file(exported.path, [[*header, "活动"], *([*r, session["title"]] for r in rows[:3])])
    analysis = univ.analyse_import("attendance", exported.path)
    assert not analysis.refused and analysis.new_rows + analysis.unchanged == 3


async def test_attendance_outside_the_scope_is_refused(dept: LocalServices, univ: LocalServices,
                                                       tmp_path: Path) -> None:
    today = dept.today().isoformat()
    sessions = dept.records("service_session")
    titles = [s["title"] for s in sessions]
    session = next(s for s in sessions if s["date"] <= today and titles.count(s["title"]) == 1)
    students = _students(univ)
    mine = {g["id"] for g in dept.records("graduate")}
    attended = _attended(univ)
    inside = next(g for g in univ.records("graduate") if g["id"] in mine and (g["id"], session["id"]) not in attended)
    outside = next(g for g in univ.records("graduate") if g["id"] not in mine)
    path = xlsx(tmp_path / "签到.xlsx", [
        ["学号", "姓名", "服务活动"],
        [students[inside["student_id"]]["student_no"], "", session["title"]],
        [students[outside["student_id"]]["student_no"], "", session["title"]],
    ])
    analysis = dept.analyse_import("attendance", path)
    assert [c.row for c in analysis.changes] == [2]
    assert [(r.row, r.column) for r in analysis.refused] == [(3, "学号")]
    assert "不是本账号可见的毕业生" in analysis.refused[0].reason
    result = await dept.apply_import(analysis)
    assert (result.ok, result.refused) == (1, 0)
    await univ.sync()
    assert (inside["id"], session["id"]) in _attended(univ)
    assert (outside["id"], session["id"]) not in _attended(univ)


POST_HEADER = ["用人单位", "岗位名称", "工作城市", "岗位类别", "薪资范围", "专业要求", "技能要求", "学历要求", "招聘人数",
               "有效期至", "岗位来源", "备注"]


def _post_row(p: dict[str, Any], **change: Any) -> list[Any]:
    p = {**p, **change}
    return [p["employer"], p["title"], p["city"], p["category"], salary_text(p["salary_min"], p["salary_max"]),
            "、".join(p["majors"]) or "不限", "、".join(p["skills"]), EDUCATION_LABELS[Education(p["education"])][0],
            p["openings"], p["valid_until"], SOURCE_LABELS[PostSource(p["source"])][0], ""]


async def test_a_job_board_export_adds_unverified_posts(univ: LocalServices, tmp_path: Path) -> None:
    today = univ.today().isoformat()
    valid = [p for p in univ.records("job_post") if p["valid_until"] >= today]
    there, other = valid[0], valid[1]
    new = ["蜀道测试科技有限公司", "数据分析师", "成都市", "技术研发", "6k-9k", "统计学、数据科学与大数据技术",
           "Python SQL", "本科", 3, "2026-06-30", "校园招聘", "急招"]

    def row(**at: Any) -> list[Any]:
        out = list(new)
        for header, value in at.items():
            out[POST_HEADER.index(header)] = value
        return out

    path = xlsx(tmp_path / "岗位.xlsx", [
        POST_HEADER,
        new,                                                      # 2: a new post
        _post_row(there),                                         # 3: already there, the same
        _post_row(other, openings=other["openings"] + 1),         # 4: already there, another value
        row(岗位名称="岗位二", 薪资范围="面谈后定"),                 # 5: bad salary
        row(岗位名称="岗位三", 有效期至="2026-01-01"),               # 6: expired
        row(岗位名称="岗位四", 学历要求="小学"),                     # 7: unknown education
        row(岗位名称="岗位五", 岗位来源=""),                         # 8: no source
        row(岗位名称="岗位六", 招聘人数=0),                          # 9: no openings
        row(岗位名称="岗位七"), row(岗位名称="岗位七"),               # 10, 11: twice
        row(用人单位=""),                                          # 12: no employer
        row(岗位名称="岗位八", 薪资范围="面议", 专业要求="不限", 技能要求="", 学历要求="", 招聘人数="",
            岗位来源="人社归集"),                                   # 13: a new post, the least it needs
    ])
    analysis = univ.analyse_import("posts", path)
    assert [c.row for c in analysis.changes] == [2, 13] and analysis.new_rows == 2
    assert analysis.unchanged == 1 and analysis.key_label == "用人单位 · 岗位名称 · 工作城市"
    assert analysis.changes[0].key == "蜀道测试科技有限公司 · 数据分析师 · 成都市"
    shown = {f.column: f.after for f in analysis.changes[0].changes}
    assert shown["薪资范围"] == "6000–9000" and shown["学历要求"] == "本科" and shown["岗位来源"] == "校园招聘"
    refused = {(r.row, r.column): r.reason for r in analysis.refused}
    assert set(refused) == {(4, "招聘人数"), (5, "薪资范围"), (6, "有效期至"), (7, "学历要求"), (8, "岗位来源"),
                            (9, "招聘人数"), (10, "用人单位"), (11, "用人单位"), (12, "用人单位")}
    assert "导入只新增岗位" in refused[(4, "招聘人数")]
    assert "已过" in refused[(6, "有效期至")] and "用人单位为空" in refused[(12, "用人单位")]
    assert analysis.ignored_columns == ["备注"]
    assert any("2 个岗位" in e for e in analysis.effects)
    before = len(univ.records("job_post"))

    result = await univ.apply_import(analysis)
    assert (result.ok, result.refused) == (2, 0)
    await univ.sync()
    posts = univ.records("job_post")
    assert len(posts) == before + 2
    made = {p["title"]: p for p in posts if p["employer"] == "蜀道测试科技有限公司"}
    a = made["数据分析师"]
    assert (a["salary_min"], a["salary_max"], a["openings"], a["valid_until"]) == (6000, 9000, 3, "2026-06-30")
    assert a["majors"] == ["统计学", "数据科学与大数据技术"] and a["skills"] == ["Python", "SQL"]
    assert (a["education"], a["source"], a["category"]) == ("bachelor", "campus", "技术研发")
    assert a["verified_on"] is None and a["university_id"] == univ.me.university_id and a["id"] > 0
    b = made["岗位八"]
    assert (b["salary_min"], b["salary_max"], b["majors"], b["education"], b["openings"]) == (None, None, [], "any", 1)
    again = univ.analyse_import("posts", path)
    assert not again.changes and again.unchanged == 3


async def test_the_posts_export_is_the_template_of_the_import(univ: LocalServices, tmp_path: Path) -> None:
    request = ExportRequest("posts", PostFilter(text="成都"))
    exported = univ.export(request, tmp_path / "posts.csv", FileFormat.CSV)
    assert exported.rows > 0
    analysis = univ.analyse_import("posts", exported.path)
    assert (analysis.unchanged, len(analysis.changes), len(analysis.refused)) == (exported.rows, 0, 0)
    assert set(analysis.ignored_columns) == {"审核日期", "推送人数"}
    rows = read_csv(exported.path)
    added = dict(zip(rows[0], rows[1], strict=True))
    added.update({"用人单位": "蜀道测试科技有限公司", "月薪下限": "9000", "月薪上限": "7000"})
    csv_file(exported.path, [*rows, list(added.values())])
    analysis = univ.analyse_import("posts", exported.path)
    assert [(r.row, r.column) for r in analysis.refused] == [(len(rows) + 1, "月薪上限")]
    assert "不能高于上限" in analysis.refused[0].reason


async def test_only_accounts_that_add_posts_import_them(dept: LocalServices, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "岗位.xlsx", [POST_HEADER[:3], ["某公司", "某岗位", "成都市"]])
    with pytest.raises(DomainError) as e:
        dept.analyse_import("posts", path)
    assert e.value.code == "role_not_allowed"


async def test_a_sheet_without_the_key_columns_says_which(univ: LocalServices, tmp_path: Path) -> None:
    with pytest.raises(DomainError) as e:
        univ.analyse_import("attendance", xlsx(tmp_path / "a.xlsx", [["学号", "姓名"], ["1", "x"]]))
    assert e.value.code == "missing_key_column" and "“活动”" in e.value.message_zh
    with pytest.raises(DomainError) as e:
        univ.analyse_import("posts", xlsx(tmp_path / "p.xlsx", [["用人单位", "岗位名称"], ["x", "y"]]))
    assert e.value.code == "missing_key_column" and "“工作城市”" in e.value.message_zh
