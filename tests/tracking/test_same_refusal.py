"""A change the rules refuse reads the same whether the client refuses it
before sending or the server refuses it when it arrives: the same code and
the same message, because both call the same domain rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import Api, DemoServer, open_services
from zhumeng_tui.api_client.schemas import TrackingUpdate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind

pytestmark = pytest.mark.slow

Refusal = tuple[str, str, str]
INTERNS = {"approved", "on_duty", "completed", "appraised"}


async def refused_by_server(
    api: Api, user: str, method: str, path: str, body: Any, version: int | None = None
) -> Refusal:
    r = await api.write(user, method, path, body, version=version)
    assert 400 <= r.status_code < 500, r.text
    e = r.json()["error"]
    return e["code"], e["message_zh"], e["message_en"]


async def refused_by_client(call: Awaitable[Any]) -> Refusal:
    with pytest.raises(DomainError) as e:
        await call
    return e.value.code, e.value.message_zh, e.value.message_en


async def test_client_and_server_refuse_alike(server: DemoServer, tmp_path: Path) -> None:
    tomorrow = server.today + dt.timedelta(days=1)
    univ = await open_services(server, tmp_path / "cache", "demo-univ", sync=True)
    dept = await open_services(server, tmp_path / "cache", "demo-dept", sync=True)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        students = {s["id"]: s for s in await api.records("demo-univ", "student")}
        apps = await api.records("demo-univ", "application")

        def app_with(statuses: set[str], *, out_of_province: bool = False, **where: Any) -> dict[str, Any]:
            return next(
                a for a in apps
                if a["status"] in statuses and students[a["student_id"]]["out_of_province"] == out_of_province
                and all(a[k] == v for k, v in where.items())
            )

        matched, on_duty = app_with({"matched"}), app_with({"on_duty"})
        provincial = app_with(INTERNS, out_of_province=True)
        dept_student = app_with({"on_duty"}, department_id=1)["student_id"]

        def followup(a: dict[str, Any], staff: str = "王老师", date: dt.date = server.today) -> dict[str, Any]:
            return {"application_id": a["id"], "date": date.isoformat(), "channel": "电话", "staff": staff,
                    "note": "电话回访"}

        Case = tuple[str, Callable[[], Awaitable[Any]], Callable[[], Awaitable[Refusal]]]
        cases: list[Case] = [
            ("not_an_intern",  # a follow-up on an application that is not an internship
             lambda: univ.add_followup(matched["id"], server.today, "电话", "王老师", "电话回访"),
             lambda: refused_by_server(api, "demo-univ", "POST", "/followups", followup(matched))),
            ("staff_required",  # a follow-up without the staff member
             lambda: univ.add_followup(on_duty["id"], server.today, "电话", " ", "电话回访"),
             lambda: refused_by_server(api, "demo-univ", "POST", "/followups", followup(on_duty, staff=" "))),
            ("date_in_future",  # a follow-up dated tomorrow
             lambda: univ.add_followup(on_duty["id"], tomorrow, "电话", "王老师", "电话回访"),
             lambda: refused_by_server(api, "demo-univ", "POST", "/followups", followup(on_duty, date=tomorrow))),
            ("date_too_early",  # a follow-up dated before the internship started
             lambda: univ.add_followup(on_duty["id"], dt.date(2020, 1, 1), "电话", "王老师", "电话回访"),
             lambda: refused_by_server(api, "demo-univ", "POST", "/followups",
                                       followup(on_duty, date=dt.date(2020, 1, 1)))),
            ("provincial_review",  # a follow-up on an out-of-province intern
             lambda: univ.add_followup(provincial["id"], server.today, "电话", "王老师", "电话回访"),
             lambda: refused_by_server(api, "demo-univ", "POST", "/followups", followup(provincial))),
            ("not_completed",  # a nomination of an intern who has not completed
             lambda: univ.nominate_excellent(on_duty["id"], "表现优秀"),
             lambda: refused_by_server(api, "demo-univ", "POST", f"/applications/{on_duty['id']}/excellent",
                                    {"note": "表现优秀"}, on_duty["version"])),
            ("not_completed",  # an appraisal copy before the internship is completed
             lambda: univ.set_tracking([on_duty["id"]], TrackingUpdate(appraisal_copy_received=server.today)),
             lambda: refused_by_server(api, "demo-univ", "PATCH", f"/applications/{on_duty['id']}/tracking",
                                    {"appraisal_copy_received": server.today.isoformat()}, on_duty["version"])),
            ("bad_kind",  # an integrity entry of an unknown kind
             lambda: univ.add_integrity(on_duty["student_id"], "nonsense", server.today, "更正"),  # type: ignore[arg-type]
             lambda: refused_by_server(api, "demo-univ", "POST", "/integrity", {
                 "student_id": on_duty["student_id"], "kind": "nonsense", "date": server.today.isoformat(), "note": "更正"})),
            ("role_not_allowed",  # an integrity entry by a department account
             lambda: dept.add_integrity(dept_student, IntegrityKind.OTHER, server.today, "更正"),
             lambda: refused_by_server(api, "demo-dept", "POST", "/integrity", {
                 "student_id": dept_student, "kind": "other", "date": server.today.isoformat(), "note": "更正"})),
        ]
        for code, by_client, by_server in cases:
            client_says = await refused_by_client(by_client())
            assert client_says[0] == code
            assert await by_server() == client_says
    await univ.close()
    await dept.close()
