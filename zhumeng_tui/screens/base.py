"""What every screen of the app shares.

``ZScreen`` gives a screen: localized binding descriptions, the keys every
screen has (``?`` help, ``escape`` back; ``ctrl+p``, ``ctrl+r`` and ``q`` are
app bindings), ``self.services`` (the services contract), role helpers,
``reload()``, the change helper :meth:`ZScreen.send_change`, and worker error
handling: a worker that fails becomes a notification (or an error dialog) --
never a crash.

How results come back: a worker never touches widgets. It posts its result to
its screen as a *typed message*, one class per kind of result
(``RecordsLoaded``, ``InternLoaded``, :class:`ChangeApplied`...), and an
``@on(...)`` handler shows it on the UI thread. A message class per result
keeps each payload typed for mypy and each handler easy to find, and Textual
dispatches on the class, so a screen with several kinds of results needs no
tags or casts. A message posted to a screen that has closed in the meantime is
dropped by Textual (its widgets are gone, nothing runs), and an async worker
of a closed screen is cancelled: a late result never fails.

Changes: :meth:`ZScreen.send_change` runs one call of the services that
changes data (it returns ``MutationResult``\\ s) in a worker. A local refusal
(``DomainError``) becomes an error notification; otherwise the screen gets a
:class:`ChangeApplied` message (or a subclass of it, to do more), which says
what happened (saved / queued offline / refused) and reloads the screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from zhumeng_tui.domain import permissions
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import Role
from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.services import MutationResult, Services
from zhumeng_tui.widgets.keys import K, Localized

if TYPE_CHECKING:
    from zhumeng_tui.app import ZhumengApp


def error_text(error: BaseException | None) -> str:
    """A person-readable message for an exception (server/domain errors carry both languages)."""
    if error is None:
        return tr("未知错误", "Unknown error")
    zh = getattr(error, "message_zh", None)
    en = getattr(error, "message_en", None)
    if zh or en:
        return str(en if get_lang() == "en" and en else zh or en)
    message = getattr(error, "message", None)
    if callable(message):
        try:
            return str(message(get_lang()))
        except TypeError:
            pass
    text = str(error) or type(error).__name__
    return text


def change_summary(results: Sequence[MutationResult]) -> tuple[str, SeverityLevel]:
    """(message, severity) of a notification after a change of one or more records."""
    if len(results) == 1:
        r = results[0]
        if r.ok and r.queued:
            return tr("已保存，离线待发送", "Saved; will be sent when online"), "warning"
        if r.ok:
            return tr("已保存", "Saved"), "information"
        return (r.message or r.code or tr("失败", "Failed")), "error"
    ok = sum(1 for r in results if r.ok)
    queued = sum(1 for r in results if r.ok and r.queued)
    bad = [r for r in results if not r.ok]
    text = tr(f"已保存 {ok} 条", f"{ok} saved")
    if queued:
        text += tr(f"（{queued} 条离线待发送）", f" ({queued} pending, offline)")
    if bad:
        text += tr(f"，{len(bad)} 条被拒绝：", f", {len(bad)} refused: ") + (bad[0].message or bad[0].code or "")
    return text, "error" if bad else "information"


class ChangeApplied(Message):
    """A change sent with :meth:`ZScreen.send_change` was saved, queued or refused.

    Subclass it to do more than "notify and reload" for one kind of change:
    the screen's handler for the subclass runs as well as the base one."""

    def __init__(self, results: Sequence[MutationResult]) -> None:
        super().__init__()
        self.results = list(results)


#: A call of the services that changes data, not yet started.
Change = Callable[[], Awaitable[MutationResult | list[MutationResult]]]


class ZScreen(Localized, Screen[Any]):
    """Base screen: localized keys, help, back, services, reload, changes, worker errors."""

    #: Short (中文, English) title shown in the help screen.
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("", "")
    #: What the screen is for, shown at the top of its help screen.
    HELP_TEXT: ClassVar[tuple[str, str]] = ("", "")
    #: Read the data again each time the screen comes back to the top (its
    #: records may have changed on the screens opened from it).
    RELOAD_ON_RESUME: ClassVar[bool] = False
    #: Actions that change data -> the kind of change (``domain.permissions``).
    #: An account that may not make it is offered no key, help line or palette
    #: entry for it. A class lists its own actions; the lists of its bases apply too.
    ACTION_CHANGES: ClassVar[dict[str, permissions.Change]] = {}

    BINDINGS: ClassVar = [
        K("question_mark", "app.help", "帮助", "Help", id="app.help", key_display="?"),
        K("escape", "back", "返回", "Back", id="screen.back", show=False, key_display="esc"),
    ]

    _stale = False

    @property
    def zapp(self) -> ZhumengApp:
        return self.app  # type: ignore[return-value]

    @property
    def services(self) -> Services:
        services = self.zapp.services
        assert services is not None, "screen shown before sign-in"
        return services

    @property
    def role(self) -> Role:
        services = self.zapp.services
        return services.me.role if services is not None else Role.VIEWER

    def title_text(self) -> str:
        return tr(*self.TITLE_TEXT) if self.TITLE_TEXT[0] else type(self).__name__

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def may_act(self, action: str) -> bool:
        """Whether this account may make the change behind ``action`` (see
        ``ACTION_CHANGES``) on what the screen shows (see :meth:`reads_only`)."""
        for cls in type(self).__mro__:
            change = vars(cls).get("ACTION_CHANGES", {}).get(action)
            if change is not None:
                return permissions.may(self.role, change) and not self.reads_only()
        return True

    def reads_only(self) -> bool:
        """Whether this account only reads the one record the screen shows (an
        out-of-province student's, for a campus account): its change keys are
        not offered."""
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2
        return self.may_act(action)

    # ---------------------------------------------------------- reload ----

    def reload(self) -> None:
        """Read what the screen shows again, in a worker. Screens that show data override it."""

    def mark_stale(self) -> None:
        """The data changed while another screen was on top: reload when this one is back."""
        self._stale = True

    def on_screen_resume(self) -> None:
        if self.RELOAD_ON_RESUME or self._stale:
            self._stale = False
            self.reload()

    # --------------------------------------------------------- changes ----

    @work(exclusive=True, exit_on_error=False, group="change")
    async def send_change(self, change: Change, done: type[ChangeApplied] = ChangeApplied) -> None:
        """Run ``change``; a local refusal is an error notification, anything
        else comes back as a ``done`` message (see the module docstring)."""
        try:
            outcome = await change()
        except DomainError as e:
            self.notify(error_text(e), severity="error")
            return
        self.post_message(done(outcome if isinstance(outcome, list) else [outcome]))

    @on(ChangeApplied)
    def _change_applied(self, event: ChangeApplied) -> None:
        message, severity = change_summary(event.results)
        self.notify(message, severity=severity)
        self.reload()
        self.zapp.local_changed(self)

    # ---------------------------------------------------------- errors ----

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.zapp.report_worker_error(event.worker)
