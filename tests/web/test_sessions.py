"""What serve-web promises without a browser: the bind rules, what a tab's
process is given, files as bytes, two tabs of one account on one cache, and
an idle session ended and signed out."""

from __future__ import annotations

import asyncio
import json
import ssl
import tempfile
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from sqlalchemy import text
from textual.widgets import Input, Label

from tests.support import DemoServer, Harness, open_services, wait_for, wait_signed_in
from tests.web.conftest import ServeWeb
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.app import ZhumengApp
from zhumeng_tui.cli import main
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.export_dialog import ExportDialog
from zhumeng_tui.screens.import_screen import ImportScreen
from zhumeng_tui.screens.review import ReviewQueueScreen
from zhumeng_tui.services import AppFilter, ExportRequest, FileFormat, SortSpec
from zhumeng_tui.web.serve import session_command
from zhumeng_tui.web.server import Session
from zhumeng_tui.widgets.palette import screen_actions


@pytest.mark.parametrize("options", [
    ["--host", "0.0.0.0"],
    ["--host", "192.0.2.10", "--port", "8443"],
    ["--host", "zhumeng.example.edu.cn"],
])
def test_a_plain_http_bind_beyond_this_machine_is_refused(options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve-web", *options]) == 2
    err = capsys.readouterr().err
    assert "拒绝" in err and "--ssl-certfile" in err and "--behind-proxy" in err


def test_an_http_server_through_a_network_is_refused_as_by_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--server", "http://192.0.2.10:8000", "serve-web"]) == 2
    assert "--allow-insecure-http" in capsys.readouterr().err
    command = session_command("http://192.0.2.10:8000", lang="zh", data_dir=None, cache_key=None, config=None,
                              username="alice", demo_account=None, insecure_connection=True)
    assert "--insecure-connection" in command and "--user alice" in command


def test_tls_needs_both_files_that_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve-web", "--ssl-certfile", str(tmp_path / "cert.pem")]) == 2
    assert "--ssl-keyfile" in capsys.readouterr().err
    assert main(["serve-web", "--ssl-certfile", str(tmp_path / "cert.pem"),
                 "--ssl-keyfile", str(tmp_path / "key.pem")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.slow
def test_with_a_certificate_the_page_and_its_websocket_are_served_over_tls(
    serve_web: ServeWeb, tmp_path: Path
) -> None:
    import httpx

    cert, key = _self_signed(tmp_path)
    web = serve_web("--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    assert web.url.startswith("https://")
    page = httpx.get(web.url + "/", verify=ssl.create_default_context(cafile=str(cert)))
    assert page.status_code == 200
    assert f'data-session-websocket-url="{web.url.replace("https", "wss")}/ws"' in page.text
    with pytest.raises(httpx.HTTPError):
        httpx.get(web.url.replace("https", "http") + "/")


def test_a_session_process_is_given_no_token_and_signs_in_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHUMENG_TOKEN", "the-host's-token")
    session = Session("true", write_bytes=None, write_str=None, close=None,  # type: ignore[arg-type]
                      download_manager=None)  # type: ignore[arg-type]
    environment = session._build_environment(100, 30)
    assert "ZHUMENG_TOKEN" not in environment
    assert environment["TEXTUAL_DRIVER"].endswith("WebDriver")
    demo = session_command("http://127.0.0.1:5000", lang="zh", data_dir=Path("/srv/zhumeng"),
                           cache_key="http://embedded-demo.invalid/3000-1", config=None, username=None,
                           demo_account="demo-univ")
    assert "--demo-account demo-univ" in demo and "--data-dir /srv/zhumeng" in demo
    assert DEMO_PASSWORD not in demo


async def test_a_download_is_the_files_bytes_and_nothing_stays_on_the_host(server: DemoServer, tmp_path: Path) -> None:
    services = await open_services(server, tmp_path / "data", sync=True)
    try:
        before = set(Path(tempfile.gettempdir()).glob("zhumeng-download-*"))
        request = ExportRequest("applications", AppFilter(), SortSpec())
        file = await asyncio.to_thread(
            services.download, "审核队列.xlsx", lambda path: services.export(request, path, FileFormat.XLSX))
        assert file.name == "审核队列.xlsx" and file.format == FileFormat.XLSX
        (tmp_path / "got.xlsx").write_bytes(file.data)
        rows = list(openpyxl.load_workbook(tmp_path / "got.xlsx", read_only=True).active.iter_rows(values_only=True))
        assert len(rows) - 1 == file.rows == len(services.query_applications(AppFilter(), SortSpec()).ids)
        assert set(Path(tempfile.gettempdir()).glob("zhumeng-download-*")) == before
        assert not list((tmp_path / "data").rglob("*.xlsx"))
    finally:
        await services.close()


def _statuses(services, ids: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    rows = services.query_applications(AppFilter(), SortSpec())
    table = rows.table
    found = dict(zip(rows.ids, table.column("status").to_pylist(), strict=True))
    return {i: found[i] for i in ids}


async def test_two_tabs_of_one_account_share_its_cache_safely(server: DemoServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    one = await open_services(server, data, "demo-univ", sync=True)
    two = await open_services(server, data, "demo-univ")
    try:
        assert one.cache.path == two.cache.path
        ids = one.ids_matching(AppFilter(actionable=True))[:6]
        assert len(ids) == 6

        async def decide(services, chosen: list[int]) -> None:  # type: ignore[no-untyped-def]
            for i in chosen:
                await services.review([i], Action.RETURN, "两个标签页", [])

        async def read_and_sync(services) -> None:  # type: ignore[no-untyped-def]
            for _ in range(3):
                await asyncio.to_thread(services.query_applications, AppFilter(), SortSpec())
                await services.sync()

        await asyncio.gather(decide(one, ids[:3]), decide(two, ids[3:]), read_and_sync(one), read_and_sync(two))
        await one.sync()
        await two.sync()
        for services in (one, two):
            status = services.sync_status()
            assert (status.pending, status.conflicts) == (0, 0)
            assert set(_statuses(services, ids).values()) == {Status.RETURNED.value}
    finally:
        await one.close()
        await two.close()
    with server.app.state.server.engine.connect() as conn:
        statuses = conn.execute(text("SELECT id, status FROM application")).all()
    returned = sum(1 for i, status in statuses if i in ids and status == Status.RETURNED.value)
    assert returned == 6


@pytest.mark.slow
@pytest.mark.parametrize("web", [False, True])
async def test_a_browser_session_is_offered_no_import(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, web: bool
) -> None:
    monkeypatch.setattr(ZhumengApp, "is_web", property(lambda _app: web))
    app = harness.app("demo-univ", presynced=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_signed_in(pilot, app)
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        offered = {b.id for _n, b, _k in screen_actions(app.screen)}
        assert ("app.go_import" in offered) is not web
        await pilot.press("i")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ImportScreen) is not web


@pytest.mark.slow
async def test_in_a_browser_session_the_export_dialog_asks_for_a_name_but_no_folder(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ZhumengApp, "is_web", property(lambda _app: True))
    app = harness.app("demo-univ", presynced=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen))
        await wait_for(pilot, lambda: app.screen.rows is not None)  # type: ignore[attr-defined]
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        assert not dialog.query_one("#x-folder", Input).display
        assert "浏览器下载" in " ".join(str(label.render()) for label in dialog.query(Label))
        assert dialog.query_one("#x-name", Input).value.endswith(".xlsx")


@pytest.mark.slow
async def test_a_page_of_another_site_cannot_open_a_session(serve_web: ServeWeb) -> None:
    web = serve_web()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(web.url.replace("http", "ws") + "/ws", headers={"Origin": "https://evil.example"})
        assert refused.value.status == 403
        async with http.get(web.url + "/") as page:
            assert page.headers["X-Frame-Options"] == "DENY"
        async with http.ws_connect(web.url.replace("http", "ws") + "/ws", headers={"Origin": web.url}) as ws:
            message = await ws.receive(timeout=60)
            assert message.type == aiohttp.WSMsgType.BINARY  # the app draws


@pytest.mark.slow
async def test_an_idle_session_is_ended_and_signed_out(server: DemoServer, serve_web: ServeWeb) -> None:
    web = serve_web("--idle-minutes", "0.1")
    before = server.tokens()
    drawn = b""
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http, http.ws_connect(web.url.replace("http", "ws") + "/ws") as ws:
        async def until_drawn(what: str) -> None:
            nonlocal drawn
            end = loop.time() + 60
            while what.encode() not in drawn:
                assert loop.time() < end, f"not drawn: {what}"
                message = await ws.receive(timeout=60)
                if message.type == aiohttp.WSMsgType.BINARY:
                    drawn += message.data

        await until_drawn("密码")
        # typed at a person's pace: the focus moves after the tab key is handled
        for keys in ("demo-univ", "\t", DEMO_PASSWORD, "\r"):
            await ws.send_str(json.dumps(["stdin", keys]))
            await asyncio.sleep(0.5)
        await until_drawn("待我审核")
        assert server.tokens() == before + 1
        # no more input: the server ends the session after 6 s
        while not ws.closed:
            message = await ws.receive(timeout=120)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                break
    end = loop.time() + 60
    while server.tokens() != before:
        assert loop.time() < end, "the idle session's token was not revoked"
        await asyncio.sleep(0.2)
    assert "idle" in web.output()
