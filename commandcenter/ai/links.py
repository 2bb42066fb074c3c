"""The AI camera boxes of a deployment: adapters from ``[ai.frigate]`` / ``[ai.isapi]`` and the path behind them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.ai.rules import RuleBook
from commandcenter.ai.service import (
    CameraAiService,
    CameraPlace,
    OpenAiCase,
    OpenCase,
    RunOrdered,
    StorePicture,
)
from commandcenter.cases.categories import CategoryTable
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.config import CameraConfig, Config
from commandcenter.domain import CaseSource
from commandcenter.store import Store
from commandcenter.store.models import Case
from devices.frigate import FrigateAdapter
from devices.httpserve import HttpLimits
from devices.isapi import IsapiServer

__all__ = ["FRIGATE_ID", "ISAPI_ID", "ai_links", "camera_ai_service", "open_ai_cases", "touch_ai_case"]

log = logging.getLogger(__name__)

FRIGATE_ID = "frigate"
ISAPI_ID = "isapi"


def ai_links(config: Config, limits: HttpLimits | None = None) -> list[FrigateAdapter | IsapiServer]:
    """The adapters of the configured boxes (none without an ``[ai]`` section)."""
    out: list[FrigateAdapter | IsapiServer] = []
    f = config.ai.frigate
    if f is not None:
        out.append(FrigateAdapter(FRIGATE_ID, f.mqtt_url, f.api_url, f.cameras, topic_prefix=f.topic_prefix,
                                  username=f.username, password=f.password,
                                  snapshot_max_bytes=f.snapshot_max_bytes, snapshot_timeout_s=f.snapshot_timeout_s))
    s = config.ai.isapi
    if s is not None:
        out.append(IsapiServer(ISAPI_ID, s.host, s.port, s.cameras, limits=limits, max_body_bytes=s.max_body_bytes))
    return out


def open_ai_cases(store: Store, since: datetime) -> list[OpenAiCase]:
    """The open cases AI boxes opened whose scene was reported (``ai_last_seen``), or which were created or
    updated, since ``since``: read once at start, so the deduplication windows survive a restart."""
    cutoff = since.timestamp()

    def query(session: Session) -> list[OpenAiCase]:
        rows = session.execute(
            select(Case.code, Case.category, Case.extra, Case.created_at, Case.updated_at)
            .where(Case.source == CaseSource.CAMERA.value, Case.status.in_(sorted(OPEN_STATUSES)))).all()
        out: list[OpenAiCase] = []
        for code, category, extra, created, updated in rows:
            doc = extra if isinstance(extra, dict) else {}
            if "ai_box" not in doc:
                continue  # a camera case a person reported, not a box's window
            reported = doc.get("ai_last_seen")
            seen = max([t.timestamp() for t in (created, updated) if t is not None]
                       + ([float(reported)] if isinstance(reported, int | float) else []))
            if seen >= cutoff:
                out.append(OpenAiCase(code, str(doc.get("camera_id", "")), str(doc.get("ai_zone", "")), category,
                                      seen))
        return out

    return store.read(query)


def touch_ai_case(store: Store) -> Callable[[str, float], None]:
    """``touch(code, last_seen)``: writes when an AI case's scene was last reported into its ``ai_last_seen``
    (on the writer thread, not waited for; a failure is logged), so a restart re-opens the window."""

    def touch(code: str, last_seen: float) -> None:
        def job(session: Session) -> None:
            case = session.execute(select(Case).where(Case.code == code)).scalar_one_or_none()
            if case is not None:
                case.extra = {**(case.extra or {}), "ai_last_seen": round(last_seen, 3)}

        def done(future: Future[None]) -> None:
            if future.exception() is not None:
                log.warning("camera ai: last report of case %s not recorded: %s", code, future.exception())

        store.submit(job).add_done_callback(done)

    return touch


def camera_ai_service(config: Config, categories: CategoryTable, cameras: Sequence[CameraConfig],
                      open_case: OpenCase, store_picture: StorePicture, run: RunOrdered, *,
                      log_line: Callable[[str, str], None], alarm: Callable[[str, str], None],
                      touch: Callable[[str, float], None] | None = None) -> CameraAiService:
    """The one detection → case path, with the config's rules (ConfigError names a rule with an unknown category)."""
    rules = RuleBook.from_config(config.ai, categories, config.source or "config")
    places = {c.id: CameraPlace(c.id, c.name or c.id, c.lat, c.lon) for c in cameras
              if c.lat is not None and c.lon is not None}

    def category_name(code: str) -> str:
        category = categories.get(code)
        return category.name if category is not None else code

    return CameraAiService(rules, places, open_case, store_picture, run, log_line=log_line, alarm=alarm,
                           category_name=category_name, window_s=config.ai.dedup_window_s, touch=touch)
