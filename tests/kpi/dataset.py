"""A hand-made month of cases (November 2026, Beijing time) whose every figure is worked out by hand below.

Work calendar: the shipped 2026 calendar (08:30–12:00 and 13:30–17:30, 7.5 working hours a day; Nov 1 is a
Sunday). Categories: SJ0401 占道经营 (派遣 0.5 h; 派遣+处置+核查 = 3.5 h), SJ0101 暴露垃圾 (派遣 1 h; total 4 h).

| case | created (local)  | registered   | team / officer | what happens                                      |
|------|------------------|--------------|----------------|---------------------------------------------------|
| C1   | Tue 11-03 09:00  | 09:05        | 一中队 / o1    | dispatched 5 min, arrived 20 min, handled 60 min, closed 10:30: on time; phone; rated 5 |
| C2   | Tue 11-03 16:00  | 16:00        | 一中队 / o1    | dispatched after 50 min (late), arrived 60 min, 返工 once, handled 11-04 09:00, closed 11:00: 4.0 working h > 3.5, late; rated 3 |
| C3   | Thu 11-05 10:00  | 10:10        | 二中队 / o3    | SJ0101, dispatched 30 min, arrived 80 min, handled 11-06 14:00 (28 h) from the phone, never closed |
| C4   | Tue 11-10 09:00  | 09:00        | 二中队 / o3    | SJ0101, dispatched 30 min, 缓办 10:00 → resumed 11-12 10:00 (15 working h), closed 11-12 11:30: 17.5 − 15 = 2.5 h, on time |
| C5   | Fri 11-20 09:00  | —            | —              | reported only (a later case of party P1)          |
| C6   | Sat 10-31 23:00  | Sun 11-01 08:00 | 一中队 / o2 | dispatched Mon 08:40 (10 working min), handled 11-02 10:00, closed 12-01: not closed in November |
| C7   | Fri 10-30 09:00  | 10-30 09:05  | —              | October's case, closed 11-02: in no November figure; October's only registered case |
| C8   | Wed 11-25 09:00  | 09:05        | —              | 转办 to 住建局 at 09:30: registered, not closed, out of the time figures |

Parties: P1 granted 首违不罚 on C1 (11-03), reported again in C5 (11-20); P2 granted 首违不罚 on C4, no later case.
Joint tasks (吹哨报到): on C3 住建局 summoned 11-05 10:30, done 15:00 (3.0 working h > SJ0101's 处置 limit of 2 h:
late); on C2 市场监管局 summoned 11-03 16:10, done 16:40 (0.5 h ≤ 2 h: on time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commandcenter.cases.tables import CaseTask
from commandcenter.enforcement.tables import CaseParty, Decision, Party
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent, Officer

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # after November and the first of December


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time in 2026 as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL).astimezone(UTC)


def _case(code: str, source: str, category: str, created: datetime, **kw: Any) -> Case:
    names = {"SJ0401": "占道经营", "SJ0101": "暴露垃圾"}
    status = kw.pop("status", "closed")
    return Case(code=code, source=source, category=category, category_name=names[category], status=status,
                created_at=created, updated_at=created, grid_code=kw.pop("grid", ""),
                extra=kw.pop("extra", {}), **kw)


def seed_kpi_dataset(store: Store) -> None:
    """Write the table above into a migrated store (officers, cases, events, parties, decisions, tasks)."""

    def job(s: Any) -> None:
        s.add_all([
            Officer(id="o1", badge="B1", name="张三", team="一中队"),
            Officer(id="o2", badge="B2", name="李四", team="一中队"),
            Officer(id="o3", badge="B3", name="王五", team="二中队"),
        ])
        c1 = at(11, 3, 9)
        c2 = at(11, 3, 16)
        c3 = at(11, 5, 10)
        c4 = at(11, 10, 9)
        c6 = at(10, 31, 23)
        cases = {
            "C1": _case("C1", "hotline", "SJ0401", c1, grid="G1", assigned_officer="o1",
                        registered_at=c1 + timedelta(minutes=5), dispatched_at=c1 + timedelta(minutes=10),
                        arrived_at=c1 + timedelta(minutes=20), handled_at=c1 + timedelta(minutes=60),
                        closed_at=c1 + timedelta(minutes=90),
                        extra={"rating": 5, "field": {"state": "reported", "officer": "o1"}}),
            "C2": _case("C2", "patrol", "SJ0401", c2, grid="G1", assigned_officer="o1",
                        registered_at=c2, dispatched_at=c2 + timedelta(minutes=50),
                        arrived_at=c2 + timedelta(minutes=60), handled_at=at(11, 4, 9), closed_at=at(11, 4, 11),
                        extra={"rating": 3}),
            "C3": _case("C3", "ai", "SJ0101", c3, grid="G2", assigned_officer="o3", status="handled",
                        registered_at=c3 + timedelta(minutes=10), dispatched_at=c3 + timedelta(minutes=40),
                        arrived_at=c3 + timedelta(minutes=80), handled_at=at(11, 6, 14),
                        extra={"field": {"state": "reported", "officer": "o3"}}),
            "C4": _case("C4", "hotline", "SJ0101", c4, grid="G2", assigned_officer="o3",
                        registered_at=c4, dispatched_at=c4 + timedelta(minutes=30), arrived_at=at(11, 12, 10, 20),
                        handled_at=at(11, 12, 11), closed_at=at(11, 12, 11, 30)),
            "C5": _case("C5", "public", "SJ0401", at(11, 20, 9), status="reported"),
            "C6": _case("C6", "hotline", "SJ0401", c6, grid="G1", assigned_officer="o2",
                        registered_at=at(11, 1, 8), dispatched_at=at(11, 2, 8, 40), arrived_at=at(11, 2, 9),
                        handled_at=at(11, 2, 10), closed_at=at(12, 1, 9)),
            "C7": _case("C7", "hotline", "SJ0401", at(10, 30, 9), registered_at=at(10, 30, 9, 5),
                        closed_at=at(11, 2, 9)),
            "C8": _case("C8", "hotline", "SJ0101", at(11, 25, 9), status="transferred",
                        registered_at=at(11, 25, 9, 5), closed_at=at(11, 25, 9, 30),
                        extra={"transferred_to": "住建局"}),
        }
        s.add_all(cases.values())
        s.flush()
        ids = {code: row.id for code, row in cases.items()}

        def event(code: str, when: datetime, action: str, data: dict[str, object] | None = None) -> CaseEvent:
            return CaseEvent(case_id=ids[code], time=when, actor="x", action=action, data=data or {})

        s.add_all([
            event("C2", at(11, 4, 10), "rework"),
            event("C4", at(11, 10, 10), "suspend"),
            event("C4", at(11, 12, 10), "resume"),
            event("C8", at(11, 25, 9, 30), "transfer", {"department": "住建局"}),
        ])
        p1 = Party(kind="person", name="甲", created_at=c1)
        p2 = Party(kind="person", name="乙", created_at=c4)
        s.add_all([p1, p2])
        s.flush()
        s.add_all([
            CaseParty(case_id=ids["C1"], party_id=p1.id, added_at=c1),
            CaseParty(case_id=ids["C5"], party_id=p1.id, added_at=at(11, 20, 9)),
            CaseParty(case_id=ids["C4"], party_id=p2.id, added_at=c4),
            Decision(case_id=ids["C1"], party_id=p1.id, violation_code="V1", outcome="no_penalty",
                     first_violation=True, created_by="x", created_at=at(11, 3, 11)),
            Decision(case_id=ids["C4"], party_id=p2.id, violation_code="V1", outcome="no_penalty",
                     first_violation=True, created_by="x", created_at=at(11, 12, 12)),
            CaseTask(case_id=ids["C3"], department="住建局", status="done", created_at=at(11, 5, 10, 30),
                     updated_at=at(11, 5, 15)),
            CaseTask(case_id=ids["C2"], department="市场监管局", status="done", created_at=at(11, 3, 16, 10),
                     updated_at=at(11, 3, 16, 40)),
        ])

    store.write(job)
