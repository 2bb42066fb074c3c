"""权力清单: the bureau's list of enforcement powers (事项, legal basis, 裁量基准), imported from its spreadsheet
(``commandcenter data import powers FILE``), searchable, and linked from violation codes and case categories.

Why a table and not a file in the installation: every bureau publishes its own list (the 权责清单 of its city),
revised when regulations change; it belongs with the bureau's data, loaded like the rest of go-live data (all
or nothing, errors by row). A power names the violation codes of the 裁量基准 (``discretion.toml``) and the case
categories it covers, so a case or a decision shows the powers it exercises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commandcenter.enforcement.rules import load_discretion
from commandcenter.enforcement.tables import Decision, EnforcementPower
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.store import Store
from commandcenter.store.models import Case

POWER_KINDS = ("行政处罚", "行政强制", "行政检查", "行政许可", "行政征收", "其他")
POWER_COLUMNS = (
    Column("code", ("事项编码", "编码", "code"), required=True),
    Column("name", ("事项名称", "名称", "name"), required=True),
    Column("kind", ("权力类型", "类型", "kind")),
    Column("legal_basis", ("设定依据", "法律依据", "legal_basis"), required=True),
    Column("penalty_basis", ("处罚依据", "penalty_basis")),
    Column("discretion", ("裁量基准", "discretion")),
    Column("violation_codes", ("违法行为代码", "违法代码", "violation_codes")),
    Column("categories", ("案件类别", "类别", "categories")),
)
SUMMARY = "权力清单 (Excel/CSV): 事项编码, 事项名称, 权力类型, 设定依据, 处罚依据, 裁量基准, 违法行为代码, 案件类别"


def _split(text: str) -> list[str]:
    for sep in ("、", "，", ";", "；", "|"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def import_powers(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    """Check and upsert every row by 事项编码. A violation code must be one of the 裁量基准's; a code twice in the
    file is a bad row (which of the two would win is not for the importer to guess)."""
    counts = ImportCounts()
    known_violations = set(load_discretion().violations)
    seen: dict[str, int] = {}
    for row in rows:
        n, code = row.number, row.get("code").strip()
        if code in seen:
            problems.add(n, "事项编码", f"{code!r} is already on row {seen[code]}")
            continue
        seen[code] = n
        kind = row.get("kind").strip() or "行政处罚"
        if kind not in POWER_KINDS:
            problems.add(n, "权力类型", f"{kind!r} is not one of {'、'.join(POWER_KINDS)}")
            continue
        violations = [v.upper() for v in _split(row.get("violation_codes"))]
        unknown = [v for v in violations if v not in known_violations]
        if unknown:
            problems.add(n, "违法行为代码", f"{'、'.join(unknown)} not in the 裁量基准 (known: "
                                        f"{'、'.join(sorted(known_violations))})")
            continue
        values: dict[str, object] = {
            "code": code, "name": row.get("name").strip(), "kind": kind, "legal_basis": row.get("legal_basis"),
            "penalty_basis": row.get("penalty_basis"), "discretion": row.get("discretion"),
            "violation_codes": ",".join(violations), "categories": ",".join(_split(row.get("categories")))}
        counts.count(upsert(session, EnforcementPower, code, values))
    return counts


@dataclass(frozen=True, slots=True)
class PowerInfo:
    code: str
    name: str
    kind: str
    legal_basis: str
    penalty_basis: str
    discretion: str
    violation_codes: tuple[str, ...]
    categories: tuple[str, ...]


def _info(row: EnforcementPower) -> PowerInfo:
    return PowerInfo(row.code, row.name, row.kind, row.legal_basis, row.penalty_basis, row.discretion,
                     tuple(_split(row.violation_codes)), tuple(_split(row.categories)))


def search_powers(store: Store, text: str = "", *, limit: int = 200) -> list[PowerInfo]:
    """Powers whose code, name, basis, 裁量基准, violation codes or categories contain ``text`` (all when empty)."""
    text = text.strip()

    def query(session: Session) -> list[PowerInfo]:
        stmt = select(EnforcementPower).order_by(EnforcementPower.code).limit(limit)
        if text:
            stmt = stmt.where(or_(*(column.contains(text) for column in (
                EnforcementPower.code, EnforcementPower.name, EnforcementPower.legal_basis,
                EnforcementPower.penalty_basis, EnforcementPower.discretion, EnforcementPower.violation_codes,
                EnforcementPower.categories))))
        return [_info(r) for r in session.scalars(stmt)]

    return store.read(query)


def powers_for(store: Store, *, violation_code: str = "", category: str = "") -> list[PowerInfo]:
    """The powers linked to a violation code of the 裁量基准 and/or a case category (by name or key)."""
    wanted_violation, wanted_category = violation_code.strip().upper(), category.strip()
    everything = search_powers(store, limit=10_000)
    return [p for p in everything
            if (wanted_violation and wanted_violation in p.violation_codes)
            or (wanted_category and wanted_category in p.categories)]


def powers_of_case(store: Store, case_id: int) -> list[PowerInfo]:
    """The powers a case exercises: by its category and by its current decision's violation code."""

    def query(session: Session) -> tuple[str, str, str]:
        case = session.get(Case, case_id)
        if case is None:
            return "", "", ""
        violation = session.scalar(select(Decision.violation_code).where(
            Decision.case_id == case_id, Decision.superseded.is_(False)).order_by(Decision.id.desc()).limit(1))
        return case.category or "", case.category_name or "", violation or ""

    category_key, category_name, violation = store.read(query)
    found: dict[str, PowerInfo] = {}
    for category in (category_key, category_name):
        for power in powers_for(store, violation_code=violation, category=category):
            found[power.code] = power
    return sorted(found.values(), key=lambda p: p.code)
