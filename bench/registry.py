"""The benchmark registry: each bench function returns figures, each figure is
printed beside its budget (docs/architecture.md, Budgets).

Add a benchmark from any module in ``bench/`` (``python -m bench`` imports
them all)::

    from bench.registry import Figure, bench

    @bench("table: 50,000 rows shown", order=50)
    def show_table(ctx: Context) -> list[Figure]:
        t = ...
        return [Figure("table of 50,000 rows", t * 1000, "ms", budget=300)]

``ctx`` gives shared, lazily built resources (a demo server, synced caches)
so benchmarks do not rebuild them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    name: str
    value: float
    unit: str  # "ms", "s", "MB", "requests"
    budget: float | None = None  # None: informational only
    note: str = ""

    @property
    def within(self) -> bool | None:
        return None if self.budget is None else self.value <= self.budget

    def line(self) -> str:
        val = f"{self.value:,.0f}" if self.value >= 100 or self.unit == "requests" else f"{self.value:,.2f}"
        budget = "" if self.budget is None else f"budget {self.budget:,g} {self.unit}"
        mark = {True: "ok  ", False: "OVER", None: "    "}[self.within]
        note = f"  ({self.note})" if self.note else ""
        return f"  {mark} {self.name:<52} {val:>10} {self.unit:<8} {budget}{note}"


@dataclass
class Context:
    """Shared state for the benchmarks of one run (resources built on first use)."""

    args: argparse.Namespace
    directory: Path
    resources: dict[str, Any] = field(default_factory=dict)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def get(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self.resources:
            self.resources[key] = build()
        return self.resources[key]

    def close(self) -> None:
        for fn in reversed(self.cleanups):
            fn()
        self.cleanups.clear()


BenchFn = Callable[[Context], list[Figure]]


@dataclass
class Bench:
    name: str
    fn: BenchFn
    order: int = 100


BENCHES: list[Bench] = []


def bench(name: str, *, order: int = 100) -> Callable[[BenchFn], BenchFn]:
    def register(fn: BenchFn) -> BenchFn:
        BENCHES.append(Bench(name, fn, order))
        return fn

    return register
