"""The client-core tests' own fixtures: the demo server in process behind a
fault-injecting transport, and a university account's services synced
through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults import FaultTransport
from tests.support import IN_PROCESS_URL, DemoServer, open_services
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.services.local import LocalServices


@pytest.fixture
def fault(server: DemoServer) -> FaultTransport:
    return FaultTransport(server.transport())


@pytest.fixture
async def univ(server: DemoServer, tmp_path: Path, fault: FaultTransport) -> AsyncIterator[LocalServices]:
    svc = await open_services(server, tmp_path / "data", transport=fault, sync=True)
    yield svc
    await svc.close()


async def server_app(transport: httpx.AsyncBaseTransport, aid: int, username: str = "demo-univ") -> dict[str, Any]:
    """The application as the server has it now (a fresh, fault-free client)."""
    async with ApiClient(IN_PROCESS_URL, transport=transport, retries=0) as api:
        await api.login(username, DEMO_PASSWORD)
        return (await api.get_application(aid)).model_dump(mode="json")
