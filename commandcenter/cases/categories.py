"""The case category table (GB/T 30428-style 部件/事件 classification) and what each category implies.

Loaded from the editable CSV ``resources/cases/categories.csv`` (Chinese headers, one 小类 per line): the
default urgency, the time limit of every workflow step in working hours (立案/派遣/处置/核查), the closing
condition the verifier checks, the skills and team that can handle it, and whether urgent machine-detected
events of the category are dispatched automatically, and (optional 计时方式 column) whether its limits count
clock hours (自然时: urgent safety categories such as 井盖缺失) instead of working hours. Bad lines raise :class:`CategoryError` with the file and
the line number as a spreadsheet shows it (header = line 1).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Category", "CategoryError", "CategoryTable", "default_categories_path", "load_categories"]

_RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "cases"

# CSV header (Chinese, as the bureau edits it) → attribute.
COLUMNS = {
    "编码": "code",
    "类型": "kind",
    "大类": "major",
    "小类": "name",
    "紧急程度": "urgency",
    "立案时限": "register_hours",
    "派遣时限": "dispatch_hours",
    "处置时限": "handle_hours",
    "核查时限": "verify_hours",
    "结案条件": "close_condition",
    "所需技能": "skills",
    "处置队伍": "team",
    "自动派遣": "auto_dispatch",
}
# 英文名称: the 小类 in English, for the English UI (empty: the Chinese name). 计时方式: 自然时 for urgent safety
# categories whose limits run around the clock (a missing manhole cover on Saturday is due on Saturday);
# 工作时 or empty: working hours on the work calendar.
OPTIONAL_COLUMNS = {"英文名称": "name_en", "计时方式": "timing"}
NATURAL_TIMING = "自然时"
WORKING_TIMING = "工作时"
_TRUE = {"是", "yes", "true", "1", "y"}
_FALSE = {"否", "no", "false", "0", "n", ""}


def default_categories_path() -> Path:
    return _RESOURCES / "categories.csv"


class CategoryError(ValueError):
    """A bad category table or an unknown category, with where and what."""


@dataclass(frozen=True, slots=True)
class Category:
    code: str  # e.g. SJ0401
    kind: str  # 部件 | 事件
    major: str  # 大类
    name: str  # 小类
    urgency: int  # 1 紧急, 2 较急, 3 一般
    register_hours: float
    dispatch_hours: float
    handle_hours: float
    verify_hours: float
    close_condition: str
    skills: tuple[str, ...]
    team: str
    auto_dispatch: bool
    name_en: str = ""  # 英文名称: shown in English mode (commandcenter.labels.category_label)
    natural_hours: bool = False  # 计时方式 自然时: limits count clock hours, not the working calendar

    @property
    def label(self) -> str:
        """What a dispatcher reads: 事件/街面秩序/占道经营."""
        return f"{self.kind}/{self.major}/{self.name}"

    def step_hours(self, step: str) -> float:
        """Working-hour limit of a workflow step: register, dispatch, handle or verify."""
        return {"register": self.register_hours, "dispatch": self.dispatch_hours, "handle": self.handle_hours,
                "verify": self.verify_hours}[step]

    @property
    def total_hours(self) -> float:
        return self.register_hours + self.dispatch_hours + self.handle_hours + self.verify_hours


class CategoryTable:
    """Categories by code, with lookup by 小类 name (hotline tickets and AI events name categories in words)."""

    def __init__(self, categories: list[Category]) -> None:
        self._by_code = {c.code: c for c in categories}
        self._by_name: dict[str, Category] = {}
        for c in categories:
            self._by_name.setdefault(c.name, c)

    def __iter__(self) -> Iterator[Category]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, key: object) -> bool:
        return key in self._by_code or key in self._by_name

    def get(self, key: str) -> Category | None:
        """By code (SJ0401) or by 小类 name (占道经营); None when unknown."""
        key = key.strip()
        return self._by_code.get(key) or self._by_name.get(key)

    def resolve(self, key: str) -> Category:
        """Like :meth:`get` but raising a CategoryError that lists a few valid names."""
        found = self.get(key)
        if found is None:
            sample = "、".join(list(self._by_name)[:8])
            raise CategoryError(f"unknown case category {key!r} (a code such as SJ0401 or a 小类 such as {sample} …)")
        return found


def _number(value: str, where: str, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise CategoryError(f"{where}: {column} {value!r} is not a number") from None
    if number < 0:
        raise CategoryError(f"{where}: {column} must not be negative")
    return number


def load_categories(path: str | Path | None = None) -> CategoryTable:
    """Read the category CSV (UTF-8, BOM allowed). Errors name the file, the line and the column."""
    p = Path(path) if path is not None else default_categories_path()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CategoryError(f"{p}: category table not found") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CategoryError(f"{p}: missing columns {', '.join(missing)}")
    categories: list[Category] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        where = f"{p}:{line}"
        values = {attr: (row.get(col) or "").strip() for col, attr in (COLUMNS | OPTIONAL_COLUMNS).items()}
        if not values["code"] or not values["name"]:
            raise CategoryError(f"{where}: 编码 and 小类 must not be empty")
        if values["code"] in seen:
            raise CategoryError(f"{where}: duplicate 编码 {values['code']}")
        seen.add(values["code"])
        if values["kind"] not in ("部件", "事件"):
            raise CategoryError(f"{where}: 类型 must be 部件 or 事件, not {values['kind']!r}")
        urgency = int(_number(values["urgency"] or "2", where, "紧急程度"))
        if urgency not in (1, 2, 3):
            raise CategoryError(f"{where}: 紧急程度 must be 1 (紧急), 2 (较急) or 3 (一般)")
        if values["timing"] not in ("", NATURAL_TIMING, WORKING_TIMING):
            raise CategoryError(f"{where}: 计时方式 must be {NATURAL_TIMING} or {WORKING_TIMING}, "
                                f"not {values['timing']!r}")
        flag = values["auto_dispatch"].lower()
        if flag not in _TRUE | _FALSE:
            raise CategoryError(f"{where}: 自动派遣 must be 是 or 否, not {values['auto_dispatch']!r}")
        categories.append(Category(
            code=values["code"], kind=values["kind"], major=values["major"], name=values["name"], urgency=urgency,
            register_hours=_number(values["register_hours"], where, "立案时限"),
            dispatch_hours=_number(values["dispatch_hours"], where, "派遣时限"),
            handle_hours=_number(values["handle_hours"], where, "处置时限"),
            verify_hours=_number(values["verify_hours"], where, "核查时限"),
            close_condition=values["close_condition"],
            skills=tuple(s for s in values["skills"].replace("，", ";").replace(",", ";").split(";") if s),
            team=values["team"], auto_dispatch=flag in _TRUE, name_en=values["name_en"],
            natural_hours=values["timing"] == NATURAL_TIMING,
        ))
    if not categories:
        raise CategoryError(f"{p}: no categories")
    return CategoryTable(categories)
