"""Intake from files: the 12345 hotline export (Excel or CSV) and the ``commandcenter cases import`` command.

The hotline platform exports tickets as spreadsheets whose column names differ between cities and versions,
so a saved mapping (TOML or JSON; default ``resources/cases/hotline_mapping.toml``) says which column holds
which field. Import rules, chosen so that an operator can act on the result:

* every bad row is reported with its row number as Excel shows it (header = row 1), the column and the reason,
  and is skipped; dates outside a plausible window (before 2000, a 受理时间 more than a day ahead, a 办理时限 more
  than a year after acceptance) are bad rows, not cases dated 9999;
* all valid rows go in within ONE transaction (a crash half-way leaves nothing half-imported);
* 工单编号 is the key: a ticket already in the store (source ``hotline``) or repeated in the file is skipped,
  so importing the same file twice adds nothing the second time;
* a 满意度 / 回访结果 column (the platform's 回访 after closing) records the public's rating on the ticket's case
  (:mod:`commandcenter.cases.rating`, source ``hotline``): words are scored by the mapping's ``[ratings]``
  (非常满意 5, 满意 4, 基本满意 3, 不满意 1 …; a digit 1–5 is taken as it is; 未回访 and the like carry no
  rating). A rating the case cannot take (not 结案 yet, or rated otherwise already) or a word the mapping does
  not know is reported with its row and the case is imported all the same; the same rating again changes
  nothing, so re-importing an export is harmless.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.model import NewCase
from commandcenter.cases.rating import RatingRefused
from commandcenter.config import Config, ConfigError, UserConfig, load_config
from commandcenter.domain import CaseSource
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import (
    AuthService,
    CliAuthError,
    add_credential_arguments,
    authenticate_cli,
)
from commandcenter.enforcement.permissions import Authorizer, PermissionDenied
from commandcenter.enforcement.rules import workflow_guard
from commandcenter.geo.coords import to_wgs84
from commandcenter.store.models import Case

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HotlineImportError", "HotlineMapping", "ImportReport", "cases_main", "default_mapping_path", "import_hotline", "load_mapping",
           "read_table", "save_mapping"]

_RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "cases"
FIELDS = ("external_id", "category", "description", "address", "coords", "lat", "lon", "time_limit", "reporter",
          "phone", "created_at", "rating")
REQUIRED_FIELDS = ("external_id", "category", "description", "address")  # every real export has them
# 回访 wording → rating 1–5 (0: a 回访 without a rating). A mapping's [ratings] adds to and overrides these.
DEFAULT_RATINGS: dict[str, int] = {"非常满意": 5, "满意": 4, "基本满意": 3, "一般": 3, "不满意": 1,
                                   "非常不满意": 1, "未回访": 0, "无法联系": 0, "拒绝回访": 0, "不需回访": 0}


def default_mapping_path() -> Path:
    return _RESOURCES / "hotline_mapping.toml"


class HotlineImportError(ValueError):
    """The file or mapping cannot be used at all (as opposed to bad rows, which are reported and skipped)."""


@dataclass
class HotlineMapping:
    columns: dict[str, str]  # field → column header
    categories: dict[str, str] = field(default_factory=dict)  # hotline wording → category code/小类
    # field → every header meaning it, first preferred (the platforms name 诉求内容 / 内容 / 来电内容 …)
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    datum: str = ""  # the export's coordinates: wgs84 | gcj02 | bd09 ("" = the config's [hotline] datum)
    ratings: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATINGS))  # 回访 wording → 1–5, 0 none

    def score(self, text: str) -> int | None:
        """The rating a 满意度 cell means: None for no rating; ValueError for a word the mapping does not know."""
        text = text.strip()
        if not text:
            return None
        if text in self.ratings:
            return self.ratings[text] or None
        if text.isdigit() and 1 <= int(text) <= 5:
            return int(text)
        known = "、".join(k for k in self.ratings)
        raise ValueError(f"{text!r} 不是可识别的满意度（{known} 或 1–5，可在映射文件 [ratings] 中添加）")

    def headers(self, name: str) -> tuple[str, ...]:
        """The headers accepted for ``name``: the chosen column first (a GUI mapping sets it), then the rest."""
        chosen = self.columns.get(name)
        rest = tuple(h for h in self.alternatives.get(name, ()) if h != chosen)
        return ((chosen,) if chosen else ()) + rest

    def resolve(self, header: Sequence[str]) -> dict[str, str]:
        """Field → the header of this file that holds it (the first alternative present)."""
        present = set(header)
        return {name: next(h for h in self.headers(name) if h in present)
                for name in self.columns if any(h in present for h in self.headers(name))}


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    added: list[str] = field(default_factory=list)  # case codes
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (row, 工单编号)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)
    rated: list[tuple[int, str, int]] = field(default_factory=list)  # (row, case code, rating) newly recorded
    rating_refused: list[tuple[int, str]] = field(default_factory=list)  # (row, reason): the case still counts

    def summary(self) -> str:
        lines = [f"{self.file}: {self.rows} 行, 新增 {len(self.added)} 件, 重复跳过 {len(self.duplicates)} 件, "
                 f"错误 {len(self.bad_rows)} 行"]
        lines += [f"  第 {row} 行: {reason}" for row, reason in self.bad_rows]
        if self.rated or self.rating_refused:
            lines.append(f"  满意度: 记录 {len(self.rated)} 条, 未记录 {len(self.rating_refused)} 条")
            lines += [f"  第 {row} 行: 满意度未记录：{reason}" for row, reason in self.rating_refused]
        return "\n".join(lines)


def load_mapping(path: str | Path | None = None) -> HotlineMapping:
    """Read a mapping file (.toml or .json). Errors name the file and the key."""
    p = Path(path) if path is not None else default_mapping_path()
    try:
        text = p.read_text(encoding="utf-8")
        raw = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except FileNotFoundError:
        raise HotlineImportError(f"{p}: mapping file not found") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise HotlineImportError(f"{p}: cannot parse mapping: {exc}") from None
    columns = raw.get("columns")
    if not isinstance(columns, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(h, str) for h in v))
            for v in columns.values()):
        raise HotlineImportError(f"{p}: [columns] must map field names to a column header or a list of headers")
    alternatives = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in columns.items()}
    columns = {k: v[0] for k, v in alternatives.items()}
    datum = str(raw.get("datum", ""))
    if datum not in ("", "wgs84", "gcj02", "bd09"):
        raise HotlineImportError(f"{p}: datum must be wgs84, gcj02 or bd09, not {datum!r}")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise HotlineImportError(f"{p}: unknown field(s) {', '.join(unknown)} in [columns]; known: {', '.join(FIELDS)}")
    for required in ("external_id", "category"):
        if required not in columns:
            raise HotlineImportError(f"{p}: [columns] must say which column holds {required}")
    categories = raw.get("categories", {})
    if not isinstance(categories, dict):
        raise HotlineImportError(f"{p}: [categories] must be a table")
    ratings = raw.get("ratings", {})
    if not isinstance(ratings, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 5 for v in ratings.values()):
        raise HotlineImportError(f"{p}: [ratings] must map 回访 wording to a rating 1–5 (0: no rating)")
    return HotlineMapping(dict(columns), {str(k): str(v) for k, v in categories.items()}, alternatives, datum,
                          {**DEFAULT_RATINGS, **{str(k): int(v) for k, v in ratings.items()}})


def save_mapping(mapping: HotlineMapping, path: str | Path) -> None:
    """Save a mapping as JSON (what the import dialog writes after the operator matched the columns)."""
    columns = {name: list(mapping.headers(name)) for name in mapping.columns}
    doc: dict[str, Any] = {"columns": {k: v[0] if len(v) == 1 else v for k, v in columns.items()},
                           "categories": mapping.categories}
    if mapping.ratings != DEFAULT_RATINGS:
        doc["ratings"] = mapping.ratings
    if mapping.datum:
        doc["datum"] = mapping.datum
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def read_table(path: str | Path) -> pd.DataFrame:
    """The sheet as strings (first sheet of .xlsx/.xls, or CSV in UTF-8/GBK). HotlineImportError when unreadable."""
    import pandas as pd  # imported when first used, not at start-up

    p = Path(path)
    if not p.is_file():
        raise HotlineImportError(f"{p}: file not found")
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(p, dtype=str, keep_default_na=False)
        else:
            try:
                frame = pd.read_csv(p, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                frame = pd.read_csv(p, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="gbk")
    except HotlineImportError:
        raise
    except Exception as exc:  # a corrupt workbook, not a spreadsheet at all …
        raise HotlineImportError(f"{p}: cannot read as a spreadsheet: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


_LIMIT_DAYS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*个?\s*工作日\s*$")
_LIMIT_HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:个)?\s*(?:小时|h|工作小时)?\s*$", re.IGNORECASE)


def _parse_coords(text: str) -> tuple[float, float]:
    parts = re.split(r"[,，\s]+", text.strip())
    if len(parts) != 2:
        raise ValueError(f"坐标 {text!r} 不是 \"纬度,经度\"")
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"坐标 {text!r} 超出范围")
    return lat, lon


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No 12345 ticket predates the hotline platforms: an earlier date is a typo or a placeholder (1900-01-01)."""
MAX_AHEAD_CREATED = timedelta(days=1)
"""A ticket accepted tomorrow is clock skew at most; 9999-12-31 is a placeholder, never a date to store."""
MAX_TIME_LIMIT = timedelta(days=366)
"""The longest plausible 办理时限 after acceptance; a later deadline is a placeholder, not a time limit."""


def _parse_time(text: str, tz: Any) -> datetime:
    import pandas as pd  # imported when first used, not at start-up

    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise ValueError(f"{text!r} 不是日期时间") from None
    if pd.isna(stamp):
        raise ValueError(f"{text!r} 不是日期时间")
    value = stamp.to_pydatetime()
    try:
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC)
    except OverflowError:  # 9999-12-31 23:59 in UTC+8 is past datetime.max in UTC
        raise ValueError(f"{text!r} 超出可接受的日期范围") from None


def _check_window(column: str, text: str, value: datetime, earliest: datetime, latest: datetime) -> None:
    """Refuse a date outside [earliest, latest], naming the column so the operator can find the cell."""
    if value < earliest or value > latest:
        raise ValueError(f"{column} {text!r} 超出可接受的日期范围（{earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d}）")


def import_hotline(service: Any, path: str | Path, mapping: HotlineMapping | None = None, *,
                   actor: str = "hotline-import", timeout: float = 300.0, datum: str = "wgs84",
                   geocode: Callable[[str], tuple[float, float] | None] | None = None) -> ImportReport:
    """Import a hotline export through ``service`` (a CaseService). Blocks: call from a worker or the CLI.

    ``datum``: the export's coordinates (the mapping's ``datum`` wins), converted to WGS-84 on entry.
    ``geocode``: address → WGS-84 (the local gazetteer) for rows without coordinates; a row it cannot place
    becomes a case flagged ``needs_placing`` for a dispatcher to put on the map.
    """
    mapping = mapping or load_mapping()
    frame = read_table(path)
    report = ImportReport(str(path), rows=len(frame))
    cols = mapping.resolve(list(frame.columns))
    missing = [f"{name} ({' / '.join(mapping.headers(name))})" for name in REQUIRED_FIELDS
               if name in mapping.columns and name not in cols]
    if missing:
        raise HotlineImportError(f"{path}: required column(s) missing: {', '.join(missing)}; the file has "
                           f"{', '.join(frame.columns)}; nothing imported")
    datum = mapping.datum or datum
    service.authorize(actor, "case.create")
    tz = service.calendar.tz
    specs: list[tuple[int, NewCase, int | None]] = []
    seen: set[str] = set()
    named = {name: cols.get(name, mapping.columns.get(name, name)) for name in FIELDS}  # for messages

    def cell(values: Mapping[str, Any], name: str) -> str:
        col = cols.get(name)
        return str(values.get(col, "") if col else "").strip()

    for index, values in enumerate(frame.to_dict("records")):
        row = index + 2  # Excel row: header is row 1
        ticket = cell(values, "external_id")
        if not any(str(v).strip() for v in values.values()):
            continue  # an empty line at the end of a sheet is not an error
        score: int | None = None
        try:
            score = mapping.score(cell(values, "rating"))
        except ValueError as exc:
            report.rating_refused.append((row, f"{named['rating']} {exc}"))
        try:
            if not ticket:
                raise ValueError(f"{named['external_id']} 为空")
            if ticket in seen:
                report.duplicates.append((row, ticket))
                continue
            kind = cell(values, "category")
            if not kind:
                raise ValueError(f"{named['category']} 为空")
            category = service.categories.get(mapping.categories.get(kind, kind))
            if category is None:
                raise ValueError(f"{named['category']} {kind!r} 无法对应到案件类别（可在映射文件 [categories] 中添加）")
            lat: float | None = None
            lon: float | None = None
            coords = cell(values, "coords")
            if coords:
                lat, lon = _parse_coords(coords)
            elif cell(values, "lat") and cell(values, "lon"):
                lat, lon = _parse_coords(f"{cell(values, 'lat')},{cell(values, 'lon')}")
            if lat is not None and lon is not None and datum != "wgs84":
                lat, lon = to_wgs84(lat, lon, datum)
            address = cell(values, "address")
            if lat is None and not address:
                raise ValueError("缺少事发地址和坐标")
            extra: dict[str, Any] = {"hotline_type": kind}
            if cell(values, "phone"):
                extra["reporter_phone"] = cell(values, "phone")
            if lat is None:
                placed = geocode(address) if geocode is not None else None
                if placed is not None:
                    lat, lon = placed
                    extra["geocoded"] = address
                else:
                    extra["needs_placing"] = True  # the dispatcher puts it on the map
            created = None
            now = service.clock()
            created_text = cell(values, "created_at")
            created_col = named["created_at"]
            if created_text:
                try:
                    created = _parse_time(created_text, tz)
                except ValueError as exc:
                    raise ValueError(f"{created_col} {exc}") from None
                _check_window(created_col, created_text, created, EARLIEST, now + MAX_AHEAD_CREATED)
            start = created or now
            deadline = None
            limit = cell(values, "time_limit")
            limit_col = named["time_limit"]
            if limit:
                days = _LIMIT_DAYS.match(limit)
                hours = _LIMIT_HOURS.match(limit)
                span = timedelta(days=float(days.group(1))) if days else \
                    timedelta(hours=float(hours.group(1))) if hours else None
                if span is not None and span > MAX_TIME_LIMIT:
                    raise ValueError(f"{limit_col} {limit!r} 超过一年，不是可信的办理时限")
                if days:
                    day_hours = service.calendar.hours_per_day
                    deadline = service.calendar.add_working_time(start, float(days.group(1)) * day_hours)
                elif hours:
                    deadline = service.calendar.add_working_time(start, float(hours.group(1)))
                else:
                    try:
                        deadline = _parse_time(limit, tz)
                    except ValueError:
                        raise ValueError(f"{limit_col} {limit!r} 无法识别"
                                         "（日期时间、N个工作日或N小时）") from None
                    _check_window(limit_col, limit, deadline, EARLIEST, start + MAX_TIME_LIMIT)
            seen.add(ticket)
            specs.append((row, NewCase(
                source=CaseSource.HOTLINE.value, category=category.code, description=cell(values, "description"),
                lat=lat, lon=lon, address=address, reporter=cell(values, "reporter"), external_id=ticket,
                created_at=created, deadline_at=deadline, extra=extra), score))
        except (ValueError, TypeError, OverflowError) as exc:
            report.bad_rows.append((row, str(exc)))

    def job(session: Session) -> list[tuple[int, str, str]]:
        tickets = [s.external_id for _, s, _ in specs]
        existing: dict[str, Case] = {}
        for chunk in range(0, len(tickets), 500):
            existing.update((str(c.external_id), c) for c in session.scalars(select(Case).where(
                Case.source == CaseSource.HOTLINE.value, Case.external_id.in_(tickets[chunk:chunk + 500]))))
        out: list[tuple[int, str, str]] = []
        for row, spec, score in specs:
            case = existing.get(str(spec.external_id))
            if case is not None:
                out.append((row, "dup", str(spec.external_id)))
            else:
                try:
                    with session.begin_nested():
                        case = service.insert_case(session, spec, actor)
                    out.append((row, "added", case.code))
                except ValueError as exc:
                    out.append((row, "bad", str(exc)))
                    continue
            if score is not None:
                out.append(_rate_row(session, service, case, row, score, actor))
        return out

    for row, outcome, value in service.submit("import", job).result(timeout):
        if outcome == "added":
            report.added.append(value)
        elif outcome == "dup":
            report.duplicates.append((row, value))
        elif outcome == "rated":
            code, _, score = value.partition(" ")
            report.rated.append((row, code, int(score)))
        elif outcome == "rating_refused":
            report.rating_refused.append((row, value))
        elif outcome == "bad":
            report.bad_rows.append((row, value))
    report.bad_rows.sort()
    report.duplicates.sort()
    report.rating_refused.sort()
    return report


def _rate_row(session: Session, service: Any, case: Case, row: int, score: int, actor: str) -> tuple[int, str, str]:
    """The 回访 rating of one row on its case, inside the import's transaction: (row, outcome, value)."""
    try:
        with session.begin_nested():
            recorded = service.ratings.rate_in(session, case, score, "hotline", actor)
    except RatingRefused as exc:
        return row, "rating_refused", str(exc)
    return (row, "rated", f"{case.code} {score}") if recorded else (row, "rating_same", case.code)


def cases_main(argv: list[str], *, service_factory: Callable[[str | None], Any] | None = None) -> int:
    """``commandcenter cases import FILE [--mapping FILE] [--db URL]``: prints a summary; 0 when the file was read."""
    parser = argparse.ArgumentParser(prog="commandcenter cases", description="案件管理：导入 12345 热线工单")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import a 12345 hotline export (.xlsx/.csv)")
    imp.add_argument("file")
    imp.add_argument("--mapping", help="column mapping (.toml/.json); default: the shipped hotline_mapping.toml")
    imp.add_argument("--db", help="database URL (default: the configured/embedded database)")
    imp.add_argument("--config", help="the TOML configuration: its database and [[users]] service accounts")
    add_credential_arguments(imp, "--actor")  # the cases are created, and audited, as the proven acting user
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        mapping = load_mapping(args.mapping)
        read_table(args.file)  # fail fast on an unreadable file before opening the database
    except HotlineImportError as exc:
        print(f"导入失败: {exc}", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config) if args.config else Config()
    except ConfigError as exc:
        print(f"导入失败: {exc}", file=sys.stderr)
        return 2
    url = args.db or config.database.url or None
    service = service_factory(url) if service_factory is not None else _default_service(url, config.users)
    try:
        tokens = {u.username: u.token_sha256 for u in config.users if u.token_sha256}
        actor = authenticate_cli(args, AuthService(service.store, AuditLog(service.store)), service_tokens=tokens)
        report = import_hotline(service, args.file, mapping, actor=actor, datum=config.hotline.datum,
                                geocode=_gazetteer(config).locate)
    except CliAuthError as exc:
        print(f"导入失败: {exc}", file=sys.stderr)
        return exc.exit_code
    except PermissionDenied as exc:  # recorded in the audit chain by the authorizer
        print(f"导入失败: {exc.message_zh}", file=sys.stderr)
        return 1
    except HotlineImportError as exc:
        print(f"导入失败: {exc}", file=sys.stderr)
        return 2
    finally:
        service.store.close()
    print(report.summary())
    return 0


def _gazetteer(config: Config) -> Any:
    """The local gazetteer of the bureau's basemap (the imported one, else the bundled district)."""
    from commandcenter.mapdata.gazetteer import Gazetteer
    from commandcenter.runtime.compose import load_basemap_checked

    basemap, _warning = load_basemap_checked(config.map.basemap or None)
    return Gazetteer.from_basemap(basemap)


def _default_service(url: str | None, users: Sequence[UserConfig] = ()) -> Any:
    """The case service of the CLI: permissions checked and every created case in the audit chain."""
    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.service import CaseService
    from commandcenter.golive.catalog import bureau_categories
    from commandcenter.store import Store

    store = Store(url)
    store.upgrade()
    audit = AuditLog(store)
    authorizer = Authorizer(store, audit, extra_roles={u.username: u.role for u in users})

    def record(session: Session, actor: str, action: str, subject: str, data: dict[str, Any]) -> None:
        audit.append(session, actor, action, subject, data)  # in the import's own transaction

    return CaseService(store, load_calendar(), bureau_categories(store), authorize=authorizer.authorize, audit=record,
                       guard=workflow_guard)


if __name__ == "__main__":
    sys.exit(cases_main(sys.argv[1:]))
