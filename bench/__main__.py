"""`make bench` / `python -m bench`: every registered benchmark, each figure
beside its budget (docs/architecture.md, Budgets), and a last line
``bench: N within budget, M over budget``.

    python -m bench [--students 50000] [--cache-rows 200000] [--dir .bench] [--only sync,queries]
                    [--runs 3] [--quick]

Benchmarks live in the modules of this package; each registers itself with
``bench.registry.bench`` (see there).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import bench as pkg
from bench.registry import BENCHES, Context, Figure

INFRA = {"__main__", "registry", "server", "data"}


def discover() -> None:
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in INFRA:
            importlib.import_module(f"bench.{mod.name}")


def machine_speed() -> float:
    """Seconds this machine takes for ten million additions in a Python loop
    (the best of three): the yardstick printed first, so that figures taken
    on different machines, or on a VM whose speed varies, can be compared."""
    best = float("inf")
    for _ in range(3):
        t, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--students", type=int, default=50_000, help="students on the demo server (sync bench)")
    ap.add_argument("--cache-rows", type=int, default=200_000, help="applications in the big cache")
    ap.add_argument("--dir", type=Path, default=Path(".bench"), help="where generated data is kept")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs of the first sync, of the sync after it and of the bulk approval, each figure their median"
                         " (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="small sizes, one run (a smoke test, not the budgets)")
    args, _rest = ap.parse_known_args(argv)
    if args.quick:
        args.students, args.cache_rows = 2000, 20_000
    args.runs = max(1, args.runs or (1 if args.quick else 3))
    discover()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    ctx = Context(args=args, directory=args.dir.resolve())
    ctx.directory.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []
    failed = 0
    print(f"machine: 10 million additions in a Python loop take {machine_speed():.2f} s", flush=True)
    try:
        for b in sorted(BENCHES, key=lambda b: b.order):
            if only and b.name not in only:
                continue
            print(f"{b.name}:", flush=True)
            t = time.perf_counter()
            try:
                figs = b.fn(ctx)
            except Exception:
                failed += 1
                traceback.print_exc()
                print(f"  FAILED {b.name}", flush=True)
                continue
            for f in figs:
                print(f.line(), flush=True)
            figures += figs
            print(f"  ({time.perf_counter() - t:.1f} s)", flush=True)
    finally:
        ctx.close()
    within = sum(1 for f in figures if f.within is True)
    over = sum(1 for f in figures if f.within is False)
    extra = f", {failed} failed" if failed else ""
    print(f"bench: {within} within budget, {over} over budget{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
