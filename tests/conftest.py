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

from tests.postgres import ENV, Postgres, skip_requested, start_postgres
from tests.support import DemoServer, Harness, ServerFactory, demo_server
from zhumeng_server.testing import drop_database
from zhumeng_tui.i18n import set_lang


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """Each test starts in the default language, Chinese."""
    set_lang("zh")
    yield
    set_lang("zh")


@pytest.fixture(autouse=True)
def _terminal_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with the colours the snapshots were recorded in,
    whatever the shell running the tests says (``NO_COLOR=1`` there would
    change every chart's snapshot); a test that wants them sets them."""
    for name in ("NO_COLOR", "TEXTUAL_COLOR_SYSTEM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres() -> Postgres:
    """The session's PostgreSQL server (see :mod:`tests.postgres`): started
    on first use; a PostgreSQL that cannot start fails the test, unless
    ``ZHUMENG_TEST_POSTGRES=skip`` says to skip."""
    if skip_requested():
        pytest.skip(f"{ENV}=skip: PostgreSQL tests skipped")
    return start_postgres()


@pytest.fixture
def make_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerFactory]:
    """Starts demo servers (see :func:`tests.support.demo_server` for the
    options, and ``database="postgres"`` for a fresh database on the
    session's PostgreSQL), each with its own database; all are stopped (and
    their PostgreSQL databases dropped) after the test."""
    with ExitStack() as stack:
        started: list[DemoServer] = []

        def make(*, database: str = "sqlite", **options: Any) -> DemoServer:
            directory = tmp_path / f"server-{len(started) + 1}"
            if database == "postgres":
                pg: Postgres = request.getfixturevalue("postgres")
                url = pg.new_url()
                stack.callback(drop_database, url)
                options["database_url"] = url
            else:
                assert database == "sqlite", database
            server = stack.enter_context(demo_server(directory, **options))
            stack.callback(server.app.state.server.engine.dispose)
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
