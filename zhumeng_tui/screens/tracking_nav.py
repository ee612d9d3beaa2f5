"""How the app opens the tracking screens (issue 5).

The app registers these bindings (``TRACKING_BINDINGS``) and actions, or calls
:func:`register_tracking`; each entry of ``TRACKING_SCREENS`` is (binding id,
key, action name, (中文, English), screen factory).

    class ZhumengApp(App):
        BINDINGS = [..., *TRACKING_BINDINGS]
        def action_open_tracking(self, name: str) -> None:
            open_tracking(self, name)

Dashboard lines with keys starting ``tracking:`` open :func:`screen_for_line`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from zhumeng_tui.services import AppFilter, DashboardLine
from zhumeng_tui.widgets.keys import K


def _interns(preset: AppFilter | None = None, label: str | None = None) -> Screen[Any]:
    from zhumeng_tui.screens.interns import InternsScreen

    return InternsScreen(preset, label)


def _withdrawals(state: str | None = "open") -> Screen[Any]:
    from zhumeng_tui.screens.withdrawals import WithdrawalsScreen

    return WithdrawalsScreen(state)


def _integrity() -> Screen[Any]:
    from zhumeng_tui.screens.integrity import IntegrityScreen

    return IntegrityScreen()


def _excellent() -> Screen[Any]:
    from zhumeng_tui.screens.excellent import ExcellentScreen

    return ExcellentScreen()


#: (binding id, key, name, (中文, English), factory)
TRACKING_SCREENS: list[tuple[str, str, str, tuple[str, str], Callable[[], Screen[Any]]]] = [
    ("tracking.interns", "i", "interns", ("实习跟踪", "Interns"), _interns),
    ("tracking.withdrawals", "w", "withdrawals", ("放弃岗位", "Withdrawals"), _withdrawals),
    ("tracking.integrity", "g", "integrity", ("诚信档案", "Integrity"), _integrity),
    ("tracking.excellent", "y", "excellent", ("优秀实习生", "Excellent"), _excellent),
]

TRACKING_BINDINGS: list[Binding] = [
    K(key, f"app.open_tracking('{name}')", zh, en, id=bid) for bid, key, name, (zh, en), _ in TRACKING_SCREENS
]

#: Command palette entries: (中文, English, name) — for ``app.open_tracking(name)``.
TRACKING_COMMANDS: list[tuple[str, str, str]] = [
    (zh, en, name) for _, _, name, (zh, en), _ in TRACKING_SCREENS
]


def tracking_screen(name: str) -> Screen[Any]:
    for _, _, n, _, factory in TRACKING_SCREENS:
        if n == name:
            return factory()
    raise KeyError(name)


def open_tracking(app: App[Any], name: str) -> None:
    """Push the tracking screen ``name`` (interns, withdrawals, integrity, excellent)."""
    app.push_screen(tracking_screen(name))


def screen_for_line(line: DashboardLine) -> Screen[Any] | None:
    """The screen a ``tracking:*`` dashboard line opens (None: not ours)."""
    if line.key.startswith("tracking:withdrawals_overdue"):
        return _withdrawals("overdue")
    if line.key.startswith("tracking:withdrawals"):
        return _withdrawals("open")
    if line.key.startswith("tracking:"):
        from zhumeng_tui.i18n import tr

        return _interns(line.filter, tr(line.label_zh, line.label_en))
    return None


def register_tracking(app: App[Any]) -> None:
    """Bind the tracking keys on a running app (for an app class that does not
    list ``TRACKING_BINDINGS``), with their ids (keymaps, command palette), and
    give it ``action_open_tracking`` when it has none."""
    import dataclasses

    from zhumeng_tui.widgets.keys import binding_text

    bindings = app._bindings.key_to_bindings
    for b in TRACKING_BINDINGS:
        if any(x.id == b.id for x in bindings.get(b.key, [])):
            continue
        bindings.setdefault(b.key, []).append(dataclasses.replace(b, description=binding_text(b), tooltip=""))
    if not hasattr(app, "action_open_tracking"):

        def action_open_tracking(name: str) -> None:
            open_tracking(app, name)

        app.action_open_tracking = action_open_tracking  # type: ignore[attr-defined]
