"""Fixtures every test directory shares (helpers in :mod:`tests.support`).

``make_server`` is the one place the tests start the reference server and
choose its database; ``server`` is the default one (in process, 200 demo
students, on :data:`~tests.support.TODAY`). A test directory whose tests need
another server (more students, another day, a loopback port) overrides
``server`` in its own conftest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support import DemoServer, Harness, ServerFactory, demo_server
from zhumeng_tui.i18n import set_lang


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """Each test starts in the default language, Chinese."""
    set_lang("zh")
    yield
    set_lang("zh")


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Starts demo servers (see :func:`tests.support.demo_server` for the
    options), each with its own database; all are stopped after the test."""
    with ExitStack() as stack:
        started: list[DemoServer] = []

        def make(**options: Any) -> DemoServer:
            directory = tmp_path / f"server-{len(started) + 1}"
            server = stack.enter_context(demo_server(directory, **options))
            started.append(server)
            return server

        yield make


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server()


@pytest.fixture
def harness(server: DemoServer, tmp_path: Path) -> Harness:
    """Builds the real app against ``server`` (see :class:`tests.support.Harness`)."""
    return Harness(server, tmp_path / "app")
