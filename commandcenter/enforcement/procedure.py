"""The enforcement procedure after the 处理决定: 法制审核 queue → 告知 (陈述申辩 period on the work calendar) → 决定 →
执行 → 结案归档, and the 简易程序 (当场处罚) in one step.

Each step is one screen action that issues its numbered, hashed, audited 执法文书 (``DocumentService``) and writes
a ``procedure_steps`` row naming the document, so the next step can check that the one before it happened (no
决定书 before the 告知书's period has run or the party has been heard; no 结案 before 执行). Case status moves go
through ``CaseService`` (its permission hook, audit and change announcement; the 法制审核 guard on leaving 处理决定).

Why the statement deadline is on the work calendar: 陈述申辩 periods are set in 工作日 by the bureaus' rules; a
period running over 国庆 must not end on a holiday, and the calendar already knows the holidays and 调休 days.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.calendar import WorkCalendar
from commandcenter.cases.model import CaseView
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.decisions import DecisionInfo, DecisionService, _decision
from commandcenter.enforcement.documents import CHINA, DocumentService, IssuedInfo
from commandcenter.enforcement.rules import OUTCOME_ZH
from commandcenter.enforcement.tables import Decision, IssuedDocument, Party, ProcedureStep
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

AuthorizeFn = Callable[[str, str], None]
STATEMENT_WORKING_DAYS = 3  # 陈述申辩: three working days after the 告知书 is served
# 行政处罚法 第五十一条: 当场处罚 up to 200 元 for a citizen, 3000 元 for a legal person or other organisation.
SUMMARY_LIMITS = {"person": 200.0, "vehicle": 200.0, "shop": 3000.0}
STEP_ZH = {"notice": "事先告知", "statement": "陈述申辩", "decision": "处罚决定", "execution": "执行",
           "archive": "结案归档", "summary": "当场处罚"}


class ProcedureError(ValueError):
    """A step that cannot be taken now, with the reason in the bureau's words."""


class CaseTransitions(Protocol):
    """The part of ``CaseService`` the procedure drives (status moves with their own checks and audit)."""

    def transition(self, code: str, action: str, actor: str, *, reason: str = "",
                   **data: Any) -> Future[CaseView]:
        ...

    @property
    def calendar(self) -> WorkCalendar:
        ...


@dataclass(frozen=True, slots=True)
class StepInfo:
    id: int
    case_id: int
    step: str
    decision_id: int | None
    document_id: int | None
    doc_no: str
    actor: str
    at: datetime
    deadline: datetime | None
    note: str

    @property
    def step_zh(self) -> str:
        return STEP_ZH.get(self.step, self.step)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A 重大 decision waiting in the 法制审核 queue."""

    decision: DecisionInfo
    case_code: str
    category_name: str
    party_name: str


@dataclass(frozen=True, slots=True)
class ProcedureState:
    """Where a case stands: its status, its current decision and the steps taken, and what may come next."""

    case_id: int
    case_code: str
    status: str
    decision: DecisionInfo | None
    steps: tuple[StepInfo, ...]
    next_step: str  # notice | decision | execution | archive | "" (done or nothing to do yet)
    waiting: str  # why the next step cannot be taken yet ("" when it can)

    def step(self, name: str) -> StepInfo | None:
        return next((s for s in reversed(self.steps) if s.step == name), None)


def statement_deadline(calendar: WorkCalendar, served: datetime, days: int = STATEMENT_WORKING_DAYS) -> datetime:
    """The end (24:00 local) of the ``days``-th working day after the day the notice was served."""
    day = served.astimezone(CHINA).date()
    counted = 0
    for _ in range(3660):
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
            if counted == days:
                return datetime.combine(day + timedelta(days=1), time(0), CHINA)
    raise ProcedureError(f"no {days} working days within ten years after {served.date()}: check the work calendar")


def _step(row: ProcedureStep, doc_no: str) -> StepInfo:
    return StepInfo(row.id, row.case_id, row.step, row.decision_id, row.document_id, doc_no, row.actor, row.at,
                    row.deadline, row.note)


class ProcedureService:
    """Steps of the procedure. Permissions: ``case.legal_review`` (审核), ``case.decide`` + ``document.issue``
    (告知, 决定, 当场处罚), ``case.execute`` (执行), ``case.archive`` (结案归档)."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, decisions: DecisionService,
                 documents: DocumentService, cases: CaseTransitions, *, statement_days: int = STATEMENT_WORKING_DAYS, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize
        self.decisions = decisions
        self.documents = documents
        self.cases = cases
        self.statement_days = statement_days
        self.clock = clock

    # ------------------------------------------------------------------------------------------- reading
    def review_queue(self) -> list[ReviewItem]:
        """重大 decisions awaiting 法制审核, oldest first (the legal reviewer's own queue)."""

        def query(session: Session) -> list[ReviewItem]:
            rows = session.execute(
                select(Decision, Case.code, Case.category_name, Party.name)
                .join(Case, Case.id == Decision.case_id).outerjoin(Party, Party.id == Decision.party_id)
                .where(Decision.review_status == "pending", Decision.superseded.is_(False))
                .order_by(Decision.created_at)).all()
            return [ReviewItem(_decision(d), code, category or "", party or "") for d, code, category, party in rows]

        return self.store.read(query)

    def state(self, case_id: int) -> ProcedureState:
        def query(session: Session) -> ProcedureState:
            case = session.get(Case, case_id)
            if case is None:
                raise ProcedureError(f"no case {case_id}")
            decision = session.scalars(select(Decision).where(Decision.case_id == case_id,
                                                              Decision.superseded.is_(False))
                                       .order_by(Decision.id.desc()).limit(1)).first()
            rows = session.execute(select(ProcedureStep).where(ProcedureStep.case_id == case_id)
                                   .order_by(ProcedureStep.id)).scalars().all()
            doc_nos = _doc_numbers(session, [r.document_id for r in rows if r.document_id is not None])
            steps = tuple(_step(r, doc_nos.get(r.document_id or 0, "")) for r in rows
                          if decision is None or r.decision_id in (None, decision.id))
            info = _decision(decision) if decision is not None else None
            next_step, waiting = self._next(case.status, info, steps)
            return ProcedureState(case_id, case.code, case.status, info, steps, next_step, waiting)

        return self.store.read(query)

    def _next(self, status: str, decision: DecisionInfo | None, steps: tuple[StepInfo, ...]) -> tuple[str, str]:
        done = {s.step for s in steps}
        if status == "archived" or "archive" in done or "summary" in done:
            return "", "已结案归档"
        if decision is None:
            return "", "尚未形成处理决定"
        if decision.review_status == "pending":
            return "", f"重大执法决定待法制审核（{decision.major_reason}）"
        if decision.review_status == "rejected":
            return "", f"法制审核未通过：{decision.review_note}（须修改处理决定）"
        if "execution" in done:
            return "archive", ""
        if "decision" in done:
            return "execution", ""
        if decision.outcome == "no_penalty":
            return "decision", ""  # 不予处罚: nothing to be heard against
        notice = next((s for s in reversed(steps) if s.step == "notice"), None)
        if notice is None:
            return "notice", ""
        if "statement" not in done and notice.deadline is not None and self.clock() < notice.deadline:
            last_day = (notice.deadline - timedelta(seconds=1)).astimezone(CHINA)
            return "decision", (f"陈述申辩期至 {last_day:%Y-%m-%d}（含），"
                                "当事人陈述申辩或放弃后方可作出决定")
        return "decision", ""

    # ------------------------------------------------------------------------------------------- 法制审核
    def review(self, decision_id: int, *, actor: str, approve: bool, note: str = "") -> DecisionInfo:
        """Approve, or return with reasons (a return needs them): ``DecisionService.legal_review``."""
        return self.decisions.legal_review(decision_id, actor=actor, approve=approve, note=note)

    # ------------------------------------------------------------------------------------------- steps
    def notify(self, case_id: int, *, actor: str) -> StepInfo:
        """告知: issue the 行政处罚事先告知书 with the 陈述申辩 deadline; the case moves to 处理决定."""
        state = self._ready(case_id, "notice")
        self._move(state, "deciding", "decide", actor, "事先告知")
        deadline = statement_deadline(self.cases.calendar, self.clock(), self.statement_days)
        doc = self.documents.issue(case_id, "penalty_notice", actor=actor, extra={
            "statement_deadline": f"{deadline.astimezone(CHINA) - timedelta(seconds=1):%Y年%m月%d日}",
            "statement_days": self.statement_days})
        return self._record(state, "notice", actor, doc, deadline=deadline,
                            note=f"陈述申辩期 {self.statement_days} 个工作日")

    def record_statement(self, case_id: int, *, actor: str, statement: str, waived: bool = False) -> StepInfo:
        """陈述申辩: what the party said (or that they waived it), which ends the waiting period."""
        self.authorize(actor, "case.decide")
        text = "当事人放弃陈述申辩" if waived else statement.strip()
        if not text:
            raise ProcedureError("请记录当事人的陈述申辩内容，或选择放弃陈述申辩")
        state = self.state(case_id)
        if state.step("notice") is None:
            raise ProcedureError(f"案件 {state.case_code} 尚未事先告知，无陈述申辩可记录")
        return self._record(state, "statement", actor, None, note=text)

    def decide(self, case_id: int, *, actor: str) -> StepInfo:
        """决定: the 行政处罚决定书 (or 不予行政处罚决定书) once the party was heard or the period ran out."""
        state = self._ready(case_id, "decision")
        self._move(state, "deciding", "decide", actor, "作出处理决定")
        assert state.decision is not None
        doc_type = "no_penalty_decision" if state.decision.outcome == "no_penalty" else "penalty_decision"
        doc = self.documents.issue(case_id, doc_type, actor=actor)
        return self._record(state, "decision", actor, doc)

    def execute(self, case_id: int, *, actor: str, note: str) -> StepInfo:
        """执行: how the decision was carried out (罚款已缴 with the receipt, 已改正 …); the case → 执行."""
        if not note.strip():
            raise ProcedureError("请填写执行情况（如罚款缴纳票据号、改正情况）")
        state = self._ready(case_id, "execution")
        if state.decision is not None and state.decision.outcome == "no_penalty":
            raise ProcedureError("不予处罚的案件无需执行，可直接结案归档")
        self.authorize(actor, "case.execute")
        doc = self.documents.issue(case_id, "execution_record", actor=actor, extra={"execution_note": note.strip()})
        self._move(state, "executing", "execute", actor, note.strip())
        return self._record(state, "execution", actor, doc, note=note.strip())

    def archive(self, case_id: int, *, actor: str, note: str = "") -> StepInfo:
        """结案归档: the 结案报告 listing the procedure's documents; the case → 结案归档."""
        state = self.state(case_id)
        no_penalty_decided = (state.decision is not None and state.decision.outcome == "no_penalty"
                              and state.step("decision") is not None)
        if not no_penalty_decided:
            state = self._ready(case_id, "archive")
        self.authorize(actor, "case.archive")
        steps = "；".join(f"{s.step_zh}（{s.doc_no or s.note}）" for s in state.steps)
        doc = self.documents.issue(case_id, "closing_report", actor=actor, extra={
            "procedure_steps": steps or "—", "closing_note": note.strip() or "执行完毕，同意结案"})
        self._move(state, "archived", "archive", actor, note.strip() or "结案归档")
        return self._record(state, "archive", actor, doc, note=note.strip())

    def summary(self, case_id: int, *, actor: str, violation_code: str, party_id: int, circumstances: list[str],
                amount: float, statement: str = "", reason: str = "") -> StepInfo:
        """简易程序 (当场处罚) in one step: decision, 当场行政处罚决定书, case closed. Only within the statutory
        limit for the party (≤200 元 a citizen, ≤3000 元 an organisation)."""
        self.authorize(actor, "case.decide")
        self.authorize(actor, "document.issue")
        party = self.decisions.party(party_id)
        if party is None:
            raise ProcedureError(f"no party {party_id}")
        limit = SUMMARY_LIMITS.get(party.kind, 200.0)
        if amount <= 0 or amount > limit:
            raise ProcedureError(f"简易程序仅适用于对{'法人或其他组织' if party.kind == 'shop' else '公民'}处"
                                 f"{limit:g}元以下罚款（行政处罚法第五十一条），{amount:g}元须适用一般程序")
        state = self.state(case_id)
        if state.status in ("archived", "closed", "rejected", "merged", "transferred"):
            raise ProcedureError(f"案件 {state.case_code} 已办结，不能当场处罚")
        decision = self.decisions.record_decision(
            case_id, actor=actor, violation_code=violation_code, party_id=party_id, circumstances=circumstances,
            outcome="penalty", amount=amount, deviation_reason=reason.strip() or "简易程序当场处罚，执法人员当场裁量",
            note="简易程序")
        if decision.is_major:
            raise ProcedureError(f"{decision.major_reason}：重大执法决定不适用简易程序")
        doc = self.documents.issue(case_id, "summary_decision", actor=actor, extra={
            "statement": statement.strip() or "无"})
        # The status path of the 一般程序 is walked by the system on the officer's behalf: one act on the spot.
        for status, action in (("investigating", "investigate"), ("deciding", "decide"), ("executing", "execute"),
                               ("archived", "archive")):
            self._move(self.state(case_id), status, action, "system", f"简易程序当场处罚（{actor}）")
        return self._record(self.state(case_id), "summary", actor, doc, note=f"当场罚款 {amount:g} 元",
                            decision_id=decision.id)

    # ------------------------------------------------------------------------------------------- helpers
    def _ready(self, case_id: int, step: str) -> ProcedureState:
        state = self.state(case_id)
        if state.next_step != step:
            what = STEP_ZH[step]
            if state.next_step:
                raise ProcedureError(f"案件 {state.case_code} 现在应{STEP_ZH[state.next_step]}，不能{what}")
            raise ProcedureError(f"案件 {state.case_code} 不能{what}：{state.waiting}")
        if state.waiting:
            raise ProcedureError(f"案件 {state.case_code} 不能{STEP_ZH[step]}：{state.waiting}")
        return state

    _PATH = ("registered", "dispatched", "handling", "investigating", "deciding", "executing", "archived")

    def _move(self, state: ProcedureState, status: str, action: str, actor: str, reason: str) -> None:
        """Move the case to ``status`` through CaseService unless it is there (or past it) already."""
        current = state.status
        if current == status or (current in self._PATH and status in self._PATH
                                 and self._PATH.index(current) > self._PATH.index(status)):
            return
        if status == "deciding" and current in ("registered", "dispatched", "handling"):
            self.cases.transition(state.case_code, "investigate", actor, reason=reason).result(60)
        self.cases.transition(state.case_code, action, actor, reason=reason).result(60)

    def _record(self, state: ProcedureState, step: str, actor: str, doc: IssuedInfo | None, *,
                deadline: datetime | None = None, note: str = "", decision_id: int | None = None) -> StepInfo:
        if decision_id is None and state.decision is not None:
            decision_id = state.decision.id

        def job(session: Session) -> StepInfo:
            row = ProcedureStep(case_id=state.case_id, decision_id=decision_id, step=step,
                                document_id=doc.id if doc else None, actor=actor, at=self.clock(),
                                deadline=deadline, note=note)
            session.add(row)
            session.flush()
            self.audit.append(session, actor, f"procedure.{step}", f"case:{state.case_id}", {
                "step_id": row.id, "decision_id": decision_id, "doc_no": doc.doc_no if doc else "",
                "sha256": doc.sha256 if doc else "", "deadline": deadline.isoformat() if deadline else "",
                "note": note})
            return _step(row, doc.doc_no if doc else "")

        return self.store.write(job)


def _doc_numbers(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(IssuedDocument.id, IssuedDocument.doc_no)
                                             .where(IssuedDocument.id.in_(ids))).all()}


def outcome_line(decision: DecisionInfo) -> str:
    """One line for a queue or a case header: outcome, amount, level."""
    return f"{OUTCOME_ZH.get(decision.outcome, decision.outcome)} {decision.amount:g} 元（{decision.level}）"
