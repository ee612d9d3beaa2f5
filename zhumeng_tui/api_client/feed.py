"""A page of the change feed (``GET /changes``) as the client reads it.

:func:`decode_page` checks the envelope and every change's fields
(``type``, ``id``, ``seq``, ``version``, ``deleted``) but leaves each
record's JSON as the server sent it (:class:`msgspec.Raw`, a slice of the
answer, nothing copied or parsed): the cache stores that text as it is and
reads only the fields its columns need (``cache.schema``). Building a Python
object for every field of every record is most of the time a first sync
would spend on the client otherwise.

The page's wire form is :class:`zhumeng_tui.api_client.schemas.ChangesResponse`
(what the server documents); this module reads the same JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from zhumeng_tui.api_client.schemas import RecordType

#: A tombstone's ``data``.
NULL = msgspec.Raw(b"null")


class FeedChange(msgspec.Struct):
    """One change: a record's newest state, or a tombstone (``deleted``, or no ``data``)."""

    type: RecordType
    id: int
    seq: int
    version: int
    deleted: bool = False
    #: The record's JSON text as the server sent it (``null`` for a tombstone).
    data: msgspec.Raw = NULL

    def __post_init__(self) -> None:
        first = memoryview(self.data)[:1].tobytes()
        if first != b"{" and bytes(self.data) != b"null":
            raise ValueError("data must be an object or null")

    @property
    def gone(self) -> bool:
        """A tombstone: the record was deleted (or is no longer visible)."""
        return self.deleted or (len(self.data) == 4 and bytes(self.data) == b"null")

    def record(self) -> dict[str, Any] | None:
        """The record as a dict (None for a tombstone)."""
        if self.gone:
            return None
        data: dict[str, Any] = msgspec.json.decode(self.data)
        return data

    @classmethod
    def of(cls, rtype: str, rid: int, seq: int, data: dict[str, Any] | None, *, version: int = 1,
           deleted: bool = False) -> FeedChange:
        """A change made from a record (tests, benchmarks, synthetic feeds)."""
        raw = NULL if data is None else msgspec.Raw(msgspec.json.encode(data))
        return cls(type=rtype, id=rid, seq=seq, version=version, deleted=deleted, data=raw)  # type: ignore[arg-type]


class FeedPage(msgspec.Struct):
    changes: list[FeedChange]
    cursor: int
    has_more: bool
    #: ``since`` is older than the tombstones kept (or ahead of the server):
    #: drop the mirror and pull again from 0.
    reset: bool = False
    #: The server's tombstone horizon, to send back with the next page.
    horizon: int = 0


@dataclass(frozen=True)
class PageInfo:
    """What the HTTP answer said about a page besides its body."""

    #: The server's count of the changes in scope after ``since`` (asked with ``total=true``).
    total: int | None = None
    #: Bytes received for the page (compressed, as on the wire).
    wire_bytes: int = 0
    #: Bytes of the page's JSON.
    json_bytes: int = 0


_decoder = msgspec.json.Decoder(FeedPage)


def decode_page(body: bytes) -> FeedPage:
    """A page of the feed; ``msgspec.ValidationError`` / ``DecodeError`` (both
    ``ValueError``) for anything that is not a well-formed page."""
    return _decoder.decode(body)
