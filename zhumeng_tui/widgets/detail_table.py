"""``fill_table``: a detail screen's small table (steps, follow-ups, the
timeline) whose last column, the free text, wraps in the room the other
columns leave: nothing runs past the right edge, nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from zhumeng_tui.widgets.columns import MIN_CUT_WIDTH, fit

Cell = str | Text

#: The width a person's name takes in a detail's table (a longer one ends with …).
ACTOR_WIDTH = 16

#: Cells either side of a DataTable cell (its default cell padding).
PADDING = 2


def fill_table(
    table: DataTable[Cell], labels: Sequence[str], rows: Sequence[Sequence[Cell]], *, again: bool = True
) -> None:
    """Put ``rows`` under ``labels`` in ``table``: each column as wide as its
    widest cell, the last one wrapping within the table's width (before the
    table has a width: as wide as its text, and once more after the next
    layout; call again on resize)."""
    widths = [
        max([cell_len(label), *(cell_len(c.plain if isinstance(c, Text) else c) for c in (r[i] for r in rows))])
        for i, label in enumerate(labels[:-1])
    ]
    room = table.size.width - table.styles.scrollbar_size_vertical - sum(w + PADDING for w in widths) - PADDING
    table.clear(columns=True)
    for label in labels[:-1]:
        table.add_column(label)
    if table.size.width:
        last = max(room, MIN_CUT_WIDTH)
        table.add_column(fit(labels[-1], last).rstrip(), width=last)
    else:
        table.add_column(labels[-1])
    for row in rows:
        table.add_row(*row, height=None)
    if not table.size.width and again:
        table.call_after_refresh(fill_table, table, labels, rows, again=False)
