"""``DetailTable``: a detail screen's small table (steps, follow-ups, the
timeline) whose last column, the free text, wraps in the room the other
columns leave: nothing runs past the right edge, nothing scrolls sideways.
The table lays itself out again whenever its own width changes (the screen
resized, a scrollbar came or went), so the wrap never depends on which came
first, the rows or the layout."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from zhumeng_tui.widgets.columns import MIN_CUT_WIDTH, fit

Cell = str | Text

#: The width a person's name takes in a detail's table (a longer one ends with …).
ACTOR_WIDTH = 16

#: Cells either side of a DataTable cell (its default cell padding).
PADDING = 2


class DetailTable(DataTable[Cell]):
    """A read-only table of a detail screen; ``fill`` gives it its rows."""

    DEFAULT_CSS = """
    DetailTable { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", show_cursor=False)
        self._labels: list[str] = []
        self._rows: list[list[Cell]] = []
        self._laid_width = -1

    def fill(self, labels: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Put ``rows`` under ``labels``: each column as wide as its widest
        cell, the last one wrapping within the table's width."""
        self._labels = list(labels)
        self._rows = [list(r) for r in rows]
        self._lay_out()

    @property
    def laid_out(self) -> bool:
        """Whether the rows are wrapped for the width the table has now."""
        return self._laid_width == self.size.width > 0

    def on_resize(self, event: events.Resize) -> None:
        if self._labels and event.size.width != self._laid_width:
            self._lay_out()

    def _lay_out(self) -> None:
        labels, rows = self._labels, self._rows
        width = self.size.width
        self._laid_width = width
        widths = [
            max([cell_len(label), *(cell_len(c.plain if isinstance(c, Text) else c) for c in (r[i] for r in rows))])
            for i, label in enumerate(labels[:-1])
        ]
        self.clear(columns=True)
        # widths given, not measured: DataTable measures its cells when the app
        # is next idle, and a busy app could paint the header first at the
        # labels' widths
        for label, w in zip(labels[:-1], widths, strict=True):
            self.add_column(label, width=w)
        if width:
            room = width - self.styles.scrollbar_size_vertical - sum(w + PADDING for w in widths) - PADDING
            last = max(room, MIN_CUT_WIDTH)
            self.add_column(fit(labels[-1], last).rstrip(), width=last)
        else:  # not laid out yet: as wide as its text until the first resize
            self.add_column(labels[-1])
        for row in rows:
            self.add_row(*row, height=None)
