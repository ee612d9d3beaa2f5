"""A screen that shows one value read from the services (a detail, the dashboard...).

``DataScreen[T]`` reads its value with ``fetch()`` in a thread worker -- when
it is mounted, on :meth:`reload` (after a change, a sync, or coming back to the
top with ``RELOAD_ON_RESUME``) -- and the worker posts it back as a
:class:`Loaded` message, which calls ``show(value)`` on the UI thread. A value
that arrives after the screen has closed is dropped, and so is one read by a
load that a newer load replaced: a thread worker cannot be stopped, and an
older read (say, of a change before the server's answer to it) may finish
last. A subclass gives::

    def fetch(self) -> T: ...        # runs in the worker thread
    def show(self, value: T): ...    # UI thread; may be async

Its own ``on_mount`` (columns, focus) runs before this class's, which starts
the first load: Textual calls the handler of every class, so it need not (and
must not) call ``super().on_mount()``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Generic, TypeVar

from textual import on, work
from textual.message import Message

from zhumeng_tui.screens.base import ZScreen

T = TypeVar("T")


class Loaded(Message, Generic[T]):
    """The value a :class:`DataScreen` shows, read in its worker."""

    def __init__(self, value: T, generation: int) -> None:
        super().__init__()
        self.value = value
        self.generation = generation


class DataScreen(ZScreen, Generic[T]):
    """Reads one value in a worker and shows it; see the module docstring."""

    #: The worker group of the load (exclusive: a newer load replaces an older one).
    LOAD_GROUP = "load"

    def fetch(self) -> T:
        """The value to show; runs in a worker thread."""
        raise NotImplementedError

    def show(self, value: T) -> Awaitable[None] | None:
        """Show ``value`` (UI thread)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.reload()

    #: The number of the newest load; a value read by an older one is not shown.
    _generation = 0

    def reload(self) -> None:
        self._load(self.next_generation())

    def next_generation(self) -> int:
        """Start a load: the values of those before it will not be shown."""
        self._generation += 1
        return self._generation

    @work(thread=True, exclusive=True, exit_on_error=False, group=LOAD_GROUP)
    def _load(self, generation: int) -> None:
        self.post_message(Loaded(self.fetch(), generation))

    @on(Loaded)
    async def _loaded(self, event: Loaded[T]) -> None:
        if event.generation != self._generation:
            return
        shown = self.show(event.value)
        if shown is not None:
            await shown
