"""Job posts and the recommendation ranking: what is never recommended, what
ranks first, the reasons in words, distinct employers, determinism."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EmploymentStatus, StayIntent
from zhumeng_tui.domain.posts import (
    DISCIPLINE_GROUPS,
    PICKS,
    Answer,
    Education,
    GraduateFacts,
    PostFacts,
    PostIndex,
    candidate,
    check_answer,
    check_pushable,
    check_salary,
    check_valid_until,
    check_verify,
    employment_after,
    meets_education,
    open_to,
    parse_answer,
    parse_education,
    parse_source,
    recommend,
    score,
)

TODAY = dt.date(2026, 3, 10)
MAJORS = ["计算机科学与技术", "软件工程", "会计学", "财务管理", "英语", "法学", "护理学"]
CITIES = ["成都市", "绵阳市", "德阳市", "宜宾市"]
SKILLS = ["Python", "SQL", "Excel", "CAD", "英语六级"]
EMPLOYERS = ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"]


def code(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as e:
        call()
    return e.value.code


@st.composite
def post(draw: st.DrawFn, pid: int) -> PostFacts:
    return PostFacts(
        id=pid, employer=draw(st.sampled_from(EMPLOYERS)), title=f"岗位{pid}", city=draw(st.sampled_from(CITIES)),
        majors=tuple(draw(st.lists(st.sampled_from(MAJORS), max_size=3, unique=True))),
        skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))),
        education=draw(st.sampled_from(list(Education))), verified=draw(st.booleans()),
        valid_until=TODAY + dt.timedelta(days=draw(st.integers(-30, 90))), openings=draw(st.integers(0, 5)),
        university_id=draw(st.sampled_from([None, None, 1, 2])),
        owner_city=draw(st.sampled_from([None, "成都市", "绵阳市"])),
    )


@st.composite
def posts(draw: st.DrawFn) -> list[PostFacts]:
    n = draw(st.integers(0, 25))
    return [draw(post(i + 1)) for i in range(n)]


@st.composite
def graduate(draw: st.DrawFn, post_ids: int = 25) -> GraduateFacts:
    return GraduateFacts(
        major=draw(st.sampled_from(MAJORS)), skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))),
        stay_intent=draw(st.sampled_from(list(StayIntent))),
        preferred_cities=tuple(draw(st.lists(st.sampled_from([*CITIES, "重庆市"]), max_size=2, unique=True))),
        education=draw(st.sampled_from(list(Education)[1:])), university_id=draw(st.sampled_from([1, 2])),
        university_city=draw(st.sampled_from(["成都市", "绵阳市", None])),
        excluded=frozenset(draw(st.sets(st.integers(1, post_ids), max_size=5))),
    )


@settings(max_examples=300)
@given(graduate(), posts())
def test_never_an_expired_unverified_refused_held_or_out_of_scope_post(g: GraduateFacts, ps: list[PostFacts]) -> None:
    by_id = {p.id: p for p in ps}
    for pick in recommend(g, ps, TODAY).picks:
        p = by_id[pick.post_id]
        assert p.verified and p.valid_until >= TODAY and p.openings > 0
        assert p.id not in g.excluded
        assert open_to(p, g.university_id, g.university_city)
        assert meets_education(g.education, p.education)
        if g.preferred_cities:
            assert p.city in g.preferred_cities


@settings(max_examples=300)
@given(graduate(), posts(), st.randoms(use_true_random=False))
def test_deterministic_in_any_order_and_the_index_agrees(g: GraduateFacts, ps: list[PostFacts], rnd: object) -> None:
    first = recommend(g, ps, TODAY)
    shuffled = list(ps)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert recommend(g, shuffled, TODAY) == first
    assert PostIndex(TODAY, shuffled).recommend(g) == first


def reference(g: GraduateFacts, ps: list[PostFacts]) -> list[tuple[int, int]]:
    """The ranking written plainly: every candidate scored with ``score``, the
    best of each employer first (score, then id), then the rest."""
    scored = sorted((pk.score, p.id, p.employer) for p in ps if candidate(g, p, TODAY)
                     for pk in (score(g, p),) if pk is not None)
    ranked = sorted(scored, key=lambda x: (-x[0], x[1]))
    picks: list[tuple[int, int, str]] = []
    for x in ranked:
        if len(picks) < PICKS and x[2] not in {y[2] for y in picks}:
            picks.append(x)
    picks += [x for x in ranked if x not in picks][:PICKS - len(picks)]
    return sorted(((sc, pid) for sc, pid, _ in picks), key=lambda x: (-x[0], x[1]))


@settings(max_examples=400)
@given(graduate(), posts())
def test_the_index_ranks_as_the_plain_rule_does(g: GraduateFacts, ps: list[PostFacts]) -> None:
    rec = recommend(g, ps, TODAY)
    assert [(p.score, p.post_id) for p in rec.picks] == reference(g, ps)
    by_id = {p.id: p for p in ps}
    for p in rec.picks:
        plain = score(g, by_id[p.post_id])
        assert plain is not None and plain.reasons == p.reasons


@settings(max_examples=300)
@given(graduate(), posts())
def test_at_most_three_best_first_distinct_employers_when_possible(g: GraduateFacts, ps: list[PostFacts]) -> None:
    rec = recommend(g, ps, TODAY)
    assert len(rec.picks) <= PICKS
    assert [p.score for p in rec.picks] == sorted((p.score for p in rec.picks), reverse=True)
    assert len({p.post_id for p in rec.picks}) == len(rec.picks)
    by_id = {p.id: p for p in ps}
    fitting = [p for p in ps if recommend(g, [p], TODAY).picks]
    assert len(rec.picks) == min(PICKS, len(fitting))
    assert len({by_id[p.post_id].employer for p in rec.picks}) == min(PICKS, len({p.employer for p in fitting}))
    # an empty answer says why; a non-empty one does not need to
    assert bool(rec.picks) != bool(rec.reason)


def _p(pid: int, employer: str = "甲公司", **kw: object) -> PostFacts:
    base: dict[str, object] = dict(id=pid, employer=employer, title="开发", city="成都市", majors=("计算机科学与技术",),
                                   skills=(), education=Education.BACHELOR, verified=True,
                                   valid_until=TODAY + dt.timedelta(days=30))
    base.update(kw)
    return PostFacts(**base)  # type: ignore[arg-type]


GRAD = GraduateFacts("计算机科学与技术", ("Python", "SQL"), StayIntent.YES, ("成都市",), Education.BACHELOR, 1, "成都市")


def test_the_reasons_in_words() -> None:
    rec = recommend(GRAD, [_p(1, skills=("Python", "SQL", "Java"))], TODAY)
    assert rec.picks[0].text() == "专业对口：计算机科学与技术 · 技能：Python、SQL · 意向城市：成都市 · 学历：本科"
    assert rec.picks[0].text("en").startswith("Major: 计算机科学与技术 · Skills: Python, SQL")


def test_exact_major_before_the_same_group_before_any_major() -> None:
    ps = [_p(1, "甲", majors=()), _p(2, "乙", majors=("软件工程",)), _p(3, "丙")]
    assert [p.post_id for p in recommend(GRAD, ps, TODAY).picks][:2] == [3, 2]
    any_major = recommend(GRAD, [_p(1, majors=(), skills=("Python",))], TODAY).picks[0]
    assert any_major.reasons[0] == ("专业不限", "Any major")
    assert recommend(GRAD, [_p(1, majors=())], TODAY).picks == ()  # any major without a skill: no guess


def test_three_different_employers_before_a_second_post_of_one() -> None:
    ps = [_p(1, "甲", skills=("Python",)), _p(2, "甲", skills=("Python",)), _p(3, "乙"), _p(4, "丙")]
    assert [p.post_id for p in recommend(GRAD, ps, TODAY).picks] == [1, 3, 4]
    assert [p.post_id for p in recommend(GRAD, ps[:3], TODAY).picks] == [1, 2, 3]


def test_no_fitting_post_gives_an_empty_list_and_the_reason() -> None:
    far = recommend(GRAD, [_p(1, city="宜宾市")], TODAY)
    assert far.picks == () and far.reason == ("意向城市（成都市）没有适合该专业（计算机科学与技术）的岗位",
                                              "No post for this major (计算机科学与技术) in the preferred cities (成都市)")
    none = recommend(GRAD, [_p(1, majors=("法学",))], TODAY)
    assert none.picks == () and none.reason is not None and none.reason[0] == "没有适合该专业（计算机科学与技术）的已审核岗位"


def test_a_post_for_another_university_or_city_is_not_recommended() -> None:
    assert recommend(GRAD, [_p(1, university_id=2)], TODAY).picks == ()
    assert recommend(GRAD, [_p(1, owner_city="绵阳市")], TODAY).picks == ()
    assert len(recommend(GRAD, [_p(1, university_id=1), _p(2, "乙", owner_city="成都市")], TODAY).picks) == 2


def test_education_below_the_post_does_not_fit() -> None:
    junior = GraduateFacts("计算机科学与技术", (), StayIntent.YES, (), Education.JUNIOR, 1)
    assert recommend(junior, [_p(1)], TODAY).picks == ()
    assert recommend(junior, [_p(1, education=Education.ANY)], TODAY).picks != ()


@given(st.sampled_from(list(DISCIPLINE_GROUPS)))
def test_every_major_of_a_group_is_a_near_fit(group: str) -> None:
    majors = DISCIPLINE_GROUPS[group]
    g = GraduateFacts(majors[0], (), StayIntent.UNDECIDED, (), Education.DOCTOR, 1)
    pick = recommend(g, [_p(1, majors=(majors[-1],))], TODAY).picks[0]
    assert pick.reasons[0][0] == f"相近专业：{group}"


def test_labels_parse_and_bad_values_are_refused() -> None:
    assert parse_source("人社归集").value == "hrss"
    assert parse_education("本科") == Education.BACHELOR and parse_education("") == Education.ANY
    assert parse_answer("已录用") == Answer.HIRED
    assert code(lambda: parse_answer("也许")) == "bad_answer"
    assert code(lambda: parse_source("朋友圈")) == "bad_source"
    assert code(lambda: check_salary(9000, 5000)) == "bad_salary"
    assert code(lambda: check_valid_until(TODAY - dt.timedelta(days=1), TODAY)) == "post_expired"
    assert code(lambda: check_verify(TODAY, TODAY, TODAY)) == "already_verified"
    assert code(lambda: check_pushable(False, TODAY, TODAY)) == "post_not_verified"
    assert code(lambda: check_answer("hired", TODAY - dt.timedelta(days=2), TODAY, TODAY)) == "answer_before_push"
    assert code(lambda: check_answer("hired", TODAY + dt.timedelta(days=1), TODAY, TODAY)) == "date_in_future"


@given(st.sampled_from(list(Answer)), st.sampled_from(list(EmploymentStatus)))
def test_hired_sets_an_unemployed_graduate_employed(answer: Answer, status: EmploymentStatus) -> None:
    after = employment_after(answer, status)
    if answer == Answer.HIRED and status in (EmploymentStatus.UNEMPLOYED, EmploymentStatus.NOT_SEEKING,
                                             EmploymentStatus.FURTHER_STUDY, EmploymentStatus.ABROAD,
                                             EmploymentStatus.ENLISTED, EmploymentStatus.ENTREPRENEUR):
        assert after == EmploymentStatus.SIGNED
    else:
        assert after is None
