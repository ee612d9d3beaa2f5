"""No input produces a 500, and every error is an ErrorResponse (real loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import ServerFactory, bearer
from zhumeng_tui.api_client.schemas import ErrorResponse

pytestmark = pytest.mark.slow

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30) | st.sampled_from(["2026-03-01", "9999-12-31", "approve", "confirm", "电话", "statement"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
keys = st.sampled_from(["action", "reason", "acknowledge", "items", "id", "version", "application_id", "date",
                        "channel", "staff", "note", "step", "text", "name", "student_id", "kind", "holidays",
                        "workdays", "employer_id", "title", "start_date", "end_date", "position_id",
                        "insurance_recorded", "employer_score", "responsible_staff"])
bodies = st.one_of(json_values, st.dictionaries(keys, json_values, max_size=6))
paths = st.sampled_from([
    ("POST", "/applications/1/actions"), ("POST", "/applications/actions:batch"), ("POST", "/applications"),
    ("PATCH", "/applications/5/tracking"), ("POST", "/applications/5/excellent"), ("POST", "/withdrawals"),
    ("POST", "/withdrawals/1/steps"), ("POST", "/followups"), ("DELETE", "/followups/1"), ("POST", "/integrity"),
    ("PUT", "/calendar/2027"), ("POST", "/positions"), ("DELETE", "/positions/3"), ("GET", "/changes"),
])


@pytest.fixture
def signed_in(make_server: ServerFactory) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A client of a server on a loopback port and a sign-in per account (one
    server for all the examples: every one of them must leave it working)."""
    url = make_server(students=60, seed=5, loopback=True).url
    headers = {user: bearer(url, user) for user in ("demo-univ", "demo-province", "demo-dept")}
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client, headers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=paths, body=bodies, user=st.sampled_from(["demo-univ", "demo-province", "demo-dept"]),
       if_match=st.sampled_from([None, "1", "2", "x", '"1"', "-5", "99999999999999999999999"]),
       key=st.text(min_size=0, max_size=8))
def test_no_input_gives_a_500(signed_in: tuple[httpx.Client, dict[str, str]], path: tuple[str, str], body: Any, user: str,
                              if_match: str | None, key: str) -> None:
    client, signed_in_as = signed_in
    method, p = path
    headers = dict(signed_in_as[user])
    if key.strip() and key == key.strip() and key.isprintable() and key.isascii():
        headers["Idempotency-Key"] = key
    if if_match is not None:
        headers["If-Match"] = if_match
    kw: dict[str, Any] = {"params": body} if method == "GET" and isinstance(body, dict) else {"json": body}
    if method == "GET" and isinstance(body, dict):
        kw["params"] = {k: str(v) for k, v in body.items()}
    r = client.request(method, "/api/v1" + p, headers=headers, **kw)
    assert r.status_code < 500, (r.status_code, r.text)
    if r.status_code >= 400:
        ErrorResponse.model_validate(r.json())
