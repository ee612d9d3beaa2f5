"""Integrity archive entries (诚信档案). Entries are never deleted; a
correction is a new entry."""

from __future__ import annotations

from enum import StrEnum


class IntegrityKind(StrEnum):
    WITHDREW = "withdrew"  # 放弃岗位
    LATE_START = "late_start"  # 未按时上岗
    EXCELLENT = "excellent"  # 优秀实习生
    FALSE_INFO = "false_info"  # 信息不实
    OTHER = "other"  # 其他


class IntegritySource(StrEnum):
    AUTOMATIC = "automatic"
    STAFF = "staff"


INTEGRITY_LABELS: dict[IntegrityKind, tuple[str, str]] = {
    IntegrityKind.WITHDREW: ("放弃岗位", "Withdrew from post"),
    IntegrityKind.LATE_START: ("未按时上岗", "Did not start on time"),
    IntegrityKind.EXCELLENT: ("优秀实习生", "Excellent intern"),
    IntegrityKind.FALSE_INFO: ("信息不实", "False information"),
    IntegrityKind.OTHER: ("其他", "Other"),
}

SOURCE_LABELS: dict[IntegritySource, tuple[str, str]] = {
    IntegritySource.AUTOMATIC: ("系统自动", "Automatic"),
    IntegritySource.STAFF: ("工作人员", "Staff"),
}
