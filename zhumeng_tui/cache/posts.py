"""SQL for job posts, recommendations and pushes: the posts list with its
filters, what the ranking reads (the recommendable posts, each graduate's
major, education, skills and cities, the posts they turned down or hold), and
a graduate's pushes. Over ``m_job_post``, ``m_post_push``, ``m_graduate``,
``m_student`` and ``m_university``. Nothing here writes: changes go through
the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.cache.schema import local_state_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.posts import Answer


@dataclass(frozen=True)
class PostQuery:
    """A posts filter as plain values. ``verified`` / ``expired``: None = either."""

    text: str = ""
    city: str | None = None
    category: str | None = None
    major: str | None = None
    verified: bool | None = None
    expired: bool | None = None


@dataclass(frozen=True)
class PostEntry:
    record_json: str
    pushed: int
    local_state: str | None


def posts(cache: Cache, q: PostQuery, today: dt.date) -> list[PostEntry]:
    """The posts matching ``q``: valid ones first (by the date they expire), then expired."""
    conds: list[str] = []
    params: list[Any] = []
    if q.text.strip():
        conds.append("(p.employer LIKE ? OR p.title LIKE ?)")
        params += [f"%{q.text.strip()}%"] * 2
    for col, value in (("city", q.city), ("category", q.category)):
        if value:
            conds.append(f"p.{col} = ?")
            params.append(value)
    if q.major:
        conds.append("(p.majors_list = '' OR p.majors_list LIKE ?)")
        params.append(f"%,{q.major},%")
    if q.verified is not None:
        conds.append("p.verified_on IS " + ("NOT NULL" if q.verified else "NULL"))
    if q.expired is not None:
        conds.append("p.valid_until " + ("< ?" if q.expired else ">= ?"))
        params.append(today.isoformat())
    where = " AND ".join(conds) or "1"
    rows = cache.conn().execute(
        f"SELECT p.data, (SELECT COUNT(*) FROM m_post_push x WHERE x.post_id = p.id),"
        f" {local_state_sql('job_post', 'p.id')} FROM m_job_post p WHERE {where}"
        " ORDER BY p.valid_until < ?, p.valid_until, p.id", [*params, today.isoformat()])
    return [PostEntry(r[0], int(r[1]), r[2]) for r in rows]


def options(cache: Cache) -> tuple[list[str], list[str]]:
    """The cities and the categories of the cached posts."""
    c = cache.conn()
    cities = [r[0] for r in c.execute("SELECT DISTINCT city FROM m_job_post WHERE city IS NOT NULL ORDER BY city")]
    cats = [r[0] for r in c.execute(
        "SELECT DISTINCT category FROM m_job_post WHERE category IS NOT NULL ORDER BY category")]
    return cities, cats


def recommendable(cache: Cache, today: dt.date) -> list[dict[str, Any]]:
    """The verified, unexpired posts (what the ranking chooses from)."""
    rows = cache.conn().execute(
        "SELECT data FROM m_job_post WHERE verified_on IS NOT NULL AND valid_until >= ?", (today.isoformat(),))
    return [json.loads(r[0]) for r in rows]


@dataclass(frozen=True)
class Profile:
    """What the ranking reads of a graduate."""

    graduate_id: int
    university_id: int
    university_city: str | None
    major: str
    degree: str
    stay_intent: str
    skills: list[str]
    cities: list[str]
    hardship: bool


def profiles(cache: Cache, ids: Iterable[int] | None = None) -> list[Profile]:
    """The profiles of these graduates (None: every cached graduate), in id order."""
    where, params = "1", []
    if ids is not None:
        where, params = "g.id IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]
    rows = cache.conn().execute(
        "SELECT g.id, COALESCE(g.university_id, 0), u.city, COALESCE(s.major, ''), COALESCE(s.degree, ''),"
        " json_extract(g.data, '$.stay_intent'), json_extract(g.data, '$.skills'),"
        " json_extract(g.data, '$.preferred_cities'),"
        " EXISTS(SELECT 1 FROM m_hardship_case c WHERE c.graduate_id = g.id AND c.state = 'open')"
        " FROM m_graduate g LEFT JOIN m_student s ON s.id = g.student_id"
        f" LEFT JOIN m_university u ON u.id = g.university_id WHERE {where} ORDER BY g.id", params)
    return [Profile(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5] or "undecided", json.loads(r[6] or "[]"),
                    json.loads(r[7] or "[]"), bool(r[8])) for r in rows]


def excluded(cache: Cache, ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Per graduate: the posts they turned down or hold (answers 不合适 and 已录用)."""
    where, params = "", []
    if ids is not None:
        where, params = " AND graduate_id IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]
    out: dict[int, set[int]] = {}
    for gid, pid in cache.conn().execute(
        f"SELECT graduate_id, post_id FROM m_post_push WHERE answer IN ('{Answer.UNSUITABLE.value}',"
        f" '{Answer.HIRED.value}'){where}", params,
    ):
        out.setdefault(int(gid), set()).add(int(pid))
    return out


def pushes_of(cache: Cache, graduate_id: int) -> list[tuple[str, str | None, str | None]]:
    """A graduate's pushes, newest first: (push JSON, post JSON, local state)."""
    rows = cache.conn().execute(
        f"SELECT x.data, p.data, {local_state_sql('post_push', 'x.id')} FROM m_post_push x"
        " LEFT JOIN m_job_post p ON p.id = x.post_id WHERE x.graduate_id = ? ORDER BY x.pushed_on DESC, x.id DESC",
        (graduate_id,))
    return [(r[0], r[1], r[2]) for r in rows]


def pushed_pairs(cache: Cache, graduate_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(graduate, post) already pushed, of these graduates."""
    rows = cache.conn().execute(
        "SELECT graduate_id, post_id FROM m_post_push WHERE graduate_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(graduate_ids)),))
    return {(int(a), int(b)) for a, b in rows}
