"""What the server refuses before it reaches the database: bodies over the
size limit (chunked ones too), control characters in text, over-long texts,
malformed write headers, batches over the item cap; and conflict answers of
a batch stay small."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.server.conftest import fingerprint, pick
from tests.server.test_bad_input import assert_error
from tests.support import Api
from zhumeng_server.app import MAX_BODY
from zhumeng_tui.api_client.schemas import MAX_BATCH_ITEMS

CHUNK = 64 * 1024


class Chunks:
    """A request body sent with ``Transfer-Encoding: chunked`` (no
    Content-Length); counts what the server read of it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        piece = b"[" + b"0," * (CHUNK // 2 - 1)
        while self.sent < self.total:
            self.sent += len(piece)
            yield piece
            piece = b"0," * (CHUNK // 2)


@pytest.mark.parametrize("method,path", [
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/applications/actions:batch"),
    ("POST", "/api/v1/followups"),
    ("PUT", "/api/v1/calendar/2027"),
])
async def test_a_chunked_body_over_the_limit_is_refused_while_reading(
    api: Api, app: FastAPI, method: str, path: str
) -> None:
    fp = fingerprint(app)
    body = Chunks(3 * MAX_BODY)
    headers = {**await api.login("demo-province"), "Idempotency-Key": "big", "If-Match": "1",
               "Content-Type": "application/json"}
    r = await api.client.request(method, path, content=body, headers=headers)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_error(r, 413, "too_large")
    assert body.sent <= MAX_BODY + 2 * CHUNK  # it stopped reading at the limit
    assert fingerprint(app) == fp


async def test_a_declared_length_over_the_limit_is_refused_before_reading(api: Api) -> None:
    r = await api.client.post("/api/v1/auth/token", content=b"x",
                              headers={"Content-Length": str(MAX_BODY + 1)})
    assert_error(r, 413, "too_large")


NUL = "\x00"


async def test_control_characters_in_text_are_refused(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    r = await api.client.post("/api/v1/auth/token", json={"username": "demo-univ" + NUL, "password": "x"})
    err = assert_error(r, 422, "control_character")
    assert [f["field"] for f in err["fields"]] == ["username"]
    a = pick(await api.records("demo-univ", "application"), status="dept_confirmed")
    for reason in ("bad" + NUL, "bad\x1b[31m", "bad\x7f", "bad\u2028"):
        r = await api.write("demo-univ", "POST", f"/applications/{a['id']}/actions",
                            {"action": "reject", "reason": reason}, version=a["version"])
        err = assert_error(r, 422, "control_character")
        assert [f["field"] for f in err["fields"]] == ["reason"], reason
    intern = pick(await api.records("demo-univ", "application"), status="on_duty")
    followup = {"application_id": intern["id"], "date": "2026-03-09", "channel": "电话", "staff": "王老师"}
    r = await api.write("demo-univ", "POST", "/followups", {**followup, "note": "a" + NUL + "b"})
    assert_error(r, 422, "control_character")
    r = await api.write("demo-univ", "POST", "/followups", {**followup, "staff": "王\t老师", "note": "ok"})
    assert_error(r, 422, "control_character")
    assert fingerprint(app) == fp
    # newlines and tabs are text in a note
    r = await api.write("demo-univ", "POST", "/followups", {**followup, "note": "第一行\n\t第二行\r\n"})
    assert r.status_code == 201, r.text
    assert r.json()["note"] == "第一行\n\t第二行\r\n"


async def test_report_form_texts_have_a_length_limit(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    students = await api.records("demo-province", "student")
    positions = await api.records("demo-province", "position")
    body: dict[str, Any] = {"student_id": students[0]["id"], "position_id": positions[0]["id"],
                            "report_form": {"student_name": "名" * 1_000_000}}
    err = assert_error(await api.write("demo-province", "POST", "/applications", body), 422)
    assert [f["field"] for f in err["fields"]] == ["report_form.student_name"]
    body["report_form"] = {"employer_name": "单位" + NUL}
    assert_error(await api.write("demo-province", "POST", "/applications", body), 422, "control_character")
    assert fingerprint(app) == fp


async def test_write_headers_are_checked(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    a = pick(await api.records("demo-univ", "application"), status="dept_confirmed")
    path = f"/applications/{a['id']}/actions"
    for key in ("key\x01", "key\x7f", "k" * 201):
        r = await api.write("demo-univ", "POST", path, {"action": "approve"}, version=a["version"], key=key)
        err = assert_error(r, 422, "validation_error")
        assert [f["field"] for f in err["fields"]] == ["header.Idempotency-Key"], key
    for version in ("+1", "-1", "1 1", "1.0", "0x1", "1e0", "99999999999999999999"):
        r = await api.write("demo-univ", "POST", path, {"action": "approve"},
                            headers={"If-Match": version.replace("{v}", str(a["version"]))})
        err = assert_error(r, 422, "validation_error")
        assert [f["field"] for f in err["fields"]] == ["header.If-Match"], version
    assert fingerprint(app) == fp
    r = await api.write("demo-univ", "POST", path, {"action": "approve"}, headers={"If-Match": f'"{a["version"]}"'})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path,item", [
    ("/applications/actions:batch", {"version": 1, "action": "approve"}),
    ("/graduates/employment:batch", {"version": 1, "status": "signed", "date": "2026-03-01"}),
])
async def test_an_id_beyond_64_bits_in_a_batch_is_not_found(api: Api, path: str, item: dict[str, object]) -> None:
    r = await api.write("demo-univ", "POST", path, {"items": [{"id": 2**80, **item}]})
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert not result["ok"] and result["error"]["code"] == "not_found"


@pytest.mark.parametrize("user,path,item", [
    ("demo-dept", "/applications/actions:batch", {"version": 1, "action": "confirm"}),
    ("demo-univ", "/applications/tracking:batch", {"version": 1, "update": {"insurance_recorded": True}}),
    ("demo-univ", "/students/roster:batch", {"version": 1, "update": {"full_time": True}}),
    ("demo-univ", "/graduates/employment:batch", {"version": 1, "status": "signed", "date": "2026-03-01"}),
])
async def test_a_batch_has_an_item_cap(api: Api, app: FastAPI, user: str, path: str, item: dict[str, object]) -> None:
    fp = fingerprint(app)
    items = [{"id": i + 1, **item} for i in range(MAX_BATCH_ITEMS + 1)]
    err = assert_error(await api.write(user, "POST", path, {"items": items}), 422)
    assert [f["field"] for f in err["fields"]] == ["items"]
    assert str(MAX_BATCH_ITEMS) in err["fields"][0]["message_zh"]
    assert fingerprint(app) == fp


async def test_conflicts_in_a_batch_answer_small(api: Api) -> None:
    apps = [a for a in await api.records("demo-univ", "application") if a["status"] == "matched"]
    items = [{"id": a["id"], "version": a["version"] + 7, "action": "confirm"} for a in apps]
    r = await api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["error"]["code"] for x in results] == ["version_conflict"] * len(items)
    assert all(x["error"]["current"] is None and x["record"] is None for x in results)
    assert len(r.content) < 400 * len(items)
    # one action alone still answers with the current record
    one = await api.write("demo-univ", "POST", f"/applications/{apps[0]['id']}/actions", {"action": "confirm"},
                          version=apps[0]["version"] + 7)
    assert one.status_code == 409 and one.json()["error"]["current"]["id"] == apps[0]["id"]


async def test_405_lists_every_method_of_the_path(api: Api) -> None:
    r = await api.client.get("/api/v1/auth/token")
    assert_error(r, 405, "method_not_allowed")
    assert sorted(m.strip() for m in r.headers["allow"].split(",")) == ["DELETE", "POST"]
    r = await api.client.put("/api/v1/followups/1")
    assert sorted(m.strip() for m in r.headers["allow"].split(",")) == ["DELETE", "GET"]


async def test_health_answers_while_every_worker_thread_is_busy(api: Api) -> None:
    """Large writes occupy the thread pool; liveness does not wait for it."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    borrowers = [object() for _ in range(int(limiter.total_tokens))]
    for b in borrowers:
        await limiter.acquire_on_behalf_of(b)
    try:
        r = await asyncio.wait_for(api.client.get("/api/v1/health"), 20)
    finally:
        for b in borrowers:
            limiter.release_on_behalf_of(b)
    assert r.status_code == 200


async def test_a_session_attendance_and_a_push_have_a_cap(api: Api, app: FastAPI) -> None:
    from tests.server.test_graduates import new_session
    from zhumeng_tui.domain.graduates import MAX_ATTENDEES
    from zhumeng_tui.domain.posts import MAX_PUSH, PICKS

    session = await new_session(api, "demo-univ")
    fp = fingerprint(app)
    err = assert_error(await api.write("demo-univ", "POST", f"/sessions/{session['id']}/attendance",
                                       {"graduate_ids": list(range(1, MAX_ATTENDEES + 2))}), 422)
    assert [f["field"] for f in err["fields"]] == ["graduate_ids"]
    items = [{"graduate_id": g, "post_id": p} for g in range(1, MAX_PUSH + 2) for p in range(1, PICKS + 1)]
    err = assert_error(await api.write("demo-univ", "POST", "/pushes", {"items": items}), 422)
    assert [f["field"] for f in err["fields"]] == ["items"]
    assert fingerprint(app) == fp
