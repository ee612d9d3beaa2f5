"""Error answers: every 4xx/5xx is ``schemas.ErrorResponse``.

Domain errors map to HTTP statuses by code (``DOMAIN_STATUS``): a move that the
current state does not allow is 409, a role that may not do it is 403, bad
input is 422.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhumeng_tui.api_client.schemas import ErrorBody, ErrorResponse, FieldError
from zhumeng_tui.domain.errors import DomainError

log = logging.getLogger("zhumeng_server")

#: HTTP status of each domain error code (default 422).
DOMAIN_STATUS: dict[str, int] = {
    "illegal_transition": 409,
    "step_out_of_order": 409,
    "withdrawal_closed": 409,
    "withdrawal_on_duty": 409,
    "withdrawal_not_approved": 409,
    "withdrawal_already_open": 409,
    "live_limit_exceeded": 409,
    "not_an_intern": 409,
    "not_on_duty": 409,
    "not_completed": 409,
    "already_nominated": 409,
    "withdrawal_required": 409,
    "has_applications": 409,
    "graduate_exists": 409,
    "case_exists": 409,
    "case_closed": 409,
    "subsidy_done": 409,
    "status_mismatch": 409,
    "session_not_held": 409,
    "already_verified": 409,
    "post_not_verified": 409,
    "not_verifier": 403,
    "role_not_allowed": 403,
    "provincial_review": 403,
    "read_only": 403,
    "not_author": 403,
}


class ApiError(Exception):
    """An error answer with a stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        fields: list[FieldError] | None = None,
        current: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.headers = headers
        self.body = ErrorBody(
            code=code, message_zh=message_zh, message_en=message_en, fields=fields or [], current=current
        )

    @classmethod
    def from_domain(cls, err: DomainError, *, fields: list[FieldError] | None = None) -> ApiError:
        return cls(DOMAIN_STATUS.get(err.code, 422), err.code, err.message_zh, err.message_en, fields=fields)

    def response(self) -> JSONResponse:
        return error_response(self.status, self.body, self.headers)


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        ErrorResponse(error=body).model_dump(mode="json"), status_code=status, headers=headers
    )


def not_found(what_zh: str = "记录", what_en: str = "record") -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"No such {what_en}")


def forbidden_read_only() -> ApiError:
    return ApiError(403, "read_only", "只读账号不能修改数据", "This account is read-only")


_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求无效", "Bad request"),
    401: ("unauthorized", "未登录或登录已失效", "Not signed in or the token is invalid"),
    403: ("forbidden", "无权访问", "Forbidden"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    406: ("not_acceptable", "不可接受", "Not acceptable"),
    413: ("too_large", "请求体过大（上限 10 MB）", "Request body too large (limit 10 MB)"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
}


def _field_message(err: dict[str, Any]) -> tuple[str, str]:
    typ = str(err.get("type", ""))
    msg = str(err.get("msg", "invalid"))
    ctx = err.get("ctx") or {}
    zh = {
        "missing": "缺少必填字段",
        "extra_forbidden": "不允许的字段",
        "json_invalid": "JSON 格式错误",
        "string_too_long": f"超过最大长度 {ctx.get('max_length', '')}",
        "string_too_short": f"少于最小长度 {ctx.get('min_length', '')}",
        "int_parsing": "须为整数",
        "int_type": "须为整数",
        "bool_parsing": "须为布尔值",
        "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
        "date_parsing": "须为日期（YYYY-MM-DD）",
        "date_type": "须为日期（YYYY-MM-DD）",
        "enum": "取值无效",
        "literal_error": "取值无效",
        "too_long": f"项目过多（最多 {ctx.get('max_length', '')} 项）",
        "too_short": "项目过少",
        "list_type": "须为列表",
        "string_type": "须为字符串",
        "model_attributes_type": "须为对象",
        "dict_type": "须为对象",
        "greater_than_equal": "数值过小",
        "less_than_equal": "数值过大",
        "control_character": str(ctx.get("message_zh", "含有控制字符")),
    }.get(typ, "输入无效")
    return zh, msg


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: list[FieldError] = []
    errors = exc.errors()
    for err in errors:
        loc = [str(x) for x in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:] if loc[0] == "body" else loc
        zh, en = _field_message(err)
        name = "body" if err.get("type") == "json_invalid" else ".".join(loc) or "body"
        fields.append(FieldError(field=name, message_zh=zh, message_en=en))
    if errors and all(err.get("type") == "control_character" for err in errors):
        return error_response(422, ErrorBody(
            code="control_character", message_zh="输入含有控制字符，请检查标出的字段",
            message_en="The input holds control characters; see the fields listed", fields=fields))
    body = ErrorBody(
        code="validation_error",
        message_zh="输入有误，请检查标出的字段",
        message_en="Invalid input; see the fields listed",
        fields=fields,
    )
    return error_response(422, body)


def allowed_methods(request: Request) -> list[str]:
    """Every method a route of the app (``app.state.routes``) serves at the request's path."""
    path = request.url.path
    matching = [r for r in getattr(request.app.state, "routes", ()) if r.path_regex.match(path)]
    exact = [r for r in matching if r.path == path]  # "/applications/actions:batch", not "/applications/{id}"
    return sorted({m for r in exact or matching for m in r.methods or ()})


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, zh, en = _HTTP_CODES.get(exc.status_code, ("http_error", "请求错误", "Request error"))
    if isinstance(exc.detail, str) and exc.status_code not in _HTTP_CODES:
        en = exc.detail
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        # the router names only the methods of the first route matching the path
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(exc.status_code, ErrorBody(code=code, message_zh=zh, message_en=en), headers=headers)


async def _api_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(exc.status, exc.body, headers)


async def _domain_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return ApiError.from_domain(exc).response()


async def _last_resort(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        500,
        ErrorBody(code="internal_error", message_zh="服务器内部错误", message_en="Internal server error"),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(ApiError, _api_handler)
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(Exception, _last_resort)
