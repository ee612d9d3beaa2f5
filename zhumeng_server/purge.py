"""The purge job (``zhumeng-server purge``, run daily): tokens that no
longer sign anyone in, idempotency keys past their replay window, sign-in
counters that no longer count, and tombstones older than the retention
period (a client whose cursor is older pulls its scope again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, select
from sqlmodel import Session, col

from zhumeng_server import auth
from zhumeng_server import models as m
from zhumeng_server.core import HORIZON_KEY, lock_for_write, set_setting, tombstone_horizon
from zhumeng_server.settings import Settings
from zhumeng_tui.api_client import schemas as s


class PruneResult(s.BaseModel):
    pruned: int
    tombstone_horizon: int


def prune_tombstones(session: Session, up_to_seq: int | None = None) -> PruneResult:
    """Purge tombstones (all, or those with seq <= ``up_to_seq``) and raise the
    horizon: a ``since`` below it answers ``reset``. Commits."""
    cl = m.ChangeLog.__table__.c  # type: ignore[attr-defined]
    cond = cl.deleted.is_(True)
    if up_to_seq is not None:
        cond = and_(cond, cl.seq <= up_to_seq)
    top = session.execute(select(func.max(cl.seq)).where(cond)).scalar()
    horizon = tombstone_horizon(session)
    if top is None:
        return PruneResult(pruned=0, tombstone_horizon=horizon)
    n = session.execute(delete(m.ChangeLog).where(cond)).rowcount  # type: ignore[attr-defined]
    horizon = max(horizon, int(top))
    set_setting(session, HORIZON_KEY, str(horizon))
    session.commit()
    return PruneResult(pruned=int(n or 0), tombstone_horizon=horizon)


@dataclass(frozen=True)
class PurgeResult:
    tokens: int
    idempotency_keys: int
    throttle_rows: int
    tombstones: int
    tombstone_horizon: int


def purge(session: Session, now: dt.datetime, settings: Settings) -> PurgeResult:
    """Everything the purge job drops, in one write transaction. Commits."""
    lock_for_write(session)
    tokens = session.execute(delete(m.AuthToken).where(auth.expired_tokens(now, settings))).rowcount  # type: ignore[attr-defined]
    keys = session.execute(delete(m.IdempotencyRecord).where(
        col(m.IdempotencyRecord.created_at) < now - dt.timedelta(days=settings.idempotency_days))).rowcount  # type: ignore[attr-defined]
    stale = now - max(settings.signin_window, settings.signin_lockout)
    throttle = session.execute(delete(m.SigninThrottle).where(
        col(m.SigninThrottle.window_start) < stale,
        (col(m.SigninThrottle.blocked_until).is_(None)) | (col(m.SigninThrottle.blocked_until) < now),
    )).rowcount  # type: ignore[attr-defined]
    # a tombstone's age is the time of the audit event of the deletion
    cl, ae = m.ChangeLog.__table__.c, m.AuditEvent.__table__.c  # type: ignore[attr-defined]
    deleted_before = exists().where(
        ae.record_type == cl.type, ae.record_id == cl.record_id, ae.after_json.is_(None),
        ae.before_json.is_not(None), ae.at < now - dt.timedelta(days=settings.tombstone_days))
    old = session.execute(select(func.max(cl.seq)).where(cl.deleted.is_(True), deleted_before)).scalar()
    if old is None:
        session.commit()
        pruned = PruneResult(pruned=0, tombstone_horizon=tombstone_horizon(session))
    else:
        pruned = prune_tombstones(session, int(old))
    return PurgeResult(int(tokens or 0), int(keys or 0), int(throttle or 0), pruned.pruned, pruned.tombstone_horizon)
