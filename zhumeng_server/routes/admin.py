"""Administration: purging tombstones from the change feed."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from zhumeng_server.core import lock_for_write
from zhumeng_server.purge import PruneResult, prune_tombstones
from zhumeng_server.routes.common import ERRORS, State, User
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.permissions import Change, check_role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


@router.post("/admin/prune-tombstones", response_model=PruneResult, summary="Purge tombstones (province role)")
def admin_prune(user: User, st: State) -> PruneResult:
    check_role(user.role, Change.PRUNE_TOMBSTONES)
    with st.write_lock, Session(st.engine) as session:
        lock_for_write(session)
        return prune_tombstones(session)
