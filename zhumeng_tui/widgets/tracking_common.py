"""Shared bits of the tracking screens: cell formatting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text

from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, SOURCE_LABELS, IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import DeadlineView
from zhumeng_tui.domain.withdrawal import STATE_LABELS, WithdrawalState
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.widgets.columns import LOCAL_STATE_LABELS


def local_text(state: str | None) -> Text:
    if not state:
        return Text("")
    style = "bold red" if state in ("conflict", "rejected") else "yellow"
    return Text(tr_pair(LOCAL_STATE_LABELS.get(state, (state, state))), style=style)


def state_text(state: WithdrawalState | str) -> str:
    return tr_pair(STATE_LABELS[WithdrawalState(state)])


def kind_text(kind: IntegrityKind | str) -> str:
    return tr_pair(INTEGRITY_LABELS[IntegrityKind(kind)])


def source_text(source: IntegritySource | str) -> str:
    return tr_pair(SOURCE_LABELS[IntegritySource(source)])


def deadline_style(d: DeadlineView | None) -> str:
    if d is None or d.submitted:
        return ""
    if d.overdue:
        return "bold red"
    if d.due_today:
        return "bold yellow"
    return ""


def deadline_cells(d: DeadlineView | None) -> tuple[Text, Text]:
    """(due date, days left) cells for a list, styled (overdue red)."""
    if d is None:
        return Text("—", style="dim"), Text("")
    style = deadline_style(d)
    mark = "*" if d.approximate else ""
    return Text(d.due.isoformat() + mark, style=style), Text(d.left_text(get_lang()), style=style)


def fmt_date(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, dt.datetime):
        return d.strftime("%Y-%m-%d %H:%M")
    return d.isoformat()


def yes_no(value: Any) -> str:
    return tr("是", "yes") if value else tr("否", "no")
