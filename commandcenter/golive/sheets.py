"""Reading a bureau's spreadsheets: CSV (UTF-8 with or without BOM, else GBK as Excel in China saves it) and
Excel workbooks (.xlsx via openpyxl), into rows that remember their row number in the sheet (header = row 1).

Why row numbers travel with the values: every error an import reports names the row a clerk sees in Excel and
the column under the header they typed, so a 300-line roster is fixed in one pass instead of by bisection.
Headers are matched through aliases (Chinese as bureaus write them, English for exports of other systems).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Column", "SheetError", "SheetRow", "read_sheet"]


class SheetError(ValueError):
    """A file that cannot be read as a table at all (format, encoding, missing column), naming the file."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column an import understands: its field name, the headers that mean it, whether it must exist."""

    field: str
    aliases: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        """How errors name the column: the first (Chinese) header."""
        return self.aliases[0]


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its number in the sheet (header = 1) and its cells by field name (stripped text)."""

    number: int
    values: Mapping[str, str]

    def get(self, field: str) -> str:
        return self.values.get(field, "")


def _normalise(header: str) -> str:
    return "".join(header.split()).lower().lstrip("\ufeff")


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{path}: neither UTF-8 nor GBK text; save the sheet as CSV UTF-8 or as .xlsx")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 警号 00123 typed as a number as 123.0
    return str(value).strip()


def _raw_rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zip or XML damage: openpyxl raises several kinds
            raise SheetError(f"{path}: not a readable Excel workbook ({exc})") from exc
        try:
            sheet = book.worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".xls":
        raise SheetError(f"{path}: the old .xls format is not read; save it as .xlsx or CSV")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"{path}: cannot read ({exc.strerror})") from None
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(_decode(data, path)))]


def read_sheet(path: str | Path, columns: Sequence[Column]) -> list[SheetRow]:
    """The data rows of the first sheet of ``path`` with cells keyed by :attr:`Column.field`.

    A missing required column fails the whole file (naming it and the headers found); unknown headers are
    ignored. Blank rows are skipped but keep their numbers counted, so row N is the sheet's row N.
    """
    p = Path(path)
    rows = _raw_rows(p)
    if not rows:
        raise SheetError(f"{p}: empty file (row 1 must be the header)")
    header = [_normalise(h) for h in rows[0]]
    positions: dict[str, int] = {}
    for column in columns:
        for alias in column.aliases:
            if _normalise(alias) in header:
                positions[column.field] = header.index(_normalise(alias))
                break
    missing = [c.label for c in columns if c.required and c.field not in positions]
    if missing:
        found = ", ".join(h for h in rows[0] if h) or "(none)"
        raise SheetError(f"{p}: missing column {', '.join(missing)} (row 1 has: {found})")
    out: list[SheetRow] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell for cell in raw):
            continue
        values = {f: (raw[i] if i < len(raw) else "") for f, i in positions.items()}
        out.append(SheetRow(number, values))
    return out
