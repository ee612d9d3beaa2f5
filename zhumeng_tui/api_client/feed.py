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

import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import zstandard

from zhumeng_tui.api_client.schemas import CURSOR_HEADER, HAS_MORE_HEADER, HORIZON_HEADER, RecordType

#: A tombstone's ``data``.
NULL = msgspec.Raw(b"null")
_OPEN_BRACE = ord("{")


class FeedChange(msgspec.Struct):
    """One change: a record's newest state, or a tombstone (``deleted``, or no ``data``)."""

    type: RecordType
    id: int
    seq: int
    version: int
    deleted: bool = False
    #: The record's JSON text as the server sent it (``null`` for a tombstone).
    data: msgspec.Raw = NULL

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


@dataclass(frozen=True)
class PageEnd:
    """What a page says of the page after it: its ``cursor``, ``has_more`` and ``horizon``."""

    cursor: int
    has_more: bool
    horizon: int

    @classmethod
    def of(cls, page: FeedPage) -> PageEnd:
        return cls(page.cursor, page.has_more, page.horizon)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> PageEnd | None:
        """What the answer's headers say (``X-Cursor``, ``X-Has-More``,
        ``X-Horizon``), or None when they do not say it all (a server that
        does not send them): the next page can be asked for before this one
        is decoded."""
        cursor, more, horizon = (headers.get(h, "") for h in (CURSOR_HEADER, HAS_MORE_HEADER, HORIZON_HEADER))
        if not (cursor.isdigit() and horizon.isdigit() and more in ("true", "false")):
            return None
        return cls(int(cursor), more == "true", int(horizon))


@dataclass(frozen=True)
class EncodedPage:
    """A page of the feed as it came on the wire, not decoded yet
    (``ApiClient.read_page`` decodes it: a page is a few MB of JSON)."""

    body: bytes
    #: Its ``Content-Encoding`` (``""``: plain JSON).
    coding: str
    #: What the answer said besides the body (``json_bytes`` is known once it is decoded).
    info: PageInfo
    #: What its headers said of the next page (None: they did not say; the body is what counts).
    end: PageEnd | None


_decoder = msgspec.json.Decoder(FeedPage)


def decode_page(body: bytes) -> FeedPage:
    """A page of the feed; ``msgspec.ValidationError`` / ``DecodeError`` (both
    ``ValueError``) for anything that is not a well-formed page."""
    page: FeedPage = _decoder.decode(body)
    # one loop here rather than a check per change while decoding (a
    # ``__post_init__`` call for each of ~190,000 changes of a first sync)
    for ch in page.changes:
        data = ch.data
        if memoryview(data)[0] != _OPEN_BRACE and data != NULL:
            raise msgspec.ValidationError(f"the data of change {ch.seq} must be an object or null")
    return page


#: The codings a page is asked in (``Accept-Encoding``), best first.
ENCODED_CODINGS = "zstd, gzip"


def decompress(body: bytes, coding: str) -> bytes:
    """An answer's body as it came on the wire (``coding``: its
    ``Content-Encoding``) made the JSON it carries, in one go: a zstd frame
    that says its size (the server's do) goes into one buffer of that size,
    where a streaming decoder grows its output chunk by chunk and copies it
    again (some 200 MB for a first sync). ``ValueError`` for a body that
    does not decompress, or a coding that was not asked for."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return body
    try:
        if coding == "zstd":
            if zstandard.frame_content_size(body) >= 0:
                try:
                    return zstandard.ZstdDecompressor().decompress(body, allow_extra_data=False)
                except zstandard.ZstdError:
                    pass  # more than one frame: read them one by one
            return _zstd_frames(body)
        if coding == "gzip":
            return gzip.decompress(body)
    except (zstandard.ZstdError, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"the {coding} answer does not decompress ({exc})") from exc
    raise ValueError(f"an answer in a coding that was not asked for: {coding}")


def _zstd_frames(body: bytes) -> bytes:
    out = []
    while body:
        frame = zstandard.ZstdDecompressor().decompressobj()
        out.append(frame.decompress(body))
        if not frame.eof:
            raise EOFError("the last frame is cut short")
        body = frame.unused_data
    return b"".join(out)
