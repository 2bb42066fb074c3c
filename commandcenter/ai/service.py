"""One path for every AI camera box: detection → rule → deduplicated → case with evidence → dispatch → wall alarm.

A box reports the same scene over and over: Frigate sends an ``update`` every time its tracked object moves, a
Hikvision camera posts ``activePostCount`` 1, 2, 3 … while a stall stands in the no-vending zone for an hour.
That is one case. Detections are keyed by (camera, zone, category): the first opens a case, every later one
within ``window_s`` of the previous one only extends the window (counted as deduplicated), so an hour-long
stall reported every minute stays one case; a quiet spell longer than the window ends it.

Each case is opened through the case service as the ``camera-ai`` intake channel (source ``camera``) at the
camera's position, with the box's picture stored content-addressed and attached as hashed evidence in the
same transaction (a refused case leaves no evidence row). A category marked 自动派遣 is dispatched to the
nearest suitable officer in that transaction too. Then the events dock gets a line and the camera pops into
the wall's alarm cell; both, and the case, name the box and the rule.

The work runs on one ordered task lane, never on the GUI thread (it hashes and writes files and waits for the
store): detections are handled in arrival order, so deduplication needs no locks beyond the counters'.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from commandcenter.ai.rules import AiRule, RuleBook
from commandcenter.cases.model import CaseView, EvidenceRef
from commandcenter.domain import CaseSource
from commandcenter.enforcement.evidence import StoredFile
from devices.camera_ai import CameraDetection

__all__ = ["CHANNEL", "CameraAiService", "CameraPlace", "OpenAiCase"]

log = logging.getLogger(__name__)
CHANNEL = "camera-ai"
"""The intake channel (an account of role ``intake``) AI cases are created and audited under."""


@dataclass(frozen=True, slots=True)
class CameraPlace:
    """Where a camera is and what people call it: a case from its box is opened there."""

    id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class OpenAiCase:
    """An open case an AI box opened, as read back at start: the window it belongs to and when it last moved."""

    code: str
    camera_id: str
    zone: str
    category: str
    last_seen: float  # epoch seconds: the latest of its creation, its last update and its ``ai_last_seen``


class OpenCase(Protocol):
    """``CaseService.intake_event``, as far as this path uses it."""

    def __call__(self, source: str, category: str, lat: float, lon: float, text: str,
                 camera_id: str | None = None, evidence: Sequence[EvidenceRef] = (), *, actor: str = "system",
                 urgency: int | None = None, external_id: str | None = None,
                 extra: Mapping[str, Any] | None = None, dispatch_by_flag: bool = False) -> Future[CaseView]:
        ...


class StorePicture(Protocol):
    """``EvidenceStore.store_file``: the picture into the content-addressed evidence tree, hashed."""

    def __call__(self, source: bytes, *, name: str = "", mime: str = "") -> StoredFile:
        ...


class RunOrdered(Protocol):
    """A task lane of limit 1 (``TaskManager.lane("camera-ai", 1).run``)."""

    def __call__(self, fn: Callable[[], None]) -> Future[None]:
        ...


@dataclass(slots=True)
class _Window:
    """An open deduplication window: the case it belongs to and when its scene was last reported."""

    case_code: str
    opened: float
    last_seen: float
    events: int = 1
    persisted: float = 0.0  # when last_seen was last written to the case (``touch``), so a restart sees it


def _external_id(detection: CameraDetection, rule: AiRule, zone: str, now: float) -> str:
    """The case's external id (unique per source, 64 characters at most): box, time, and a digest of the event,
    category and zone. A box event that outlives a window (Frigate's parked car, silent while stationary) opens
    a second case later under another id; the box's own event id is kept whole in the case's ``ai_event``."""
    digest = hashlib.sha256(f"{detection.event_id}|{rule.category}|{zone}".encode()).hexdigest()[:16]
    return f"{detection.box[:24]}-{int(now)}-{digest}"


class CameraAiService:
    """Turns :class:`CameraDetection` events into cases (see the module docstring).

    ``log_line(severity, text)`` feeds the events dock; ``alarm(camera_id, text)`` pops the wall's alarm cell
    (both Qt signals in the application, emitted from the lane's thread and queued to the GUI).
    """

    def __init__(self, rules: RuleBook, cameras: Mapping[str, CameraPlace], open_case: OpenCase,
                 store_picture: StorePicture, run: RunOrdered, *, log_line: Callable[[str, str], None],
                 alarm: Callable[[str, str], None], category_name: Callable[[str], str],
                 window_s: float = 600.0, case_timeout_s: float = 60.0, clock: Callable[[], float] = time.time,
                 touch: Callable[[str, float], None] | None = None) -> None:
        self.rules = rules
        self.cameras = dict(cameras)
        self.open_case = open_case
        self.store_picture = store_picture
        self.run = run
        self.log_line = log_line
        self.alarm = alarm
        self.category_name = category_name
        self.window_s = window_s
        self.case_timeout_s = case_timeout_s
        self.clock = clock
        self.touch = touch  # (case code, last seen): records a still-reported scene on its case, fire and forget
        self._windows: dict[tuple[str, str, str], _Window] = {}
        self._lock = threading.Lock()  # the counters, read by the health report on another thread
        self.counts = {"events": 0, "unmatched": 0, "deduplicated": 0, "cases": 0, "dispatched": 0, "failed": 0}
        self.last_error = ""

    # -- entry ------------------------------------------------------------------------------------------------
    def handle_batch(self, batch: list[Any]) -> None:
        """A device batch (GUI thread): the detections in it go to the lane, in order; nothing else is done here."""
        for event in batch:
            if isinstance(event, CameraDetection):
                self.submit(event)

    def submit(self, detection: CameraDetection) -> Future[None]:
        return self.run(lambda: self.process(detection))

    # -- the path ---------------------------------------------------------------------------------------------
    def process(self, detection: CameraDetection) -> None:
        """Map, deduplicate, open the case (lane thread). Failures are counted and logged, never raised."""
        self._count("events")
        rule = self.rules.match(detection)
        camera = self.cameras.get(detection.camera_id)
        if rule is None or camera is None:
            self._count("unmatched")
            return
        zone = rule.zone or (detection.zones[0] if detection.source == "isapi" and detection.zones else "")
        key = (camera.id, zone, rule.category)
        now = self.clock()
        self._expire(now)
        window = self._windows.get(key)
        if window is not None:
            window.last_seen = now  # the same scene reported again: it extends the case's window
            window.events += 1
            self._count("deduplicated")
            if self.touch is not None and now - window.persisted >= self.window_s / 4:
                window.persisted = now  # a quarter window at most between writes: 100 events/s cost no writes
                self.touch(window.case_code, now)
            return
        if detection.state == "end":
            return  # an event ending that never opened a case (or one whose window has passed) opens none
        try:
            case = self._open(detection, rule, camera, zone)
        except Exception as exc:  # the store refused, the evidence could not be written: said, counted, no window
            reason = f"{detection.box} {detection.event_id}: case not opened: {exc}"
            with self._lock:
                self.counts["failed"] += 1
                self.last_error = reason
            log.warning("%s", reason)
            self.log_line("warning", f"视频智能识别 {camera.name}: {reason}")
            return
        self._windows[key] = _Window(case.code, now, now, persisted=now)
        self._count("cases")
        dispatched = f"，已自动派遣 {case.officer_name or case.assigned_officer}" if case.assigned_officer else ""
        if case.assigned_officer:
            self._count("dispatched")
        text = (f"{camera.name}：{self.category_name(rule.category)}（{detection.box} · {rule.name} · "
                f"{detection.kind} {detection.score:.0%}）→ 案件 {case.code}{dispatched}")
        self.log_line("alarm", text)
        self.alarm(camera.id, text)

    def _open(self, detection: CameraDetection, rule: AiRule, camera: CameraPlace, zone: str) -> CaseView:
        evidence: list[EvidenceRef] = []
        captured = datetime.fromtimestamp(detection.time, UTC)
        if detection.picture:
            suffix = ".png" if detection.picture_mime == "image/png" else ".jpg"
            stored = self.store_picture(detection.picture, name=f"{detection.source}{suffix}",
                                        mime=detection.picture_mime)
            evidence.append(EvidenceRef(path=stored.relative_path, sha256=stored.sha256, mime=stored.mime,
                                        size=stored.size, captured_at=captured, device=camera.id, lat=camera.lat,
                                        lon=camera.lon, note=f"{detection.box} 抓拍 {detection.event_id}"))
        name = self.category_name(rule.category)
        text = f"视频智能识别：{name}（{camera.name}，{detection.box} 规则 {rule.name}，{detection.kind} {detection.score:.0%}）"
        extra = {"ai_box": detection.box, "ai_source": detection.source, "ai_rule": rule.name,
                 "ai_event": detection.event_id, "ai_label": detection.kind, "ai_score": round(detection.score, 3),
                 "ai_zone": zone}
        operation = self.open_case(CaseSource.CAMERA.value, rule.category, camera.lat, camera.lon, text,
                                   camera.id, evidence, actor=CHANNEL,
                                   external_id=_external_id(detection, rule, zone, self.clock()), extra=extra,
                                   dispatch_by_flag=True)
        return operation.result(self.case_timeout_s)

    def _expire(self, now: float) -> None:
        for key in [k for k, w in self._windows.items() if now - w.last_seen > self.window_s]:
            del self._windows[key]

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    # -- restart ----------------------------------------------------------------------------------------------
    def reopen_windows(self, cases: Iterable[OpenAiCase]) -> int:
        """Re-open the deduplication windows of open AI cases still inside the window (at start, before the boxes
        connect): a stall reported for an hour across a server restart stays one case. Returns how many."""
        now = self.clock()
        reopened = 0
        for case in cases:
            if now - case.last_seen > self.window_s:
                continue
            key = (case.camera_id, case.zone, case.category)
            known = self._windows.get(key)
            if known is None or known.last_seen < case.last_seen:
                self._windows[key] = _Window(case.code, case.last_seen, case.last_seen, persisted=case.last_seen)
                reopened += 1
        return reopened

    # -- health -----------------------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The health report's ``camera_ai`` section: events in, cases out, what was folded or refused."""
        with self._lock:
            out: dict[str, Any] = dict(self.counts)
            out["last_error"] = self.last_error
        out["open_windows"] = len(self._windows)
        out["rules"] = len(self.rules.rules)
        return out
