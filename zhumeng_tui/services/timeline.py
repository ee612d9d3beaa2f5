"""An intern's timeline: every dated event of an internship, in words, oldest first."""

from __future__ import annotations

import datetime as dt

from zhumeng_tui.api_client.schemas import Application, FollowUp, IntegrityEntry, Withdrawal
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS
from zhumeng_tui.domain.status import STATUS_LABELS, history_label
from zhumeng_tui.domain.withdrawal import STEP_LABELS, Step
from zhumeng_tui.services import TimelineEvent, TimelineKind

#: The fields a tracking update names in the history.
TRACKING_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "insurance_recorded": ("保险", "insurance"),
    "appraisal_copy_received": ("鉴定表", "appraisal copy"),
    "employer_score": ("单位评价", "employer's evaluation"),
    "student_score": ("学生评价", "student's evaluation"),
    "responsible_staff": ("负责人", "responsible staff"),
}


def _at(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _history(app: Application) -> list[TimelineEvent]:
    ev: list[TimelineEvent] = []
    if not any(h.action == "apply" for h in app.history):
        ev.append(TimelineEvent(app.applied_at, TimelineKind.STATUS, "投递申请", "Applied", ""))
    for h in app.history:
        zh, en = history_label(h.action)
        if h.to_status is not None:
            s_zh, s_en = STATUS_LABELS[h.to_status]
            if s_zh != zh:  # "院系确认" leads to "院系确认": said once
                zh += f" → {s_zh}"
            if s_en != en:
                en += f" -> {s_en}"
        if h.reason and h.action == "tracking":
            fields = [TRACKING_FIELD_LABELS.get(x.strip(), (x, x)) for x in h.reason.split(",")]
            zh += "：" + "、".join(z for z, _ in fields)
            en += ": " + ", ".join(e for _, e in fields)
        elif h.reason:
            zh += f"：{h.reason}"
            en += f": {h.reason}"
        kind = TimelineKind.TRACKING if h.to_status is None else TimelineKind.STATUS
        ev.append(TimelineEvent(h.at, kind, zh, en, h.by))
    return ev


def _withdrawal(w: Withdrawal) -> list[TimelineEvent]:
    ev = [TimelineEvent(w.filed_at, TimelineKind.WITHDRAWAL, "提出放弃岗位申请", "Withdrawal filed", w.filed_by)]
    for rec in w.steps:
        zh, en = STEP_LABELS[rec.step]
        detail = (rec.text if rec.step in (Step.STATEMENT, Step.CANCEL) else rec.name) or ""
        date = f"{rec.date} " if rec.date else ""
        ev.append(TimelineEvent(
            rec.at, TimelineKind.WITHDRAWAL,
            f"放弃岗位·{zh}：{date}{detail}".rstrip("："), f"Withdrawal · {en}: {date}{detail}".rstrip(": "), rec.by,
        ))
    return ev


def intern_timeline(
    app: Application, followups: list[FollowUp], withdrawals: list[Withdrawal], integrity: list[IntegrityEntry],
    actors: dict[str, str] | None = None,
) -> list[TimelineEvent]:
    """The application's history, its follow-ups, withdrawal steps and the
    student's integrity entries about it (or about no application); who did
    each is named by ``actors`` (username -> display name) where known."""
    ev = _history(app)
    for f in followups:
        at = f.created_at if f.date == f.created_at.date() else _at(f.date)
        ev.append(TimelineEvent(at, TimelineKind.FOLLOWUP, f"跟踪（{f.channel}，{f.staff}）：{f.note}",
                                f"Follow-up ({f.channel}, {f.staff}): {f.note}", f.created_by))
    for w in withdrawals:
        ev += _withdrawal(w)
    for g in integrity:
        if g.application_id not in (None, app.id):
            continue
        k_zh, k_en = INTEGRITY_LABELS[g.kind]
        ev.append(TimelineEvent(g.created_at, TimelineKind.INTEGRITY, f"诚信档案：{k_zh}（{g.note}）",
                                f"Integrity: {k_en} ({g.note})", g.created_by))
    ev.sort(key=lambda e: _aware(e.at))
    if actors:
        for e in ev:
            e.by = actors.get(e.by, e.by)
    return ev
