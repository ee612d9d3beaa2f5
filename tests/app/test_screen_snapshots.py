"""Snapshots of every other screen, dialog and form that matters, at 80x24
(the SSH size) and 120x40, against the demo server with fixed data (seed 1,
today 2026-03-10): the missing list, the interns list (as demo-univ and as
the read-only demo-viewer), an intern, the withdrawals, a withdrawal request,
the integrity archive, the excellent interns, help, the command palette, the
review confirmation and reason dialogs, the appraisal and follow-up forms and
the question before filing a withdrawal, the statistics as a department and
as the read-only account and an import's analysis (the print dialog is
covered by a Pilot test in ``tests/sheets/test_screens.py``). The
dashboard, queue and detail are in ``test_snapshots.py``; the statistics as
the university and the export dialog in ``tests/sheets/test_snapshots.py``. Regenerate after an intended change with
``make snapshots`` and look at the SVGs."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Select

from tests.support import Harness, interns, wait_for, wait_synced
from zhumeng_tui.domain.status import Status
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.dialogs import ConfirmDialog, ReasonDialog, ReviewConfirmDialog
from zhumeng_tui.screens.excellent import ExcellentScreen
from zhumeng_tui.screens.help import HelpScreen
from zhumeng_tui.screens.import_screen import ImportScreen
from zhumeng_tui.screens.integrity import IntegrityScreen
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.interns import InternsScreen
from zhumeng_tui.screens.missing import MissingScreen
from zhumeng_tui.screens.review import ReviewQueueScreen
from zhumeng_tui.screens.statistics import StatisticsScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen
from zhumeng_tui.widgets.detail_table import DetailTable
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]
#: Where the import scene writes its file: a fixed path, as the screen shows it.
IMPORT_DIR = Path(tempfile.gettempdir()) / "zhumeng-snapshots"
Scene = Callable[[Any], Awaitable[None]]


async def _ready(pilot: Any) -> None:
    app = pilot.app
    await wait_synced(pilot, app)
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.dashboard is not None)


async def _settle(pilot: Any) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()


async def _rows(pilot: Any, screen: Any) -> None:
    await wait_for(pilot, lambda: getattr(screen, "rows", None) is not None and not screen._loading)


async def missing(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MissingScreen) and bool(pilot.app.screen.groups))
    await _settle(pilot)


async def interns_list(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InternsScreen))
    await _rows(pilot, pilot.app.screen)
    await _settle(pilot)


async def _tables_laid_out(pilot: Any) -> None:
    """Until the detail's tables wrap their last column in the room left."""
    await wait_for(pilot, lambda: all(t.laid_out for t in pilot.app.screen.query(DetailTable)))


async def intern(pilot: Any) -> None:
    app = pilot.app
    await _ready(pilot)
    assert app.services is not None
    await app.push_screen(InternDetailScreen(interns(app.services, Status.COMPLETED)[0]))
    await wait_for(pilot, lambda: app.screen.info is not None)
    await _tables_laid_out(pilot)
    await _settle(pilot)


async def withdrawals(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("4")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, WithdrawalsScreen) and bool(pilot.app.screen._rows))
    await _settle(pilot)


async def withdrawal(pilot: Any) -> None:
    await withdrawals(pilot)
    listing = pilot.app.screen
    await pilot.app.push_screen(WithdrawalDetailScreen(listing._rows[0].id))
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "detail", None) is not None)
    await _tables_laid_out(pilot)
    await _settle(pilot)


async def integrity(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, IntegrityScreen) and bool(pilot.app.screen._rows))
    await _settle(pilot)


async def excellent(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExcellentScreen) and bool(pilot.app.screen._rows))
    await _settle(pilot)


async def queue_help(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("2")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewQueueScreen))
    await _rows(pilot, pilot.app.screen)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
    await _settle(pilot)


async def palette(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    palette = pilot.app.screen
    search = palette.query_one(Input)
    await wait_for(pilot, lambda: search.has_focus)
    await pilot.press(*"sh")
    await wait_for(pilot, lambda: search.value == "sh")
    # the search is done: its workers finished, the list shown and not busy
    await wait_for(pilot, lambda: palette._list_visible and not palette._show_busy
                   and all(w.is_finished for w in pilot.app.workers if w.node is palette))
    await pilot.pause(0.8)
    await _settle(pilot)


async def _selected_in_queue(pilot: Any, status: Status) -> None:
    app = pilot.app
    await _ready(pilot)
    await app.push_screen(ReviewQueueScreen())
    queue = app.screen
    await _rows(pilot, queue)
    queue.query_one("#f-status").value = status.value
    await wait_for(pilot, lambda: queue.current_filter.statuses == frozenset({status}) and not queue._loading)
    await pilot.press("ctrl+a")
    await wait_for(pilot, lambda: bool(queue.selected))


async def approve_confirm(pilot: Any) -> None:
    await _selected_in_queue(pilot, Status.DEPT_CONFIRMED)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewConfirmDialog))
    await _settle(pilot)


async def return_reason(pilot: Any) -> None:
    await _selected_in_queue(pilot, Status.MATCHED)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog))
    await _settle(pilot)


async def appraisal_form(pilot: Any) -> None:
    await intern(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormScreen))
    await _settle(pilot)


async def followup_form(pilot: Any) -> None:
    app = pilot.app
    await _ready(pilot)
    assert app.services is not None
    await app.push_screen(InternDetailScreen(interns(app.services, Status.ON_DUTY)[0]))
    await wait_for(pilot, lambda: app.screen.info is not None)
    await _tables_laid_out(pilot)
    await _settle(pilot)  # the detail is drawn before the dialog covers it
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    await _settle(pilot)


async def file_withdrawal(pilot: Any) -> None:
    app = pilot.app
    await _ready(pilot)
    assert app.services is not None
    await app.push_screen(InternDetailScreen(interns(app.services, Status.APPROVED)[-1]))
    await wait_for(pilot, lambda: app.screen.info is not None)
    await _tables_laid_out(pilot)
    await _settle(pilot)  # the detail is drawn before the dialog covers it
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
    await _settle(pilot)


async def statistics(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("9")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatisticsScreen) and bool(pilot.app.screen.charts))
    await _settle(pilot)


async def import_analysis(pilot: Any) -> None:
    app = pilot.app
    await _ready(pilot)
    assert app.services is not None
    students = [s for s in app.services.records("student") if not s["out_of_province"]][:2]
    IMPORT_DIR.mkdir(exist_ok=True)
    path = IMPORT_DIR / "学籍名单.csv"
    rows = [["学号", "姓名", "学籍状态", "联系电话"],
            [students[0]["student_no"], students[0]["name"], "休学", students[0]["phone"]],
            [students[1]["student_no"], students[1]["name"], "在读", "13900001111"],
            ["2099999999", "无名", "在读", "13900002222"]]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8-sig")
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one("#im-kind", Select).value == "roster")
    field = screen.query_one("#im-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.analysis is not None)
    await _settle(pilot)


SCENES: dict[str, tuple[str, Scene]] = {
    "missing": ("demo-univ", missing),
    "interns": ("demo-univ", interns_list),
    "interns-viewer": ("demo-viewer", interns_list),
    "interns-dept": ("demo-dept", interns_list),
    "intern": ("demo-univ", intern),
    "intern-viewer": ("demo-viewer", intern),
    "withdrawals": ("demo-univ", withdrawals),
    "withdrawal": ("demo-univ", withdrawal),
    "integrity": ("demo-univ", integrity),
    "excellent": ("demo-univ", excellent),
    "help": ("demo-univ", queue_help),
    "palette": ("demo-univ", palette),
    "approve-confirm": ("demo-univ", approve_confirm),
    "return-reason": ("demo-univ", return_reason),
    "appraisal-form": ("demo-univ", appraisal_form),
    "followup-form": ("demo-univ", followup_form),
    "file-withdrawal": ("demo-univ", file_withdrawal),
    "statistics-dept": ("demo-dept", statistics),
    "statistics-viewer": ("demo-viewer", statistics),
    "import-analysis": ("demo-univ", import_analysis),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen_snapshot(snap_compare: Any, harness: Harness, scene: str, size: tuple[int, int]) -> None:
    user, run = SCENES[scene]
    assert snap_compare(harness.app(user), terminal_size=size, run_before=run)
