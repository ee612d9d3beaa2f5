"""``zhumeng-server``: run the reference central API.

    zhumeng-server --demo [--host 127.0.0.1] [--port 8765] [--students N] [--seed S] [--database-url URL]
    zhumeng-server --database-url URL            (needs ZHUMENG_SECRET; schema must be migrated)
    zhumeng-server migrate --database-url URL
    zhumeng-server create-user --database-url URL --username U --role university --university 四川某大学 ...

The database URL may also come from ZHUMENG_DATABASE_URL.
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

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from zhumeng_server import db
from zhumeng_server import models as m

EXIT_USAGE = 2


class _Refused(Exception):
    """The command cannot run; the message says why (and what to do)."""


def _fail(msg: str) -> int:
    print(f"zhumeng-server: {msg}", file=sys.stderr)
    return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhumeng-server", description="Reference central API of zhumeng-tui.")
    p.add_argument("--database-url", default=None, help="SQLAlchemy URL (or ZHUMENG_DATABASE_URL)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--demo", action="store_true", help="generate and serve a demo database")
    p.add_argument("--students", type=int, default=3000, help="demo size (default 3000)")
    p.add_argument("--seed", type=int, default=1, help="demo random seed")
    sub = p.add_subparsers(dest="command")
    mig = sub.add_parser("migrate", help="create or upgrade the database schema")
    mig.add_argument("--database-url", dest="sub_database_url", default=None)
    cu = sub.add_parser("create-user", help="create a staff account")
    cu.add_argument("--database-url", dest="sub_database_url", default=None)
    cu.add_argument("--username", required=True)
    cu.add_argument("--role", required=True, choices=("university", "department", "viewer", "province"))
    cu.add_argument("--display-name", default=None)
    cu.add_argument("--university", default=None, help="university name (created if missing)")
    cu.add_argument("--university-code", default=None)
    cu.add_argument("--department", default=None, help="department name (created if missing)")
    cu.add_argument("--bound-role", default=None, choices=("university", "department", "province"),
                    help="for a viewer: whose scope it sees")
    cu.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "migrate":
            return cmd_migrate(args)
        if args.command == "create-user":
            return cmd_create_user(args)
        if args.demo:
            return cmd_demo(args)
        return cmd_serve(args)
    except _Refused as e:
        return _fail(str(e))


def cmd_migrate(args: argparse.Namespace) -> int:
    url = _required_url(args, "migrate needs --database-url (or ZHUMENG_DATABASE_URL)")
    engine = db.make_engine(url)
    before = db.current_revision(engine)
    db.upgrade(engine)
    print(f"schema: {before or 'empty'} -> {db.current_revision(engine)}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from zhumeng_server.auth import Principal, hash_password
    from zhumeng_server.core import ServerState, Tx
    from zhumeng_tui.domain.status import Role

    url = _required_url(args, "create-user needs --database-url (or ZHUMENG_DATABASE_URL)")
    engine = _migrated_engine(url)
    if args.role in ("university", "department", "viewer") and not args.university:
        return _fail(f"--university is required for role {args.role}")
    if args.role == "department" and not args.department:
        return _fail("--department is required for role department")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else (
        os.environ.get("ZHUMENG_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    )
    if len(password) < 8:
        return _fail("the password must have at least 8 characters")
    state = ServerState(engine=engine, secret="-")
    admin = Principal(0, "admin-cli", "admin", Role.PROVINCE, None, None)
    with Session(engine) as session:
        if session.scalars(select(m.StaffAccount).where(m.StaffAccount.username == args.username)).first():  # type: ignore[arg-type]
            return _fail(f"user {args.username} exists already")
        tx = Tx(state, session, admin)
        univ = dept = None
        if args.university:
            univ = session.scalars(select(m.University).where(m.University.name == args.university)).first()  # type: ignore[arg-type]
            if univ is None:
                univ = m.University(name=args.university, code=args.university_code or "", in_province=True)
                tx.save(univ, "university.create", new=True)
        if args.department and univ is not None:
            dept = session.scalars(select(m.Department).where(
                m.Department.name == args.department, m.Department.university_id == univ.id)).first()  # type: ignore[arg-type]
            if dept is None:
                dept = m.Department(university_id=int(univ.id or 0), name=args.department)
                tx.save(dept, "department.create", new=True)
        staff = m.StaffAccount(
            username=args.username, display_name=args.display_name or args.username, role=args.role,
            university_id=univ.id if univ else None, department_id=dept.id if dept else None,
            bound_role=(args.bound_role or "university") if args.role == "viewer" else None,
            password_hash=hash_password(password),
        )
        tx.save(staff, "staff.create", new=True)
        tx.finish()
        session.commit()
    print(f"created {args.role} account {args.username}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    url = _required_url(args, "no database: pass --database-url URL or set ZHUMENG_DATABASE_URL (or use --demo)")
    secret = os.environ.get("ZHUMENG_SECRET", "")
    if not secret.strip():
        return _fail("ZHUMENG_SECRET is empty: set it to a long random string (it peppers token hashes)")
    engine = _migrated_engine(url)
    from zhumeng_server.app import create_app

    return _run(create_app(url, secret, engine=engine), args.host, args.port)


def cmd_demo(args: argparse.Namespace) -> int:
    from zhumeng_server.app import create_app
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
    print(
        f"zhumeng demo server on http://{args.host}:{args.port}  (database {url})\n"
        f"accounts (password {DEMO_PASSWORD}): demo-univ, demo-dept, demo-viewer, demo-province",
        file=sys.stderr,
    )
    return _run(create_app(url, secret, demo=True, engine=engine), args.host, args.port)


def _run(app: object, host: str, port: int) -> int:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
