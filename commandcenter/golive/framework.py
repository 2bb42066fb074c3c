"""The import contract every kind of go-live data follows: all rows or none, errors by row and field.

A bureau's roster, grid or camera list arrives as one file. Taking half of it would leave the command center
in a state nobody can describe ("which officers did it take?"), so a kind first reads the file, then checks and
writes every row inside ONE transaction of the store's writer; any bad row raises :class:`ImportRejected`
listing every bad row (row number in the sheet or feature number in the file, and the field), the transaction
rolls back and the database is as before. A dry run does the same work and rolls back on purpose, so the
counts it reports (added / updated / unchanged) are exactly what the real run would do.

Adding a kind: write a :class:`DataKind` (usually :func:`sheet_kind` over a row function) and add one line to
``commandcenter.golive.registry.KINDS``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import DeclarativeBase, Session

from commandcenter.golive.sheets import Column, SheetError, SheetRow, read_sheet
from commandcenter.store import Store

__all__ = ["CRS_CHOICES", "DataKind", "ImportCounts", "ImportOptions", "ImportRejected", "ImportResult",
           "PreparedImport", "RowProblem", "RowProblems", "run_import", "sheet_kind", "upsert"]

CRS_CHOICES = ("wgs84", "gcj02", "bd09")
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad row: where (row number in the sheet, header = 1; or feature number), which field, what."""

    row: int
    field: str
    message: str
    unit: str = "row"  # "row" for sheets, "feature" for GeoJSON/Shapefile/KML

    def __str__(self) -> str:
        return f"{self.unit} {self.row}, {self.field}: {self.message}"


class ImportRejected(ValueError):
    """The file was refused as a whole; ``problems`` says where and why. Nothing was written."""

    def __init__(self, path: Path, problems: Sequence[RowProblem], note: str = "") -> None:
        self.path = path
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(self.problems) - len(shown)
        text = "; ".join(shown) + (f"; … and {more} more" if more > 0 else "")
        super().__init__(f"{path}: {len(self.problems)} bad row(s), nothing imported: {text}{note}")


class RowProblems:
    """Collects the problems of a whole file, so one run reports every bad row, not only the first."""

    def __init__(self, path: Path, unit: str = "row") -> None:
        self.path = path
        self.unit = unit
        self.items: list[RowProblem] = []

    def add(self, row: int, field: str, message: str) -> None:
        self.items.append(RowProblem(row, field, message, self.unit))

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(self.path, self.items)


@dataclass
class ImportCounts:
    """What an import did (or, in a dry run, would do) to the database."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Options of ``data import`` that some kinds read: the datum of the file's coordinates."""

    crs: str = "wgs84"


@dataclass(frozen=True, slots=True)
class PreparedImport:
    """A file read and parsed, ready to be applied inside one writer transaction."""

    rows: int
    apply: Callable[[Session], ImportCounts]


class DataKind(Protocol):
    """One kind of go-live data (``officers``, ``grid`` …): reads its file, then applies it in a transaction."""

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    def prepare(self, path: Path, options: ImportOptions) -> PreparedImport:
        """Read the file; raise :class:`ImportRejected` / :class:`SheetError` when it cannot be taken."""
        ...


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    path: Path
    rows: int
    counts: ImportCounts
    dry_run: bool


RowFunction = Callable[[Session, Sequence[SheetRow], RowProblems], ImportCounts]


@dataclass(frozen=True, slots=True)
class _SheetKind:
    name: str
    summary: str
    columns: tuple[Column, ...]
    apply_rows: RowFunction

    def prepare(self, path: Path, options: ImportOptions) -> PreparedImport:
        rows = read_sheet(path, self.columns)

        def apply(session: Session) -> ImportCounts:
            problems = RowProblems(path)
            counts = self.apply_rows(session, rows, problems)
            problems.raise_if_any()
            return counts

        return PreparedImport(len(rows), apply)


def sheet_kind(name: str, summary: str, columns: Sequence[Column], apply_rows: RowFunction) -> DataKind:
    """A kind read from Excel or CSV: ``apply_rows(session, rows, problems)`` checks and upserts every row,
    adding a :class:`RowProblem` per bad row (the framework then rolls back and reports them all)."""
    return _SheetKind(name, summary, tuple(columns), apply_rows)


def upsert(session: Session, model: type[DeclarativeBase], key: object, values: Mapping[str, object]) -> str:
    """Insert or update one row by primary key; returns ``added``, ``updated`` or ``unchanged``."""
    row = session.get(model, key)
    if row is None:
        session.add(model(**values))
        return "added"
    if all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    for k, v in values.items():
        setattr(row, k, v)
    return "updated"


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction so the writer rolls it back."""

    def __init__(self, counts: ImportCounts) -> None:
        super().__init__("dry run")
        self.counts = counts


class _QuietDryRun(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the store's "write failed" warning for the planned rollbacks: a dry run's end and a rejected file
        (the rejection is reported to the caller, row by row)."""
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(a, _DryRun | ImportRejected) for a in args)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_import(store: Store, kind: DataKind, path: str | Path, *, dry_run: bool = False,
               options: ImportOptions | None = None, actor: str = "cli") -> ImportResult:
    """Import ``path`` as ``kind`` through the store's writer, all or nothing; audited as ``data.import``.

    Raises :class:`ImportRejected` (bad rows) or :class:`SheetError` (unreadable file, missing column); the
    database is unchanged then, and always after a dry run.
    """
    p = Path(path)
    if not p.is_file():
        raise SheetError(f"{p}: no such file")
    prepared = kind.prepare(p, options or ImportOptions())
    sha = file_sha256(p)

    def job(session: Session) -> ImportCounts:
        counts = prepared.apply(session)
        if dry_run:
            raise _DryRun(counts)
        from commandcenter.enforcement.audit import AuditLog

        AuditLog(store).append(session, actor, "data.import", kind.name,
                               {"file": p.name, "sha256": sha, "rows": prepared.rows, "added": counts.added,
                                "updated": counts.updated, "unchanged": counts.unchanged})
        return counts

    quiet = _QuietDryRun()
    store_log = logging.getLogger("commandcenter.store.store")
    store_log.addFilter(quiet)
    try:
        counts = store.write(job, timeout=600.0)
    except _DryRun as done:
        counts = done.counts
    finally:
        store_log.removeFilter(quiet)
    return ImportResult(kind.name, p, prepared.rows, counts, dry_run)
