"""Coverage (服务覆盖率): per department, per university (when the scope
holds several) and in total, for each kind of need,
how many of those who asked for it are served (attended a session serving
it): ``served/needed`` and the percentage."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from zhumeng_tui.domain.graduates import NEED_LABELS, NeedKind
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import CoverageLine


class CoverageScreen(RecordListScreen[None, CoverageLine]):
    TITLE_TEXT = ("服务覆盖率", "Coverage")
    HELP_TEXT = (
        "覆盖率 = 已服务 / 提出需求，按院系、高校与需求类别统计；参加过服务该需求的活动即为已服务。",
        "Coverage = served / asked for, per department, university and kind of need; a need is served once the"
        " graduate attended a session serving it.",
    )
    ID = "cov"
    COLUMNS = ((("院系", "Department"), "dept"), *(((zh, en), k.value) for k, (zh, en) in NEED_LABELS.items()))

    def filter_values(self) -> None:
        return None

    def fetch(self, f: None) -> list[CoverageLine]:
        return self.services.coverage()

    def cells(self, r: CoverageLine) -> Sequence[Cell]:
        out: list[Cell] = [Text(r.department_name, style="bold" if r.department_id is None else "")]
        for k in NeedKind:
            needed, served = r.needed[k], r.served[k]
            if not needed:
                out.append(Text("—", style="dim"))
                continue
            pct = round(100 * served / needed)
            out.append(Text(f"{served}/{needed} {pct}%", style="bold" if pct < 50 else ""))
        return out

    def row_key(self, r: CoverageLine) -> str:
        return f"{r.university_id or 0}-{r.department_id or 0}"

    def count_text(self, rows: list[CoverageLine]) -> str:
        return tr("已服务/提出需求 覆盖率", "served/asked coverage")
