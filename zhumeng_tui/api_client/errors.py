"""Typed failures of the central API.

Every failure the client reports is an :class:`ApiError` subclass carrying a
stable ``code`` and a message in Chinese and English. Nothing above
``api_client`` ever sees an HTTP status code.
"""

from __future__ import annotations

from typing import Any

from zhumeng_tui.api_client.schemas import FieldError


class ApiError(Exception):
    """Base of every API failure: a stable ``code`` + a localised message."""

    default_code = "api_error"
    default_zh = "服务器请求失败"
    default_en = "The request to the server failed"

    def __init__(
        self,
        code: str | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message_zh = message_zh or self.default_zh
        self.message_en = message_en or self.default_en
        super().__init__(f"{self.code}: {self.message_en}")

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh

    #: True when repeating the same request later may succeed (network, 5xx).
    retryable = False


class Offline(ApiError):
    """The server could not be reached (connect error, timeout, lost answer)."""

    default_code = "offline"
    default_zh = "无法连接服务器（离线）"
    default_en = "Cannot reach the server (offline)"
    retryable = True


class UntrustedCertificate(ApiError):
    """The server's TLS certificate was refused (self-signed, expired, another name)."""

    default_code = "untrusted_certificate"
    default_zh = ("服务器的 TLS 证书不受信任（自签名、已过期或与地址不符）。"
                  "如管理员提供了证书文件，请这样启动：SSL_CERT_FILE=<证书文件> zhumeng-tui ...")
    default_en = ("The server's TLS certificate is not trusted (self-signed, expired or for another name). "
                  "If the administrator gave you its certificate file, start with SSL_CERT_FILE=<file> zhumeng-tui ...")


class Unauthorised(ApiError):
    """401: wrong credentials, or the token expired / was revoked."""

    default_code = "unauthorized"
    default_zh = "登录已失效或用户名、密码错误，请重新登录"
    default_en = "Not signed in: wrong user name or password, or the session expired"


class NotFound(ApiError):
    """404 (also what the server answers for a record outside the caller's scope)."""

    default_code = "not_found"
    default_zh = "记录不存在或不在本账号的范围内"
    default_en = "The record does not exist or is outside this account's scope"


class Forbidden(ApiError):
    """403: the role may not do this (e.g. role_not_allowed, provincial_review)."""

    default_code = "forbidden"
    default_zh = "当前账号无权执行此操作"
    default_en = "This account may not do that"


class Conflict(ApiError):
    """409: ``version_conflict`` (``current`` holds the server's record) or
    ``illegal_transition`` (``current`` may be None)."""

    default_code = "conflict"
    default_zh = "记录已被他人修改"
    default_en = "The record was changed by someone else"

    def __init__(
        self,
        code: str | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
        current: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message_zh, message_en)
        self.current = current


class ValidationFailed(ApiError):
    """422 / 428 / other 4xx: the request was refused as it stands.
    ``fields`` has one message per bad field."""

    default_code = "validation_error"
    default_zh = "提交的内容有误"
    default_en = "The request was not valid"

    def __init__(
        self,
        code: str | None = None,
        message_zh: str | None = None,
        message_en: str | None = None,
        fields: list[FieldError] | None = None,
    ) -> None:
        super().__init__(code, message_zh, message_en)
        self.fields = list(fields or [])

    def field_messages(self, lang: str = "zh") -> dict[str, str]:
        return {f.field: (f.message_en if lang == "en" else f.message_zh) for f in self.fields}


class ServerError(ApiError):
    """5xx, or an answer the client cannot understand."""

    default_code = "server_error"
    default_zh = "服务器出错，请稍后重试"
    default_en = "The server failed; try again later"
    retryable = True


__all__ = [
    "ApiError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "Offline",
    "ServerError",
    "Unauthorised",
    "ValidationFailed",
]
