"""Administration: purging tombstones from the change feed."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import and_, delete, func, select
from sqlmodel import Session

from zhumeng_server import models as m
from zhumeng_server.core import HORIZON_KEY, lock_for_write, set_setting, tombstone_horizon
from zhumeng_server.routes.common import ERRORS, State, User
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


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


@router.post("/admin/prune-tombstones", response_model=PruneResult, summary="Purge tombstones (province role)")
def admin_prune(user: User, st: State) -> PruneResult:
    check_role(user.role, Change.PRUNE_TOMBSTONES)
    with st.write_lock, Session(st.engine) as session:
        lock_for_write(session)
        return prune_tombstones(session)
