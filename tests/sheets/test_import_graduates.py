"""The graduate-services imports. `needs`: a survey export's 学号, needs, 留省意愿, cities
and skills analysed against the cached graduates, refused rows named with
their column and reason, the changes sent as survey needs in one batch
request (when each need was first recorded kept), and importing the same
file again changing nothing.
`hardship`: cases opened (or the open one changed) from 学号, categories and
officer, each refusal with its column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.sheets.conftest import xlsx
from zhumeng_tui.services.local import LocalServices

HEADER = ["学号", "姓名", "服务需求", "是否留川", "意向城市", "技能"]


def _graduates(svc: LocalServices) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    students = {s["id"]: s for s in svc.records("student")}
    return [(g, students[g["student_id"]]) for g in svc.records("graduate")]


async def test_a_survey_export_sets_needs_intent_cities_and_skills(univ: LocalServices, tmp_path: Path) -> None:
    (g1, s1), (g2, s2), (_, s3), (_, s4) = [x for x in _graduates(univ) if not x[0]["needs"]][:4]
    kept = next((g, s) for g, s in _graduates(univ) if g["needs"] and g["id"] not in (g1["id"], g2["id"]))
    old = kept[0]["needs"][0]
    path = xlsx(tmp_path / "问卷.xlsx", [
        HEADER,
        [s1["student_no"], s1["name"], "就业指导、职业技能培训", "是", "成都市,绵阳市", "Python SQL"],
        [s2["student_no"], s2["name"], "创业指导", "否", "重庆市", ""],
        [s3["student_no"], s3["name"], "出国留学", "是", "", ""],          # an unknown need
        [s4["student_no"], "王不对", "政策咨询", "是", "", ""],              # the name does not match
        ["2099999999", "查无此人", "就业指导", "是", "", ""],                # not a graduate
        [kept[1]["student_no"], kept[1]["name"], "、".join(
            {"guidance": "就业指导", "entrepreneurship": "创业指导", "training": "职业技能培训", "subsidy": "求职创业补贴",
             "policy": "政策咨询"}[n["kind"]] for n in kept[0]["needs"]), "", "", ""],
    ])
    analysis = univ.analyse_import("needs", path)
    assert analysis.rows_read == 6
    assert sorted(c.key for c in analysis.changes) == sorted([s1["student_no"], s2["student_no"]])
    refused = {(r.key, r.column) for r in analysis.refused}
    assert (s3["student_no"], "服务需求") in refused
    assert any(r.key == s4["student_no"] for r in analysis.refused)
    assert any(r.key == "2099999999" for r in analysis.refused)
    assert analysis.unchanged == 1
    assert analysis.refused_file is not None and analysis.refused_file.exists()
    sent = univ.cache.conn().execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    result = await univ.apply_import(analysis)
    assert (result.ok, result.refused) == (2, 0)
    assert univ.cache.conn().execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == sent + 1  # one batch request
    await univ.sync()
    a = univ.record("graduate", g1["id"])
    assert [n["kind"] for n in a["needs"]] == ["guidance", "training"]
    assert all(n["source"] == "survey" for n in a["needs"])
    assert a["stay_intent"] == "yes" and a["preferred_cities"] == ["成都市", "绵阳市"] and a["skills"] == ["Python", "SQL"]
    b = univ.record("graduate", g2["id"])
    assert b["stay_intent"] == "no" and [n["kind"] for n in b["needs"]] == ["entrepreneurship"]
    assert univ.record("graduate", kept[0]["id"])["needs"][0] == old  # unchanged, first record kept
    again = univ.analyse_import("needs", path)
    assert len(again.changes) == 0 and again.unchanged == 3


async def test_the_hardship_ledger_opens_and_changes_cases(univ: LocalServices, tmp_path: Path) -> None:
    open_cases = {c["graduate_id"]: c for c in univ.records("hardship_case") if c["state"] == "open"}
    students = {s["id"]: s for s in univ.records("student")}
    (g1, s1), (g2, s2) = [(g, students[g["student_id"]]) for g in univ.records("graduate")
                          if g["id"] not in open_cases and not any(
                              c["graduate_id"] == g["id"] for c in univ.records("hardship_case"))][:2]
    case = next(iter(open_cases.values()))
    s3 = students[univ.record("graduate", case["graduate_id"])["student_id"]]
    path = xlsx(tmp_path / "困难.xlsx", [
        ["学号", "姓名", "困难类别", "帮扶专员", "专员类型"],
        [s1["student_no"], s1["name"], "脱贫家庭、特殊困难（父亲重病）", "demo-univ2", "就业服务专员"],
        [s2["student_no"], s2["name"], "特殊困难", "demo-univ2", ""],          # 特殊困难 without its note
        [s3["student_no"], s3["name"], "", "nobody-here", ""],               # not a staff account here
    ])
    analysis = univ.analyse_import("hardship", path)
    assert [c.key for c in analysis.changes] == [s1["student_no"]]
    refused = {r.key: r for r in analysis.refused}
    assert refused[s2["student_no"]].column == "困难类别" and "特殊困难" in refused[s2["student_no"]].reason
    assert refused[s3["student_no"]].column == "帮扶专员"
    result = await univ.apply_import(analysis)
    assert (result.ok, result.refused) == (1, 0)
    await univ.sync()
    made = next(c for c in univ.records("hardship_case") if c["graduate_id"] == g1["id"])
    assert [(c["category"], c["note"]) for c in made["categories"]] == [("poverty", ""), ("special", "父亲重病")]
    assert made["officer"] == "demo-univ2" and made["state"] == "open"
    assert g2["id"] not in {c["graduate_id"] for c in univ.records("hardship_case")}
    again = univ.analyse_import("hardship", path)
    assert not again.changes and again.unchanged == 1
