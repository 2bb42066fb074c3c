"""What a phone sends, checked: :class:`FieldError` and the number/time/position parsers of the field API.

Why its own module: every part of the field side (the officer's service, the task views, the uploads, the
department desk) refuses bad input the same way, with the HTTP status and a reason naming the field; having the
error and the parsers here lets those modules share them without importing :mod:`commandcenter.field.service`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class FieldError(Exception):
    """A refused field call: the HTTP status and the reason (shown to the officer)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def number(data: Mapping[str, Any], key: str, *, required: bool = False, low: float = -math.inf,
           high: float = math.inf) -> float | None:
    """A JSON/form number field, range-checked (FieldError 400 naming the field)."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise FieldError(400, f"{key} is required")
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise FieldError(400, f"{key} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(out) or not low <= out <= high:
        raise FieldError(400, f"{key} {value!r} is out of range [{low}, {high}]")
    return out


def parse_time(value: Any, key: str = "time") -> datetime | None:
    """ISO 8601 with a zone, or Unix seconds/milliseconds (what phones' JavaScript gives); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) / 1000.0 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise FieldError(400, f"{key} {value!r} is not a time") from None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(400, f"{key} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise FieldError(400, f"{key} {value!r} has no time zone (give Z or +08:00)")
    return parsed.astimezone(UTC)


def lat_lon(data: Mapping[str, Any], *, required: bool) -> tuple[float | None, float | None]:
    lat = number(data, "lat", required=required, low=-90, high=90)
    lon = number(data, "lon", required=required, low=-180, high=180)
    if (lat is None) != (lon is None):
        raise FieldError(400, "lat and lon must be given together")
    return lat, lon
