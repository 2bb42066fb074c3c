"""The AI camera boxes of a deployment: adapters from ``[ai.frigate]`` / ``[ai.isapi]`` and the path behind them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from commandcenter.ai.rules import RuleBook
from commandcenter.ai.service import CameraAiService, CameraPlace, OpenCase, RunOrdered, StorePicture
from commandcenter.cases.categories import CategoryTable
from commandcenter.config import CameraConfig, Config
from devices.frigate import FrigateAdapter
from devices.httpserve import HttpLimits
from devices.isapi import IsapiServer

__all__ = ["FRIGATE_ID", "ISAPI_ID", "ai_links", "camera_ai_service"]

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
