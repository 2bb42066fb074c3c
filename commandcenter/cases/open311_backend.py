"""The core side of the Open311 GeoReport v2 endpoint: services are our case categories, requests are cases.

A citizen's request goes through the same intake as every other channel (``CaseService.create_case`` with
source ``citizen``, so it is numbered, located in its grid cell, checked for duplicates, audited and written by
the store's writer); its ``media_url`` is stored as an evidence reference, and the photo behind it is fetched
once off the request thread into the evidence store (:mod:`commandcenter.cases.citizen_media`). A category
marked 自动派遣 is registered and dispatched to the top recommendation in the same transaction, as camera and
sensor events are. The citizen sees the case's progress
as GeoReport ``status`` (open/closed), ``status_notes`` (the Chinese status and the last note) and
``updated_datetime``. Only cases that came in through Open311 are visible through it: hotline callers and
camera detections are not published. A citizen rates a closed request through the endpoint's rating extension
(:meth:`CaseOpen311Backend.rate_request`, recorded by :mod:`commandcenter.cases.rating` as source ``open311``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from commandcenter.cases.citizen_media import CitizenMediaFetcher
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase
from commandcenter.cases.rating import RatingRefused
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import STATUS_ZH, TransitionError
from commandcenter.domain import CaseSource
from commandcenter.geo.coords import from_wgs84, to_wgs84
from devices.handler_slots import waiting_outside
from devices.open311 import Open311Error

__all__ = ["CaseOpen311Backend"]


class CaseOpen311Backend:
    """Implements ``devices.open311.Open311Backend`` on a :class:`CaseService` (blocking: HTTP worker threads)."""

    def __init__(self, service: CaseService, *, actor: str = "open311", agency: str = "城市管理综合行政执法局",
                 timeout: float = 30.0, media: CitizenMediaFetcher | None = None, datum: str = "wgs84") -> None:
        self.service = service
        self.datum = datum  # [open311] datum: the citizens' app's (WeChat/Amap gcj02, Baidu bd09); WGS-84 inside
        self.media = media
        self.actor = actor
        self.agency = agency
        self.timeout = timeout

    def services(self) -> list[dict[str, Any]]:
        return [{"service_code": c.code, "service_name": c.name, "description": f"{c.label}：{c.close_condition}",
                 "metadata": False, "type": "realtime", "keywords": f"{c.kind},{c.major},{c.name}",
                 "group": f"{c.kind}-{c.major}"} for c in self.service.categories]

    def service_definition(self, code: str) -> dict[str, Any] | None:
        cat = self.service.categories.get(code)
        if cat is None or cat.code != code:
            return None
        return {"service_code": cat.code, "attributes": []}

    def create_request(self, data: dict[str, Any]) -> tuple[str, str]:
        token = uuid.uuid4().hex
        reporter = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p) or \
            data.get("email", "") or data.get("phone", "") or "市民"
        evidence = [EvidenceRef(path=data["media_url"], note="Open311 media_url")] if data.get("media_url") else []
        lat, lon = data.get("lat"), data.get("long")
        if lat is not None and lon is not None and self.datum != "wgs84":
            lat, lon = to_wgs84(float(lat), float(lon), self.datum)
        spec = NewCase(
            source=CaseSource.CITIZEN.value, category=data["service_code"], description=data.get("description", ""),
            lat=lat, lon=lon, address=data.get("address_string") or data.get("address_id", ""),
            reporter=reporter[:128], external_id=token, evidence=evidence,
            extra={"open311": {k: data.get(k, "") for k in ("email", "phone", "device_id", "account_id",
                                                              "address_id", "attributes")}},
        )
        try:
            future = self.service.create_case(spec, self.actor, dispatch_by_flag=True)
            with waiting_outside():  # the HTTP worker lets another run while the writer commits
                case = future.result(self.timeout)
        except (ValueError, TransitionError) as exc:
            raise Open311Error(400, str(exc)) from None
        if self.media is not None and data.get("media_url"):
            self.media.submit(case.code, str(data["media_url"]))  # answered now; the photo follows
        return case.code, token

    def get_requests(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        if filters.get("token"):
            found = self.service.find_cases(source=CaseSource.CITIZEN.value, external_id=str(filters["token"]))
            return self._requests(found)
        since = self._date(filters.get("start_date"), "start_date")
        until = self._date(filters.get("end_date"), "end_date")
        if since is None and until is None and not filters.get("ids"):
            since = self.service.clock() - timedelta(days=90)  # GeoReport's default window
        status = filters.get("status")
        cases = self.service.find_cases(
            codes=filters.get("ids"), category=filters.get("service_code"), source=CaseSource.CITIZEN.value,
            since=since, until=until, is_open=None if status is None else status == "open", limit=1000)
        return self._requests(cases)

    def get_request(self, request_id: str) -> dict[str, Any] | None:
        found = self.service.find_cases(codes=[request_id], source=CaseSource.CITIZEN.value)
        return self._requests(found)[0] if found else None

    def rate_request(self, request_id: str, rating: int, comment: str) -> tuple[bool, dict[str, Any]]:
        """The citizen's rating of their closed request; only requests that came in through Open311."""
        if not self.service.find_cases(codes=[request_id], source=CaseSource.CITIZEN.value):
            raise Open311Error(404, f"service_request_id {request_id!r} not found")
        try:
            rated = self.service.rate(request_id, rating, "open311", self.actor, comment)
            with waiting_outside():
                outcome = rated.result(self.timeout)
        except RatingRefused as exc:
            raise Open311Error(409, f"{exc} ({exc.reason})") from None
        except KeyError:
            raise Open311Error(404, f"service_request_id {request_id!r} not found") from None
        except ValueError as exc:
            raise Open311Error(400, str(exc)) from None
        return outcome.recorded, {"service_request_id": request_id, "rating": outcome.score,
                                  "status": "recorded" if outcome.recorded else "unchanged"}

    def _iso(self, value: datetime | None) -> str | None:
        """ISO 8601 with the bureau's offset (+08:00), as GeoReport clients display it."""
        return value.astimezone(self.service.calendar.tz).isoformat(timespec="seconds") if value is not None else None

    def _requests(self, cases: list[CaseView]) -> list[dict[str, Any]]:
        media = self.service.first_evidence([c.id for c in cases])
        return [self._request(c, media.get(c.id, "")) for c in cases]

    @staticmethod
    def _date(value: Any, name: str) -> datetime | None:
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise Open311Error(400, f"{name} {value!r} is not an ISO 8601 date-time") from None
        if parsed.tzinfo is None:
            raise Open311Error(400, f"{name} {value!r} needs a time zone offset (e.g. +08:00)")
        return parsed

    def _request(self, case: CaseView, media_url: str) -> dict[str, Any]:
        note = str(case.extra.get("status_note", ""))
        lat, lon = case.lat, case.lon
        if lat is not None and lon is not None and self.datum != "wgs84":  # answered in the app's own datum
            lat, lon = from_wgs84(lat, lon, self.datum)
        return {
            "service_request_id": case.code,
            "status": "open" if case.is_open else "closed",
            "status_notes": f"{STATUS_ZH.get(case.status, case.status)}" + (f"：{note}" if note else ""),
            "service_name": case.category_name,
            "service_code": case.category,
            "description": case.description,
            "agency_responsible": self.agency,
            "service_notice": "",
            "requested_datetime": self._iso(case.created_at),
            "updated_datetime": self._iso(case.updated_at),
            "expected_datetime": self._iso(case.deadline_at) if case.is_open else None,
            "address": case.address,
            "address_id": str(case.extra.get("open311", {}).get("address_id", "")),
            "zipcode": "",
            "lat": lat,
            "long": lon,
            "media_url": media_url,
        }
