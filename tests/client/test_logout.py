"""``zhumeng-tui logout``: the stored token is revoked on the server and forgotten here."""

from __future__ import annotations

from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backends import fail

from tests.support import ServerFactory, bearer
from zhumeng_tui import cli, secrets

pytestmark = pytest.mark.slow


def test_logout_revokes_the_token_and_forgets_it(
    make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = make_server(loopback=True)
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)  # whatever keyring this machine has: none here
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(secrets.ENV_VAR, raising=False)
    auth = bearer(server.url, "demo-univ")
    token = auth["Authorization"].split()[1]
    secrets.save_token(server.url, "demo-univ", token, insecure_token_file=True)
    assert secrets.load_token(server.url, "demo-univ", insecure_token_file=True).token == token
    args = ["--config", str(tmp_path / "none.toml"), "--server", server.url, "--user", "demo-univ",
            "--insecure-token-file", "logout"]
    assert cli.main(args) == 0
    assert "demo-univ" in capsys.readouterr().out
    assert httpx.get(server.url + "/api/v1/me", headers=auth).status_code == 401
    assert secrets.load_token(server.url, "demo-univ", insecure_token_file=True).token is None
    assert cli.main(args) == 0  # nothing left to sign out of
