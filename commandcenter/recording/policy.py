"""When a camera records: its ``record`` mode, its schedule windows (local time) and its alarm pre/post roll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commandcenter.config import CameraConfig

LOCAL_ZONE_NAME = "Asia/Shanghai"  # schedules are the bureau's time of day


def local_zone() -> tzinfo:
    try:
        return ZoneInfo(LOCAL_ZONE_NAME)
    except ZoneInfoNotFoundError:  # no tz database on the machine: China has had no DST since 1991
        return timezone(timedelta(hours=8), "CST")


def parse_window(text: str) -> tuple[int, int]:
    """``"07:00-22:00"`` → minutes of the day (420, 1320); the config checked the shape already."""
    first, last = text.strip().split("-")
    h1, m1 = first.split(":")
    h2, m2 = last.split(":")
    return int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)


@dataclass(frozen=True)
class RecordPolicy:
    """What a camera's config says about recording."""

    mode: str  # continuous | schedule | alarm | off
    windows: tuple[tuple[int, int], ...] = ()
    pre_s: float = 10.0
    post_s: float = 30.0

    @classmethod
    def of(cls, camera: CameraConfig) -> RecordPolicy:
        return cls(camera.record, tuple(parse_window(w) for w in camera.record_schedule), camera.pre_s,
                   camera.post_s)

    @property
    def records(self) -> bool:
        return self.mode != "off"

    def in_schedule(self, when: datetime) -> bool:
        """``when`` (aware) falls in one of the windows, read in local time; ``22:00-06:00`` spans midnight."""
        local = when.astimezone(local_zone())
        minute = local.hour * 60 + local.minute
        for start, end in self.windows:
            if start <= end:
                if start <= minute < end:
                    return True
            elif minute >= start or minute < end:
                return True
        return False
