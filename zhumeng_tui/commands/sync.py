"""``zhumeng-tui [options] sync``: the app's sync, headless.

Sends the outbox, pulls everything new in the account's scope into the same
cache the app uses, and prints a summary (records received, changes sent,
conflicts, refused). Progress goes to stderr: one line rewritten in place on
a terminal (records and bytes so far, rate, time left), plain lines
otherwise. A failure is one line on stderr and a non-zero exit status
(``commands.EXIT``): server unreachable, sign-in needed or expired, disk
full, or changes the server could not take yet.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from zhumeng_tui.commands import EXIT, Session
from zhumeng_tui.i18n import tr

#: Seconds between two progress lines when stderr is not a terminal.
PLAIN_EVERY = 2.0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sync",
        help="pull everything in scope and send the outbox, then print a summary",
        description="Sync the local cache with the server, as the app does: send the changes waiting in the "
        "outbox, pull what changed, print a summary. Uses the app's sign-in and cache (global options "
        "such as --server, --user, --data-dir go before 'sync').",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, session: Session) -> int:
    return asyncio.run(sync(session, sys.stderr, sys.stdout))


class Progress:
    """Progress of a pull: records and bytes so far, the rate, the time left."""

    def __init__(self, out: TextIO, received: Callable[[], int], clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = out.isatty()
        self.received = received
        self.clock = clock
        self.began = clock()
        self.last_line = -PLAIN_EVERY
        self.width = 0

    def __call__(self, done: int, total: int | None) -> None:
        now = self.clock()
        final = total is not None and done >= total
        if not self.tty and now - self.last_line < PLAIN_EVERY and not final:
            return
        self.last_line = now
        line = self.line(done, total, now - self.began)
        if self.tty:
            self.out.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def line(self, done: int, total: int | None, elapsed: float) -> str:
        rate = done / elapsed if elapsed > 0 else 0.0
        mb = self.received() / 1e6
        of = f"/{total:,}" if total else ""
        text = tr(f"同步中：{done:,}{of} 条记录，{mb:.1f} MB，{rate:,.0f} 条/秒",
                  f"Syncing: {done:,}{of} records, {mb:.1f} MB, {rate:,.0f} records/s")
        if total and rate > 0 and done < total:
            left = (total - done) / rate
            text += tr(f"，剩余约 {left:.0f} 秒", f", about {left:.0f} s left")
        return text

    def end(self) -> None:
        if self.tty and self.width:
            self.out.write("\n")
            self.out.flush()


def fail(err: TextIO, status: str, message: str) -> int:
    err.write(message.replace("\n", " ") + "\n")
    err.flush()
    return EXIT[status]


async def sync(session: Session, err: TextIO, out: TextIO) -> int:
    """Connect, sync, print the summary; the exit status."""
    from zhumeng_tui.api_client.errors import ApiError, Offline, Unauthorised
    from zhumeng_tui.services.local import LocalServices

    began = time.monotonic()
    try:
        connected, stop = await session.connect()
    except Unauthorised as e:
        return fail(err, "sign_in", tr("需要登录：", "Sign-in needed: ") + e.message(session.lang))
    except Offline as e:
        return fail(err, "unreachable", tr("无法连接服务器：", "Server unreachable: ") + e.message(session.lang))
    except ApiError as e:
        return fail(err, "failed", e.message(session.lang))
    except sqlite3.OperationalError as e:
        if "full" in str(e).lower():
            return fail(err, "disk_full", _disk_full(session.data_dir or "", str(e)))
        raise
    except OSError as e:
        return _os_error(err, e)
    svc = connected.services
    assert isinstance(svc, LocalServices)
    try:
        if svc.engine.online is False:
            return fail(err, "unreachable", tr("无法连接服务器（本机缓存未更新）", "Server unreachable (the local cache "
                                                                          "was not updated)"))
        progress = Progress(err, lambda: svc.engine.received)
        try:
            pushed, pulled = await svc.engine.sync(progress)
        except Unauthorised as e:
            return fail(err, "sign_in", tr("登录已失效，请重新登录：", "The session expired; sign in again: ")
                        + e.message(session.lang))
        except Offline as e:
            return fail(err, "unreachable", tr("无法连接服务器：", "Server unreachable: ") + e.message(session.lang))
        except ApiError as e:
            return fail(err, "failed", e.message(session.lang))
        except sqlite3.OperationalError as e:
            if "full" in str(e).lower():
                return fail(err, "disk_full", _disk_full(svc.cache.path, str(e)))
            raise
        except OSError as e:
            return _os_error(err, e)
        finally:
            progress.end()
        assert pulled is not None
        took = time.monotonic() - began
        out.write(tr(
            f"同步完成：收到 {pulled.applied:,} 条记录（{pulled.wire_bytes / 1e6:.1f} MB），发送 {pushed.ok:,} 项更改，"
            f"冲突 {pushed.conflicts:,}，被拒 {pushed.rejected:,}，用时 {took:.1f} 秒\n",
            f"Synced: {pulled.applied:,} records received ({pulled.wire_bytes / 1e6:.1f} MB), {pushed.ok:,} changes "
            f"sent, {pushed.conflicts:,} conflicts, {pushed.rejected:,} refused, {took:.1f} s\n",
        ))
        out.flush()
        if pushed.stopped is not None:
            return fail(err, "failed", tr("部分更改未能发送，留待下次同步：", "Some changes were not sent; they wait "
                                                                   "for the next sync: ")
                        + pushed.stopped.message(session.lang))
        return EXIT["ok"]
    finally:
        await svc.close()
        stop()


def _disk_full(path: Any, detail: str) -> str:
    return tr(f"磁盘已满：无法写入本地缓存 {path}（{detail}）；请腾出空间后重试，已同步的部分不会丢失",
              f"Disk full: cannot write the local cache {path} ({detail}); free some space and run it again "
              "(what was synced so far is kept)")


def _os_error(err: TextIO, e: OSError) -> int:
    import errno

    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return fail(err, "disk_full", _disk_full(e.filename or "", e.strerror or str(e)))
    return fail(err, "failed", str(e))
