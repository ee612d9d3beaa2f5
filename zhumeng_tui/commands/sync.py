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

import time
from collections.abc import Callable
from typing import TextIO

from zhumeng_tui.commands import EXIT
from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.services import CacheFull, Services

#: Seconds between two progress lines when stderr is not a terminal.
PLAIN_EVERY = 2.0


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


async def sync_command(services: Services, err: TextIO, out: TextIO) -> int:
    """Sync, print the summary; the exit status."""
    from zhumeng_tui.api_client.errors import Unauthorised

    began = time.monotonic()
    progress = Progress(err, services.sync_received)
    try:
        status = await services.sync(progress)
    except Unauthorised as e:
        return fail(err, "sign_in", tr("登录已失效，请重新登录：", "The session expired; sign in again: ")
                    + e.message(get_lang()))
    except CacheFull as e:
        return fail(err, "disk_full", tr(e.message_zh, e.message_en))
    finally:
        progress.end()
    done = status.last_round
    if done is None or not done.complete:
        if not status.online:
            return fail(err, "unreachable", tr("无法连接服务器（本机缓存未更新完）：", "Server unreachable (the local "
                                               "cache is not up to date): ") + (status.message or ""))
        return fail(err, "failed", status.message or tr("同步未完成", "The sync did not finish"))
    took = time.monotonic() - began
    out.write(tr(
        f"同步完成：收到 {done.received:,} 条记录（{done.received_bytes / 1e6:.1f} MB），发送 {done.sent:,} 项更改，"
        f"冲突 {done.conflicts:,}，被拒 {done.refused:,}，用时 {took:.1f} 秒\n",
        f"Synced: {done.received:,} records received ({done.received_bytes / 1e6:.1f} MB), {done.sent:,} changes "
        f"sent, {done.conflicts:,} conflicts, {done.refused:,} refused, {took:.1f} s\n",
    ))
    out.flush()
    if status.message:
        return fail(err, "failed", tr("部分更改未能发送，留待下次同步：", "Some changes were not sent; they wait "
                                                               "for the next sync: ") + status.message)
    return EXIT["ok"]
