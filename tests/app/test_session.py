"""The session ends on the server (revoked or expired): the app says so in
the header and on the dashboard, asks for the password over the current
screen, then sends what was queued. Sign-out from the palette; the token
shown where no keyring keeps it; the header's warning on an unencrypted
connection."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from textual.widgets import Input, Static

from tests.support import Harness, in_province, text_of, wait_for, wait_synced
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui import secrets
from zhumeng_tui.api_client.errors import Unauthorised
from zhumeng_tui.app import Connected, ZhumengApp
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.session import SessionExpiredDialog, TokenDialog
from zhumeng_tui.services import AppFilter
from zhumeng_tui.widgets.header import StatusHeader

pytestmark = pytest.mark.slow

SIZE = (80, 24)


def header_sync(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen_stack[1].query_one(StatusHeader).query_one("#h-sync", Static).render())


async def test_an_ended_session_asks_for_the_password_then_sends_the_queue(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        services = app.services
        assert services is not None and services.token
        revoked = httpx.delete(harness.server.url + "/api/v1/auth/token",
                               headers={"Authorization": f"Bearer {services.token}"})
        assert revoked.status_code == 204
        ids = in_province(services, services.ids_matching(AppFilter(actionable=True)))[:3]
        preview = services.preview_review(ids, Action.CONFIRM)
        assert preview.will_send
        with pytest.raises(Unauthorised):
            await services.review(preview.will_send, Action.CONFIRM, None, list(preview.warnings))
        assert services.sync_status().pending == len(preview.will_send)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionExpiredDialog), "the password is asked for")
        assert isinstance(app.screen_stack[1], DashboardScreen)  # over the screen that was open
        assert "登录已失效" in header_sync(app)
        assert "登录已失效" in text_of(app.screen_stack[1], "#d-empty")
        dialog = app.screen
        await pilot.press(*"wrong-password", "enter")
        await wait_for(pilot, lambda: "密码错误" in text_of(dialog, "#session-error"), "wrong password said")
        assert app.screen is dialog and dialog.query_one(Input).value == ""
        await pilot.press(*DEMO_PASSWORD, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SessionExpiredDialog), "signed in again")
        await wait_for(pilot, lambda: services.sync_status().pending == 0, "the queued change was sent")
        await wait_synced(pilot, app)
        for aid in preview.will_send:
            assert services.application_detail(aid).application.status == Status.DEPT_CONFIRMED
        assert "已同步" in header_sync(app)
        assert not app.screen_stack[1].query_one("#d-empty", Static).display


async def test_a_sync_that_finds_the_session_ended_asks_at_once_and_escape_leaves_it_until_ctrl_r(
    harness: Harness,
) -> None:
    app = harness.app("demo-univ")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        services = app.services
        assert services is not None
        httpx.delete(harness.server.url + "/api/v1/auth/token", headers={"Authorization": f"Bearer {services.token}"})
        app.start_sync()  # as the sync timer does
        await wait_for(pilot, lambda: isinstance(app.screen, SessionExpiredDialog), "the password is asked for")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), "dialog closed")
        assert "登录已失效" in header_sync(app)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionExpiredDialog), "asked again")


async def test_sign_out_from_the_palette_revokes_the_session_and_forgets_the_token(harness: Harness) -> None:
    forgotten: list[bool] = []

    async def forget() -> None:
        forgotten.append(True)

    async def connect(url: str, username: str, password: str | None) -> Connected:
        connected = await harness.connector()(url, username, password)
        connected.forget = forget
        return connected

    app = ZhumengApp(replace(harness.app("demo-univ").options), connect)
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        services = app.services
        assert services is not None
        auth = {"Authorization": f"Bearer {services.token}"}
        await pilot.press("ctrl+p")
        await pilot.press(*"退出登录")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.return_code is not None or not app.is_running, "the app quit")
    assert httpx.get(harness.server.url + "/api/v1/me", headers=auth).status_code == 401
    assert forgotten == [True]


async def test_without_a_keyring_f9_shows_the_token_and_the_three_ways(harness: Harness) -> None:
    async def connect(url: str, username: str, password: str | None) -> Connected:
        connected = await harness.connector()(url, username, password)
        connected.in_keyring = False
        connected.how_to_keep = secrets.THREE_WAYS_ZH
        return connected

    app = ZhumengApp(replace(harness.app("demo-univ").options), connect)
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        assert app.services is not None and app.services.token
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenDialog), "the token is shown")
        assert text_of(app.screen, "#token-line") == f"export ZHUMENG_TOKEN={app.services.token}"
        assert "--insecure-token-file" in " ".join(str(s.render()) for s in app.screen.query(Static))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), "dialog closed")


async def test_with_a_keyring_the_token_is_not_offered(harness: Harness) -> None:
    app = harness.app("demo-univ")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("f9")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DashboardScreen)
        assert app.check_action("show_token", ()) is False


async def test_an_unencrypted_connection_keeps_a_warning_in_the_header(harness: Harness) -> None:
    app = ZhumengApp(replace(harness.app("demo-univ").options, insecure_connection=True), harness.connector())
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        warning = app.screen.query_one(StatusHeader).query_one("#h-insecure", Static)
        assert warning.has_class("-show") and "未加密" in str(warning.render())
        await pilot.press("2")
        await wait_for(pilot, lambda: not isinstance(app.screen, DashboardScreen), "another section open")
        assert app.screen.query_one(StatusHeader).query_one("#h-insecure", Static).has_class("-show")


async def test_a_connection_over_tls_has_no_such_warning(harness: Harness) -> None:
    app = harness.app("demo-univ")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        assert not app.screen.query_one(StatusHeader).query_one("#h-insecure", Static).has_class("-show")
