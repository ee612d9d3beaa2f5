"""The line under a list of applications: 共 N 条 · 已选 M · the sort."""

from __future__ import annotations

from textual.widgets import Static

from zhumeng_tui.i18n import tr


class SelectionLine(Static):
    """共 N 条 · 已选 M · sort — always visible under the table."""

    DEFAULT_CSS = """
    SelectionLine { height: 1; width: 100%; padding: 0 1; }
    """

    def show(self, total: int | None, selected: int, sort: str = "", busy: bool = False) -> None:
        parts = []
        if total is None:
            parts.append(tr("加载中…", "Loading…"))
        else:
            parts.append(tr(f"共 {total:,} 条", f"{total:,} rows"))
        parts.append(tr(f"已选 {selected:,}", f"{selected:,} selected"))
        if sort:
            parts.append(sort)
        if busy:
            parts.append(tr("查询中…", "querying…"))
        self.update(" · ".join(parts), layout=False)  # one line, always: no relayout of the screen
