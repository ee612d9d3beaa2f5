"""The headless commands: ``zhumeng-tui export LIST`` and ``zhumeng-tui
import KIND FILE [--dry-run]`` against a server on a loopback port, signed in
with the environment token, with the same cache and outbox as the app; exit
status 0, or non-zero with a one-line reason."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.sheets.conftest import read_xlsx, xlsx
from tests.support import DemoServer, ServerFactory, bearer
from zhumeng_tui import cli

pytestmark = pytest.mark.slow


@pytest.fixture
def loopback(make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> DemoServer:
    server = make_server(loopback=True)
    token = bearer(server.url, "demo-univ")["Authorization"].split()[1]
    monkeypatch.setenv("ZHUMENG_TOKEN", token)
    return server


def run(server: DemoServer, tmp_path: Path, *command: str) -> int:
    return cli.main(["--server", server.url, "--user", "demo-univ", "--data-dir", str(tmp_path / "data"),
                     "--config", str(tmp_path / "none.toml"), *command])


def students(server: DemoServer) -> dict[str, dict[str, object]]:
    """The server's students by 学号."""
    return {str(s["student_no"]): s for s in _records(server, "student")}


def test_export_writes_the_list_and_says_where(loopback: DemoServer, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "final.xlsx"
    assert run(loopback, tmp_path, "export", "final-list", "--output", str(out)) == 0
    said = capsys.readouterr().out.strip()
    rows = read_xlsx(out)
    assert said == f"已导出 {len(rows) - 1} 行到 {out}"
    assert rows[0][:3] == ["序号", "学号", "姓名"] and len(rows) > 10
    assert run(loopback, tmp_path, "export", "final-list", "--format", "docx", "--output", str(tmp_path / "f")) == 0
    assert (tmp_path / "f.docx").exists()


def test_import_dry_run_sends_nothing_then_import_sends(loopback: DemoServer, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = students(loopback)
    target = next(s for s in before.values() if not s["realname_verified"] and not s["out_of_province"])
    path = xlsx(tmp_path / "r.xlsx", [["学号", "实名认证", "备注"], [target["student_no"], "是", "核实"],
                                      ["000", "是", ""]])
    assert run(loopback, tmp_path, "import", "roster", str(path), "--dry-run") == 0
    said = capsys.readouterr().out
    assert "读取 2 行：将修改 1 行，未变化 0 行，拒绝 1 行" in said
    assert "实名认证：1 行" in said and "忽略的列：备注" in said and "第 3 行 [学号]" in said
    assert "试运行" in said and "r-错误行.xlsx" in said
    assert students(loopback)[str(target["student_no"])]["realname_verified"] is False
    assert run(loopback, tmp_path, "import", "roster", str(path)) == 0
    assert "已保存 1 条" in capsys.readouterr().out
    assert students(loopback)[str(target["student_no"])]["realname_verified"] is True
    assert run(loopback, tmp_path, "import", "roster", str(path)) == 0
    assert "没有要发送的修改" in capsys.readouterr().out


def test_failures_exit_non_zero_with_one_line(loopback: DemoServer, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(loopback, tmp_path, "import", "roster", str(tmp_path / "missing.xlsx")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"找不到文件：{tmp_path / 'missing.xlsx'}"]
    (tmp_path / "only.csv").write_text("学号,实名认证\n", encoding="utf-8")
    assert run(loopback, tmp_path, "import", "roster", str(tmp_path / "only.csv")) == 1
    assert "只有表头" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        run(loopback, tmp_path, "export", "nonsense")
    assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    code = cli.main(["--server", loopback.url, "--user", "demo-univ", "--data-dir", str(tmp_path / "other"),
                     "--config", str(tmp_path / "none.toml"), "--lang", "en", "export", "missing",
                     "--output", str(tmp_path / "a-dir" / "x.csv")])
    assert code == 0


def test_a_department_may_not_import_the_roster(loopback: DemoServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ZHUMENG_TOKEN", bearer(loopback.url, "demo-dept")["Authorization"].split()[1])
    path = xlsx(tmp_path / "r.xlsx", [["学号", "实名认证"], ["2023010001", "是"]])
    code = cli.main(["--server", loopback.url, "--user", "demo-dept", "--data-dir", str(tmp_path / "d"),
                     "--config", str(tmp_path / "none.toml"), "import", "roster", str(path)])
    assert code == 1
    assert "无权修改学籍信息" in capsys.readouterr().err


def _records(server: DemoServer, rtype: str) -> list[dict[str, object]]:
    """The server's records of a type (its feed, as demo-univ), newest state of each."""
    h = bearer(server.url, "demo-univ")
    out: dict[object, dict[str, object]] = {}
    since = 0
    while True:
        page = httpx.get(f"{server.url}/api/v1/changes", params={"since": since, "limit": 5000}, headers=h).json()
        for c in page["changes"]:
            if c["type"] == rtype and c["data"]:
                out[c["id"]] = c["data"]
        since = page["cursor"]
        if not page["has_more"]:
            return list(out.values())


def test_import_a_sign_in_sheet_and_a_job_board_export(loopback: DemoServer, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    sessions = _records(loopback, "service_session")
    titles = [s["title"] for s in sessions]
    session = next(s for s in sessions if str(s["date"]) <= "2026-03-10" and titles.count(s["title"]) == 1)
    attended = {(a["graduate_id"], a["session_id"]) for a in _records(loopback, "attendance")}
    by_id = {s["id"]: s for s in students(loopback).values()}
    graduate = next(g for g in _records(loopback, "graduate") if (g["id"], session["id"]) not in attended)
    sheet = xlsx(tmp_path / "签到.xlsx", [["学号", "活动"],
                                          [by_id[graduate["student_id"]]["student_no"], session["title"]]])
    assert run(loopback, tmp_path, "import", "attendance", str(sheet), "--dry-run") == 0
    assert "读取 1 行：将新增 1 行，将修改 0 行，未变化 0 行，拒绝 0 行" in capsys.readouterr().out
    assert run(loopback, tmp_path, "import", "attendance", str(sheet)) == 0
    assert "已保存 1 条" in capsys.readouterr().out
    assert (graduate["id"], session["id"]) in {(a["graduate_id"], a["session_id"])
                                              for a in _records(loopback, "attendance")}
    assert run(loopback, tmp_path, "import", "attendance", str(sheet)) == 0
    assert "未变化 1 行" in capsys.readouterr().out

    posts = xlsx(tmp_path / "岗位.csv.xlsx", [
        ["单位名称", "职位名称", "工作地点", "岗位类别", "月薪", "截止日期", "来源"],
        ["蜀道测试科技有限公司", "前端工程师", "德阳市", "技术研发", "8k-12k", "2026/6/30", "校园招聘"]])
    assert run(loopback, tmp_path, "import", "posts", str(posts)) == 0
    assert "将新增 1 行" in capsys.readouterr().out
    made = [p for p in _records(loopback, "job_post") if p["employer"] == "蜀道测试科技有限公司"]
    assert [(p["title"], p["salary_min"], p["valid_until"], p["verified_on"]) for p in made] == [
        ("前端工程师", 8000, "2026-06-30", None)]
    assert run(loopback, tmp_path, "import", "posts", str(posts)) == 0
    assert "没有要发送的修改" in capsys.readouterr().out
