"""Job posts (岗位信息), a graduate's recommendations, the posts pushed to
graduates and their answers.

A post added by a university is for its graduates (and read by its city
account and the province); one added by a city account or the province is read
by every account and recommended to the graduates it is for
(``posts.open_to``). The ranking is ``zhumeng_tui.domain.posts.recommend``,
the same function the client runs over its cache.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.errors import ApiError
from zhumeng_server.routes.common import (
    ERRORS,
    MAX_ID,
    Id,
    State,
    User,
    Write,
    WriteRecord,
    get_scoped,
    json_response,
    read_scoped,
)
from zhumeng_server.wire import to_jsonable, to_wire
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.graduates import EmploymentStatus, StayIntent
from zhumeng_tui.domain.permissions import Change, check_role
from zhumeng_tui.domain.posts import (
    Answer,
    Education,
    GraduateFacts,
    PostFacts,
    check_answer,
    check_majors,
    check_openings,
    check_post_skills,
    check_push_size,
    check_pushable,
    check_salary,
    check_valid_until,
    check_verifier,
    check_verify,
    education_of_degree,
    employment_after,
    open_to,
    recommend,
)
from zhumeng_tui.domain.status import Role

router = APIRouter(prefix=s.API_PREFIX, responses=ERRORS)


def post_facts(p: m.JobPost) -> PostFacts:
    return PostFacts(int(p.id or 0), p.employer, p.title, p.city, tuple(p.majors or ()), tuple(p.skills or ()),
                     Education(p.education), p.verified_on is not None, p.valid_until, p.openings, p.university_id,
                     p.owner_city)


def _city_of(session: Session, university_id: int | None) -> str | None:
    if university_id is None:
        return None
    u = session.get(m.University, university_id)
    return u.city if u is not None else None


def _excluded(session: Session, graduate_id: int) -> frozenset[int]:
    """The posts a graduate turned down or holds."""
    return frozenset(session.scalars(select(col(m.PostPush.post_id)).where(
        m.PostPush.graduate_id == graduate_id,  # type: ignore[arg-type]
        col(m.PostPush.answer).in_([Answer.UNSUITABLE.value, Answer.HIRED.value]))))


def graduate_facts(session: Session, g: m.Graduate) -> GraduateFacts:
    student = session.get(m.Student, g.student_id)
    assert student is not None
    return GraduateFacts(student.major, tuple(g.skills or ()), StayIntent(g.stay_intent),
                         tuple(g.preferred_cities or ()), education_of_degree(student.degree), g.university_id,
                         _city_of(session, g.university_id), _excluded(session, int(g.id or 0)))


@router.get("/posts/{id}", response_model=s.JobPost, summary="One job post")
def get_post(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.JobPost, id)


@router.get("/pushes/{id}", response_model=s.PostPush, summary="One post pushed to a graduate")
def get_push(id: Id, user: User, st: State) -> Response:
    return read_scoped(st, user, m.PostPush, id)


@router.post("/posts", response_model=s.JobPost, status_code=201,
             summary="Add a job post (a university's for its graduates, a city's for its universities, "
                     "the province's for all)")
def create_post(body: s.PostCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.CREATE_POST)
        check_salary(body.salary_min, body.salary_max)
        check_openings(body.openings)
        check_valid_until(body.valid_until, tx.today)
        row = m.JobPost(
            university_id=tx.user.university_id if tx.user.role == Role.UNIVERSITY else None,
            owner_city=tx.user.city if tx.user.role == Role.CITY else None,
            employer=body.employer.strip(), title=body.title.strip(), category=body.category.strip(),
            city=body.city.strip(), salary_min=body.salary_min, salary_max=body.salary_max,
            majors=check_majors(body.majors), skills=check_post_skills(body.skills), education=body.education.value,
            openings=body.openings, valid_until=body.valid_until, source=body.source.value,
            created_by=tx.user.username, created_at=tx.now,
        )
        tx.save(row, "post.create", new=True)
        return 201, to_wire(row)

    return write.run(body, work)


@router.post("/posts/{id}/verify", response_model=s.JobPost,
             summary="Verify a post (审核): only verified posts are recommended and pushed")
def verify_post(id: Id, body: s.PostVerify, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.VERIFY_POST)
        p = get_scoped(tx.session, tx.user, m.JobPost, id)
        check_verifier(tx.user.role, tx.user.university_id, tx.user.city, p.university_id, p.owner_city,
                       _city_of(tx.session, p.university_id))
        write.check_version(p)
        check_verify(p.verified_on, p.valid_until, tx.today)
        p.verified_by, p.verified_on = tx.user.username, tx.today
        tx.save(p, "post.verify")
        return 200, to_wire(p)

    return write.run(body, work)


def _graduate_of_student(session: Session, user: Any, student_id: int) -> m.Graduate:
    """The graduate who is this student, or 404 (none, or outside the caller's scope)."""
    g = session.scalars(select(m.Graduate).where(m.Graduate.student_id == student_id)).first()  # type: ignore[arg-type]
    return get_scoped(session, user, m.Graduate, int(g.id or 0) if g is not None else 0)


@router.get("/graduates/{student_id}/recommendations", response_model=s.Recommendations,
            summary="Up to three verified, unexpired posts for a graduate (by student id), best first, "
                    "each with its reasons; none: why")
def recommendations(student_id: Id, user: User, st: State) -> Response:
    with Session(st.engine) as session:
        g = _graduate_of_student(session, user, student_id)
        today = st.today()
        rows = session.scalars(select(m.JobPost).where(
            col(m.JobPost.verified_on).is_not(None), m.JobPost.valid_until >= today,  # type: ignore[arg-type]
            m.JobPost.openings > 0)).all()  # type: ignore[arg-type]
        by_id = {int(p.id or 0): p for p in rows}
        rec = recommend(graduate_facts(session, g), [post_facts(p) for p in rows], today)
        answer = s.Recommendations(
            graduate_id=int(g.id or 0), student_id=g.student_id,
            picks=[s.RecommendedPost(post=to_wire(by_id[pk.post_id]), score=pk.score,  # type: ignore[arg-type]
                                     reasons=[s.ReasonText(zh=zh, en=en) for zh, en in pk.reasons])
                   for pk in rec.picks],
            reason=s.ReasonText(zh=rec.reason[0], en=rec.reason[1]) if rec.reason else None,
        )
        return json_response(answer)


def _not_found(what_zh: str, what_en: str, rid: int, field: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}（#{rid}）不存在或不在本账号范围内，未推送任何岗位",
                    f"{what_en} #{rid} does not exist or is outside this account's scope; nothing pushed",
                    fields=[s.FieldError(field=field, message_zh=f"{what_zh}不存在", message_en=f"No such {what_en}")])


@router.post("/pushes", response_model=s.RecordResults,
             summary="Push posts to graduates (all or nothing; one result per item, in order; a post already "
                     "pushed to a graduate keeps its record)")
def create_pushes(body: s.PushCreate, write: Write) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.PUSH_POSTS)
        check_push_size(sorted({it.graduate_id for it in body.items}))
        tx.prefetch(m.Graduate, [it.graduate_id for it in body.items if 0 < it.graduate_id <= MAX_ID])
        tx.prefetch(m.JobPost, [it.post_id for it in body.items if 0 < it.post_id <= MAX_ID])
        cities: dict[int, str | None] = {}
        results = []
        for pos, it in enumerate(body.items):
            g = tx.get(m.Graduate, it.graduate_id) if 0 < it.graduate_id <= MAX_ID else None
            if g is None or not tx.user.sees(g.university_id, g.department_id):
                raise _not_found("毕业生", "graduate", it.graduate_id, f"items.{pos}.graduate_id")
            p = tx.get(m.JobPost, it.post_id) if 0 < it.post_id <= MAX_ID else None
            if p is None or not tx.user.sees(p.university_id, None):
                raise _not_found("岗位", "post", it.post_id, f"items.{pos}.post_id")
            check_pushable(p.verified_on is not None, p.valid_until, tx.today)
            if g.university_id not in cities:
                cities[g.university_id] = _city_of(tx.session, g.university_id)
            if not open_to(post_facts(p), g.university_id, cities[g.university_id]):
                raise ApiError(422, "post_out_of_scope", f"岗位（#{p.id}）不面向毕业生（#{g.id}）所在高校",
                               f"Post #{p.id} is not for the graduates of graduate #{g.id}'s university")
            existing = tx.session.scalars(select(m.PostPush).where(
                m.PostPush.graduate_id == g.id, m.PostPush.post_id == p.id)).first()  # type: ignore[arg-type]
            if existing is None:
                existing = m.PostPush(graduate_id=int(g.id or 0), post_id=int(p.id or 0),
                                      university_id=g.university_id, department_id=g.department_id,
                                      reasons=it.reasons.strip(), pushed_on=tx.today, pushed_by=tx.user.username)
                tx.save(existing, "push.create", new=True)
            results.append(s.RecordResult(id=int(existing.id or 0), ok=True, record=to_jsonable(existing)))
        return 200, s.RecordResults(results=results)

    return write.run(body, work)


@router.post("/pushes/{id}/answer", response_model=s.PostPush,
             summary="A graduate's answer to a pushed post; 已录用 also sets an unemployed graduate employed")
def answer_push(id: Id, body: s.PushAnswer, write: WriteRecord) -> Response:
    def work(tx: Tx) -> tuple[int, Any]:
        check_role(tx.user.role, Change.ANSWER_PUSH)
        push = get_scoped(tx.session, tx.user, m.PostPush, id)
        write.check_version(push)
        answer = check_answer(body.answer, body.date, push.pushed_on, tx.today)
        push.answer, push.answered_on, push.answered_by = answer.value, body.date, tx.user.username
        tx.save(push, "push.answer")
        g = tx.session.get(m.Graduate, push.graduate_id)
        assert g is not None
        status = employment_after(answer, EmploymentStatus(g.employment_status))
        if status is not None:
            g.employment_status, g.employment_date = status.value, body.date
            tx.save(g, "graduate.employment")
        return 200, to_wire(push)

    return write.run(body, work)
