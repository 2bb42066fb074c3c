"""What an officer's phone may do, in the core: duty, position, tasks, accept/refuse/arrive, evidence, 处置反馈,
巡查上报, SOS — every change through the case workflow with the officer as the actor.

Why through the workflow and not beside it: the same permission check (the officer's role ``field`` grants
exactly case.handle, case.feedback, case.return, case.create, evidence.add and unit.status), the same
``case_events`` rows, the same audit hash chain, and the same after-commit announcement that refreshes every
seat and wakes the officer's own long poll. What the field adds is the ownership rule ("only your own tasks",
403) and the field state the desk shows (``cases.extra["field"]``: accepted → arrived → reported, or refused).

Errors are :class:`FieldError` with the HTTP status that says why (400 bad field, 403 not yours, 404, 409 not
allowed in this state, 413 too large); a refused call changes nothing because every change is one writer job.
Methods block (they wait for the commit): call them on HTTP worker threads, never on the GUI thread.

The service keeps the flow (identity, duty, position, task actions, SOS); it delegates to collaborators split
off by concern: input checks and FieldError (:mod:`.inputs`), how a case looks from the phone
(:mod:`.task_views`) and the two calls that take a file (:class:`~commandcenter.field.uploads.FieldUploads`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.changes import CaseChanges, collector_of
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import STATUS_ZH, TransitionError
from commandcenter.domain import OfficerStatus
from commandcenter.enforcement.evidence import EvidenceStore
from commandcenter.enforcement.permissions import Authorizer, PermissionDenied
from commandcenter.field.inputs import FieldError as FieldError  # re-exported: where callers look for them
from commandcenter.field.inputs import lat_lon as lat_lon
from commandcenter.field.inputs import number as number
from commandcenter.field.inputs import parse_time as parse_time
from commandcenter.field.pairing import OfficerCard, PairingError, TokenBook, redeem
from commandcenter.field.task_views import own_row, photos_of, set_field_state, task_json
from commandcenter.field.uploads import FieldUploads
from commandcenter.geo.coords import haversine_m
from commandcenter.runtime.fixes import refusal_of
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, CaseEvent, Evidence, Officer
from devices.base import PositionFix, Receipt, Waiter
from devices.handler_slots import waiting_outside

__all__ = ["FIELD_ROLE", "TASK_STATUSES", "FieldError", "FieldService", "SosAlarm", "lat_lon", "number", "parse_time"]

T = TypeVar("T")
FIELD_ROLE = "field"
# The statuses in which a case is the officer's task on the phone (after 处置反馈 it waits for 核查 on the desk).
TASK_STATUSES = ("dispatched", "handling")
OFF_DUTY = OfficerStatus.RESTING.value  # 下班: never recommended (only 空闲 officers are)
COMMIT_TIMEOUT_S = 30.0
POSITION_TIMEOUT_S = 10.0
Audit = Callable[[Session, str, str, str, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class SosAlarm:
    """An officer's SOS: who, where (None when the phone had no position), when."""

    officer_id: str
    name: str
    lat: float | None
    lon: float | None
    at: datetime

    @property
    def text(self) -> str:
        where = f" ({self.lat:.6f}, {self.lon:.6f})" if self.lat is not None and self.lon is not None else ""
        return f"SOS 紧急求助：队员 {self.name}（{self.officer_id}）{where}"


class FieldService:
    """The officer's side of the command center (see the module docstring)."""

    def __init__(self, store: Store, cases: CaseService, evidence: EvidenceStore, authorizer: Authorizer,
                 tracker: UnitTracker, *, audit: Audit | None = None,
                 on_sos: Callable[[SosAlarm], None] | None = None, max_upload_bytes: int = 50 << 20) -> None:
        self.store = store
        self.cases = cases
        self.evidence = evidence
        self.authorizer = authorizer
        self.tracker = tracker
        self.audit = audit
        self.on_sos = on_sos
        self.max_upload_bytes = max_upload_bytes
        self.tokens = TokenBook(store)
        self._known: set[str] = set()  # officers whose role and tracker unit are set up in this process
        self.uploads = FieldUploads(store, cases, evidence, self._authorize, self._commit, wait_committed)

    # ------------------------------------------------------------------------------------------ identity
    def pair(self, code: str, device: str) -> dict[str, Any]:
        if not code.strip():
            raise FieldError(400, "code is required")
        try:
            token, card = redeem(self.store, code, device, audit=self.audit)
        except PairingError as exc:
            raise FieldError(401, str(exc)) from None
        self._admit(card.id)
        return {"token": token, "officer": card.as_json()}

    def authenticate(self, token: str) -> str:
        """The officer of a bearer token (FieldError 401 when none)."""
        officer = self.tokens.officer_of(token)
        if officer is None:
            raise FieldError(401, "a valid bearer token is required (pair the phone first)")
        self._admit(officer)
        return officer

    def _admit(self, officer_id: str) -> None:
        """First call of an officer in this process: the role ``field`` for the authorizer, a unit for the map."""
        if officer_id in self._known:
            return
        if self.authorizer.role_of(officer_id) not in (None, FIELD_ROLE):
            raise FieldError(403, f"officer id {officer_id!r} is also a login user's name; the field app refuses "
                                  "to act with that user's role")
        self.authorizer.grant(officer_id, FIELD_ROLE)
        if not self.tracker.knows_device(officer_id):
            card = self.officer(officer_id)
            self.tracker.register([UnitInfo(id=card.id, kind="officer", name=card.name, sub_kind=card.team)])
        self._known.add(officer_id)

    def officer(self, officer_id: str) -> OfficerCard:
        row = self.store.read(lambda s: s.execute(select(Officer.id, Officer.name, Officer.badge, Officer.team)
                                                  .where(Officer.id == officer_id)).first())
        if row is None:
            raise FieldError(404, f"officer {officer_id!r} no longer exists")
        return OfficerCard(str(row[0]), str(row[1]), str(row[2]), str(row[3]))

    # ------------------------------------------------------------------------------------------ duty, position
    def duty(self, officer_id: str, on_duty: Any) -> dict[str, Any]:
        """上班 / 下班. Off duty is 休息: the recommendation offers only 空闲 officers. Going off duty with open
        tasks is refused (409): refuse or finish them first, so no case waits on someone who went home."""
        if not isinstance(on_duty, bool):
            raise FieldError(400, "on_duty must be true or false")

        def job(session: Session) -> dict[str, Any]:
            officer = session.get(Officer, officer_id)
            if officer is None:
                raise FieldError(404, f"officer {officer_id!r} no longer exists")
            before = officer.status
            if on_duty and before in (OFF_DUTY, OfficerStatus.OFFLINE.value):
                officer.status, officer.status_since = OfficerStatus.IDLE.value, utcnow()
            elif not on_duty and before != OFF_DUTY:
                open_tasks = session.scalars(select(Case.code).where(Case.assigned_officer == officer_id,
                                                                     Case.status.in_(TASK_STATUSES))).all()
                if open_tasks:
                    raise FieldError(409, f"还有未完成的任务（{'、'.join(open_tasks)}），请先处置或退单再下班")
                officer.status, officer.status_since = OFF_DUTY, utcnow()
            if officer.status != before:
                session.info.setdefault("unit_changes", []).append((officer_id, officer.status, 0))
                self.cases.core.audit(session, officer_id, "field.duty", f"officer:{officer_id}",
                                      {"on_duty": on_duty, "from": before, "to": officer.status})
            return self._duty_json(officer)

        return self._commit(officer_id, "unit.status", "duty", job)

    @staticmethod
    def _duty_json(officer: Officer) -> dict[str, Any]:
        return {"officer": officer.id, "on_duty": officer.status not in (OFF_DUTY, OfficerStatus.OFFLINE.value),
                "status": officer.status}

    def status(self, officer_id: str) -> dict[str, Any]:
        """The officer and his duty status (``GET /field/v1/me``): what the app shows after a restart."""
        card = self.officer(officer_id)

        def query(s: Session) -> dict[str, Any]:
            row = s.get(Officer, officer_id)
            return self._duty_json(row) if row is not None else {}

        return {**self.store.read(query), "officer": card.as_json()}

    def position(self, officer_id: str, data: Mapping[str, Any], *, sos: bool = False) -> None:
        """One fix through the same chain as OsmAnd; returns once it is stored (FieldError 503 otherwise)."""
        lat, lon = lat_lon(data, required=True)
        assert lat is not None and lon is not None
        when = parse_time(data.get("time")) or utcnow()
        speed = number(data, "speed", low=0, high=1000)  # m/s, as the browser's Geolocation API gives it
        heading = number(data, "heading", low=0, high=360)
        accuracy = number(data, "accuracy", low=0, high=1e6)
        battery = number(data, "battery", low=0, high=100)
        waiter = Waiter()
        extra: dict[str, Any] = {"battery": battery} if battery is not None else {}
        if sos:
            extra["sos"] = True
        fix = PositionFix(device_key=officer_id, source="field", time=when, lat=lat, lon=lon,
                          speed_kmh=speed * 3.6 if speed is not None else None, heading=heading, accuracy=accuracy,
                          extra=extra, receipt=Receipt(1, waiter))
        refusal = refusal_of(fix, utcnow(), self.tracker.chain.window)
        if refusal is not None:
            raise FieldError(400, f"position refused: {refusal.value} (lat {lat}, lon {lon}, time {when.isoformat()})")
        self.tracker.ingest([fix])
        if waiter.wait(POSITION_TIMEOUT_S) is not True:
            raise FieldError(503, "position not stored (database busy or failing); send it again")

    # ------------------------------------------------------------------------------------------ tasks
    def tasks(self, officer_id: str) -> list[dict[str, Any]]:
        """The officer's open tasks, nearest first (from the officer's current position)."""
        here = self.tracker.get(officer_id)

        def query(s: Session) -> list[dict[str, Any]]:
            rows = list(s.scalars(select(Case).where(Case.assigned_officer == officer_id,
                                                     Case.status.in_(TASK_STATUSES)).order_by(Case.id)))
            photos = photos_of(s, [r.id for r in rows])
            return [task_json(r, photos.get(r.id, [])) for r in rows]

        out = self.store.read(query)
        for task in out:
            task["distance_m"] = (round(haversine_m(here.lat, here.lon, task["lat"], task["lon"]))
                                  if here is not None and task["lat"] is not None and task["lon"] is not None
                                  else None)
        out.sort(key=lambda t: (t["distance_m"] is None, t["distance_m"] or 0.0, t["code"]))
        return out

    def task(self, officer_id: str, code: str) -> dict[str, Any]:
        def query(s: Session) -> dict[str, Any]:
            row = own_row(s, officer_id, code)
            return task_json(row, photos_of(s, [row.id]).get(row.id, []))

        return self.store.read(query)

    def photo(self, officer_id: str, code: str, sha256: str) -> tuple[Path, str]:
        """The file of one piece of evidence of the officer's own task (path, mime)."""
        def query(s: Session) -> tuple[str, str]:
            row = own_row(s, officer_id, code)
            found = s.execute(select(Evidence.path, Evidence.mime).where(Evidence.case_id == row.id,
                                                                         Evidence.sha256 == sha256)).first()
            if found is None:
                raise FieldError(404, f"案件 {code} 没有证据 {sha256[:12]}…")
            return str(found[0]), str(found[1])

        path, mime = self.store.read(query)
        return self.evidence.resolve(path), mime

    def officers_of(self, changes: CaseChanges) -> set[str]:
        """Whose phones a committed change concerns: the units it touched and the officers of its cases."""
        officers = set(changes.units)
        if changes.codes:
            codes = list(changes.codes)
            assigned: list[str | None] = self.store.read(lambda s: list(s.scalars(
                select(Case.assigned_officer).where(Case.code.in_(codes), Case.assigned_officer.is_not(None)))))
            officers |= {o for o in assigned if o}
        return {o for o in officers if o}

    # ------------------------------------------------------------------------------------------ task actions
    def accept(self, officer_id: str, code: str) -> dict[str, Any]:
        """接单: the officer confirms the task; recorded (event, audit), the status stays 已派遣."""
        def job(session: Session) -> dict[str, Any]:
            row = own_row(session, officer_id, code)
            if row.status != "dispatched":
                raise FieldError(409, f"案件 {code} 处于 {STATUS_ZH.get(row.status, row.status)}，不能接单")
            now = self.cases.clock()
            set_field_state(row, "accepted", officer_id, now)
            session.add(CaseEvent(case_id=row.id, time=now, actor=officer_id, action="accept",
                                  from_status=row.status, to_status=row.status, note="", data={"via": "field"}))
            self.cases.core.audit(session, officer_id, "case.accept", row.code, {"officer": officer_id})
            collector_of(session).case(row.id, row.code)
            return task_json(row, [])

        return self._commit(officer_id, "case.handle", "accept", job)

    def refuse(self, officer_id: str, code: str, reason: Any) -> dict[str, Any]:
        """退单: back to the dispatcher's queue (退回) with the reason, flagged for the desk."""
        text = str(reason or "").strip()
        if not text:
            raise FieldError(400, "reason is required (退单必须填写原因)")

        def job(session: Session) -> dict[str, Any]:
            row = own_row(session, officer_id, code)
            self.cases.commands.apply_in(session, row, "return", officer_id, text,
                                         {"field": "refused", "officer": officer_id})
            now = self.cases.clock()
            set_field_state(row, "refused", officer_id, now, reason=text)
            row.extra = {**row.extra, "field_refused": {"officer": officer_id, "reason": text,
                                                        "at": now.isoformat()}}
            return {"code": row.code, "status": row.status}

        return self._commit(officer_id, "case.return", "refuse", job)

    def arrive(self, officer_id: str, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """到场: the case → 处置中; the distance from where the phone is to the case location is recorded."""
        lat, lon = lat_lon(data, required=False)
        if lat is None:
            here = self.tracker.get(officer_id)
            lat, lon = (here.lat, here.lon) if here is not None else (None, None)

        def job(session: Session) -> dict[str, Any]:
            row = own_row(session, officer_id, code)
            distance = (round(haversine_m(lat, lon, row.lat, row.lon), 1)
                        if lat is not None and lon is not None and row.lat is not None and row.lon is not None
                        else None)
            self.cases.commands.apply_in(session, row, "arrive", officer_id, "",
                                         {"lat": lat, "lon": lon, "distance_m": distance, "field": "arrived"})
            set_field_state(row, "arrived", officer_id, self.cases.clock(), distance_m=distance)
            return {"code": row.code, "status": row.status, "distance_m": distance}

        return self._commit(officer_id, "case.handle", "arrive", job)

    def report(self, officer_id: str, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """处置反馈: the case → 已处置 (waits for 核查 on the desk); the evidence named must be this case's."""
        text = str(data.get("text") or "").strip()
        if not text:
            raise FieldError(400, "text is required (处置反馈必须填写处置情况)")
        named = data.get("evidence") or []
        if not isinstance(named, list) or not all(isinstance(x, str) for x in named):
            raise FieldError(400, "evidence must be a list of sha256 strings")

        def job(session: Session) -> dict[str, Any]:
            row = own_row(session, officer_id, code)
            known = set(session.scalars(select(Evidence.sha256).where(Evidence.case_id == row.id)).all())
            unknown = [sha for sha in named if sha not in known]
            if unknown:
                raise FieldError(400, f"evidence {', '.join(s[:12] for s in unknown)} is not attached to 案件 {code}")
            self.cases.commands.apply_in(session, row, "feedback", officer_id, text,
                                         {"evidence": list(named), "field": "reported"})
            set_field_state(row, "reported", officer_id, self.cases.clock())
            return {"code": row.code, "status": row.status}

        return self._commit(officer_id, "case.feedback", "report", job)

    def add_evidence(self, officer_id: str, code: str, upload: Path, *, filename: str, mime: str,
                     fields: Mapping[str, str]) -> dict[str, Any]:
        """拍照取证 (see :meth:`FieldUploads.add_evidence <commandcenter.field.uploads.FieldUploads.add_evidence>`)."""
        return self.uploads.add_evidence(officer_id, code, upload, filename=filename, mime=mime, fields=fields)

    def new_report(self, officer_id: str, fields: Mapping[str, str], upload: Path | None, *, filename: str = "",
                   mime: str = "") -> dict[str, Any]:
        """巡查上报 (see :meth:`FieldUploads.new_report <commandcenter.field.uploads.FieldUploads.new_report>`)."""
        return self.uploads.new_report(officer_id, fields, upload, filename=filename, mime=mime)

    def sos(self, officer_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """SOS: an alarm on every seat (events dock, the wall's nearest camera) and the position on the map."""
        lat, lon = lat_lon(data, required=False)
        card = self.officer(officer_id)
        alarm = SosAlarm(officer_id, card.name, lat, lon, utcnow())
        if lat is not None:
            try:
                self.position(officer_id, {"lat": lat, "lon": lon}, sos=True)
            except FieldError:
                pass  # the alarm matters more than the fix
        self.cases.core.store.submit(lambda s: self.cases.core.audit(
            s, officer_id, "field.sos", f"officer:{officer_id}", {"lat": lat, "lon": lon}))
        if self.on_sos is not None:
            self.on_sos(alarm)
        return {"ok": True, "at": alarm.at.isoformat()}

    def categories(self) -> list[dict[str, str]]:
        return [{"code": c.code, "name": c.name, "major": c.major} for c in self.cases.categories]

    # ------------------------------------------------------------------------------------------ plumbing
    def _authorize(self, officer_id: str, permission: str) -> None:
        try:
            self.cases.core.authorize(officer_id, permission)
        except PermissionDenied as exc:
            raise FieldError(403, exc.message_zh) from None

    def _commit(self, officer_id: str, permission: str, operation: str, job: Callable[[Session], T]) -> T:
        self._authorize(officer_id, permission)
        return wait_committed(self.cases.core.submit(operation, job))


def wait_committed(future: Future[T]) -> T:
    """The committed result, or the refusal as a FieldError (nothing was written then)."""
    try:
        with waiting_outside():  # an HTTP worker lets another run while the writer commits
            return future.result(COMMIT_TIMEOUT_S)
    except FieldError:
        raise
    except PermissionDenied as exc:
        raise FieldError(403, exc.message_zh) from None
    except TransitionError as exc:
        raise FieldError(409, str(exc)) from None
    except KeyError as exc:
        raise FieldError(404, str(exc.args[0]) if exc.args else "not found") from None
    except TimeoutError:
        raise FieldError(503, "the database did not answer in time; try again") from None
    except ValueError as exc:
        raise FieldError(400, str(exc)) from None
