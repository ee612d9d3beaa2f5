"""``/health``: liveness, without signing in."""

from __future__ import annotations

from fastapi import APIRouter

from zhumeng_tui.api_client import schemas as s

router = APIRouter(prefix=s.API_PREFIX)


@router.get("/health", summary="Liveness")
async def health() -> dict[str, str]:
    """Answers on the event loop: busy worker threads do not delay it."""
    return {"status": "ok"}
