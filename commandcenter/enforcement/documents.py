"""执法文书: 责令改正通知书, 行政处罚决定书, 不予行政处罚决定书, 现场检查笔录 as PDF.

Templates are TOML files in ``resources/enforcement/templates`` (title, number format, paragraphs with
``{placeholders}``) that the bureau edits. The document number (e.g. 蓉城管罚决字〔2026〕第0001号, the prefix from the config's ``[bureau] doc_prefix``) is taken
from a per-(type, year) counter *inside* the writer transaction that also renders the PDF, stores it and
appends its SHA-256 to the audit chain: if anything fails the number is rolled back with the rest, so the
register has neither gaps nor duplicates, however many officers issue at once. The price is that the
writer is busy for the render (about a second, mostly CJK font subsetting) — acceptable for a manual act.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.rules import CONDITION_ZH, OUTCOME_ZH, decision_guard, load_discretion
from commandcenter.enforcement.tables import CaseParty, Decision, DocumentCounter, IssuedDocument, Party
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

if TYPE_CHECKING:
    from commandcenter.enforcement.parties import DataVault

AuthorizeFn = Callable[[str, str], None]
TEMPLATES_DIR = paths.RESOURCES / "enforcement" / "templates"
CHINA = timezone(timedelta(hours=8), "CST")  # no DST in China: a fixed offset is exact
DOC_TYPES = ("order_correction", "penalty_decision", "no_penalty_decision", "inspection_record",
             "penalty_notice", "summary_decision", "execution_record", "closing_report")  # the last four: procedure.py
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)


class DocumentError(RuntimeError):
    """A document cannot be issued (missing font, template, decision or review), with the reason."""


# ----------------------------------------------------------------------------------------------- fonts
@dataclass(frozen=True, slots=True)
class CjkFont:
    path: Path
    index: int  # face number inside a .ttc collection


def _face_index(path: Path) -> int:
    """The Simplified Chinese face of a collection (Noto CJK .ttc holds JP, KR, SC, TC, HK …)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        names = [str(font["name"].getDebugName(1) or "") for font in collection.fonts]
    finally:
        collection.close()
    for wanted in (" SC", "CN", "GB", "Hans"):
        for i, name in enumerate(names):
            if wanted in name and "Mono" not in name:
                return i
    return 0


@lru_cache(maxsize=1)
def find_cjk_font() -> CjkFont:
    """The system's CJK font: a known Noto CJK path, else what fontconfig matches for zh-cn."""
    override = os.environ.get("CC_CJK_FONT")
    candidates = [Path(override)] if override else list(CJK_FONT_CANDIDATES)
    if not override and shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "sans:lang=zh-cn"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout.strip()
            if out:
                candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    for path in candidates:
        if path.is_file() and path.suffix.lower() in (".ttc", ".otc", ".ttf", ".otf"):
            return CjkFont(path, _face_index(path))
    raise DocumentError("no CJK font found for 执法文书 (looked for " + ", ".join(str(p) for p in candidates)
                        + "); install fonts-noto-cjk (.ci/setup.sh) or set CC_CJK_FONT to a .ttf/.otf/.ttc")


# ----------------------------------------------------------------------------------------------- templates
@dataclass(frozen=True, slots=True)
class Template:
    doc_type: str
    title: str
    number_format: str
    requires_decision: bool
    outcomes: tuple[str, ...]
    paragraphs: tuple[str, ...]
    footer: tuple[str, ...]


@lru_cache(maxsize=16)
def load_template(doc_type: str, directory: Path | None = None) -> Template:
    directory = directory or TEMPLATES_DIR
    path = directory / f"{doc_type}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return Template(doc_type, str(raw["title"]), str(raw["number_format"]), bool(raw.get("requires_decision")),
                        tuple(raw.get("outcomes", [])), tuple(raw["paragraphs"]), tuple(raw.get("footer", [])))
    except FileNotFoundError:
        raise DocumentError(f"no template for document type {doc_type!r} ({path})") from None
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise DocumentError(f"{path}: invalid template: {exc!r}") from exc


@lru_cache(maxsize=1)
def bureau_fields(directory: Path | None = None) -> dict[str, str]:
    path = (directory or TEMPLATES_DIR) / "_bureau.toml"
    try:
        return {k: str(v) for k, v in tomllib.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DocumentError(f"{path}: cannot read the bureau's document fields: {exc}") from exc


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")


def _four_digits(group: int) -> str:
    """0 < group < 10000 in capitals, with inner zeros collapsed to one 零 (1005 → 壹仟零伍)."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        digit = group // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _UNITS[pos]
    return out


def amount_in_words(amount: float) -> str:
    """RMB amount in capital numerals, as written on 决定书: 200 → 贰佰元整, 1050.5 → 壹仟零伍拾元伍角."""
    fen_total = round(amount * 100)
    if fen_total < 0 or fen_total >= 10**14:
        raise ValueError(f"amount {amount} out of range")
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    words = ""
    groups = [(yuan // 10**8) % 10000, (yuan // 10**4) % 10000, yuan % 10000]
    for group, section in zip(groups, ("亿", "万", ""), strict=True):
        if group == 0:
            if words and not words.endswith("零"):
                words += "零"
            continue
        if words and group < 1000 and not words.endswith("零"):
            words += "零"
        words += _four_digits(group) + section
    words = words.rstrip("零")
    out = (words + "元") if words else ("" if jiao or fen else "零元")
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif words:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


class _Fields(dict[str, Any]):
    """format_map mapping that names the missing placeholder and the template instead of a bare KeyError."""

    def __init__(self, values: Mapping[str, Any], template: str) -> None:
        super().__init__(values)
        self.template = template

    def __missing__(self, key: str) -> Any:
        raise DocumentError(f"template {self.template!r} uses {{{key}}}, which is not available; "
                            f"available: {', '.join(sorted(self))}")


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def _fmt_date(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日"


# ----------------------------------------------------------------------------------------------- rendering
def render_pdf(template: Template, fields: Mapping[str, Any], doc_no: str) -> bytes:
    """The PDF bytes of a filled template."""
    font = find_cjk_font()
    values = _Fields({**fields, "doc_no": doc_no}, template.doc_type)
    from fpdf import FPDF  # half a second to import (fontTools): paid by the first document, not at start-up

    pdf = FPDF(format="A4")
    pdf.set_title(f"{template.title} {doc_no}")
    pdf.set_author(str(values.get("authority", "")))
    pdf.set_creator("智慧城管指挥中心")
    try:
        pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    except Exception as exc:  # fontTools raises various types for unusable fonts
        raise DocumentError(f"cannot load CJK font {font.path} (face {font.index}): {exc}") from exc
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_page()
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, str(values.get("authority", "")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, template.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, doc_no, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    for paragraph in template.paragraphs:
        pdf.multi_cell(0, 8, paragraph.format_map(values), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(10)
    for line in template.footer:
        pdf.cell(0, 8, line.format_map(values), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ----------------------------------------------------------------------------------------------- issuing
@dataclass(frozen=True, slots=True)
class IssuedInfo:
    id: int
    case_id: int
    decision_id: int | None
    doc_type: str
    title: str
    year: int
    number: int
    doc_no: str
    path: Path
    sha256: str
    size: int
    issued_by: str
    issued_at: datetime


class DocumentService:
    """Issues numbered 执法文书. Needs ``document.issue``; decision documents also ``case.decide`` and a
    decision that passes ``can_issue_decision`` (checked again inside the writer transaction)."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, *, out_dir: Path | None = None,
                 templates: Path | None = None, bureau: Mapping[str, str] | None = None,
                 vault: DataVault | None = None) -> None:
        self.store = store
        self.vault = vault  # reveals the party's ID number and phone on the document (masked without it)
        self.audit = audit
        self.authorize = authorize
        self._out_dir = out_dir
        self.templates = templates
        self.bureau = {k: v for k, v in (bureau or {}).items() if v}  # the config's [bureau]: wins over _bureau.toml

    def bureau_values(self) -> dict[str, str]:
        """The issuing bureau's fields: the templates' ``_bureau.toml`` with the config's ``[bureau]`` over it."""
        return {**bureau_fields(self.templates), **self.bureau}

    @property
    def out_dir(self) -> Path:
        return self._out_dir or paths.data_dir() / "documents"

    def submit_issue(self, case_id: int, doc_type: str, *, actor: str,
                     extra: Mapping[str, Any] | None = None) -> Future[IssuedInfo]:
        """Issue without blocking: returns the writer's Future[IssuedInfo]."""
        if doc_type not in DOC_TYPES:
            raise DocumentError(f"unknown document type {doc_type!r}; expected one of {DOC_TYPES}")
        template = load_template(doc_type, self.templates)
        self.authorize(actor, "document.issue")
        if template.requires_decision:
            self.authorize(actor, "case.decide")
        find_cjk_font()  # fail before taking a number if the machine has no CJK font
        extra = dict(extra or {})
        return self.store.submit(lambda s: self._issue_job(s, case_id, template, actor, extra))

    def issue(self, case_id: int, doc_type: str, *, actor: str, extra: Mapping[str, Any] | None = None,
              timeout: float = 120.0) -> IssuedInfo:
        """Blocking issue (CLI, tests, worker threads)."""
        return self.submit_issue(case_id, doc_type, actor=actor, extra=extra).result(timeout)

    def _issue_job(self, session: Session, case_id: int, template: Template, actor: str,
                   extra: dict[str, Any]) -> IssuedInfo:
        case = session.get(Case, case_id)
        if case is None:
            raise DocumentError(f"cannot issue {template.title}: no case {case_id}")
        decision: Decision | None = None
        if template.requires_decision:
            allowed, reason, decision = decision_guard(session, case_id)
            if not allowed or decision is None:
                raise DocumentError(f"cannot issue {template.title} for case {case.code}: {reason}")
            if template.outcomes and decision.outcome not in template.outcomes:
                raise DocumentError(
                    f"cannot issue {template.title} for case {case.code}: the decision is "
                    f"{OUTCOME_ZH.get(decision.outcome, decision.outcome)}, the template is for "
                    f"{'、'.join(OUTCOME_ZH.get(o, o) for o in template.outcomes)}")
        else:
            decision = session.scalars(select(Decision).where(Decision.case_id == case_id,
                                                              Decision.superseded.is_(False))
                                       .order_by(Decision.id.desc()).limit(1)).first()
        now = utcnow()
        year = now.astimezone(CHINA).year
        number = self._next_number(session, template.doc_type, year)
        doc_no = template.number_format.format(year=year, number=number,
                                               doc_prefix=self.bureau_values().get("doc_prefix", ""))
        fields = self._fields(session, case, decision, actor, now, extra)
        pdf = render_pdf(template, fields, doc_no)
        sha = hashlib.sha256(pdf).hexdigest()
        path = self.out_dir / str(year) / f"{template.doc_type}-{year}-{number:04d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._set_aside_orphan(session, path)
        with path.open("xb") as handle:  # never overwrite an issued document
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            row = IssuedDocument(case_id=case_id, decision_id=decision.id if decision else None,
                                 doc_type=template.doc_type, year=year, number=number, doc_no=doc_no, path=str(path),
                                 sha256=sha, size=len(pdf), issued_by=actor, issued_at=now)
            session.add(row)
            session.flush()
            self.audit.append(session, actor, "document.issue", f"case:{case_id}", {
                "document_id": row.id, "doc_type": template.doc_type, "doc_no": doc_no, "sha256": sha,
                "size": len(pdf), "decision_id": row.decision_id, "path": str(path)})
        except BaseException:
            path.unlink(missing_ok=True)  # the transaction rolls back: so must the file
            raise
        return IssuedInfo(row.id, case_id, row.decision_id, template.doc_type, template.title, year, number, doc_no,
                          path, sha, len(pdf), actor, now)

    @staticmethod
    def _set_aside_orphan(session: Session, path: Path) -> None:
        """A file at the path of a number not yet registered is left over from a transaction whose commit
        failed after the file was written (the number was rolled back with it): keep it for the record under
        another name rather than block the register or overwrite anything."""
        if not path.exists():
            return
        owner = session.scalar(select(IssuedDocument.doc_no).where(IssuedDocument.path == str(path)))
        if owner is not None:
            raise DocumentError(f"{path} belongs to issued document {owner}: the numbering is inconsistent")
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        path.rename(path.with_name(f"{path.stem}.void-{stamp}{path.suffix}"))

    @staticmethod
    def _next_number(session: Session, doc_type: str, year: int) -> int:
        """Gapless per (type, year): an UPDATE … +1 locks the counter row until this transaction ends."""
        result = session.execute(update(DocumentCounter)
                                 .where(DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)
                                 .values(last_number=DocumentCounter.last_number + 1))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            session.add(DocumentCounter(doc_type=doc_type, year=year, last_number=1))
            session.flush()
            return 1
        return int(session.scalar(select(DocumentCounter.last_number).where(
            DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)) or 0)

    def _fields(self, session: Session, case: Case, decision: Decision | None, actor: str, now: datetime,
                extra: Mapping[str, Any]) -> dict[str, Any]:
        party = None
        if decision is not None and decision.party_id is not None:
            party = session.get(Party, decision.party_id)
        if party is None:
            party = session.scalars(select(Party).join(CaseParty, CaseParty.party_id == Party.id)
                                    .where(CaseParty.case_id == case.id).order_by(CaseParty.id)).first()
        id_number, phone = (party.id_number, party.phone) if party else ("", "")
        if party is not None and self.vault is not None:
            from commandcenter.enforcement.parties import clear_identity  # parties → disclosure → documents

            id_number, phone = clear_identity(self.vault, party)
        if party is not None and party.credit_code:
            id_number = party.credit_code
        fields: dict[str, Any] = dict(self.bureau_values())
        fields.update({
            "case_code": case.code, "case_address": case.address or "（地址不详）",
            "case_description": case.description or case.category_name, "case_time": _fmt_time(case.created_at),
            "officer": case.assigned_officer or actor, "issue_date": _fmt_date(now),
            "party_name": party.name if party else "（当事人不详）", "party_kind": party.kind if party else "",
            "party_id_number": id_number or "—", "party_phone": phone,
            "party_plate": party.plate if party else "", "party_shop_name": party.shop_name if party else "",
            "party_address": (party.address if party else "") or "—",
            "violation_name": case.category_name or "违法", "legal_basis": "", "penalty_basis": "",
            "level": "", "circumstances": "", "amount": "0", "amount_cn": amount_in_words(0), "measures": "责令改正",
            "outcome_zh": "", "deviation_reason": "", "first_violation_reason": "", "first_violation_basis": "",
            "correction_deadline": _fmt_date(now + timedelta(days=3)), "inspection_place": case.address,
            "inspection_findings": case.description, "witness": "—",
        })
        if decision is not None:
            table = load_discretion()
            violation = table.violations.get(decision.violation_code)
            labels = {c.id: c.label for c in violation.circumstances} if violation else {}
            picked = [labels.get(c, c) for c in json.loads(decision.circumstances or "[]")]
            fields.update({
                "violation_name": decision.violation_name,
                "legal_basis": violation.legal_basis if violation else decision.legal_basis,
                "penalty_basis": violation.penalty_basis if violation else decision.legal_basis,
                "level": decision.level, "circumstances": "、".join(picked),
                "amount": f"{decision.amount:g}", "amount_cn": amount_in_words(decision.amount),
                "measures": decision.measures, "outcome_zh": OUTCOME_ZH.get(decision.outcome, decision.outcome),
                "deviation_reason": decision.deviation_reason,
                "first_violation_basis": decision.legal_basis.split("；")[0],
                "first_violation_reason": "当事人系" + "、".join(
                    CONDITION_ZH[c] for c in ("first_violation", "harm_minor", "corrected_promptly")),
            })
        fields.update({k: str(v) for k, v in extra.items()})
        return fields

    # ------------------------------------------------------------------------------------------- reading
    def for_case(self, case_id: int) -> list[IssuedInfo]:
        def query(session: Session) -> list[IssuedInfo]:
            rows = session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case_id)
                                   .order_by(IssuedDocument.id))
            return [IssuedInfo(r.id, r.case_id, r.decision_id, r.doc_type, load_template(r.doc_type, self.templates)
                               .title, r.year, r.number, r.doc_no, Path(r.path), r.sha256, r.size, r.issued_by,
                               r.issued_at) for r in rows]

        return self.store.read(query)
