"""Deterministic demo data (``zhumeng-server --demo``, the app's embedded default).

``generate(engine, students=3000, seed=1, today=...)`` fills a freshly migrated,
empty database with bulk inserts: one in-province university with 12
departments, employers of all six types across the 21 市州 of Sichuan and
省本级, positions (a few with illegal lengths), ~1.35 applications per student in
every status, students failing each eligibility check, withdrawals at every
step (one overdue), follow-ups, integrity entries and staff accounts. Dates are
relative to ``today``. Same seed + size + today -> the same database.

One module per subject (organisation, students, applications, tracking), the
shared state and random draws in ``gen``, the words in ``vocab``, the inserts
in ``database``.
"""

from __future__ import annotations

from zhumeng_server.demo.database import GENERATOR_VERSION, generate
from zhumeng_server.demo.organisation import DEMO_PASSWORD
from zhumeng_server.demo.vocab import REGIONS

__all__ = ["DEMO_PASSWORD", "GENERATOR_VERSION", "REGIONS", "generate"]
