"""`zhumeng-tui` command line (placeholder until the app lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("zhumeng-tui: the app is not built yet; run `zhumeng-server --demo`.")
