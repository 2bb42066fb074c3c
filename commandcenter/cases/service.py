"""CaseService: one object that owns the four jobs of the cases package and names their verbs.

The work is split by job, each in its own module, sharing one :class:`~commandcenter.cases.core.CaseCore`
(store, calendar, categories, hooks, clock, change announcer):

* :class:`~commandcenter.cases.intake_commands.CaseIntake` and
  :class:`~commandcenter.cases.commands.CaseCommands` — the commands: intake, and the one table-driven
  workflow transition; :class:`~commandcenter.cases.decisions.CaseDecisions` (leaders' approvals, joint
  enforcement tasks) and :class:`~commandcenter.cases.records.CaseRecords` (evidence, map placement,
  citizens' photos) beside it;
* :class:`~commandcenter.cases.queries.CaseQueries` — the queue, a case, its history, searches, leaders'
  list, unit board (officers by name);
* :class:`~commandcenter.cases.recommend.Recommender` — smart dispatch;
* :class:`~commandcenter.cases.escalation.Escalation` — the SLA sweep (run on its own timer by
  :class:`~commandcenter.cases.escalation.EscalationService`).

Why keep this thin facade: the CLI, the Open311 backend, the simulated desk, the screens and about two
hundred tests speak ``service.dispatch(code, officer, actor)``; the named workflow verbs below are one line
each over ``commands.transition``. New code may take the part it needs (``service.queries`` …) instead.
Changes are announced on ``service.announcer.changed`` (a :class:`~commandcenter.cases.changes.CaseChanges`)
after every committed command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from commandcenter.cases.calendar import WorkCalendar
from commandcenter.cases.categories import Category, CategoryTable
from commandcenter.cases.changes import ChangeAnnouncer, Operation
from commandcenter.cases.commands import TASK_STATUSES, CaseCommands
from commandcenter.cases.core import Audit, Authorize, CaseCore, Guard
from commandcenter.cases.decisions import CaseDecisions
from commandcenter.cases.dispatch import Dispatcher, Recommendation, StreetRouter
from commandcenter.cases.escalation import Escalation
from commandcenter.cases.intake_commands import CaseIntake, DuplicateCandidate
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase, Sla
from commandcenter.cases.queries import CaseQueries, UnitRow
from commandcenter.cases.rating import RatingCommands, RatingOutcome
from commandcenter.cases.recommend import Recommender
from commandcenter.cases.records import CaseRecords
from commandcenter.cases.shifts import ShiftRoster
from commandcenter.domain import UnitPosition
from commandcenter.geo.streets import StreetGraph
from commandcenter.geo.zones import GridIndex
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

__all__ = ["TASK_STATUSES", "CaseService", "DuplicateCandidate", "UnitRow"]


class CaseService:
    """Cases from every channel through the workflow; see the module docstring for the parts."""

    def __init__(
        self,
        store: Store,
        calendar: WorkCalendar,
        categories: CategoryTable,
        *,
        authorize: Authorize | None = None,
        audit: Audit | None = None,
        guard: Guard | None = None,
        positions: Callable[[], Mapping[str, UnitPosition]] | None = None,
        streets: StreetGraph | StreetRouter | None = None,
        clock: Callable[[], datetime] = utcnow,
        duplicate_radius_m: float = 50.0,
        duplicate_window_min: float = 60.0,
        warn_fraction: float = 0.2,
        stale_after_s: float = 300.0,
        roster_max_age_s: float = 5.0,
        unit_status_changed: Callable[[str, str], None] | None = None,
        shifts: ShiftRoster | None = None,
    ) -> None:
        self.core = CaseCore(store, calendar, categories, authorize=authorize, audit=audit, guard=guard,
                             clock=clock, warn_fraction=warn_fraction)
        located: Callable[[], Mapping[str, UnitPosition]] = positions or dict
        self.positions = located
        self.recommender = Recommender(self.core, located, streets=streets, stale_after_s=stale_after_s,
                                       roster_max_age_s=roster_max_age_s, shifts=shifts)
        self.commands = CaseCommands(self.core)
        self.ratings = RatingCommands(self.core)
        self.decisions = CaseDecisions(self.commands)
        self.records = CaseRecords(self.commands)
        self.intake = CaseIntake(self.core, self.commands, self.recommender, duplicate_radius_m=duplicate_radius_m,
                                 duplicate_window_min=duplicate_window_min)
        self.queries = CaseQueries(self.core, self.intake, located, stale_after_s=stale_after_s)
        self.escalation = Escalation(self.core)
        if unit_status_changed is not None:
            hook = unit_status_changed

            def tell(unit_id: str, status: str | None, _delta: int) -> None:
                if status is not None:
                    hook(unit_id, status)

            self.core.unit_listeners.append(tell)
        self.load_calendar_overrides()  # the bureau's own holidays/调休 days count in every deadline

    # =========================================================================================== shared
    @property
    def store(self) -> Store:
        return self.core.store

    @property
    def calendar(self) -> WorkCalendar:
        return self.core.calendar

    @property
    def categories(self) -> CategoryTable:
        return self.core.categories

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.core.clock

    @property
    def announcer(self) -> ChangeAnnouncer:
        """``announcer.changed(CaseChanges)`` after every committed command."""
        return self.core.announcer

    @property
    def dispatcher(self) -> Dispatcher:
        return self.recommender.dispatcher

    def authorize(self, actor: str, permission: str) -> None:
        self.core.authorize(actor, permission)

    def category(self, key: str) -> Category:
        return self.core.category(key)

    def sla(self, case: CaseView, now: datetime | None = None) -> Sla:
        return self.core.sla(case, now)

    def grid(self, session: Session | None = None) -> GridIndex:
        return self.core.grid(session)

    def reload_zones(self) -> None:
        self.core.reload_zones()

    def load_calendar_overrides(self) -> None:
        self.core.load_calendar_overrides()

    # =========================================================================================== commands
    def create_case(self, spec: NewCase, actor: str, *, register: bool = False,
                    dispatch_by_flag: bool = False) -> Operation[CaseView]:
        return self.intake.create_case(spec, actor, register=register, dispatch_by_flag=dispatch_by_flag)

    def intake_event(self, source: str, category: str, lat: float, lon: float, text: str,
                     camera_id: str | None = None, evidence: Sequence[EvidenceRef] = (), *, actor: str = "system",
                     urgency: int | None = None, external_id: str | None = None,
                     extra: Mapping[str, Any] | None = None, dispatch_by_flag: bool = False) -> Operation[CaseView]:
        return self.intake.intake_event(source, category, lat, lon, text, camera_id, evidence, actor=actor,
                                          urgency=urgency, external_id=external_id, extra=extra,
                                          dispatch_by_flag=dispatch_by_flag)

    def insert_case(self, session: Session, spec: NewCase, actor: str) -> Case:
        return self.intake.insert_case(session, spec, actor)

    def submit(self, operation: str, job: Callable[[Session], Any]) -> Operation[Any]:
        """A writer job whose changed cases are announced after the commit (the hotline import)."""
        return self.core.submit(operation, job)

    def transition(self, code: str, action: str, actor: str, *, reason: str = "", **data: Any) -> Operation[CaseView]:
        return self.commands.transition(code, action, actor, reason=reason, **data)

    def register(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "register", actor, reason=note)

    def reject(self, code: str, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "reject", actor, reason=reason)

    def dispatch(self, code: str, officer_id: str, actor: str, note: str = "") -> Operation[CaseView]:
        """One-click assign: the case → dispatched, the officer → 出警; both recorded in one transaction."""
        return self.transition(code, "dispatch", actor, reason=note, officer_id=officer_id)

    def arrive(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "arrive", actor, reason=note)

    def feedback(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "feedback", actor, reason=note)

    def verify(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "verify", actor, reason=note)

    def close(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "close", actor, reason=note)

    def rate(self, code: str, score: object, source: str, actor: str, comment: str = "") -> Operation[RatingOutcome]:
        """群众评价 1–5 of a 结案 case from ``source`` (open311, hotline, callback); see cases/rating.py."""
        return self.ratings.rate(code, score, source, actor, comment)

    def rework(self, code: str, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "rework", actor, reason=reason)

    def return_case(self, code: str, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "return", actor, reason=reason)

    def transfer(self, code: str, department: str, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "transfer", actor, reason=reason, department=department)

    def resume(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "resume", actor, reason=note)

    def investigate(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "investigate", actor, reason=note)

    def decide(self, code: str, actor: str, note: str = "", **data: Any) -> Operation[CaseView]:
        return self.transition(code, "decide", actor, reason=note, **data)

    def legal_review(self, code: str, actor: str, note: str = "", **data: Any) -> Operation[CaseView]:
        return self.transition(code, "legal_review", actor, reason=note, **data)

    def execute(self, code: str, actor: str, note: str = "", **data: Any) -> Operation[CaseView]:
        return self.transition(code, "execute", actor, reason=note, **data)

    def archive(self, code: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.transition(code, "archive", actor, reason=note)

    def merge(self, keep_code: str, duplicate_code: str, actor: str, note: str = "") -> Operation[CaseView]:
        """Fold a duplicate report into ``keep_code``; returns the kept case."""
        return self.transition(duplicate_code, "merge", actor, reason=note, into=keep_code)

    def request_suspend(self, code: str, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "suspend", actor, reason=reason)

    def request_extension(self, code: str, hours: float, actor: str, reason: str) -> Operation[CaseView]:
        return self.transition(code, "extend", actor, reason=reason, hours=hours)

    def summon(self, code: str, departments: Sequence[str | tuple[str, str]], actor: str,
               note: str = "") -> Operation[CaseView]:
        return self.transition(code, "summon", actor, reason=note, departments=list(departments))

    def decide_request(self, code: str, leader: str, approve: bool, note: str = "") -> Operation[CaseView]:
        return self.decisions.decide_request(code, leader, approve, note)

    def update_task(self, task_id: int, status: str, actor: str, note: str = "") -> Operation[CaseView]:
        return self.decisions.update_task(task_id, status, actor, note)

    def add_evidence(self, code: str, evidence: EvidenceRef, actor: str) -> Operation[CaseView]:
        return self.records.add_evidence(code, evidence, actor)

    def locate(self, code: str, lat: float, lon: float, actor: str) -> Operation[CaseView]:
        return self.records.locate(code, lat, lon, actor)

    def record_media(self, code: str, url: str, evidence: EvidenceRef | None, error: str,
                     actor: str) -> Operation[CaseView]:
        return self.records.record_media(code, url, evidence, error, actor)

    def sweep_escalations(self, now: datetime | None = None, actor: str = "system") -> Operation[list[tuple[str, str]]]:
        return self.escalation.sweep(now, actor)

    # =========================================================================================== queries
    def get(self, code: str) -> CaseView:
        return self.queries.get(code)

    def events(self, code: str) -> list[dict[str, Any]]:
        return self.queries.events(code)

    def evidence(self, code: str) -> list[dict[str, Any]]:
        return self.queries.evidence(code)

    def first_evidence(self, case_ids: Sequence[int]) -> dict[int, str]:
        return self.queries.first_evidence(case_ids)

    def find_duplicates(self, category: str, lat: float, lon: float, at: datetime | None = None,
                        exclude: str = "") -> list[DuplicateCandidate]:
        return self.queries.find_duplicates(category, lat, lon, at, exclude)

    def queue(self, *, limit: int = 500, include_today: bool = True) -> list[CaseView]:
        return self.queries.queue(limit=limit, include_today=include_today)

    def find_cases(self, *, codes: Sequence[str] | None = None, category: str | None = None,
                   source: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   is_open: bool | None = None, external_id: str | None = None, limit: int = 1000) -> list[CaseView]:
        return self.queries.find_cases(codes=codes, category=category, source=source, since=since, until=until,
                                       is_open=is_open, external_id=external_id, limit=limit)

    def leader_list(self, now: datetime | None = None, limit: int = 200) -> list[tuple[CaseView, Sla]]:
        return self.queries.leader_list(now, limit)

    def unit_board(self, now: datetime | None = None) -> list[UnitRow]:
        return self.queries.unit_board(now)

    # =========================================================================================== dispatch
    def refresh_roster(self, session: Session | None = None) -> None:
        self.recommender.refresh_roster(session)

    def recommend(self, case: str | CaseView, k: int = 3) -> list[Recommendation]:
        return self.recommender.recommend(case, k)
