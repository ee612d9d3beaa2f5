"""The app tests run against the demo server on a loopback port (uvicorn),
as the app reaches a real server."""

from __future__ import annotations

import pytest

from tests.support import DemoServer, ServerFactory


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server(loopback=True)
