"""``ServicesCore``: what every part of the services shares.

The cache, the API client and its sync engine, the signed-in account
(``me``), the language, the clock (``today``: a constructor argument, so tests
pin the day instead of patching it), the application lists
(:class:`~zhumeng_tui.services.lists.ApplicationLists`), and:

- the one way to make a change, :meth:`ServicesCore.queue`: the outbox entries
  and their optimistic records are written in one transaction, then pushed;
- the one push policy, :meth:`ServicesCore._settle`: an expired sign-in raises
  ``Unauthorised`` (the change stays queued and is sent once the user has
  signed in again); offline or a server error leaves the entry pending and
  sets the sync message the header shows.

Parts (``services.review``, ``services.tracking``) subclass it and
``services.local.LocalServices`` combines them. Queries are synchronous SQLite
reads (thread workers); methods that talk to the server are ``async`` and push
their database work to threads, so the event loop never blocks on I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.api_client.errors import ApiError, Forbidden, NotFound, Unauthorised
from zhumeng_tui.api_client.schemas import (
    Application,
    Employer,
    FollowUp,
    IntegrityEntry,
    Me,
    Position,
    Student,
    Withdrawal,
)
from zhumeng_tui.cache.applications import Reviewer
from zhumeng_tui.cache.outbox import Mutation
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.cache.sync import PAGE_SIZE, ProgressFn, PushReport, SyncEngine, collector_paused
from zhumeng_tui.domain.calendar import WorkCalendar, YearData
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import SYSTEM_ACTOR, Role, history_label
from zhumeng_tui.services import (
    ApplicationDetail,
    CacheFull,
    LocalState,
    MutationResult,
    SyncRound,
    SyncStatus,
)
from zhumeng_tui.services.lists import ApplicationLists


class ReadOnly(Forbidden):
    default_code = "read_only"
    default_zh = "只读账号不能修改数据"
    default_en = "This account is read-only"


@dataclass
class MutationOutcome:
    """What happened to one queued change: one result per record it touches
    (``record_id``: the server's id once a new record is named)."""

    seq: int
    results: list[MutationResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def queued(self) -> bool:
        return any(r.queued for r in self.results)


def _reviewer(me: Me) -> Reviewer:
    """Whose decisions this account waits for (a viewer: those of its bound role)."""
    role = Role(me.role)
    if role == Role.VIEWER:
        role = Role(me.bound_role or Role.UNIVERSITY)
    return Reviewer(role, me.department_id)


#: Cache meta key: days the server's date was ahead of this machine's at sign-in.
SERVER_DAY_OFFSET = "server_day_offset"


class ServicesCore:
    def __init__(
        self,
        *,
        cache: Cache,
        api: ApiClient,
        me: Me,
        lang: str = "zh",
        today: Callable[[], dt.date] = dt.date.today,
        page_size: int | None = None,
    ) -> None:
        self.cache = cache
        self.api = api
        self.me = me
        self.lang = lang
        self._today = today
        #: Days the server's date is ahead of this machine's (set at sign-in).
        self._server_offset = dt.timedelta(days=int(cache.get_meta(SERVER_DAY_OFFSET) or 0))
        self.engine = SyncEngine(cache, api, page_size=page_size or PAGE_SIZE)
        self.reviewer = _reviewer(me)
        self.lists = ApplicationLists(cache, self.reviewer, self.today)
        self._last_message: str | None = None
        self._signed_out = False
        self._last_round: SyncRound | None = None

    # ------------------------------------------------------------ account --

    async def sign_in_again(self, password: str) -> str:
        """A new session for this account (the outbox waits for it); a wrong
        password raises ``Unauthorised`` and changes nothing."""
        try:
            token = await self.api.login(self.me.username, password)
        except Unauthorised as err:
            raise Unauthorised(err.code, "密码错误，请重试", "Wrong password; try again") from None
        self._signed_out = False
        self._last_message = None
        return token.access_token

    async def sign_out(self) -> None:
        """Revoke the session on the server (already ended there: nothing to do)."""
        with contextlib.suppress(Unauthorised):
            await self.api.logout()
        self._signed_out = True

    def today(self) -> dt.date:
        """Today on the server's calendar (the server decides deadlines on its
        date): this machine's date moved by the offset seen at sign-in."""
        return self._today() + self._server_offset

    @property
    def token(self) -> str | None:
        return self.api.token

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    @property
    def role(self) -> Role:
        return Role(self.me.role)

    def require_writable(self) -> None:
        if self.role == Role.VIEWER:
            raise ReadOnly()

    # ------------------------------------------------------------ records --

    def record(self, rtype: str, rid: int) -> dict[str, Any] | None:
        """One cached record (as the server sent it, or its optimistic local state)."""
        return self.cache.get_record(rtype, rid)

    def records(self, rtype: str) -> list[dict[str, Any]]:
        """Every cached record of a type."""
        return self.cache.records(rtype)

    def require_record(self, rtype: str, rid: int) -> dict[str, Any]:
        """A cached record, or a DomainError naming it."""
        raw = self.cache.get_record(rtype, rid)
        if raw is None:
            raise DomainError("not_found", f"找不到记录（{rtype} #{rid}）", f"Record not found ({rtype} #{rid})")
        return raw

    def calendar(self) -> WorkCalendar:
        years = []
        for d in self.cache.records("calendar_year"):
            try:
                years.append(YearData.from_dict(d))
            except (KeyError, ValueError, AssertionError):
                continue
        return WorkCalendar(years)

    def departments(self) -> list[tuple[int, str]]:
        return [(int(d["id"]), str(d.get("name", ""))) for d in self.cache.records("department")]

    def application_detail(self, application_id: int) -> ApplicationDetail:
        """An application with its student, position, employer, department,
        integrity entries and follow-ups (newest first) and withdrawals."""
        cache = self.cache
        with cache.read():
            app_d = cache.get_record("application", application_id)
            if app_d is None:
                raise NotFound(message_zh="本地缓存中没有该申请", message_en="This application is not in the local cache")
            app = Application.model_validate(app_d)
            st = cache.get_record("student", app.student_id)
            pos = cache.get_record("position", app.position_id)
            if st is None or pos is None:
                raise NotFound(message_zh="本地缓存缺少该申请的学生或岗位，请同步",
                               message_en="The student or position of this application is not cached; sync")
            emp = cache.get_record("employer", int(pos["employer_id"])) or {
                "id": pos["employer_id"], "name": "", "type": "", "region": "", "certifying_committee": ""}
            dept = cache.get_record("department", app.department_id)
            integrity = [IntegrityEntry.model_validate(d) for d in cache.records("integrity", student_id=app.student_id)]
            followups = [FollowUp.model_validate(d) for d in cache.records("followup", application_id=application_id)]
            withdrawals = [Withdrawal.model_validate(d)
                           for d in cache.records("withdrawal", application_id=application_id)]
            local, message = self.local_state("application", application_id)
        followups.sort(key=lambda x: (x.date, x.id), reverse=True)
        integrity.sort(key=lambda x: (x.date, x.id), reverse=True)
        detail = ApplicationDetail(
            application=app,
            student=Student.model_validate(st),
            position=Position.model_validate(pos),
            employer=Employer.model_validate(emp),
            department_name=str(dept["name"]) if dept else "",
            integrity=integrity,
            followups=followups,
            withdrawals=withdrawals,
            local_state=local,
            local_message=message if local != LocalState.PENDING else None,
            actors=self.actor_names(),
        )
        self._describe_conflict(detail)
        return detail

    def _describe_conflict(self, detail: ApplicationDetail) -> None:
        """A conflict says who changed the record meanwhile and how (the last
        event of its history), not version numbers."""
        history = detail.application.history
        if detail.local_state != LocalState.CONFLICT or not history:
            return
        last = history[-1]
        who = detail.actors.get(last.by, last.by)
        what = self.t(*history_label(last.action))
        reason = f"：{last.reason}" if last.reason and self.lang != "en" else (f": {last.reason}" if last.reason else "")
        detail.local_message = self.t(
            f"在你的修改之前，{who} 已{what}{reason}（{last.at:%Y-%m-%d %H:%M}）",
            f"Before your change, {who}: {what}{reason} ({last.at:%Y-%m-%d %H:%M})",
        )

    def actor_names(self) -> dict[str, str]:
        """username -> display name of the staff accounts this account sees, and
        the platform (``system``)."""
        names = {str(d["username"]): str(d.get("display_name") or d["username"]) for d in self.cache.records("staff")}
        names["system"] = self.t(*SYSTEM_ACTOR)
        return names

    # -------------------------------------------------------- local state --

    def local_state(self, rtype: str, rid: int) -> tuple[LocalState | None, str | None]:
        """A record's outbox state (None: synced) and the server's message about it."""
        st = self.cache.outbox.local_state(rtype, rid)
        return (None, None) if st is None else (LocalState(st.state), st.message(self.lang))

    def dismiss_local(self, application_id: int, rtype: str = "application") -> int:
        """Clear a shown conflict/rejection for a record (the entry stays as history)."""
        return self.cache.outbox.dismiss(rtype, application_id)

    # ------------------------------------------------------------ changes --

    async def _change(self, build: Callable[[], Mutation]) -> MutationResult:
        """Queue the one change ``build`` makes. It runs inside the outbox's
        write transaction: the record it reads, and the version it sends as
        ``If-Match``, are those the change is based on, even while an earlier
        change of the same record is still being sent."""
        (outcome,) = await self.queue(lambda: [build()])
        return outcome.results[0]

    async def queue(self, build: Callable[[], Sequence[Mutation]]) -> list[MutationOutcome]:
        """The one way to make a change. ``build`` (run in a thread, inside the
        write transaction: the records it reads are those it is based on)
        returns the outbox entries; they and their optimistic records are
        written in that one transaction, then pushed (see :meth:`_settle`).
        Refuses for a read-only account; a DomainError from ``build`` writes
        nothing."""
        self.require_writable()

        def write() -> list[int]:
            with self.cache.write() as c:
                return [self.cache.outbox.add_in(c, m) for m in build()]

        # a thousand decisions make objects by the hundred thousand; the change
        # and its answer are written to the log and copied into the file once
        with collector_paused(), self.cache.log_copy_held():
            seqs = await asyncio.to_thread(write)
            if seqs:
                self._settle(await self.engine.push())
            return await asyncio.to_thread(lambda: [self._outcome(s) for s in seqs])

    def _settle(self, report: PushReport) -> None:
        """The push policy: an expired sign-in raises ``Unauthorised``;
        offline or a server error leaves the entries pending and says why in
        the sync message; a push that went through clears it."""
        if report.stopped is None:
            if report.sent:
                self._last_message = None
            return
        self._last_message = report.stopped.message(self.lang)
        if isinstance(report.stopped, Unauthorised):
            self._signed_out = True
            raise report.stopped

    def _outcome(self, seq: int) -> MutationOutcome:
        entry = self.cache.outbox.entry(seq)
        assert entry is not None
        results = []
        for it in entry.items:
            if it.state == "pending":
                results.append(MutationResult(True, queued=True, record_id=it.rid))
            elif it.state == "ok":
                results.append(MutationResult(True, record_id=it.rid))
            else:
                msg = it.message_en if self.lang == "en" else it.message_zh
                results.append(MutationResult(False, record_id=it.rid, code=it.code or it.state, message=msg))
        return MutationOutcome(seq, results)

    # --------------------------------------------------------------- sync --

    def sync_status(self) -> SyncStatus:
        counts = self.cache.outbox.local_counts()
        last = self.cache.get_meta("last_synced")
        eng = self.engine
        return SyncStatus(
            online=bool(eng.online),
            syncing=eng.syncing,
            done=eng.done,
            total=eng.total,
            pending=counts["pending"],
            conflicts=counts["conflict"],
            rejected=counts["rejected"],
            last_synced=dt.datetime.fromisoformat(last) if last else None,
            first_sync=self.cache.cursor == 0 or self.cache.view_stale,
            message=self._last_message,
            signed_out=self._signed_out,
            last_round=self._last_round,
        )

    async def sync(self, progress: ProgressFn | None = None) -> SyncStatus:
        """Push the outbox, pull what changed. Offline is not an error here: the
        status says ``online=False`` and why. A rejected token raises ``Unauthorised``."""
        self._last_message = None
        eng = self.engine
        pushed: PushReport | None = None
        pulled = None
        try:
            pushed, pulled = await eng.sync(progress)
            self._settle(pushed)
        except Unauthorised:
            self._signed_out = True
            raise
        except ApiError as err:  # offline, a server error
            self._last_message = err.message(self.lang)
        except sqlite3.OperationalError as err:
            if "full" in str(err).lower():
                raise CacheFull(str(self.cache.path), str(err)) from err
            raise
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                raise CacheFull(str(self.cache.path), err.strerror or str(err)) from err
            raise
        pushed = pushed or eng.last_push
        self._last_round = SyncRound(
            sent=pushed.ok if pushed else 0, conflicts=pushed.conflicts if pushed else 0,
            refused=pushed.rejected if pushed else 0, received=eng.done, received_bytes=eng.received,
            complete=pulled is not None,
        )
        return await asyncio.to_thread(self.sync_status)

    def sync_received(self) -> int:
        return self.engine.received

    def forget_results(self) -> None:
        """Drop the remembered lists (benchmarks: time a query, not a lookup)."""
        self.lists.forget_results()

    async def close(self) -> None:
        await self.engine.settled()  # a first sync's indexes: built now rather than at the next start
        await self.api.aclose()
        self.cache.close()
