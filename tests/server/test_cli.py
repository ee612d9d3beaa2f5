from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from zhumeng_server import cli, db


def test_refuses_empty_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert cli.main(["migrate", "--database-url", url]) == 0
    monkeypatch.setenv("ZHUMENG_SECRET", "")
    assert cli.main(["--database-url", url]) == 2
    assert "ZHUMENG_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("ZHUMENG_SECRET", "   ")
    assert cli.main(["--database-url", url]) == 2


def test_refuses_without_database(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ZHUMENG_DATABASE_URL", raising=False)
    monkeypatch.setenv("ZHUMENG_SECRET", "s3cret-s3cret")
    assert cli.main([]) == 2
    assert "--database-url" in capsys.readouterr().err


def test_refuses_unmigrated_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    monkeypatch.setenv("ZHUMENG_SECRET", "s3cret-s3cret")
    assert cli.main(["--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "unmigrated" in err and "zhumeng-server migrate --database-url" in err
    monkeypatch.setenv("ZHUMENG_DATABASE_URL", url)
    assert cli.main([]) == 2


def test_refuses_out_of_date_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num='0000old'")
    monkeypatch.setenv("ZHUMENG_SECRET", "s3cret-s3cret")
    assert cli.main(["--database-url", url]) == 2
    assert "out of date" in capsys.readouterr().err


async def test_migrate_and_create_user_then_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    monkeypatch.setenv("ZHUMENG_PASSWORD", "a-long-password")
    assert cli.main(["create-user", "--database-url", url, "--username", "u1", "--role", "university",
                     "--university", "四川某大学"]) == 2  # not migrated yet
    assert cli.main(["migrate", "--database-url", url]) == 0
    assert cli.main(["migrate", "--database-url", url]) == 0  # idempotent
    assert cli.main(["create-user", "--database-url", url, "--username", "u1", "--role", "university",
                     "--university", "四川某大学"]) == 0
    assert cli.main(["create-user", "--database-url", url, "--username", "d1", "--role", "department",
                     "--university", "四川某大学", "--department", "法学院"]) == 0
    assert cli.main(["create-user", "--database-url", url, "--username", "u1", "--role", "university",
                     "--university", "四川某大学"]) == 2  # exists
    assert cli.main(["create-user", "--database-url", url, "--username", "d2", "--role", "department",
                     "--university", "四川某大学"]) == 2  # no department
    served: list[object] = []
    monkeypatch.setattr(cli, "_run", lambda app, host, port, **_: served.append(app) or 0)
    monkeypatch.setenv("ZHUMENG_SECRET", "s3cret-s3cret")
    assert cli.main(["--database-url", url]) == 0
    assert served

    transport = httpx.ASGITransport(app=served[0])  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/api/v1/auth/token", json={"username": "d1", "password": "a-long-password"})
        assert r.status_code == 200 and r.json()["role"] == "department"
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        me = (await client.get("/api/v1/me", headers=h)).json()
        assert me["department_name"] == "法学院" and me["university_name"] == "四川某大学"
        feed = (await client.get("/api/v1/changes", headers=h)).json()
        assert {c["type"] for c in feed["changes"]} >= {"university", "department", "staff"}


def test_demo_mode_generates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[object] = []
    monkeypatch.setattr(cli, "_run", lambda app, host, port, **_: served.append((host, port)) or 0)
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert cli.main(["--demo", "--students", "30", "--seed", "3", "--port", "9999", "--database-url", url]) == 0
    assert served == [("127.0.0.1", 9999)]
    # Second start: reuses the database.
    assert cli.main(["--demo", "--database-url", url]) == 0
    assert cli.main(["--demo", "--students", "0"]) == 2


# Alembic compares no expression index on SQLite (PostgreSQL-only indexes there).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_models(tmp_path: Path, database: str, request: pytest.FixtureRequest) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from zhumeng_server import models
    from zhumeng_server.testing import create_database, drop_database

    if database == "postgres":
        url = request.getfixturevalue("postgres").new_url()
        create_database(url)
        request.addfinalizer(lambda: drop_database(url))
    else:
        url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = db.make_engine(url)
    request.addfinalizer(engine.dispose)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), models.metadata) == []


def test_postgresql_keeps_record_json_uncompressed_and_can_go_back(request: pytest.FixtureRequest) -> None:
    """PostgreSQL compresses rows over about 2 KB, which made big batches of
    review moves slow; the tables carrying record JSON keep it whole, and
    going back a revision restores PostgreSQL's defaults."""
    from alembic import command
    from sqlalchemy import text

    from zhumeng_server.testing import create_database, drop_database

    url = request.getfixturevalue("postgres").new_url()
    create_database(url)
    request.addfinalizer(lambda: drop_database(url))
    engine = db.make_engine(url)
    request.addfinalizer(engine.dispose)

    def storage() -> dict[str, object]:
        with engine.connect() as conn:
            options = dict(conn.execute(text(
                "SELECT relname, reloptions FROM pg_class WHERE relname IN ('application', 'change_log', 'audit_event')"
            )).all())
            body = conn.execute(text(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'idempotency_key'::regclass AND attname = 'body'"
            )).scalar()
        return {**options, "idempotency body": body}

    db.upgrade(engine)
    whole = ["toast_tuple_target=8160"]
    assert storage() == {"application": whole, "change_log": whole, "audit_event": whole, "idempotency body": "e"}
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005_change_log_scope")
    assert storage() == {"application": None, "change_log": None, "audit_event": None, "idempotency body": "x"}
