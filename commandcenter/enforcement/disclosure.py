"""行政执法公示: export the closed enforcement decisions for publication with personal data masked.

What is published follows the usual 执法决定信息公开 practice: document number, case number, the violation,
legal basis, outcome, amount and date are public; a natural person's name keeps the surname only (张*, 欧阳**),
ID numbers keep the region code and the last four digits, phones the first three and last four, plates the
province, the issuing-authority letter and the last two characters. Shop names (the operator's public trade
name) are published as they are. Addresses are cut after the road: house numbers identify homes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.documents import CHINA
from commandcenter.enforcement.rules import OUTCOME_ZH
from commandcenter.enforcement.tables import Decision, IssuedDocument, Party
from commandcenter.store import Store
from commandcenter.store.models import Case

AuthorizeFn = Callable[[str, str], None]

# Compound surnames (复姓) in common use; a name starting with one keeps both characters.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "独孤", "南宫", "西门", "端木", "呼延", "申屠", "太史", "澹台", "公冶", "宗政", "濮阳",
    "单于", "闻人", "万俟", "赫连", "钟离", "拓跋", "百里", "东郭", "第五", "左丘", "梁丘", "司空", "亓官",
})
# Statuses of the cases package whose decisions may be published (结案归档 / 已结案).
CLOSED_STATUSES = ("archived", "closed")
DECISION_DOC_TYPES = ("penalty_decision", "no_penalty_decision")


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张**, 欧阳娜娜 → 欧阳**; a one-character name stays (it is a surname only)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_id_number(value: str) -> str:
    """110101199001011234 → 110101********1234 (region code and last four kept); short values fully masked."""
    value = value.strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; landlines 025-12345678 keep the area code and the last four."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        head = value.split("-")[0] + "-" if "-" in value else ""
        return head + "*" * (len(digits) - len(re.sub(r"\D", "", head)) - 4) + digits[-4:]
    return "*" * len(value)


def mask_plate(value: str) -> str:
    """苏A12345 → 苏A***45, 苏AD12345 (new energy) → 苏A****45: province + authority letter + last two."""
    value = value.strip().replace("·", "").replace(" ", "")
    if len(value) < 5:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_address(value: str) -> str:
    """Keep the address up to the road/street; drop the house number and what follows."""
    match = re.search(r"^(.*?(?:路|街|大道|巷|弄|道|村|小区))", value)
    return (match.group(1) + "附近") if match else (value[:6] + "…" if len(value) > 6 else value)


@dataclass(frozen=True, slots=True)
class DisclosureRecord:
    """One published line."""

    doc_no: str
    case_code: str
    party: str
    party_kind: str
    id_number: str
    phone: str
    plate: str
    violation: str
    legal_basis: str
    outcome: str
    amount: float
    first_violation: bool
    address: str
    decided_on: str


FIELDS_ZH = {
    "doc_no": "决定书文号", "case_code": "案件编号", "party": "当事人", "party_kind": "当事人类型",
    "id_number": "证件号码", "phone": "联系电话", "plate": "车牌号码", "violation": "违法行为",
    "legal_basis": "处罚依据", "outcome": "处理结果", "amount": "罚款金额（元）", "first_violation": "首违不罚",
    "address": "违法地点", "decided_on": "决定日期",
}
KIND_ZH = {"person": "自然人", "shop": "个体工商户/单位", "vehicle": "车辆"}


def _masked(value: str, mask: Callable[[str], str]) -> str:
    return value if not value or "*" in value else mask(value)


def _record(doc: IssuedDocument, case: Case, decision: Decision, party: Party | None) -> DisclosureRecord:
    if party is None:
        name, kind, id_no, phone, plate = "", "", "", "", ""
    else:
        kind = party.kind
        name = party.shop_name if kind == "shop" and party.shop_name else mask_name(party.name)
        # Parties recorded since the encryption keep only the masked form in these columns (already masked).
        id_no = _masked(party.id_number, mask_id_number)
        if party.credit_code:  # a business's 统一社会信用代码 is public
            id_no = party.credit_code
        phone = _masked(party.phone, mask_phone)
        plate = mask_plate(party.plate) if party.plate else ""
    return DisclosureRecord(
        doc.doc_no, case.code, name, KIND_ZH.get(kind, kind), id_no, phone, plate, decision.violation_name,
        decision.legal_basis, OUTCOME_ZH.get(decision.outcome, decision.outcome), decision.amount,
        decision.first_violation, mask_address(case.address) if case.address else "",
        doc.issued_at.astimezone(CHINA).date().isoformat())


def disclosure_records(store: Store, *, since: datetime | None = None, until: datetime | None = None,
                       statuses: Sequence[str] = CLOSED_STATUSES) -> list[DisclosureRecord]:
    """Masked records of the decision documents of closed cases issued in [since, until), oldest first."""

    def query(session: Session) -> list[DisclosureRecord]:
        stmt = (select(IssuedDocument, Case, Decision, Party)
                .join(Case, Case.id == IssuedDocument.case_id)
                .join(Decision, Decision.id == IssuedDocument.decision_id)
                .outerjoin(Party, Party.id == Decision.party_id)
                .where(IssuedDocument.doc_type.in_(DECISION_DOC_TYPES), Case.status.in_(list(statuses)))
                .order_by(IssuedDocument.issued_at, IssuedDocument.id))
        if since is not None:
            stmt = stmt.where(IssuedDocument.issued_at >= since)
        if until is not None:
            stmt = stmt.where(IssuedDocument.issued_at < until)
        return [_record(doc, case, decision, party) for doc, case, decision, party in session.execute(stmt)]

    return store.read(query)


def _table_rows(records: Sequence[DisclosureRecord]) -> list[list[str]]:
    rows = [[FIELDS_ZH[k] for k in FIELDS_ZH]]
    for r in records:
        row = asdict(r)
        row["first_violation"] = "是" if r.first_violation else "否"
        row["amount"] = f"{r.amount:g}"
        rows.append([str(row[k]) for k in FIELDS_ZH])
    return rows


EXPORT_SUFFIXES = (".csv", ".json", ".xlsx")


def write_records(records: Sequence[DisclosureRecord], path: Path) -> None:
    """One file by its suffix: .csv (UTF-8 with BOM, so Excel opens the Chinese correctly), .json or .xlsx."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"{path}: the export format comes from the suffix, one of {', '.join(EXPORT_SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(_table_rows(records))
    elif suffix == ".json":
        path.write_text(json.dumps({"fields": FIELDS_ZH, "records": [asdict(r) for r in records]},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        from openpyxl import Workbook  # a second to import: only for this export

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "行政执法公示"
        for row in _table_rows(records):
            sheet.append(row)
        book.save(path)


def export_disclosure_file(store: Store, out: Path, *, start: date, end: date, actor: str,
                           authorize: AuthorizeFn | None, audit: AuditLog | None = None) -> int:
    """Write the masked decisions issued from ``start`` to ``end`` (local days, inclusive) to ``out`` and audit
    the export with the file's SHA-256. ``authorize`` None: the command line, where reaching the database is
    the gate (the audit names the operating-system account). Returns the number of records."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    if authorize is not None:
        authorize(actor, "disclosure.export")
    since = datetime.combine(start, time(0), CHINA)
    until = datetime.combine(end, time(0), CHINA) + timedelta(days=1)
    records = disclosure_records(store, since=since, until=until)
    write_records(records, out)
    (audit or AuditLog(store)).record(actor, "disclosure.export", "disclosure", {
        "count": len(records), "from": start.isoformat(), "to": end.isoformat(), "file": str(out),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}).result(30)
    return len(records)


@dataclass(frozen=True, slots=True)
class DisclosureExport:
    csv_path: Path
    json_path: Path
    count: int


def export_disclosure(store: Store, out_dir: Path, *, actor: str, authorize: AuthorizeFn,
                      audit: AuditLog | None = None, since: datetime | None = None,
                      stem: str = "enforcement_disclosure") -> DisclosureExport:
    """Write ``<stem>.csv`` (UTF-8 with BOM, so Excel opens the Chinese correctly) and ``<stem>.json``.
    Requires ``disclosure.export``; the export (count and file hashes) is audited."""
    authorize(actor, "disclosure.export")
    records = disclosure_records(store, since=since)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.json"
    write_records(records, csv_path)
    write_records(records, json_path)
    (audit or AuditLog(store)).record(actor, "disclosure.export", "disclosure", {
        "count": len(records), "csv": str(csv_path), "json": str(json_path),
        "csv_sha256": hashlib.sha256(csv_path.read_bytes()).hexdigest(),
        "json_sha256": hashlib.sha256(json_path.read_bytes()).hexdigest()}).result(30)
    return DisclosureExport(csv_path, json_path, len(records))
