"""综合查一次: one visit to one business by several departments, each with its own check items, and the results
recorded once for all of them.

Why it exists: a shop visited separately by 城管, 市场监管, 消防 and 生态环境 in one week loses four mornings;
the 综合查一次 reform plans them into one visit. So a second planned inspection of the same business on the same
day is refused (add the items to the planned one instead), and results are recorded once — every item at once,
never item by item over several visits — after which the inspection is closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.tables import Department, InspectionItem, JointInspection, Party
from commandcenter.store import Store, utcnow

AuthorizeFn = Callable[[str, str], None]
RESULTS = ("pass", "fail", "na")
RESULT_ZH = {"pass": "合格", "fail": "不合格", "na": "不适用", "": "未检查"}


class InspectionError(ValueError):
    """A plan or a record that cannot be accepted, with the reason."""


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: int
    department: str
    item: str
    result: str
    note: str

    @property
    def result_zh(self) -> str:
        return RESULT_ZH.get(self.result, self.result)


@dataclass(frozen=True, slots=True)
class InspectionInfo:
    id: int
    party_id: int
    business: str
    credit_code: str
    planned_for: date
    place: str
    status: str  # planned | done
    created_by: str
    recorded_by: str
    recorded_at: datetime | None
    summary: str
    items: tuple[ItemInfo, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.department for i in self.items))

    @property
    def failed(self) -> tuple[ItemInfo, ...]:
        return tuple(i for i in self.items if i.result == "fail")


def _info(session: Session, row: JointInspection) -> InspectionInfo:
    party = session.get(Party, row.party_id)
    items = tuple(ItemInfo(i.id, i.department, i.item, i.result, i.note) for i in session.scalars(
        select(InspectionItem).where(InspectionItem.inspection_id == row.id).order_by(InspectionItem.id)))
    return InspectionInfo(row.id, row.party_id, (party.shop_name or party.name) if party else "",
                          party.credit_code if party else "", date.fromisoformat(row.planned_for), row.place,
                          row.status, row.created_by, row.recorded_by, row.recorded_at, row.summary, items)


class InspectionService:
    """Plan and record joint inspections; both need ``case.joint`` (the dispatchers who run 联合执法)."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize
        self.clock = clock

    def plan(self, *, actor: str, party_id: int, planned_for: date, place: str,
             items: Sequence[tuple[str, str]]) -> InspectionInfo:
        """One visit to the business ``party_id`` on ``planned_for``: (department, check item) pairs."""
        self.authorize(actor, "case.joint")
        clean = [(d.strip(), i.strip()) for d, i in items if d.strip() and i.strip()]
        if len({d for d, _ in clean}) < 2:
            raise InspectionError("综合查一次须有至少两个部门的检查事项（单一部门检查无需联合）")

        def job(session: Session) -> InspectionInfo:
            party = session.get(Party, party_id)
            if party is None or party.kind != "shop":
                raise InspectionError(f"当事人 {party_id} 不是个体工商户/单位：综合查一次的对象是经营主体")
            known = set(session.scalars(select(Department.name).where(Department.active.is_(True))))
            unknown = sorted({d for d, _ in clean} - known)
            if unknown:
                raise InspectionError(f"部门名录中没有 {'、'.join(unknown)}")
            same_day = session.scalars(select(JointInspection).where(
                JointInspection.party_id == party_id, JointInspection.planned_for == planned_for.isoformat(),
                JointInspection.status == "planned")).first()
            if same_day is not None:
                raise InspectionError(f"{party.shop_name or party.name} 在 {planned_for} 已有综合检查计划（编号 "
                                      f"{same_day.id}），一次上门只查一次：请把检查事项并入该计划")
            row = JointInspection(party_id=party_id, planned_for=planned_for.isoformat(), place=place.strip(),
                                  status="planned", created_by=actor, created_at=self.clock(), recorded_by="",
                                  recorded_at=None, summary="")
            session.add(row)
            session.flush()
            for department, item in clean:
                session.add(InspectionItem(inspection_id=row.id, department=department, item=item, result="",
                                           note=""))
            session.flush()
            self.audit.append(session, actor, "inspection.plan", f"inspection:{row.id}", {
                "party_id": party_id, "planned_for": planned_for.isoformat(), "items": clean})
            return _info(session, row)

        return self.store.write(job)

    def record(self, inspection_id: int, *, actor: str, results: Mapping[int, tuple[str, str]],
               summary: str = "") -> InspectionInfo:
        """The results of the visit, every item at once: item id → (pass | fail | na, note). A failed item
        needs a note (what was found). Recorded once: the inspection is then done."""
        self.authorize(actor, "case.joint")

        def job(session: Session) -> InspectionInfo:
            row = session.get(JointInspection, inspection_id)
            if row is None:
                raise InspectionError(f"no inspection {inspection_id}")
            if row.status != "planned":
                raise InspectionError(f"综合检查 {inspection_id} 的结果已于 {row.recorded_at:%Y-%m-%d} 由 "
                                      f"{row.recorded_by} 记录，不能重复记录")
            items = list(session.scalars(select(InspectionItem).where(InspectionItem.inspection_id == row.id)))
            missing = [f"{i.department}：{i.item}" for i in items if i.id not in results]
            if missing:
                raise InspectionError("每个检查事项都须记录结果（一次录入）：缺 " + "；".join(missing))
            for item in items:
                result, note = results[item.id]
                if result not in RESULTS:
                    raise InspectionError(f"{item.department}：{item.item}: result must be one of {RESULTS}")
                if result == "fail" and not note.strip():
                    raise InspectionError(f"{item.department}：{item.item} 不合格，须写明发现的问题")
                item.result, item.note = result, note.strip()
            row.status, row.recorded_by, row.recorded_at = "done", actor, self.clock()
            row.summary = summary.strip()
            self.audit.append(session, actor, "inspection.record", f"inspection:{row.id}", {
                "results": {str(i.id): [i.result, i.note] for i in items}, "summary": row.summary})
            return _info(session, row)

        return self.store.write(job)

    def inspections(self, *, status: str | None = None, party_id: int | None = None) -> list[InspectionInfo]:
        def query(session: Session) -> list[InspectionInfo]:
            stmt = select(JointInspection).order_by(JointInspection.planned_for.desc(), JointInspection.id.desc())
            if status is not None:
                stmt = stmt.where(JointInspection.status == status)
            if party_id is not None:
                stmt = stmt.where(JointInspection.party_id == party_id)
            return [_info(session, r) for r in session.scalars(stmt)]

        return self.store.read(query)

    def businesses(self) -> list[tuple[int, str, str]]:
        """Known businesses (parties of kind shop): id, name, 统一社会信用代码."""
        return self.store.read(lambda s: [(p.id, p.shop_name or p.name, p.credit_code) for p in s.scalars(
            select(Party).where(Party.kind == "shop").order_by(Party.shop_name, Party.name))])
