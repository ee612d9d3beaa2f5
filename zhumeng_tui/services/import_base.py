"""The parts every kind of import is declared with (``services.import_kinds``
lists the kinds): the context a declaration reads, a column (its headers and
how a cell becomes a value), a kind (its key columns, the records a key
names, the check of a change, the outbox entries it becomes), the key and
name columns most kinds share, and the cell readers several kinds use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from zhumeng_tui.api_client.schemas import MAX_BATCH_ITEMS, Me
from zhumeng_tui.cache.outbox import Mutation
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain import cells
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import Change
from zhumeng_tui.domain.status import Role

Pair = tuple[str, str]
#: A row's key: the values of its kind's key columns (``(学号,)`` for most kinds).
RowKey = tuple[Any, ...]
#: Reads a record as it is when the outbox entries are built: (type, id) -> record or None.
CurrentRecord = Callable[[str, int], dict[str, Any] | None]
#: Records per outbox entry (one batch request each: the server's cap).
BATCH = MAX_BATCH_ITEMS


class Target(Protocol):
    """A record a row's key names."""

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def out_of_province(self) -> bool: ...
    @property
    def fields(self) -> dict[str, Any]: ...


class ColumnError(DomainError):
    """A refusal about one field of a row: the analysis names its column."""

    def __init__(self, field: str, error: DomainError) -> None:
        super().__init__(error.code, error.message_zh, error.message_en)
        self.field = field


@dataclass(frozen=True)
class Context:
    """What a declaration reads: the cache, the account's role, today, the
    language, and the account (its university, city, username)."""

    cache: Cache
    role: Role
    today: dt.date
    lang: str
    me: Me | None = None

    def t(self, pair: Pair) -> str:
        return pair[1] if self.lang == "en" else pair[0]


@dataclass(frozen=True)
class ImportColumn:
    """A column an import reads: the record field it sets, its header, the
    other headers a file may give it, how a cell becomes the value sent (a
    DomainError says what is wrong), and how a value reads in the analysis."""

    field: str
    label: Pair
    aliases: tuple[str, ...] = ()
    parse: Callable[[Any], Any] = cells.cell_text
    show: Callable[[Any, str], str] = lambda value, lang: "" if value is None else str(value)

    def headers(self) -> set[str]:
        return {cells.header_key(h) for h in (*self.label, *self.aliases)}


@dataclass
class Planned:
    """One row's change of one record: the values it sets (only those that differ)."""

    row: int
    target: Any
    values: dict[str, Any]


@dataclass(frozen=True)
class ImportKind:
    """One kind of import (see the module docstring)."""

    name: str
    title: Pair
    #: The change it makes (who may: ``permissions.check_role``).
    change: Change
    columns: tuple[ImportColumn, ...]
    #: The records these row keys name, by key (a list: more than one is
    #: refused as ambiguous; none: the key is unknown). A key may instead map
    #: to the refusal of the whole row (a ColumnError names its column).
    targets: Callable[[Context, Collection[RowKey]], dict[RowKey, list[Any] | DomainError]]
    #: Refuses (DomainError; a ColumnError names the field) setting ``values`` on ``target``.
    check: Callable[[Context, Any, dict[str, Any]], None]
    #: The outbox entries of the changes, built inside the outbox's write
    #: transaction from the records as they are then (``current`` reads one).
    mutations: Callable[[Context, list[Planned], CurrentRecord], list[Mutation]]
    #: Lines saying what the changes do beyond themselves.
    effects: Callable[[Context, list[Planned]], list[str]] = lambda ctx, planned: []
    #: What a row's key matches none of (localised by the caller).
    unknown: Pair = ("未知学号（不在本账号可见的学生中）", "Unknown student number (not among this account's students)")
    #: The columns that name a row's record (each among ``columns``; the same
    #: key twice in a file is refused). The header row is the one naming the first.
    key: tuple[ImportColumn, ...] = ()
    #: Values every row sets whatever its cells (a sign-in row: attended), each
    #: with the column that labels and shows it in the analysis.
    implied: tuple[tuple[ImportColumn, Any], ...] = ()
    #: Does the row's change make a record (a case, an attendance, a post)
    #: rather than change one? A row that makes one is never "unchanged".
    is_new: Callable[[Any], bool] = lambda target: False

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", (KEY,))


def yes_no(value: Any, lang: str) -> str:
    if value is None:
        return ""
    return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")


def iso_date(what: Pair) -> Callable[[Any], str]:
    return lambda v: cells.parse_date(v, what).isoformat()


def yes_no_cell(what: Pair) -> Callable[[Any], bool]:
    return lambda v: cells.parse_bool(v, what)


# ------------------------------------------------------------------ keys --

KEY = ImportColumn("student_no", ("学号", "Student no."), ("学生学号", "Student number", "student_no", "studentno"),
                   cells.parse_student_no)
#: 姓名 is read to catch a 学号 typo that names another student.
NAME = ImportColumn("name", ("姓名", "Name"), ("学生姓名", "Student name"))


def by_student_no(
    find: Callable[[Cache, Collection[str]], dict[str, list[Any]]],
) -> Callable[[Context, Collection[RowKey]], dict[RowKey, list[Any] | DomainError]]:
    """``targets`` of a kind keyed on 学号 alone, from a lookup by 学号."""
    def targets(ctx: Context, keys: Collection[RowKey]) -> dict[RowKey, list[Any] | DomainError]:
        return {(no,): found for no, found in find(ctx.cache, [k[0] for k in keys]).items()}

    return targets


def in_batches(planned: list[Planned]) -> list[list[Planned]]:
    return [planned[i : i + BATCH] for i in range(0, len(planned), BATCH)]


def changed_values(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if current.get(k) != v}
