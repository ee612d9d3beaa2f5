"""The OpenAPI document describes the whole API: every operation, its id, and
the write headers it needs; nothing in it points outside the repository."""

from __future__ import annotations

from fastapi import FastAPI

WRITE = ("Idempotency-Key",)
CHANGE = ("Idempotency-Key", "If-Match")

#: (method, path) -> (operation id, the headers of a write)
OPERATIONS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("GET", "/api/v1/health"): ("health_api_v1_health_get", ()),
    ("POST", "/api/v1/auth/token"): ("auth_token_api_v1_auth_token_post", ()),
    ("DELETE", "/api/v1/auth/token"): ("auth_logout_api_v1_auth_token_delete", ()),
    ("GET", "/api/v1/me"): ("me_api_v1_me_get", ()),
    ("GET", "/api/v1/changes"): ("changes_api_v1_changes_get", ()),
    ("GET", "/api/v1/applications/{id}"): ("get_application_api_v1_applications__id__get", ()),
    ("POST", "/api/v1/applications/{id}/actions"): ("application_action_api_v1_applications__id__actions_post",
                                                     CHANGE),
    ("POST", "/api/v1/applications/actions:batch"): ("application_batch_api_v1_applications_actions_batch_post",
                                                      WRITE),
    ("POST", "/api/v1/applications"): ("create_application_api_v1_applications_post", WRITE),
    ("PATCH", "/api/v1/applications/{id}/tracking"): ("application_tracking_api_v1_applications__id__tracking_patch",
                                                       CHANGE),
    ("POST", "/api/v1/applications/{id}/excellent"): (
        "application_excellent_api_v1_applications__id__excellent_post", CHANGE),
    ("GET", "/api/v1/followups/{id}"): ("get_followup_api_v1_followups__id__get", ()),
    ("POST", "/api/v1/followups"): ("create_followup_api_v1_followups_post", WRITE),
    ("DELETE", "/api/v1/followups/{id}"): ("delete_followup_api_v1_followups__id__delete", CHANGE),
    ("POST", "/api/v1/integrity"): ("create_integrity_api_v1_integrity_post", WRITE),
    ("GET", "/api/v1/withdrawals/{id}"): ("get_withdrawal_api_v1_withdrawals__id__get", ()),
    ("POST", "/api/v1/withdrawals"): ("create_withdrawal_api_v1_withdrawals_post", WRITE),
    ("POST", "/api/v1/withdrawals/{id}/steps"): ("withdrawal_step_api_v1_withdrawals__id__steps_post", CHANGE),
    ("POST", "/api/v1/applications/tracking:batch"): (
        "application_tracking_batch_api_v1_applications_tracking_batch_post", WRITE),
    ("GET", "/api/v1/students/{id}"): ("get_student_api_v1_students__id__get", ()),
    ("PATCH", "/api/v1/students/{id}/roster"): ("student_roster_api_v1_students__id__roster_patch", CHANGE),
    ("POST", "/api/v1/students/roster:batch"): ("roster_batch_api_v1_students_roster_batch_post", WRITE),
    ("GET", "/api/v1/positions/{id}"): ("get_position_api_v1_positions__id__get", ()),
    ("POST", "/api/v1/positions"): ("create_position_api_v1_positions_post", WRITE),
    ("DELETE", "/api/v1/positions/{id}"): ("delete_position_api_v1_positions__id__delete", CHANGE),
    ("GET", "/api/v1/calendar"): ("get_calendar_api_v1_calendar_get", ()),
    ("PUT", "/api/v1/calendar/{year}"): ("put_calendar_api_v1_calendar__year__put", CHANGE),
    ("POST", "/api/v1/admin/prune-tombstones"): ("admin_prune_api_v1_admin_prune_tombstones_post", ()),
    ("GET", "/api/v1/graduates/{id}"): ("get_graduate_api_v1_graduates__id__get", ()),
    ("POST", "/api/v1/graduates"): ("create_graduate_api_v1_graduates_post", WRITE),
    ("PATCH", "/api/v1/graduates/{id}"): ("update_graduate_api_v1_graduates__id__patch", CHANGE),
    ("POST", "/api/v1/graduates/{id}/employment"): ("set_employment_api_v1_graduates__id__employment_post", CHANGE),
    ("POST", "/api/v1/graduates/employment:batch"): ("employment_batch_api_v1_graduates_employment_batch_post",
                                                      WRITE),
    ("POST", "/api/v1/graduates/needs:batch"): ("needs_batch_api_v1_graduates_needs_batch_post", WRITE),
    ("GET", "/api/v1/sessions/{id}"): ("get_session_api_v1_sessions__id__get", ()),
    ("POST", "/api/v1/sessions"): ("create_session_api_v1_sessions_post", WRITE),
    ("POST", "/api/v1/sessions/{id}/attendance"): ("record_attendance_api_v1_sessions__id__attendance_post", WRITE),
    ("GET", "/api/v1/attendance/{id}"): ("get_attendance_api_v1_attendance__id__get", ()),
    ("GET", "/api/v1/hardship/{id}"): ("get_case_api_v1_hardship__id__get", ()),
    ("POST", "/api/v1/hardship"): ("open_case_api_v1_hardship_post", WRITE),
    ("PATCH", "/api/v1/hardship/{id}"): ("update_case_api_v1_hardship__id__patch", CHANGE),
    ("PUT", "/api/v1/hardship/{id}/plan"): ("set_plan_api_v1_hardship__id__plan_put", CHANGE),
    ("POST", "/api/v1/hardship/{id}/visits"): ("add_visit_api_v1_hardship__id__visits_post", CHANGE),
    ("POST", "/api/v1/hardship/{id}/subsidy"): ("subsidy_step_api_v1_hardship__id__subsidy_post", CHANGE),
    ("POST", "/api/v1/hardship/{id}/close"): ("close_case_api_v1_hardship__id__close_post", CHANGE),
    ("GET", "/api/v1/posts/{id}"): ("get_post_api_v1_posts__id__get", ()),
    ("POST", "/api/v1/posts"): ("create_post_api_v1_posts_post", WRITE),
    ("POST", "/api/v1/posts/{id}/verify"): ("verify_post_api_v1_posts__id__verify_post", CHANGE),
    ("GET", "/api/v1/graduates/{student_id}/recommendations"): (
        "recommendations_api_v1_graduates__student_id__recommendations_get", ()),
    ("GET", "/api/v1/pushes/{id}"): ("get_push_api_v1_pushes__id__get", ()),
    ("POST", "/api/v1/pushes"): ("create_pushes_api_v1_pushes_post", WRITE),
    ("POST", "/api/v1/pushes/{id}/answer"): ("answer_push_api_v1_pushes__id__answer_post", CHANGE),
}


def test_every_operation_with_its_id_and_write_headers(app: FastAPI) -> None:
    doc = app.openapi()
    found = {
        (method.upper(), path): (
            op["operationId"],
            tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "header"),
        )
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    assert found == OPERATIONS


def test_the_description_cites_nothing_outside_the_repository(app: FastAPI) -> None:
    text = str(app.openapi())
    assert "DESIGN" not in text and "issue " not in text.lower()


#: Headers an operation takes but needs only sometimes: If-Match when the year exists.
SOMETIMES = {("PUT", "/api/v1/calendar/{year}"): ("If-Match",)}


def test_write_headers_are_required_and_every_answer_is_documented(app: FastAPI) -> None:
    """The server answers 428 without these headers, 413 for a large body and
    400 for a body it cannot read: the document says so."""
    doc = app.openapi()
    for (method, path), (_, headers) in OPERATIONS.items():
        op = doc["paths"][path][method.lower()]
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
        for name in headers:
            required = name not in SOMETIMES.get((method, path), ())
            assert params[name].get("required", False) is required, (method, path, name)
        if method in ("POST", "PUT", "PATCH"):
            assert {"400", "413", "422"} <= set(op["responses"]), (method, path)
        if headers:
            assert "428" in op["responses"], (method, path)
    signin = doc["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "429" in signin and "Retry-After" in signin["429"].get("headers", {})
