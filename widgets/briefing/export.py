"""Reports a leader hands on, from the briefing: the KPI report (Excel/PDF) of the chosen period and the month's
考核 — written by the kpi engineer's writers (the same as ``commandcenter report kpi`` / ``report assessment``).

The seat's user needs ``report.export`` (refused and audited in the core otherwise); the figures are computed
and the file written on the task manager, and the leader is told where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from commandcenter.config import KpiConfig
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionDenied, PermissionGate
from commandcenter.kpi.assessment import assess
from commandcenter.kpi.export import write_assessment, write_kpi
from commandcenter.kpi.figures import Period, compute_breakdowns
from commandcenter.runtime.tasks import GuiBridge
from commandcenter.store import Store
from widgets.briefing.save_dialog import ask_save_path

FILTERS = {"xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}


@dataclass
class ReportSettings:
    """Who the reports are from: the bureau's name, who prepared them, the 考核 weights and breakdowns."""

    bureau: str = ""
    prepared_by: str = ""
    kpi: KpiConfig = field(default_factory=KpiConfig)
    gate: PermissionGate = OPEN_GATE


def kpi_report_job(store: Store, period: Period, fmt: str, path: str, settings: ReportSettings) -> Callable[[], Path]:
    """The work of one KPI export (runs on a worker): every breakdown of the report, one read of the cases."""
    def job() -> Path:
        reports = compute_breakdowns(store, period, [None, *settings.kpi.report_breakdowns])
        return write_kpi(reports, path, fmt, bureau=settings.bureau, prepared_by=settings.prepared_by)
    return job


def assessment_job(store: Store, period: Period, fmt: str, path: str,
                   settings: ReportSettings) -> Callable[[], Path]:
    def job() -> Path:
        return write_assessment(assess(store, period, settings.kpi), path, fmt, bureau=settings.bureau,
                                prepared_by=settings.prepared_by)
    return job


def export_report(parent: QWidget, bridge: GuiBridge, settings: ReportSettings, fmt: str, stem: str,
                  job_for: Callable[[str], Callable[[], Path]], on_done: Callable[[Path], None] | None = None) -> None:
    """Check the permission, ask where (documents folder; ``stem`` names the period), write on the task manager."""
    title = QCoreApplication.translate("BriefingExport", "Export report")
    try:
        settings.gate.require("report.export")
    except PermissionDenied as exc:
        QMessageBox.warning(parent, title, QCoreApplication.translate(
            "BriefingExport", "You may not export reports (missing permission %1).").replace("%1", exc.permission))
        return
    path = ask_save_path(parent, title, stem, f".{fmt}", FILTERS[fmt], dated=False)
    if not path:
        return

    def done(written: Path) -> None:
        if on_done is not None:
            on_done(written)

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(parent, title, QCoreApplication.translate(
            "BriefingExport", "The report could not be written: %1").replace("%1", str(exc)))

    bridge.run(job_for(path), done, failed)
