"""The student-records fields a university keeps up to date (学籍 roster):
学籍状态, 学习形式, 实名认证, 高校认证 and the phone number.

These are the facts the eligibility checks read (``eligibility.student_checks``),
so the university may change them for its own students (roster import,
``PATCH /students/{id}/roster``) and a department may not. This module says
which values each field allows; the server refuses anything else with the
same code and message the client shows before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from zhumeng_tui.domain.errors import DomainError

#: 学籍状态 values (the eligibility check wants 在读).
ENROLLMENT_STATUSES: tuple[str, ...] = ("在读", "休学", "保留学籍", "毕业", "结业", "肄业", "退学")
#: 学习形式: text -> full_time.
STUDY_MODES: dict[str, bool] = {"全日制": True, "非全日制": False}
#: A mainland mobile number (11 digits starting 1[3-9]).
PHONE_RE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class RosterField:
    """A roster field: its record attribute and its label (Chinese, English)."""

    name: str
    label: tuple[str, str]


ENROLLMENT = RosterField("enrollment_status", ("学籍状态", "enrolment status"))
FULL_TIME = RosterField("full_time", ("学习形式", "study mode"))
REALNAME = RosterField("realname_verified", ("实名认证", "real-name verified"))
CERTIFIED = RosterField("univ_certified", ("高校认证", "university-certified"))
PHONE = RosterField("phone", ("联系电话", "phone"))
#: Every roster field, in display order.
ROSTER_FIELDS: tuple[RosterField, ...] = (ENROLLMENT, FULL_TIME, REALNAME, CERTIFIED, PHONE)


@dataclass(frozen=True)
class RosterUpdate:
    """Roster fields to set on one student (None: leave as it is)."""

    enrollment_status: str | None = None
    full_time: bool | None = None
    realname_verified: bool | None = None
    univ_certified: bool | None = None
    phone: str | None = None

    def given(self) -> dict[str, Any]:
        """The fields this update sets."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def _bad(field: RosterField, zh: str, en: str) -> DomainError:
    return DomainError("value_not_allowed", f"{field.label[0]}{zh}", f"The {field.label[1]} {en}")


def check_enrollment_status(value: str) -> None:
    if value not in ENROLLMENT_STATUSES:
        raise _bad(ENROLLMENT, f"不允许为“{value}”，应为：" + "、".join(ENROLLMENT_STATUSES),
                   f"'{value}' is not allowed; use one of: " + ", ".join(ENROLLMENT_STATUSES))


def parse_study_mode(value: str) -> bool:
    """全日制 -> True, 非全日制 -> False."""
    mode = STUDY_MODES.get(value.strip())
    if mode is None:
        raise _bad(FULL_TIME, f"不允许为“{value}”，应为：全日制、非全日制",
                   f"'{value}' is not allowed; use 全日制 (full-time) or 非全日制 (part-time)")
    return mode


def study_mode_text(full_time: bool) -> str:
    return next(text for text, value in STUDY_MODES.items() if value == full_time)


def check_phone(value: str) -> None:
    if not PHONE_RE.fullmatch(value):
        raise _bad(PHONE, f"应为11位手机号：{value!r}", f"must be an 11-digit mobile number: {value!r}")


def check_roster_update(update: RosterUpdate) -> None:
    """Every given field holds an allowed value, and at least one is given."""
    given = update.given()
    if not given:
        raise DomainError("nothing_to_change", "没有要修改的内容", "Nothing to change")
    if update.enrollment_status is not None:
        check_enrollment_status(update.enrollment_status)
    if update.phone is not None:
        check_phone(update.phone)


def roster_changes(current: Mapping[str, Any], update: RosterUpdate) -> dict[str, Any]:
    """The fields of ``update`` that differ from the student's ``current`` record."""
    return {k: v for k, v in update.given().items() if current.get(k) != v}
