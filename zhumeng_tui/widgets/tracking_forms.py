"""Small keyboard forms for internship tracking (issue 5).

``FormScreen`` is a modal with a few labelled fields (text, date, select,
checkbox). On ``ctrl+s`` (or enter in the last field) it parses the values and
calls ``validate(values)``; a :class:`DomainError` (or ValueError) is shown in
red inside the form and nothing is returned: bad input is refused *before*
anything is sent. A valid form dismisses with the values dict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import parse_date
from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.widgets.keys import K, Localized


@dataclass
class Field:
    key: str
    label: str
    kind: str = "text"  # "text" | "date" | "select" | "check" | "int"
    value: Any = None
    options: Sequence[tuple[str, str]] = field(default_factory=list)  # (label, value) for select
    placeholder: str = ""


Values = dict[str, Any]


class FormScreen(Localized, ModalScreen[Values | None]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    FormScreen #form-title { text-style: bold; width: 100%; }
    FormScreen #form-hint { color: $text-muted; }
    FormScreen VerticalScroll { height: auto; max-height: 16; }
    FormScreen Label { margin-top: 0; color: $text-muted; }
    FormScreen Input, FormScreen Select { width: 100%; }
    FormScreen #form-error { color: $error; text-style: bold; height: auto; }
    FormScreen #form-buttons { height: 1; }
    """

    BINDINGS: ClassVar = [
        K("ctrl+s", "submit", "保存", "Save", id="form.submit"),
        K("escape", "cancel", "取消", "Cancel", id="form.cancel", key_display="esc"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        validate: Callable[[Values], None] | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = list(fields)
        self._validate = validate
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="form-title")
            if self._hint:
                yield Static(self._hint, id="form-hint")
            with VerticalScroll():
                for f in self._fields:
                    if f.kind == "check":
                        yield Checkbox(f.label, bool(f.value), id=f"fld-{f.key}", compact=True)
                        continue
                    yield Label(f.label)
                    if f.kind == "select":
                        yield Select[str](
                            list(f.options),
                            id=f"fld-{f.key}",
                            allow_blank=f.value is None,
                            value=f.value if f.value is not None else Select.NULL,
                            compact=True,
                        )
                    else:
                        value = f.value
                        if isinstance(value, dt.date):
                            value = value.isoformat()
                        yield Input(
                            "" if value is None else str(value),
                            placeholder=f.placeholder or ("YYYY-MM-DD" if f.kind == "date" else ""),
                            id=f"fld-{f.key}",
                            compact=True,
                        )
            yield Static("", id="form-error")
            yield Static(
                tr("ctrl+s 保存 · esc 取消", "ctrl+s save · esc cancel"),
                id="form-buttons",
            )

    def on_mount(self) -> None:
        first = self.query("Input, Select, Checkbox")
        if first:
            first.first().focus()

    def values(self) -> Values:
        out: Values = {}
        for f in self._fields:
            w = self.query_one(f"#fld-{f.key}")
            if isinstance(w, Checkbox):
                out[f.key] = w.value
            elif isinstance(w, Select):
                out[f.key] = None if w.value is Select.NULL else w.value
            elif isinstance(w, Input):
                text = w.value.strip()
                if f.kind == "date":
                    out[f.key] = parse_date(text, (f.label, f.label)) if text else None
                elif f.kind == "int":
                    out[f.key] = text
                else:
                    out[f.key] = w.value
        return out

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(message)

    def action_submit(self) -> None:
        try:
            values = self.values()
            if self._validate is not None:
                self._validate(values)
        except DomainError as e:
            self.show_error(e.message(get_lang()))
            return
        except ValueError as e:
            self.show_error(str(e))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query("Input, Select, Checkbox"))
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()
