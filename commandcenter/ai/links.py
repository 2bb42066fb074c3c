"""The AI camera boxes of a deployment: adapters from ``[ai.frigate]`` / ``[ai.isapi]`` and the path behind them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
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

__all__ = ["FRIGATE_ID", "ISAPI_ID", "ai_links", "camera_ai_service", "open_ai_cases"]

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
    """The open cases AI boxes opened that were created or updated since ``since`` (read once at start, so the
    deduplication windows survive a restart)."""

    def query(session: Session) -> list[OpenAiCase]:
        rows = session.execute(
            select(Case.code, Case.category, Case.extra, Case.created_at, Case.updated_at)
            .where(Case.source == CaseSource.CAMERA.value, Case.status.in_(sorted(OPEN_STATUSES)),
                   or_(Case.created_at >= since, Case.updated_at >= since))).all()
        out: list[OpenAiCase] = []
        for code, category, extra, created, updated in rows:
            doc = extra if isinstance(extra, dict) else {}
            if "ai_box" not in doc:
                continue  # a camera case a person reported, not a box's window
            seen = max(t for t in (created, updated) if t is not None)
            out.append(OpenAiCase(code, str(doc.get("camera_id", "")), str(doc.get("ai_zone", "")), category,
                                  seen.timestamp()))
        return out

    return store.read(query)


def camera_ai_service(config: Config, categories: CategoryTable, cameras: Sequence[CameraConfig],
                      open_case: OpenCase, store_picture: StorePicture, run: RunOrdered, *,
                      log_line: Callable[[str, str], None], alarm: Callable[[str, str], None]) -> CameraAiService:
    """The one detection → case path, with the config's rules (ConfigError names a rule with an unknown category)."""
    rules = RuleBook.from_config(config.ai, categories, config.source or "config")
    places = {c.id: CameraPlace(c.id, c.name or c.id, c.lat, c.lon) for c in cameras
              if c.lat is not None and c.lon is not None}

    def category_name(code: str) -> str:
        category = categories.get(code)
        return category.name if category is not None else code

    return CameraAiService(rules, places, open_case, store_picture, run, log_line=log_line, alarm=alarm,
                           category_name=category_name, window_s=config.ai.dedup_window_s)
