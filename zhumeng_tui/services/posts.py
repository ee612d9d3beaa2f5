"""``PostPart``: job posts, the three explained recommendations per graduate
(computed from the cache with ``domain.posts``, the ranking the server's
endpoint runs, so it works offline), pushing them and recording the answers,
and the summary ledger (汇总台账).

Every change is checked locally with the domain functions the server applies
(a refusal raises :class:`~zhumeng_tui.domain.errors.DomainError` before
anything is written), then queued through :meth:`ServicesCore.queue`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhumeng_tui.api_client.schemas import Graduate, JobPost, Me, PostCreate, PostPush
from zhumeng_tui.cache import ledger as lsql
from zhumeng_tui.cache import posts as sql
from zhumeng_tui.cache.outbox import NEW_RECORD, Mutation, MutationItem
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import StayIntent
from zhumeng_tui.domain.permissions import Change, check_role, may
from zhumeng_tui.domain.posts import (
    DISCIPLINE_GROUPS,
    Answer,
    Education,
    GraduateFacts,
    PostFacts,
    PostIndex,
    Recommendation,
    check_answer,
    check_majors,
    check_openings,
    check_post_skills,
    check_push_size,
    check_salary,
    check_valid_until,
    check_verifier,
    check_verify,
    education_of_degree,
    employment_after,
    may_verify,
)
from zhumeng_tui.domain.status import Role
from zhumeng_tui.services import (
    GraduatePosts,
    Ledger,
    LedgerRow,
    LocalState,
    MutationResult,
    PostDetail,
    PostFilter,
    PostOptions,
    PostRow,
    PushLine,
    PushSummary,
    RecommendedPick,
)
from zhumeng_tui.services.core import ServicesCore


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _local(state: str | None) -> LocalState | None:
    return None if state is None else LocalState(state)


def new_post(data: PostCreate, me: Me, today: dt.date) -> Mutation:
    """The outbox entry that adds a post (``POST /posts``) after the checks the
    server makes, with the record as the server will store it: a university's
    post is for its graduates, a city account's for its city, unverified."""
    check_salary(data.salary_min, data.salary_max)
    check_openings(data.openings)
    check_valid_until(data.valid_until, today)
    body = data.model_dump(mode="json")
    body.update(majors=check_majors(data.majors), skills=check_post_skills(data.skills),
                employer=data.employer.strip(), title=data.title.strip(), category=data.category.strip(),
                city=data.city.strip())
    local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0,
             "university_id": me.university_id if me.role == Role.UNIVERSITY else None,
             "owner_city": me.city if me.role == Role.CITY else None,
             "created_by": me.username, "created_at": _now()}
    return Mutation("record", "POST", "/posts", body, [MutationItem("job_post", NEW_RECORD, local)])


def post_facts(p: JobPost) -> PostFacts:
    """What the ranking reads of a cached post."""
    return PostFacts(p.id, p.employer, p.title, p.city, tuple(p.majors), tuple(p.skills), Education(p.education),
                     p.verified_on is not None, p.valid_until, p.openings, p.university_id, p.owner_city)


def graduate_facts(pr: sql.Profile, excluded: set[int]) -> GraduateFacts:
    return GraduateFacts(pr.major, tuple(pr.skills), StayIntent(pr.stay_intent), tuple(pr.cities),
                         education_of_degree(pr.degree), pr.university_id, pr.university_city, frozenset(excluded))


class PostPart(ServicesCore):
    # ------------------------------------------------------------- posts --

    def query_posts(self, f: PostFilter) -> list[PostRow]:
        today = self.today()
        q = sql.PostQuery(f.text, f.city, f.category, f.major, f.verified, f.expired)
        out = []
        for e in sql.posts(self.cache, q, today):
            p = JobPost.model_validate_json(e.record_json)
            out.append(PostRow(p, p.valid_until < today, e.pushed, _local(e.local_state)))
        return out

    def _post(self, post_id: int) -> JobPost:
        raw = self.cache.get_record("job_post", post_id)
        if raw is None:
            raise DomainError("not_found", f"岗位（#{post_id}）不在本账号范围内或尚未同步",
                              f"Post #{post_id} is outside this account's scope or not synced yet")
        return JobPost.model_validate(raw)

    def _university_city(self, university_id: int | None) -> str | None:
        u = self.cache.get_record("university", university_id) if university_id else None
        return str(u["city"]) if u and u.get("city") else None

    def _may_verify(self, p: JobPost) -> bool:
        return (may(self.role, Change.VERIFY_POST) and p.verified_on is None and p.valid_until >= self.today()
                and may_verify(self.role, self.me.university_id, self.me.city, p.university_id, p.owner_city,
                               self._university_city(p.university_id)))

    def post_detail(self, post_id: int) -> PostDetail:
        with self.cache.read():
            p = self._post(post_id)
            answers = {"pending": 0, **{a.value: 0 for a in Answer}}
            for x in self.cache.records("post_push", post_id=post_id):
                answers[x.get("answer") or "pending"] += 1
            local, message = self.local_state("job_post", post_id)
            may_v = self._may_verify(p)
        return PostDetail(p, p.valid_until < self.today(), answers, may_v, local,
                          message if local != LocalState.PENDING else None)

    def post_options(self) -> PostOptions:
        with self.cache.read():
            cities, categories = sql.options(self.cache)
        majors = [m for group in DISCIPLINE_GROUPS.values() for m in group]
        return PostOptions(cities, categories, majors)

    # --------------------------------------------------- recommendations --

    def _index(self) -> tuple[PostIndex, dict[int, JobPost]]:
        posts = {p.id: p for p in (JobPost.model_validate(x) for x in sql.recommendable(self.cache, self.today()))}
        return PostIndex(self.today(), [post_facts(p) for p in posts.values()]), posts

    def _recommend(self, ids: list[int] | None) -> tuple[dict[int, Recommendation], dict[int, JobPost],
                                                          list[sql.Profile]]:
        with self.cache.read():
            index, posts = self._index()
            profiles = sql.profiles(self.cache, ids)
            excluded = sql.excluded(self.cache, ids)
        recs = {pr.graduate_id: index.recommend(graduate_facts(pr, excluded.get(pr.graduate_id, set())))
                for pr in profiles}
        return recs, posts, profiles

    def _picks(self, rec: Recommendation, posts: dict[int, JobPost], pushed: set[int]) -> list[RecommendedPick]:
        return [RecommendedPick(posts[pk.post_id], pk.score, pk.text(self.lang), pk.post_id in pushed)
                for pk in rec.picks]

    def graduate_posts(self, graduate_id: int) -> GraduatePosts:
        recs, posts, _ = self._recommend([graduate_id])
        if graduate_id not in recs:
            raise DomainError("not_found", f"毕业生（#{graduate_id}）不在本账号范围内或尚未同步",
                              f"Graduate #{graduate_id} is outside this account's scope or not synced yet")
        with self.cache.read():
            lines = [PushLine(PostPush.model_validate_json(x), JobPost.model_validate_json(p) if p else None,
                              _local(state)) for x, p, state in sql.pushes_of(self.cache, graduate_id)]
        rec = recs[graduate_id]
        reason = None if rec.reason is None else (rec.reason[1] if self.lang == "en" else rec.reason[0])
        return GraduatePosts(graduate_id, self._picks(rec, posts, {x.push.post_id for x in lines}), reason, lines)

    def recommend_many(self, graduate_ids: list[int]) -> dict[int, list[RecommendedPick]]:
        recs, posts, _ = self._recommend(graduate_ids)
        return {gid: self._picks(rec, posts, set()) for gid, rec in recs.items()}

    def _push_plan(self, graduate_ids: list[int]) -> tuple[list[dict[str, Any]], PushSummary]:
        """The items a push sends (hardship graduates first, each graduate's
        picks best first; posts already pushed left out) and its summary."""
        check_push_size(graduate_ids)
        recs, _, profiles = self._recommend(list(dict.fromkeys(graduate_ids)))
        with self.cache.read():
            done = sql.pushed_pairs(self.cache, recs)
        ordered = sorted(profiles, key=lambda pr: (not pr.hardship, graduate_ids.index(pr.graduate_id)))
        items, with_picks, already = [], [], 0
        for pr in ordered:
            picks = recs[pr.graduate_id].picks
            if picks:
                with_picks.append(pr.graduate_id)
            for pk in picks:
                if (pr.graduate_id, pk.post_id) in done:
                    already += 1
                    continue
                items.append({"graduate_id": pr.graduate_id, "post_id": pk.post_id, "reasons": pk.text("zh")})
        summary = PushSummary(with_picks, len(items), len(recs) - len(with_picks), already)
        return items, summary

    def preview_push(self, graduate_ids: list[int]) -> PushSummary:
        check_role(self.role, Change.PUSH_POSTS)
        return self._push_plan(graduate_ids)[1]

    # ------------------------------------------------------------ ledger --

    def ledger(self) -> Ledger:
        today = self.today()
        campus = self.role in (Role.UNIVERSITY, Role.DEPARTMENT) or (
            self.role == Role.VIEWER and self.me.university_id is not None)
        by: lsql.By = "department" if campus else "university"
        dept = self.me.department_id if self.reviewer.role == Role.DEPARTMENT else None
        with self.cache.read():
            grads = lsql.graduates(self.cache, by, dept)
            cases = lsql.cases(self.cache, by, dept, today)
            pushes = lsql.pushes(self.cache, by, dept)
        n = len(lsql.KINDS)
        rows = []
        for r in grads:
            key, name, count, rest = r[0], str(r[1]), int(r[2]), r[3:]
            c = cases.get(key, (0,) * (1 + len(lsql.CATEGORIES) + 7))
            x = pushes.get(key, (0,) * (3 + len(lsql.ANSWERS)))
            k = len(lsql.CATEGORIES)
            rows.append(LedgerRow(
                key, name, count,
                needed={kind: rest[i] for i, kind in enumerate(lsql.KINDS)},
                served={kind: rest[n + i] for i, kind in enumerate(lsql.KINDS)},
                employment={s: rest[2 * n + i] for i, s in enumerate(lsql.STATUSES)},
                cases=c[0], by_category={cat: c[1 + i] for i, cat in enumerate(lsql.CATEGORIES)},
                with_plan=c[1 + k], visited=c[2 + k], cases_employed=c[3 + k], subsidy_applied=c[4 + k],
                subsidy_approved=c[5 + k], subsidy_paid=c[6 + k], subsidy_amount=c[7 + k],
                pushed=x[0], pushed_graduates=x[1],
                answers={"pending": x[2], **{a.value: x[3 + i] for i, a in enumerate(lsql.ANSWERS)}},
            ))
        rows.append(_total(rows, self.t("合计", "Total")))
        return Ledger(by, self._ledger_title(), today, rows)

    def _ledger_title(self) -> str:
        if self.me.university_name:
            return self.me.university_name + (f" · {self.me.department_name}" if self.me.department_name else "")
        if self.me.city:
            return self.me.city
        return self.t("全省", "Province")

    # ----------------------------------------------------------- changes --

    async def add_post(self, data: PostCreate) -> MutationResult:
        check_role(self.role, Change.CREATE_POST)
        mutation = new_post(data, self.me, self.today())
        return await self._change(lambda: mutation)

    async def verify_post(self, post_id: int) -> MutationResult:
        check_role(self.role, Change.VERIFY_POST)

        def build() -> Mutation:
            p = self._post(post_id)
            if post_id < 0:
                raise DomainError("not_synced", "该岗位尚未同步到服务器，请联网同步后再审核",
                                  "This post has not reached the server yet; sync before verifying it")
            check_verifier(self.role, self.me.university_id, self.me.city, p.university_id, p.owner_city,
                           self._university_city(p.university_id))
            check_verify(p.verified_on, p.valid_until, self.today())
            local = {**p.model_dump(mode="json"), "verified_by": self.me.username,
                     "verified_on": self.today().isoformat()}
            return Mutation("record", "POST", f"/posts/{post_id}/verify", {},
                            [MutationItem("job_post", post_id, local)], if_match=p.version)

        return await self._change(build)

    async def push_recommendations(self, graduate_ids: list[int]) -> list[MutationResult]:
        check_role(self.role, Change.PUSH_POSTS)
        self.require_writable()
        items, _ = self._push_plan(graduate_ids)
        if not items:
            raise DomainError("nothing_to_push", "所选毕业生没有可推送的新岗位",
                              "The graduates chosen have no new post to push")
        today, by = self.today().isoformat(), self.me.username

        def build() -> Mutation:
            local = []
            for it in items:
                g = Graduate.model_validate(self.require_record("graduate", it["graduate_id"]))
                local.append(MutationItem("post_push", NEW_RECORD, {
                    "id": NEW_RECORD, "version": 1, "seq": 0, **it, "university_id": g.university_id,
                    "department_id": g.department_id, "pushed_on": today, "pushed_by": by}))
            return Mutation("batch", "POST", "/pushes", {"items": items}, local)

        (outcome,) = await self.queue(lambda: [build()])
        return list(outcome.results)

    async def answer_push(self, push_id: int, answer: Answer, date: dt.date) -> MutationResult:
        check_role(self.role, Change.ANSWER_PUSH)
        if push_id < 0:
            raise DomainError("not_synced", "该推送尚未同步到服务器，请联网同步后再登记反馈",
                              "This push has not reached the server yet; sync before recording the answer")

        def build() -> Mutation:
            x = PostPush.model_validate(self.require_record("post_push", push_id))
            a = check_answer(answer, date, x.pushed_on, self.today())
            local = {**x.model_dump(mode="json"), "answer": a.value, "answered_on": date.isoformat(),
                     "answered_by": self.me.username}
            items = [MutationItem("post_push", push_id, local)]
            g = Graduate.model_validate(self.require_record("graduate", x.graduate_id))
            status = employment_after(a, g.employment_status)
            if status is not None:  # what the server does too; its answer replaces it at the next sync
                items.append(MutationItem("graduate", g.id, {**g.model_dump(mode="json"),
                                                             "employment_status": status.value,
                                                             "employment_date": date.isoformat()}))
            return Mutation("record", "POST", f"/pushes/{push_id}/answer", {"answer": a.value,
                                                                             "date": date.isoformat()},
                            items, if_match=x.version)

        return await self._change(build)


def _total(rows: list[LedgerRow], name: str) -> LedgerRow:
    def add(d: str) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for r in rows:
            for k, v in getattr(r, d).items():
                out[k] = out.get(k, 0) + v
        return out

    def total(f: str) -> int:
        return sum(getattr(r, f) for r in rows)

    return LedgerRow(
        None, name, total("graduates"), add("needed"), add("served"), add("employment"), total("cases"),
        add("by_category"), total("with_plan"), total("visited"), total("cases_employed"),
        total("subsidy_applied"), total("subsidy_approved"), total("subsidy_paid"), total("subsidy_amount"),
        total("pushed"), total("pushed_graduates"), add("answers"),
    )
