"""What every screen of the app shares.

``ZScreen`` gives a screen: localized binding descriptions, the keys of
DESIGN section 8 (``?`` help, ``escape`` back; ``ctrl+p`` and ``q`` are app
bindings), ``self.services`` (the facade), role helpers, and worker error
handling: a worker that fails becomes a notification (or, for
``FATAL_GROUPS``, an error dialog) -- never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from zhumeng_tui.domain.status import Role
from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.services import Services
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


class Delivered(Message):
    """A thread worker's result, to be shown on the UI thread (:meth:`ZScreen.deliver`)."""

    def __init__(self, show: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.show = show
        self.args = args


class ZScreen(Localized, Screen[Any]):
    """Base screen: localized keys, help, back, services, worker errors."""

    #: Short (中文, English) title shown in the help screen.
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("", "")
    #: What the screen is for, shown at the top of its help screen.
    HELP_TEXT: ClassVar[tuple[str, str]] = ("", "")

    BINDINGS: ClassVar = [
        K("question_mark", "app.help", "帮助", "Help", id="app.help", key_display="?"),
        K("escape", "back", "返回", "Back", id="screen.back", show=True, key_display="esc"),
    ]

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2
        return True

    def deliver(self, show: Callable[..., Any], *args: Any) -> None:
        """From a thread worker: call ``show(*args)`` on the UI thread, as a
        message to this screen -- dropped if the screen has been closed in the
        meantime (its widgets are gone), where ``app.call_from_thread`` would
        run ``show`` anyway and fail."""
        self.post_message(Delivered(show, args))

    @on(Delivered)
    def _delivered(self, event: Delivered) -> None:
        event.stop()
        event.show(*event.args)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.zapp.report_worker_error(event.worker)
