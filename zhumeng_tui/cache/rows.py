"""How a record becomes a row of its mirror table ``m_<type>``:
``[id, version, seq, data, *columns]`` (see ``schema.MIRROR``).

One way for every record, from its JSON text: a :class:`RowReader` per type
decodes only the fields its columns, its :data:`~schema.DERIVED` values and
its :data:`~schema.CLEANUP` read (a generated ``msgspec`` struct; every other
field is skipped without building anything), and the text is stored as it
is. A record that arrives as a dict (an optimistic local record, a server's
answer) is serialised first and read the same way.

A new record type needs nothing here: its columns in ``schema.MIRROR`` (and
its derived values in ``schema.DERIVED``) are all the reader is made of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import msgspec

from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.cache.schema import CLEANUP, DERIVED, MIRROR, Data, dumps, transform

Row = list[Any]

#: The fields every row reads besides the columns.
_KEYS = ("id", "version", "seq")


class Gone:
    """The entry of a tombstone in :meth:`RowReader.from_feed`."""


GONE: Final = Gone()


class RowReader:
    """The rows of one record type."""

    def __init__(self, rtype: str) -> None:
        self.rtype = rtype
        cols = MIRROR[rtype]
        derived = DERIVED.get(rtype)
        self.cleanup = CLEANUP.get(rtype)
        derived_names = set(derived.gives if derived else ())
        fields: dict[str, None] = dict.fromkeys(_KEYS)
        fields.update(dict.fromkeys(c.name for c in cols if c.name not in derived_names))
        fields.update(dict.fromkeys(derived.reads if derived else ()))
        fields.update(dict.fromkeys(self.cleanup.reads if self.cleanup else ()))
        shapes = derived.shapes if derived else {}
        view = msgspec.defstruct(f"{rtype}_view", [(f, shapes.get(f, Any), None) for f in fields])
        self._decode: Callable[[Any], Any] = msgspec.json.Decoder(view).decode
        # generated: one expression per column, no per-column branching (runs per record)
        parts = [f"x.get({c.name!r})" if c.name in derived_names else f"v.{c.name}" for c in cols]
        pre = "x = derive(v)\n    " if derived else ""
        src = f"def values(v):\n    {pre}return [{', '.join(parts)}]\n"
        # the rows of a page's changes of this type, in one loop (a first sync
        # runs it for every record): the same values, inlined
        changed = " or needed(v)" if self.cleanup is not None else ""
        pre = "x = derive(v)\n        " if derived else ""
        src += (
            "def from_feed(changes):\n"
            "    out = []\n"
            "    add = out.append\n"
            "    for ch in changes:\n"
            "        if ch.gone:\n"
            "            add(GONE)\n"
            "            continue\n"
            "        data = ch.data\n"
            "        v = decode(data)\n"
            f"        if v.id != ch.id or v.version != ch.version or v.seq != ch.seq{changed}:\n"
            "            add(None)\n"
            "            continue\n"
            f"        {pre}add([v.id, v.version, v.seq, data, {', '.join(parts)}])\n"
            "    return out\n"
        )
        env: dict[str, Any] = {"derive": derived.compute if derived else None, "decode": self._decode,
                               "needed": self.cleanup.needed if self.cleanup else None, "GONE": GONE}
        exec(compile(src, f"<rows of {rtype}>", "exec"), env)
        self._values: Callable[[Any], Row] = env["values"]
        self._from_feed: Callable[[Sequence[FeedChange]], list[Row | Gone | None]] = env["from_feed"]

    def from_feed(self, changes: Sequence[FeedChange]) -> list[Row | Gone | None]:
        """One entry per change (all of this type): its row, the record's JSON
        stored as sent; :data:`GONE` for a tombstone; None when the record
        must be changed first (its id, version or seq differ from the
        change's, or a cleanup applies): :meth:`from_record` then."""
        return self._from_feed(changes)

    def from_record(self, data: Data, seq: int | None = None, *, text: str | None = None) -> Row:
        """The row of a record given as a dict (cleaned up first); ``seq``
        defaults to the record's own; ``text``: ``data`` as JSON, when the
        caller has it already (a type with a cleanup serialises it again)."""
        data = transform(self.rtype, data)
        version = int(data.get("version") or 1)
        if seq is None:
            seq = int(data.get("seq") or 0)
        if text is None or self.cleanup is not None:
            text = dumps(data)
        return [int(data["id"]), version, seq, text, *self._values(self._decode(text))]


def scalar_row(row: Row) -> Row:
    """``row`` with every list or dict in a column as NULL (a record whose
    field holds an odd value is still stored; its column is empty)."""
    return [*row[:4], *(None if isinstance(x, list | dict) else x for x in row[4:])]


READERS: dict[str, RowReader] = {rtype: RowReader(rtype) for rtype in MIRROR}
