"""Scheduled reports: which week and month are due when, written once to the folder, and the server's timer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from commandcenter.config import KpiConfig, parse_config
from commandcenter.kpi.schedule import ReportScheduler, due_reports, write_due
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store

from .dataset import seed_kpi_dataset

BOTH = KpiConfig(weekly_report=True, monthly_report=True, report_hour=7, report_formats=["json", "xlsx"],
                 report_breakdowns=["team"])


def test_the_due_week_and_month_follow_the_report_hour() -> None:
    # Monday 2026-12-07 06:59 Beijing: this Monday's report is not due yet → the week of Nov 23–29
    before = due_reports(datetime(2026, 12, 6, 22, 59, tzinfo=UTC), BOTH)
    assert [(d.stem, d.period.start, d.period.end) for d in before] == [
        ("kpi-week-2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("kpi-month-2026-11", date(2026, 11, 1), date(2026, 11, 30))]
    after = due_reports(datetime(2026, 12, 6, 23, 0, tzinfo=UTC), BOTH)  # 07:00: last week is due
    assert after[0].stem == "kpi-week-2026-W49" and after[0].period.end == date(2026, 12, 6)
    # the 1st before 07:00: October is still the latest due month
    early = due_reports(datetime(2026, 11, 30, 22, 0, tzinfo=UTC), KpiConfig(monthly_report=True))
    assert [d.stem for d in early] == ["kpi-month-2026-10"]
    assert due_reports(datetime(2026, 12, 7, tzinfo=UTC), KpiConfig()) == []  # nothing scheduled


def test_due_reports_are_written_once(store: Store, tmp_path: Path) -> None:
    seed_kpi_dataset(store)
    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # Wednesday: week 48 (Nov 23–29) and November are due
    written = write_due(store, BOTH, tmp_path, "某区城管局", now)
    assert sorted(p.name for p in written) == [
        "assessment-2026-11.json", "assessment-2026-11.xlsx", "kpi-month-2026-11.json", "kpi-month-2026-11.xlsx",
        "kpi-week-2026-W48.json", "kpi-week-2026-W48.xlsx"]
    import json

    month = json.loads((tmp_path / "kpi-month-2026-11.json").read_text(encoding="utf-8"))
    assert month["totals"]["registered"] == 6 and month["bureau"] == "某区城管局"
    assert write_due(store, BOTH, tmp_path, "某区城管局", now) == []  # already there: nothing rewritten


def test_the_scheduler_writes_on_the_task_manager(store: Store, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    tasks = TaskManager(name="kpi-test")
    try:
        scheduler = ReportScheduler(store, tasks, KpiConfig(monthly_report=True, report_formats=["json"]),
                                    tmp_path / "reports", "局")
        future = scheduler.check()
        assert future is not None
        written = future.result(timeout=60)
        assert [p.name for p in written][:1] and all(p.exists() for p in written)
        assert scheduler.report()["error"] == "" and scheduler.report()["written"]
    finally:
        tasks.stop()


def test_compose_schedules_reports_only_where_the_process_serves(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.runtime.compose import Role, build

    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n'
                          f'[kpi]\nmonthly_report = true\nreport_dir = "{tmp_path / "out"}"\n', "t.toml")
    for role, expected in ((Role.EMBEDDED, True), (Role.SEAT, False)):
        services = build(config, role=role)
        try:
            assert ("scheduled reports" in services.lifecycle.names) is expected, role
            assert ("reports" in services.health.build()) is expected, role
        finally:
            services.stop()
