"""schemathesis against the live server (uvicorn on a loopback port): every
operation of the OpenAPI document, every check, a bounded number of
examples each, so that the document and the server do not drift apart.

Two answers are told to schemathesis: a missing ``Idempotency-Key`` or
``If-Match`` is 428 Precondition Required, and a body the schema allows may
still break a rule of the domain that a schema cannot say (a rejection needs
a reason, a date cannot be in the future, a year's holidays fall in that
year): 422 with the rule's code; or change a record that exists, which
needs ``If-Match`` (a calendar year): 428."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from zhumeng_server.testing import DEMO_PASSWORD, make_demo_app, serve_on_loopback

pytestmark = pytest.mark.slow

_live: dict[str, str] = {}


def _sign_in() -> str:
    r = httpx.post(_live["url"] + "/api/v1/auth/token", json={"username": "demo-province", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@schemathesis.auth()
class ProvinceSession:
    """The province's session; signing out gets a session of its own (it ends the session it names)."""

    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        return _sign_in()

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        if case.method == "DELETE" and case.path == "/api/v1/auth/token":
            data = _sign_in()
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = make_demo_app(Path(tmp_path_factory.mktemp("schemathesis")), students=60)
    # schemathesis signs in wrongly many times from one address: only the
    # sign-in tests look at the throttle
    st = app.state.server
    st.settings = dataclasses.replace(st.settings, signin_account_failures=10**6, signin_address_failures=10**6)
    with serve_on_loopback(app) as url:
        _live["url"] = url
        yield url
    app.state.server.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(live: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({"checks": {
        "missing_required_header": {"expected-statuses": [400, 422, 428]},
        "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409, 422, 428]},
    }})
    return schemathesis.openapi.from_url(live + "/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_server_does_what_its_document_says(case: schemathesis.Case) -> None:
    case.call_and_validate()
