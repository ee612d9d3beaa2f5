"""Keyboard forms: a modal of labelled fields that returns one typed value.

``FormScreen[T]`` shows a few fields (text, date, whole number, choice,
checkbox). On ``ctrl+s`` (or ``enter`` in the last field) it reads them into
:class:`FormValues` and calls ``parse(values) -> T``. A
:class:`~zhumeng_tui.domain.errors.DomainError` (or ``ValueError``) raised
while reading or parsing is shown in red inside the form and nothing is
returned: bad input is refused *before* anything is sent. A valid form
dismisses with what ``parse`` returned; ``escape`` dismisses with ``None``.

``parse`` is where a form calls the domain check for its input, so the form
refuses exactly what the services would refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import parse_date
from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.keys import K, Localized

T = TypeVar("T")


class FieldKind(StrEnum):
    """How a field is edited and what :class:`FormValues` gives back for it."""

    TEXT = "text"  # an input; FormValues.text
    INT = "int"  # an input for a whole number; FormValues.text (the parse step converts it)
    DATE = "date"  # an input for YYYY-MM-DD; FormValues.date
    SELECT = "select"  # a choice among ``options``; FormValues.choice
    CHECK = "check"  # a checkbox; FormValues.checked


FieldValue = str | int | bool | dt.date | None


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    #: The starting value (a date for DATE, an option value for SELECT, a bool for CHECK).
    value: FieldValue = None
    #: (label, value) pairs of a SELECT field.
    options: Sequence[tuple[str, str]] = ()


class MarkBox(Checkbox):
    """A checkbox readable without colour: "X" when ticked, blank when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


class FormValues:
    """What the user entered, read by field key with the type of that field."""

    def __init__(self, raw: Mapping[str, str | bool | dt.date | None]) -> None:
        self._raw = dict(raw)

    def text(self, key: str) -> str:
        """A TEXT or INT field as typed ("" when empty)."""
        value = self._raw.get(key)
        return value if isinstance(value, str) else ""

    def date(self, key: str) -> dt.date | None:
        """A DATE field (None when empty)."""
        value = self._raw.get(key)
        return value if isinstance(value, dt.date) else None

    def choice(self, key: str) -> str | None:
        """The chosen option value of a SELECT field (None when nothing is chosen)."""
        value = self._raw.get(key)
        return value if isinstance(value, str) and value else None

    def checked(self, key: str) -> bool:
        """A CHECK field."""
        return self._raw.get(key) is True


class FormScreen(Localized, ModalScreen[T | None], Generic[T]):
    """A modal form; see the module docstring."""

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
        parse: Callable[[FormValues], T],
        hint: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = list(fields)
        self._parse = parse
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="form-title")
            if self._hint:
                yield Static(self._hint, id="form-hint")
            with VerticalScroll():
                for f in self._fields:
                    if f.kind == FieldKind.CHECK:
                        yield MarkBox(f.label, bool(f.value), id=f"fld-{f.key}", compact=True)
                        continue
                    yield Label(f.label)
                    if f.kind == FieldKind.SELECT:
                        yield Choice(
                            list(f.options),
                            id=f"fld-{f.key}",
                            allow_blank=f.value is None,
                            value=str(f.value) if f.value is not None else Select.NULL,
                            compact=True,
                        )
                    else:
                        value = f.value
                        if isinstance(value, dt.date):
                            value = value.isoformat()
                        yield Input(
                            "" if value is None else str(value),
                            placeholder="YYYY-MM-DD" if f.kind == FieldKind.DATE else "",
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

    def values(self) -> FormValues:
        """The fields as entered; a date that does not parse raises DomainError."""
        out: dict[str, str | bool | dt.date | None] = {}
        for f in self._fields:
            w = self.query_one(f"#fld-{f.key}")
            if isinstance(w, Checkbox):
                out[f.key] = w.value
            elif isinstance(w, Select):
                out[f.key] = None if w.value is Select.NULL else str(w.value)
            elif isinstance(w, Input):
                text = w.value.strip()
                if f.kind == FieldKind.DATE:
                    out[f.key] = parse_date(text, (f.label, f.label)) if text else None
                elif f.kind == FieldKind.INT:
                    out[f.key] = text
                else:
                    out[f.key] = w.value
        return FormValues(out)

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(message)

    def action_submit(self) -> None:
        try:
            result = self._parse(self.values())
        except DomainError as e:
            self.show_error(e.message(get_lang()))
            return
        except ValueError as e:
            self.show_error(str(e))
            return
        self.dismiss(result)

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
