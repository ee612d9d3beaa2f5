"""The progress of ``zhumeng-tui sync``: on a terminal one line rewritten in
place with the records and bytes so far, the rate and the time left; plain
lines, not too many of them, when the output is a file or a pipe."""

from __future__ import annotations

import io

from zhumeng_tui.commands.sync import PLAIN_EVERY, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_one_line_with_the_rate_and_the_time_left() -> None:
    out, clock = Terminal(), Clock()
    received = [0]
    progress = Progress(out, lambda: received[0], clock)
    clock.now += 2
    received[0] = 3_000_000
    progress(10_000, 50_000)
    assert out.getvalue() == "\r同步中：10,000/50,000 条记录，3.0 MB，5,000 条/秒，剩余约 8 秒"
    clock.now += 0.1
    received[0] = 15_500_000
    progress(50_000, 50_000)
    progress.end()
    lines = out.getvalue().split("\r")[1:]
    assert lines[-1].startswith("同步中：50,000/50,000 条记录，15.5 MB") and "剩余" not in lines[-1]
    assert out.getvalue().endswith("\n") and out.getvalue().count("\n") == 1
    # the shorter line blanks what was left of the longer one before it
    assert len(lines[1].rstrip("\n")) >= len(lines[0])


def test_in_english_when_asked() -> None:
    from zhumeng_tui.i18n import get_lang, set_lang

    was = get_lang()
    set_lang("en")
    try:
        out, clock = Terminal(), Clock()
        progress = Progress(out, lambda: 2_000_000, clock)
        clock.now += 4
        progress(2_000, 10_000)
    finally:
        set_lang(was)
    assert out.getvalue() == "\rSyncing: 2,000/10,000 records, 2.0 MB, 500 records/s, about 16 s left"


def test_not_on_a_terminal_plain_lines_every_few_seconds_and_the_last_one() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, lambda: 1_000_000, clock)
    for done in range(1_000, 20_000, 1_000):  # pages in quick succession
        clock.now += PLAIN_EVERY / 4
        progress(done, 20_000)
    progress(20_000, 20_000)
    progress.end()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert 1 < len(lines) < 19
    assert lines[0].startswith("同步中：1,000/20,000 条记录")
    assert lines[-1].startswith("同步中：20,000/20,000 条记录")


def test_without_a_total_no_time_left() -> None:
    out, clock = Terminal(), Clock()
    progress = Progress(out, lambda: 0, clock)
    clock.now += 1
    progress(500, None)
    assert out.getvalue() == "\r同步中：500 条记录，0.0 MB，500 条/秒"
