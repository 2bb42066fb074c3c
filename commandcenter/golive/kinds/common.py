"""Checks shared by the spreadsheet kinds: list cells, numbers, coordinates, yes/no flags, grid posts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.golive.framework import RowProblems
from commandcenter.store.models import Zone

__all__ = ["GridPosts", "parse_coordinate", "parse_flag", "parse_number", "split_list"]

_LIST_SEPARATORS = re.compile(r"[、,，;；/]+")
_TRUE = {"是", "有", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "无", "n", "no", "false", "0", ""}


def split_list(text: str) -> list[str]:
    """``巡查、执法, 渣土`` → ``["巡查", "执法", "渣土"]`` (、 , ， ; ； / all separate)."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_flag(text: str, row: int, label: str, problems: RowProblems) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        problems.add(row, label, f"{text!r} is neither 是 nor 否")
    return False


def parse_number(text: str, row: int, label: str, problems: RowProblems, *, minimum: float | None = None,
                 maximum: float | None = None) -> float | None:
    """A number, or None for an empty cell; out of range or not a number is a problem of the row."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(row, label, f"{text!r} is not a number")
        return None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        problems.add(row, label, f"{value:g} is outside {minimum:g} … {maximum:g}")
        return None
    return value


def parse_coordinate(lat_text: str, lon_text: str, row: int, problems: RowProblems) -> tuple[float | None,
                                                                                             float | None]:
    """Latitude and longitude (both or neither); the pair must lie in China's rough box, the common mistake
    being swapped columns."""
    lat = parse_number(lat_text, row, "纬度", problems, minimum=-90, maximum=90)
    lon = parse_number(lon_text, row, "经度", problems, minimum=-180, maximum=180)
    if (lat is None) != (lon is None):
        if lat_text.strip() and lon_text.strip():
            return None, None  # already reported
        problems.add(row, "经度" if lon is None else "纬度", "latitude and longitude go together")
        return None, None
    if lat is not None and lon is not None and not (3.0 <= lat <= 54.0 and 73.0 <= lon <= 136.0):
        problems.add(row, "纬度", f"({lat:g}, {lon:g}) is outside China (latitude and longitude swapped?)")
        return None, None
    return lat, lon


class GridPosts:
    """The 责任区/单元网格 an officer may be posted to, by code or by name, from the zones table.

    An empty table (a database the server has not started on yet, and no grid imported) checks nothing: the
    post is kept as written and ``checked`` is False, which the import reports.
    """

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(Zone.code, Zone.name).where(Zone.kind.in_(("责任区", "单元网格")))).all()
        self._codes = {code: code for code, _ in rows}
        self._codes.update({name: code for code, name in rows if name})
        self.checked = bool(rows)

    def resolve(self, text: str, row: int, label: str, problems: RowProblems) -> str:
        if not text or not self.checked:
            return text
        code = self._codes.get(text)
        if code is None:
            problems.add(row, label, f"{text!r} is not a 责任区 or 单元网格 of the grid (import the grid first)")
            return ""
        return code
