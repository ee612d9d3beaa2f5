"""Table benchmarks (each figure is printed beside its budget).

1. Time to show 50,000 rows: the app's ``ApplicationTable`` (a Line-API scroll view
   that draws only the rows in view, fixed column widths) vs Textual's built-in
   ``DataTable`` fed the same rows — from creating the widget to the first painted
   frame.
2. A filter keystroke at 200,000 cached applications: the review-queue screen of
   the real app over a real SQLite cache (``LocalServices``), from the filter
   change to the updated table (the query runs in a thread worker). The 150 ms
   debounce of the search box is not included (it is a fixed, deliberate delay).

    python -m bench.table [--rows 50000] [--cache-rows 200000] [--dir .bench]   # or: make bench

The 200,000-row cache is the shared one of ``bench.client.big_cache`` (built
once from synthetic change-feed records, kept in ``--dir``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.registry import Context, Figure, bench

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
DEPARTMENTS = ["计算机科学与技术学院", "经济管理学院", "外国语学院", "土木工程学院", "医学院", "化学与材料学院", "文学与新闻学院", "法学院"]
STATUSES = ["applied", "matched", "dept_confirmed", "approved", "rejected", "returned", "on_duty", "completed"]
COLUMNS = ["student_no", "name", "department", "employer", "position", "city", "status", "worst", "failed_checks", "local_state"]


def synthetic_rows(n: int, seed: int = 1) -> tuple[list[int], pa.Table]:
    r = random.Random(seed)
    data: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for i in range(n):
        data["student_no"].append(f"{2022 + i % 4}{i:07d}")
        data["name"].append(r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2)))))
        data["department"].append(DEPARTMENTS[i % len(DEPARTMENTS)])
        data["employer"].append(f"{r.choice(['成都', '绵阳', '自贡', '泸州'])}市第{i % 97}研究所")
        data["position"].append(r.choice(["科研助理", "行政助理", "乡村振兴专员", "柜员"]))
        data["city"].append(r.choice(["成都市", "绵阳市", "自贡市", "泸州市"]))
        data["status"].append(r.choice(STATUSES))
        fail = r.random() < 0.1
        data["worst"].append("fail" if fail else r.choice(["pass", "pass", "warn"]))
        data["failed_checks"].append("report_form" if fail else "")
        data["local_state"].append(None)
    table = pa.table({c: pa.array(v, pa.string()) for c, v in data.items()})
    return list(range(1, n + 1)), table


# ------------------------------------------------------------ 1: render ----


async def _time_show(make: Callable[[], Any], fill: Callable[[Any], None], size: tuple[int, int]) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("bench")

    app = Host()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        t0 = time.perf_counter()
        widget = make()
        await app.mount(widget)
        fill(widget)
        await pilot.pause()  # idle: dimensions
        await pilot.pause()  # the repaint
        widget.render_line(1)  # a row really drawn
        return time.perf_counter() - t0


def bench_render(n: int, repeat: int = 3) -> dict[str, Any]:
    from textual.widgets import DataTable as BuiltinTable

    from zhumeng_tui.services import ApplicationRows
    from zhumeng_tui.widgets.app_table import ApplicationTable
    from zhumeng_tui.widgets.columns import column_label

    ids, table = synthetic_rows(n)
    rows = ApplicationRows(ids=ids, table=table, columns=COLUMNS)
    records = [tuple(r.values()) for r in table.to_pylist()]

    def fast_make() -> Any:
        return ApplicationTable(set())

    def fast_fill(w: Any) -> None:
        w.show_rows(rows)

    def builtin_make() -> Any:
        return BuiltinTable(cursor_type="row")

    def builtin_fill(w: Any) -> None:
        w.add_columns("✓", *[column_label(c) for c in COLUMNS])
        w.add_rows(("", *rec) for rec in records)

    empty = ApplicationRows(ids=[], table=table.slice(0, 0), columns=COLUMNS)

    def empty_fill(w: Any) -> None:
        w.show_rows(empty)

    size = (120, 40)
    baseline = [asyncio.run(_time_show(fast_make, empty_fill, size)) for _ in range(repeat)]
    fast = [asyncio.run(_time_show(fast_make, fast_fill, size)) for _ in range(repeat)]
    # the built-in table takes tens of seconds at this size: once is enough
    builtin = [asyncio.run(_time_show(builtin_make, builtin_fill, size))]
    return {
        "rows": n,
        "fast_table_s": round(statistics.median(fast), 4),
        # mounting + painting an empty table in the headless harness (fixed cost)
        "empty_table_s": round(statistics.median(baseline), 4),
        "fast_table_minus_empty_s": round(statistics.median(fast) - statistics.median(baseline), 4),
        "builtin_datatable_s": round(statistics.median(builtin), 4),
        "speedup": round(statistics.median(builtin) / statistics.median(fast), 1),
        "budget_s": 0.3,
    }


# ------------------------------------------------------------ 2: filter ----


async def _time_filter(services: Any, texts: list[str]) -> dict[str, Any]:
    """The real app over ``services`` (a LocalServices on a big cache)."""
    from textual.widgets import Select

    from zhumeng_tui.app import Connected, LaunchOptions, ZhumengApp
    from zhumeng_tui.screens.review import ReviewQueueScreen
    from zhumeng_tui.services import AppFilter, SortSpec
    from zhumeng_tui.widgets.filter_bar import FilterBar

    async def connect(url: str, user: str, password: str | None) -> Connected:
        return Connected(services)

    app = ZhumengApp(
        LaunchOptions(server_url="http://127.0.0.1:9", username="bench", password="x", sync_on_start=False, sync_interval=0),
        connect,
    )
    out: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while app.services is None:
            await pilot.pause(0.01)
        t0 = time.perf_counter()
        app.push_screen(ReviewQueueScreen())
        while not (isinstance(app.screen, ReviewQueueScreen) and app.screen.rows is not None):
            await pilot.pause(0.05)
        await pilot.pause()
        screen = app.screen
        out["rows"] = len(screen.rows.ids)
        out["open_queue_s"] = round(time.perf_counter() - t0, 4)
        bar = screen.query_one(FilterBar)
        bar.focus_search()
        await pilot.pause()
        loaded = asyncio.Event()
        shown_at = [0.0]

        def on_rows(rows: Any) -> None:
            shown_at[0] = time.perf_counter()  # the table holds the new rows
            loaded.set()

        screen.on_rows = on_rows  # type: ignore[method-assign]
        timings = []
        for text in texts:
            # one keystroke: the search box goes from text[:-1] to text
            bar.search.value = text[:-1]
            bar.search.cursor_position = len(text) - 1
            await pilot.pause(bar.DEBOUNCE + 0.05)
            while screen._loading:  # poll: waiting on ``loaded`` here could miss a result
                await pilot.pause(0.01)
            await pilot.pause()  # the previous result painted: the app is idle, as between two keys
            loaded.clear()
            t0 = time.perf_counter()
            if text:
                await pilot.press(text[-1])
            else:
                await pilot.press("backspace")
            await asyncio.wait_for(loaded.wait(), 30)
            t_paint = time.perf_counter()
            for y in range(screen.table.size.height):  # the first drawing of the new rows
                screen.table.render_line(y)
            paint = time.perf_counter() - t_paint
            total = shown_at[0] - t0 + paint
            timings.append((text, round(total - bar.DEBOUNCE, 4), len(screen.rows.ids)))
        out["keystrokes"] = timings
        out["keystroke_median_s"] = round(statistics.median(t for _, t, _ in timings), 4)
        # the status select: each change queries at once (no debounce)
        bar.search.value = ""
        await pilot.pause(bar.DEBOUNCE + 0.05)
        while screen._loading:
            await pilot.pause(0.01)
        select = screen.query_one("#f-status", Select)
        picks = []
        for status in [*STATUS_PICKS, None]:
            loaded.clear()
            t0 = time.perf_counter()
            if status is None:
                select.clear()
            else:
                select.value = status
            await asyncio.wait_for(loaded.wait(), 30)
            t_paint = time.perf_counter()
            for y in range(screen.table.size.height):
                screen.table.render_line(y)
            picks.append((status or "*", round(shown_at[0] - t0 + time.perf_counter() - t_paint, 4),
                          len(screen.rows.ids)))
        out["status_changes"] = picks
        out["status_change_median_s"] = round(statistics.median(t for _, t, _ in picks), 4)
        q = []
        for text, _t, _n in timings:
            t0 = time.perf_counter()
            services.forget_results()
            rows = services.query_applications(AppFilter(text=text), SortSpec())
            if len(rows.ids):
                rows.row(0)  # and the first page, as the table reads it
            q.append(time.perf_counter() - t0)
        out["query_only_median_s"] = round(statistics.median(q), 4)
    return out


#: What a user types: a surname, then a full name, pinyin initials, a student number.
TYPED = ["王", "王芳", "w", "wf", "2023", "20230001", "张", "zh", "zhang", "李", "l", "2024"]
#: Then the status select: each of these, then back to all statuses.
STATUS_PICKS = ["matched", "dept_confirmed", "approved", "returned"]


def bench_filter(services: Any) -> dict[str, Any]:
    return asyncio.run(_time_filter(services, TYPED))


# ---------------------------------------------------- `make bench` entry ----


@bench("table-show", order=50)
def show_table_bench(ctx: Context) -> list[Figure]:
    n = 5_000 if getattr(ctx.args, "quick", False) else 50_000
    r = bench_render(n)
    return [
        Figure(f"application table: {n:,} rows shown", r["fast_table_s"] * 1000, "ms", budget=300,
               note=f"{r['empty_table_s'] * 1000:.0f} ms of it mounting/painting any table"),
        Figure(f"Textual built-in DataTable: same {n:,} rows", r["builtin_datatable_s"] * 1000, "ms",
               note=f"{r['speedup']}x the fast table"),
    ]


@bench("table-filter", order=51)
def filter_bench(ctx: Context) -> list[Figure]:
    from bench.client import big_cache

    r = bench_filter(big_cache(ctx))
    ctx.resources.pop("big_cache", None)  # the app closed its services on exit: the next user opens them again
    n = r["rows"]
    return [
        Figure(f"filter keystroke -> updated table ({n:,} rows)", r["keystroke_median_s"] * 1000, "ms",
               budget=100, note=f"median of {len(r['keystrokes'])}; 150 ms debounce not included"),
        Figure("  of which the facade query", r["query_only_median_s"] * 1000, "ms"),
        Figure(f"status filter change -> updated table ({n:,} rows)", r["status_change_median_s"] * 1000, "ms",
               budget=100, note=f"median of {len(r['status_changes'])}"),
        Figure("open the review queue (all 200,000 rows)", r["open_queue_s"] * 1000, "ms"),
    ]


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="bench.table", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--cache-rows", type=int, default=200_000)
    p.add_argument("--dir", type=Path, default=Path(".bench"))
    p.add_argument("--skip-filter", action="store_true")
    args = p.parse_args(argv)
    results: dict[str, Any] = {"show_table": bench_render(args.rows)}
    print(json.dumps({"show_table": results["show_table"]}, ensure_ascii=False), flush=True)
    if not args.skip_filter:
        from bench.client import big_cache

        ctx = Context(args=args, directory=args.dir.resolve())
        results["filter_keystroke"] = bench_filter(big_cache(ctx))
        print(json.dumps({"filter_keystroke": results["filter_keystroke"]}, ensure_ascii=False), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
