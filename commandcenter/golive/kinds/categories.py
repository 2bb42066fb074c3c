"""``data import categories``: the bureau's GB/T 30428.2 部件/事件 table with its own time limits, teams and
自动派遣 flags, kept in the database (``case_categories``) instead of inside the installation.

The columns are those of the bundled ``resources/cases/categories.csv`` (a bureau starts by exporting it and
editing); a row overrides the bundled 小类 of the same 编码 and new 编码 add categories
(:func:`commandcenter.golive.catalog.bureau_categories`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from commandcenter.cases.categories import NATURAL_TIMING, WORKING_TIMING, load_categories
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.kinds.common import parse_flag, parse_number, split_list
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.golive.tables import CategoryRow

__all__ = ["CATEGORY_COLUMNS", "import_categories"]

CATEGORY_COLUMNS = (
    Column("code", ("编码", "code"), required=True),
    Column("kind", ("类型", "kind"), required=True),
    Column("major", ("大类", "major")),
    Column("name", ("小类", "name"), required=True),
    Column("name_en", ("英文名称", "name_en")),
    Column("urgency", ("紧急程度", "urgency")),
    Column("register_hours", ("立案时限", "register_hours"), required=True),
    Column("dispatch_hours", ("派遣时限", "dispatch_hours"), required=True),
    Column("handle_hours", ("处置时限", "handle_hours"), required=True),
    Column("verify_hours", ("核查时限", "verify_hours"), required=True),
    Column("close_condition", ("结案条件", "close_condition")),
    Column("skills", ("所需技能", "skills")),
    Column("team", ("处置队伍", "team")),
    Column("auto_dispatch", ("自动派遣", "auto_dispatch")),
    Column("timing", ("计时方式", "timing")),
)
_HOURS = (("register_hours", "立案时限"), ("dispatch_hours", "派遣时限"), ("handle_hours", "处置时限"),
          ("verify_hours", "核查时限"))


def import_categories(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    seen: dict[str, int] = {}
    for row in rows:
        n, code, name = row.number, row.get("code"), row.get("name")
        if not code:
            problems.add(n, "编码", "empty")
            continue
        if code in seen:
            problems.add(n, "编码", f"{code} is already on row {seen[code]}")
            continue
        seen[code] = n
        if not name:
            problems.add(n, "小类", "empty")
        if row.get("kind") not in ("部件", "事件"):
            problems.add(n, "类型", f"{row.get('kind')!r} is neither 部件 nor 事件")
        urgency = parse_number(row.get("urgency") or "2", n, "紧急程度", problems, minimum=1, maximum=3)
        hours = {}
        for attr, label in _HOURS:
            value = parse_number(row.get(attr), n, label, problems, minimum=0, maximum=24 * 365)
            if value is None and not row.get(attr):
                problems.add(n, label, "empty (working hours, 0 for none)")
            hours[attr] = value or 0.0
        auto = parse_flag(row.get("auto_dispatch"), n, "自动派遣", problems)
        timing = row.get("timing") or WORKING_TIMING
        if timing not in (NATURAL_TIMING, WORKING_TIMING):
            problems.add(n, "计时方式", f"{timing!r} is neither {NATURAL_TIMING} nor {WORKING_TIMING}")
        values: dict[str, object] = {
            "code": code, "kind": row.get("kind"), "major": row.get("major"), "name": name,
            "urgency": int(urgency or 2), **hours, "close_condition": row.get("close_condition"),
            "skills": split_list(row.get("skills")), "team": row.get("team"), "auto_dispatch": auto,
            "name_en": row.get("name_en"), "natural_hours": timing == NATURAL_TIMING}
        counts.count(upsert(session, CategoryRow, code, values))
    _note_changed_meanings(counts, {row.get("code"): row.get("name") for row in rows if row.get("code")})
    return counts


def _note_changed_meanings(counts: ImportCounts, names: dict[str, str]) -> None:
    """Say which 编码 now name another 小类 than in the bundled table (the demo's numbering differs from the
    standard's in places), because sensor rules, the hotline mapping and AI rules name categories by code."""
    bundled = {c.code: c.name for c in load_categories()}
    changed = [f"{code} {bundled[code]} → {name}" for code, name in names.items()
               if code in bundled and name and bundled[code] != name]
    if changed:
        counts.notes.append(f"{len(changed)} 编码 now name another 小类 than the bundled table "
                            f"({'; '.join(changed)}): check the categories "
                            "named in [[sensor_rules]], resources/cases/hotline_mapping.toml and the AI rules")
