"""The withdrawal request as a document to print (放弃实习岗位申请表): the
student, the position, the four steps with what is recorded of each (a blank
to sign where a step is still to come), the deadline and the submission."""

from __future__ import annotations

from zhumeng_tui.domain.withdrawal import STATE_LABELS, STEP_LABELS, Step, WithdrawalState
from zhumeng_tui.services import WithdrawalDetail
from zhumeng_tui.sheets.documents import FormDocument

Pair = tuple[str, str]
BLANK = "________________"


def withdrawal_form(d: WithdrawalDetail, lang: str) -> FormDocument:
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    w, st, pos = d.withdrawal, d.student, d.position
    steps = {r.step: r for r in w.steps}

    def step(s: Step, who: Pair) -> str:
        r = steps.get(s)
        if r is None:
            return t(f"{who[0]}：{BLANK}    日期：{BLANK}", f"{who[1]}: {BLANK}    Date: {BLANK}")
        name = r.name or r.by
        day = r.date.isoformat() if r.date else ""
        return t(f"{who[0]}：{name}    日期：{day}", f"{who[1]}: {name}    Date: {day}")

    statement = steps.get(Step.STATEMENT)
    if statement is not None:
        text = t(f"书面说明（{statement.date}）：\n{statement.text or ''}",
                 f"Written statement ({statement.date}):\n{statement.text or ''}")
    else:
        text = t("书面说明（学生本人填写放弃岗位的原因）：\n\n\n", "Written statement (the student's reasons):\n\n\n")
    if d.deadline is not None:
        deadline = d.deadline.text(lang)
        if d.deadline.approximate:
            deadline += "\n" + d.deadline.note(lang)
    else:
        deadline = t("高校盖章后3个工作日内提交用人单位", "Within 3 working days of the university stamp")
    submit = steps.get(Step.SUBMIT)
    if submit is not None:
        late = t("（逾期提交）", " (late)") if w.submitted_late else ""
        submitted = f"{submit.date}{late}"
    else:
        submitted = t(f"提交日期：{BLANK}", f"Date submitted: {BLANK}")
    cancelled = steps.get(Step.CANCEL)
    fields: list[tuple[str, str]] = [
        (t("学生", "Student"), f"{st.name}  {st.student_no}"),
        (t("院系 / 专业", "Department / major"), f"{d.department_name} / {st.major}"),
        (t("联系电话", "Phone"), st.phone),
        (t("用人单位", "Employer"), d.employer.name),
        (t("岗位", "Position"), pos.title),
        (t("实习地区 / 期限", "Region / dates"), f"{pos.region} / {pos.start_date} — {pos.end_date}"),
        (t("申请编号 / 登记", "Request / filed"), f"#{w.id}  {w.filed_at:%Y-%m-%d}  {w.filed_by}"),
        (t("当前进度", "Progress"), t(*STATE_LABELS[WithdrawalState(w.state)])),
        ("", text),
        (t(*STEP_LABELS[Step.COUNSELLOR]), step(Step.COUNSELLOR, ("辅导员签字", "Counsellor"))),
        (t(*STEP_LABELS[Step.STAMP]), step(Step.STAMP, ("经办人（盖章）", "Confirmed by (stamp)"))),
        (t("截止日期", "Deadline"), deadline),
        (t(*STEP_LABELS[Step.SUBMIT]), submitted),
    ]
    if cancelled is not None:
        fields.append((t("已撤销", "Cancelled"), f"{cancelled.date}  {cancelled.text or ''}"))
    return FormDocument(
        title=t("逐梦计划 放弃实习岗位申请表", "Zhumeng programme: request to withdraw from an internship"),
        fields=fields,
        notes=[t("说明：须依次完成书面说明、辅导员签字、高校盖章，并在盖章后3个工作日内（按法定节假日与调休计算）提交用人单位。",
                 "Steps in order: written statement, counsellor signature, university stamp, then submission to"
                 " the employer within 3 working days of the stamp (public holidays and make-up days counted).")],
        signatures=[t("学生签字", "Student"), t("辅导员签字", "Counsellor"), t("高校（盖章）", "University stamp")],
    )
