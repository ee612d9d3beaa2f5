"""The graduate services' own fixtures: the default demo server (200
students, 2026-03-10) and the services of a university, a department and a
city account, synced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import DemoServer, open_services
from zhumeng_tui.services.local import LocalServices


@pytest.fixture
async def univ(server: DemoServer, tmp_path: Path) -> AsyncIterator[LocalServices]:
    svc = await open_services(server, tmp_path / "data", "demo-univ", sync=True)
    yield svc
    await svc.close()


@pytest.fixture
async def dept(server: DemoServer, tmp_path: Path) -> AsyncIterator[LocalServices]:
    svc = await open_services(server, tmp_path / "data", "demo-dept", sync=True)
    yield svc
    await svc.close()


@pytest.fixture
async def city(server: DemoServer, tmp_path: Path) -> AsyncIterator[LocalServices]:
    svc = await open_services(server, tmp_path / "data", "demo-city", sync=True)
    yield svc
    await svc.close()
