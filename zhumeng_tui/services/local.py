"""``LocalServices``: the services the app runs on, and how they are opened.

``LocalServices`` implements :class:`zhumeng_tui.services.Services` by
combining the parts, each a subclass of
:class:`~zhumeng_tui.services.core.ServicesCore` (cache, API client, account,
clock, the one way to queue a change and the one push policy):
:class:`~zhumeng_tui.services.review.ReviewPart`,
:class:`~zhumeng_tui.services.tracking.TrackingPart`,
:class:`~zhumeng_tui.services.graduates.GraduatePart`,
:class:`~zhumeng_tui.services.posts.PostPart` (job posts, recommendations, the summary ledger) and
:class:`~zhumeng_tui.services.sheets.SheetsPart` (spreadsheets, documents, statistics). A new part is one more
base class here (and its protocol among the bases of ``Services``); where
parts meet (the dashboard) this class says how.

:func:`connect` (sign in, then open the account's cache) and
:func:`open_local` (a warm cache, no network) build it; only the composition
root (``zhumeng_tui.cli``) and tests call them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ApiError, NotFound, Offline, Unauthorised
from zhumeng_tui.api_client.schemas import Me
from zhumeng_tui.cache.store import Cache, cache_path
from zhumeng_tui.services import Dashboard
from zhumeng_tui.services.core import SERVER_DAY_OFFSET
from zhumeng_tui.services.graduates import GraduatePart
from zhumeng_tui.services.posts import PostPart
from zhumeng_tui.services.review import ReviewPart
from zhumeng_tui.services.sheets import SheetsPart
from zhumeng_tui.services.tracking import TrackingPart


class LocalServices(ReviewPart, TrackingPart, GraduatePart, PostPart, SheetsPart):
    """The services over the local cache, the API client and sync."""

    def dashboard(self) -> Dashboard:
        """The review lines, then each part's own lines (after the local
        changes'). The parts count at the same time, each on its own
        connection (SQLite reads in parallel; the first screen waits for the
        slowest part, not for their sum)."""
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dashboard") as pool:
            tracking = pool.submit(self.tracking_dashboard_lines)
            graduates = pool.submit(self.graduate_dashboard_lines)
            board = self.review_dashboard()
            board.extra.extend(tracking.result())
            board.graduates = graduates.result()
        return board


# ------------------------------------------------------------ opening --


def _store_me(cache: Cache, me: Me, today: dt.date) -> None:
    """Remember the account, and how many days the server's date is ahead of
    this machine's (``today``) when it answered."""
    cache.set_meta("me", me.model_dump_json())
    offset = (me.today - today).days if me.today is not None else 0
    cache.set_meta(SERVER_DAY_OFFSET, str(offset))


async def connect(
    server_url: str,
    *,
    username: str,
    password: str | None = None,
    data_dir: Path | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: str = "zh",
    offline_ok: bool = True,
    api: ApiClient | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    page_size: int | None = None,
) -> LocalServices:
    """Sign in (password, or a stored ``token``), open this account's cache and
    return the services. Wrong credentials raise :class:`Unauthorised` with a
    clear message. With ``offline_ok`` and a token, an unreachable server opens
    the warm cache read from disk (``services.engine.online`` is False)."""
    api = api or ApiClient(server_url, transport=transport, token=token)
    me: Me | None = None
    if password is not None:
        try:
            await api.login(username, password)
        except Unauthorised as err:
            await api.aclose()
            raise Unauthorised(
                err.code,
                f"用户名或密码错误（{username}）",
                f"Wrong user name or password for {username}",
            ) from None
        except ApiError:
            await api.aclose()
            raise
    elif not api.token:
        await api.aclose()
        raise Unauthorised(
            "no_credentials", "请提供密码或已保存的令牌", "give a password or a stored token"
        )
    online: bool | None = None
    try:
        me = await api.me()
        online = True
    except Unauthorised:
        await api.aclose()
        raise Unauthorised(
            "token_invalid", "登录已失效，请重新输入密码登录", "The saved session is no longer valid; sign in again"
        ) from None
    except Offline:
        if not offline_ok:
            await api.aclose()
            raise
        online = False
    cache = await asyncio.to_thread(Cache, cache_path(server_url, username, data_dir))
    if me is None:
        raw = cache.get_meta("me")
        if raw is None:
            cache.close()
            await api.aclose()
            raise Offline(message_zh="无法连接服务器，且本机没有该账号的缓存",
                          message_en="Cannot reach the server and there is no local cache for this account")
        me = Me.model_validate_json(raw)
    else:
        await asyncio.to_thread(_store_me, cache, me, today())
    svc = LocalServices(cache=cache, api=api, me=me, lang=lang, today=today, page_size=page_size)
    svc.engine.online = online
    return svc


def open_local(
    server_url: str,
    *,
    username: str,
    data_dir: Path | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: str = "zh",
    today: Callable[[], dt.date] = dt.date.today,
    page_size: int | None = None,
) -> LocalServices:
    """Open a warm cache without touching the network (cold start < 1 s). The
    signed-in account is the one remembered in the cache; call ``await sync()``
    afterwards. Raises ``NotFound`` when there is no cache for this account."""
    path = cache_path(server_url, username, data_dir)
    if not path.exists():
        raise NotFound("no_cache", "本机没有该账号的缓存", "There is no local cache for this account")
    cache = Cache(path)
    raw = cache.get_meta("me")
    if raw is None:
        cache.close()
        raise NotFound("no_cache", "本机没有该账号的缓存", "There is no local cache for this account")
    me = Me.model_validate_json(raw)
    api = ApiClient(server_url, transport=transport, token=token)
    return LocalServices(cache=cache, api=api, me=me, lang=lang, today=today, page_size=page_size)
