"""``zhumeng-server``: run the reference central API and manage its accounts.

    zhumeng-server --demo [--host 127.0.0.1] [--port 8765] [--students N] [--seed S] [--database-url URL]
    zhumeng-server --database-url URL [--workers N] [--ssl-certfile F --ssl-keyfile F]
                                       (needs ZHUMENG_SECRET; the schema must be migrated)
    zhumeng-server migrate --database-url URL
    zhumeng-server create-user --username U --role university --university 四川某大学 [--password-stdin] ...
    zhumeng-server list-users
    zhumeng-server disable-user --username U       (ends its sessions) / enable-user --username U
    zhumeng-server reset-password --username U [--password-stdin]   (ends its sessions)
    zhumeng-server revoke-sessions --username U
    zhumeng-server purge                           (expired tokens, old idempotency keys and tombstones)

The database URL may also come from ZHUMENG_DATABASE_URL. A password comes
from the first line of stdin with ``--password-stdin``, else from
ZHUMENG_PASSWORD, else from a prompt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from zhumeng_server import db, settings
from zhumeng_server import models as m

EXIT_USAGE = 2
APP_FACTORY = "zhumeng_server.app:app_from_env"


class _Refused(Exception):
    """The command cannot run; the message says why (and what to do)."""


def _fail(msg: str) -> int:
    print(f"zhumeng-server: {msg}", file=sys.stderr)
    return EXIT_USAGE


def _database_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", dest="sub_database_url", default=None, metavar="URL",
                   help="SQLAlchemy URL (or ZHUMENG_DATABASE_URL)")


def _user_command(sub: Any, name: str, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help)
    _database_option(p)
    p.add_argument("--username", required=True)
    return p


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhumeng-server", description="Reference central API of zhumeng-tui.")
    p.add_argument("--database-url", default=None, metavar="URL", help="SQLAlchemy URL (or ZHUMENG_DATABASE_URL)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=1, help="worker processes (share nothing but the database)")
    p.add_argument("--ssl-certfile", default=None, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--ssl-keyfile", default=None, help="... and this private key (PEM)")
    p.add_argument("--forwarded-allow-ips", default=None,
                   help="addresses of reverse proxies whose X-Forwarded-For is trusted (comma-separated)")
    p.add_argument("--token-lifetime-hours", type=int, default=None,
                   help="a token stops working this long after sign-in (default 720)")
    p.add_argument("--token-idle-minutes", type=int, default=None,
                   help="... or this long after its last use (default 4320)")
    p.add_argument("--demo", action="store_true", help="generate and serve a demo database")
    p.add_argument("--students", type=int, default=3000, help="demo size (default 3000)")
    p.add_argument("--seed", type=int, default=1, help="demo random seed")
    sub = p.add_subparsers(dest="command")
    mig = sub.add_parser("migrate", help="create or upgrade the database schema")
    _database_option(mig)
    cu = sub.add_parser("create-user", help="create a staff account")
    _database_option(cu)
    cu.add_argument("--username", required=True)
    cu.add_argument("--role", required=True, choices=("university", "department", "viewer", "province", "city"))
    cu.add_argument("--display-name", default=None)
    cu.add_argument("--university", default=None, help="university name (created if missing)")
    cu.add_argument("--university-code", default=None)
    cu.add_argument("--department", default=None, help="department name (created if missing)")
    cu.add_argument("--bound-role", default=None, choices=("university", "department", "province"),
                    help="for a viewer: whose scope it sees")
    cu.add_argument("--city", default=None,
                    help="the 市州: required for a city account (it sees the universities there); "
                    "a university created here is placed in it")
    cu.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    lu = sub.add_parser("list-users", help="list the staff accounts")
    _database_option(lu)
    _user_command(sub, "disable-user", "disable an account (its sessions end)")
    _user_command(sub, "enable-user", "enable a disabled account")
    rp = _user_command(sub, "reset-password", "set a new password (the account's sessions end)")
    rp.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    _user_command(sub, "revoke-sessions", "end every session of an account")
    pu = sub.add_parser("purge", help="drop expired tokens, old idempotency keys and old tombstones")
    _database_option(pu)
    return p


def _url(args: argparse.Namespace) -> str | None:
    return getattr(args, "sub_database_url", None) or args.database_url or os.environ.get("ZHUMENG_DATABASE_URL")


def _required_url(args: argparse.Namespace, missing: str) -> str:
    url = _url(args)
    if not url:
        raise _Refused(missing)
    return url


def _migrated_engine(url: str) -> Engine:
    """The database at ``url``, refused unless its schema is the current one."""
    engine = db.make_engine(url)
    try:
        db.check_schema(engine)
    except db.SchemaError as e:
        raise _Refused(f"database schema is {e}; run: zhumeng-server migrate --database-url {url}") from None
    except Exception as e:
        raise _Refused(f"cannot open the database: {e}") from None
    return engine


def _password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return os.environ.get("ZHUMENG_PASSWORD") or getpass.getpass(f"password for {username}: ")


def main(argv: Sequence[str] | None = None) -> int:
    from zhumeng_server.accounts import AccountError

    args = _parser().parse_args(argv)
    commands = {
        "migrate": cmd_migrate, "create-user": cmd_create_user, "list-users": cmd_list_users,
        "disable-user": cmd_set_active, "enable-user": cmd_set_active, "reset-password": cmd_reset_password,
        "revoke-sessions": cmd_revoke_sessions, "purge": cmd_purge,
    }
    try:
        if args.command in commands:
            return commands[args.command](args)
        _apply_settings(args)
        if args.demo:
            return cmd_demo(args)
        return cmd_serve(args)
    except (_Refused, AccountError, settings.SettingsError) as e:
        return _fail(str(e))


def _apply_settings(args: argparse.Namespace) -> None:
    """Options that are settings go into the environment every worker reads."""
    for value, field in ((args.token_lifetime_hours, "token_lifetime"), (args.token_idle_minutes, "token_idle")):
        if value is not None:
            os.environ[settings.ENV[field][0]] = str(value)
    settings.from_env()  # refuse bad values here, not in each worker
    if args.workers < 1:
        raise _Refused("--workers must be at least 1")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise _Refused("--ssl-certfile and --ssl-keyfile go together")
    for path in (args.ssl_certfile, args.ssl_keyfile):
        if path and not Path(path).is_file():
            raise _Refused(f"no such file: {path}")


def cmd_migrate(args: argparse.Namespace) -> int:
    url = _required_url(args, "migrate needs --database-url (or ZHUMENG_DATABASE_URL)")
    engine = db.make_engine(url)
    before = db.current_revision(engine)
    db.upgrade(engine)
    print(f"schema: {before or 'empty'} -> {db.current_revision(engine)}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from zhumeng_server import accounts

    engine = _migrated_engine(_required_url(args, "create-user needs --database-url (or ZHUMENG_DATABASE_URL)"))
    if args.role in ("university", "department", "viewer") and not args.university:
        return _fail(f"--university is required for role {args.role}")
    if args.role == "department" and not args.department:
        return _fail("--department is required for role department")
    accounts.create(
        engine, username=args.username, role=args.role, password=_password(args, args.username),
        display_name=args.display_name, university=args.university, university_code=args.university_code,
        department=args.department, bound_role=args.bound_role, city=args.city,
    )
    print(f"created {args.role} account {args.username}")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from zhumeng_server import accounts

    engine = _migrated_engine(_required_url(args, "list-users needs --database-url (or ZHUMENG_DATABASE_URL)"))
    rows = accounts.list_accounts(engine)
    print("\t".join(("username", "role", "university", "department", "state", "sessions", "display name")))
    for r in rows:
        state = ("enabled" if r.active else "disabled") + (" demo" if r.demo else "")
        print("\t".join((r.username, r.role, r.university or "-", r.department or "-", state, str(r.sessions),
                         r.display_name)))
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    from zhumeng_server import accounts

    engine = _migrated_engine(_required_url(args, f"{args.command} needs --database-url (or ZHUMENG_DATABASE_URL)"))
    active = args.command == "enable-user"
    accounts.set_active(engine, args.username, active)
    print(f"{'enabled' if active else 'disabled'} {args.username}" + ("" if active else "; its sessions ended"))
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    from zhumeng_server import accounts

    engine = _migrated_engine(_required_url(args, "reset-password needs --database-url (or ZHUMENG_DATABASE_URL)"))
    ended = accounts.reset_password(engine, args.username, _password(args, args.username))
    print(f"new password set for {args.username}; {ended} session(s) ended")
    return 0


def cmd_revoke_sessions(args: argparse.Namespace) -> int:
    from zhumeng_server import accounts

    engine = _migrated_engine(_required_url(args, "revoke-sessions needs --database-url (or ZHUMENG_DATABASE_URL)"))
    ended = accounts.revoke_sessions(engine, args.username)
    print(f"{ended} session(s) of {args.username} ended")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from zhumeng_server.core import utcnow
    from zhumeng_server.purge import purge

    engine = _migrated_engine(_required_url(args, "purge needs --database-url (or ZHUMENG_DATABASE_URL)"))
    config = settings.from_env()
    with Session(engine) as session:
        done = purge(session, utcnow(), config)
    print(f"purged: {done.tokens} token(s), {done.idempotency_keys} idempotency key(s) older than "
          f"{config.idempotency_days} days, {done.throttle_rows} sign-in counter(s), {done.tombstones} tombstone(s) "
          f"older than {config.tombstone_days} days (tombstone horizon: seq {done.tombstone_horizon})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    url = _required_url(args, "no database: pass --database-url URL or set ZHUMENG_DATABASE_URL (or use --demo)")
    secret = os.environ.get("ZHUMENG_SECRET", "")
    if not secret.strip():
        return _fail("ZHUMENG_SECRET is empty: set it to a long random string (it peppers token hashes)")
    engine = _migrated_engine(url)
    return _serve(args, url, secret, engine, demo=False)


def cmd_demo(args: argparse.Namespace) -> int:
    from zhumeng_server.demo import DEMO_PASSWORD, generate

    if args.students < 1:
        return _fail("--students must be at least 1")
    url = _url(args)
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix="zhumeng-demo-"))
        url = f"sqlite:///{tmp / 'demo.sqlite'}"
    engine = db.make_engine(url)
    if db.current_revision(engine) is not None:
        with Session(engine) as session:
            has_data = session.scalars(select(col(m.University.id))).first() is not None
        if has_data:
            try:
                db.check_schema(engine)
            except db.SchemaError as e:
                return _fail(f"the demo database schema is {e}; use an empty database")
            print(f"serving the existing database at {url}", file=sys.stderr)
        else:
            db.upgrade(engine)
            generate(engine, students=args.students, seed=args.seed, today=dt.date.today())
    else:
        db.upgrade(engine)
        print(f"generating demo data ({args.students} students, seed {args.seed}) ...", file=sys.stderr)
        generate(engine, students=args.students, seed=args.seed, today=dt.date.today())
    secret = os.environ.get("ZHUMENG_SECRET") or secrets.token_urlsafe(32)
    scheme = "https" if args.ssl_certfile else "http"
    print(
        f"zhumeng demo server on {scheme}://{args.host}:{args.port}  (database {url})\n"
        f"accounts (password {DEMO_PASSWORD}): demo-univ, demo-dept, demo-viewer, demo-province",
        file=sys.stderr,
    )
    return _serve(args, url, secret, engine, demo=True)


def _serve(args: argparse.Namespace, url: str, secret: str, engine: Engine, *, demo: bool) -> int:
    """One process serving the app, or ``--workers`` processes each making
    its own from the environment (:func:`zhumeng_server.app.app_from_env`)."""
    options: dict[str, Any] = {}
    if args.ssl_certfile:
        options.update(ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
    if args.forwarded_allow_ips:
        options.update(proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips)
    else:
        options.update(proxy_headers=False)
    if args.workers == 1:
        from zhumeng_server.app import create_app

        return _run(create_app(url, secret, demo=demo, engine=engine), args.host, args.port, **options)
    engine.dispose()
    os.environ.update(ZHUMENG_DATABASE_URL=url, ZHUMENG_SECRET=secret, ZHUMENG_DEMO="1" if demo else "0")
    return _run(APP_FACTORY, args.host, args.port, factory=True, workers=args.workers, **options)


def _run(app: object, host: str, port: int, **options: Any) -> int:
    import uvicorn

    from zhumeng_server.app import settle_heap

    settle_heap()
    uvicorn.run(app, host=host, port=port, log_level="info", **options)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
