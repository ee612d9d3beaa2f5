"""The forms of internship tracking and the integrity archive.

Each function builds one :class:`~zhumeng_tui.widgets.form.FormScreen`: its
fields, and the parse step that checks the input with the domain rule the
services apply too and returns a typed value (a ``TrackingUpdate``, a
:class:`FollowUpInput`, an :class:`IntegrityInput`, a note). The screens send
that value with ``ZScreen.send_change``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhumeng_tui.api_client.schemas import Application, Staff, TrackingUpdate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, IntegrityKind
from zhumeng_tui.domain.interns import (
    EMPLOYER_SCORE,
    FOLLOWUP_CHANNEL_LABELS,
    FOLLOWUP_CHANNELS,
    STUDENT_SCORE,
    check_any_change,
    check_followup,
    check_integrity_entry,
    check_nomination,
    check_tracking,
    parse_score,
)
from zhumeng_tui.domain.status import Status
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.widgets.form import Field, FieldKind, FormScreen, FormValues


@dataclass(frozen=True)
class FollowUpInput:
    """A follow-up (跟踪记录) as entered: date, channel, staff, note."""

    date: dt.date
    channel: str
    staff: str
    note: str


@dataclass(frozen=True)
class IntegrityInput:
    """A staff integrity entry as entered: kind, date, reason."""

    kind: IntegrityKind
    date: dt.date
    note: str


def staff_form(count: int, staff: list[Staff]) -> FormScreen[TrackingUpdate]:
    """Assign the responsible staff of ``count`` interns (a choice when the staff list is known)."""
    choices = [(f"{s.display_name} ({s.username})", s.username) for s in staff]
    field = Field(
        "staff",
        tr("负责人", "Responsible staff"),
        FieldKind.SELECT if choices else FieldKind.TEXT,
        options=choices,
    )

    def parse(values: FormValues) -> TrackingUpdate:
        name = (values.choice("staff") if choices else values.text("staff").strip()) or ""
        if not name:
            raise DomainError("staff_required", "请选择负责人", "Choose a staff member")
        return TrackingUpdate(responsible_staff=name)

    title = tr(f"指定负责人（{count} 名实习生）", f"Assign responsible staff ({count} interns)")
    return FormScreen(title, [field], parse)


def insurance_form(count: int) -> FormScreen[TrackingUpdate]:
    """Record (or clear) the insurance of ``count`` interns."""

    def parse(values: FormValues) -> TrackingUpdate:
        return TrackingUpdate(insurance_recorded=values.checked("insurance"))

    return FormScreen(
        tr(f"登记保险（{count} 名实习生）", f"Insurance ({count} interns)"),
        [Field("insurance", tr("已登记保险", "Insurance recorded"), FieldKind.CHECK, True)],
        parse,
    )


def appraisal_form(application: Application, start_date: dt.date, today: dt.date) -> FormScreen[TrackingUpdate]:
    """The appraisal copy and both evaluations of one intern: returns the
    fields that changed (an emptied one clears it)."""
    a = application
    fields = [
        Field(
            "copy",
            tr("鉴定表收到日期（空：未收到）", "Appraisal copy received (empty: not yet)"),
            FieldKind.DATE,
            a.appraisal_copy_received,
        ),
        Field("employer_score", tr("单位评价（0-100）", "Employer's evaluation (0-100)"), FieldKind.INT, a.employer_score),
        Field("student_score", tr("学生评价（0-100）", "Student's evaluation (0-100)"), FieldKind.INT, a.student_score),
    ]

    def parse(values: FormValues) -> TrackingUpdate:
        copy = values.date("copy")
        es = parse_score(values.text("employer_score"), EMPLOYER_SCORE)
        ss = parse_score(values.text("student_score"), STUDENT_SCORE)
        entered = {"appraisal_copy_received": copy, "employer_score": es, "student_score": ss}
        changed = {name: value for name, value in entered.items() if value != getattr(a, name)}
        check_any_change(changed)
        check_tracking(
            a.status, today, appraisal_copy_received=copy, employer_score=es, student_score=ss,
            start_date=start_date, cleared=[name for name, value in changed.items() if value is None],
        )
        return TrackingUpdate(**changed)

    return FormScreen(tr("鉴定表与评价", "Appraisal and evaluations"), fields, parse)


def followup_form(
    status: Status | None, today: dt.date, staff_name: str, start_date: dt.date | None = None
) -> FormScreen[FollowUpInput]:
    """A follow-up for one intern; ``status`` and ``start_date`` None: not
    known here (the services check them)."""
    fields = [
        Field("date", tr("跟踪日期", "Date"), FieldKind.DATE, today),
        Field(
            "channel",
            tr("方式", "Channel"),
            FieldKind.SELECT,
            "电话",
            options=[(tr_pair(FOLLOWUP_CHANNEL_LABELS[c]), c) for c in FOLLOWUP_CHANNELS],
        ),
        Field("staff", tr("跟踪人员", "Staff"), FieldKind.TEXT, staff_name),
        Field("note", tr("跟踪情况", "Note"), FieldKind.TEXT),
    ]

    def parse(values: FormValues) -> FollowUpInput:
        date = values.date("date")
        channel, staff, note = values.choice("channel") or "", values.text("staff"), values.text("note")
        check_followup(status or Status.ON_DUTY, date, channel, staff, note, today, start_date)
        assert date is not None  # check_followup requires it
        return FollowUpInput(date, channel, staff, note)

    return FormScreen(tr("添加跟踪记录", "Add a follow-up"), fields, parse)


def nomination_form(status: Status | None, already: bool) -> FormScreen[str]:
    """Nominate one intern as excellent; returns the note. ``status`` None: not known here."""

    def parse(values: FormValues) -> str:
        note = values.text("note")
        check_nomination(status or Status.COMPLETED, already, note)
        return note

    return FormScreen(
        tr("推荐优秀实习生", "Nominate as excellent intern"),
        [Field("note", tr("推荐理由", "Note"), FieldKind.TEXT)],
        parse,
        tr(
            "只能推荐已完成实习的学生；推荐会记入诚信档案。",
            "Only completed interns; the nomination is recorded in the integrity archive.",
        ),
    )


def integrity_form(label: str, today: dt.date) -> FormScreen[IntegrityInput]:
    """A staff integrity entry for the student ``label`` names."""
    fields = [
        Field(
            "kind",
            tr("类型", "Kind"),
            FieldKind.SELECT,
            IntegrityKind.OTHER.value,
            options=[(tr_pair(INTEGRITY_LABELS[k]), k.value) for k in IntegrityKind],
        ),
        Field("date", tr("日期", "Date"), FieldKind.DATE, today),
        Field("note", tr("原因/说明", "Reason"), FieldKind.TEXT),
    ]

    def parse(values: FormValues) -> IntegrityInput:
        kind, date, note = values.choice("kind") or "", values.date("date"), values.text("note")
        check_integrity_entry(kind, date, note, today)
        assert date is not None  # check_integrity_entry requires it
        return IntegrityInput(IntegrityKind(kind), date, note)

    return FormScreen(
        tr(f"添加诚信档案记录：{label}", f"Add an integrity entry: {label}"),
        fields,
        parse,
        tr("记录不可删除；更正请另加一条。", "Entries are never deleted; add a new one to correct."),
    )
