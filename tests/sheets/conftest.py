"""The spreadsheet tests' fixtures: signed-in services over the default demo
server (synced), and helpers that build input files with openpyxl and read
the written ones back."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.support import DemoServer, open_services
from zhumeng_tui.services.local import LocalServices


@pytest.fixture
async def univ(server: DemoServer, tmp_path: Path) -> AsyncIterator[LocalServices]:
    services = await open_services(server, tmp_path / "univ", "demo-univ", sync=True)
    yield services
    await services.close()


@pytest.fixture
async def dept(server: DemoServer, tmp_path: Path) -> AsyncIterator[LocalServices]:
    services = await open_services(server, tmp_path / "dept", "demo-dept", sync=True)
    yield services
    await services.close()


def xlsx(path: Path, rows: Sequence[Sequence[Any]], *, title: str | None = None) -> Path:
    """A workbook with ``rows`` (the first is the header), under a merged title row when given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]), 2))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def csv_file(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def read_xlsx(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return [list(r) for r in ws.iter_rows(values_only=True)]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))
