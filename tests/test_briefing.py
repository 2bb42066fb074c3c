"""The leadership briefing: KPIs from the store, the supervision list, and a printable PDF with real text."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commandcenter.analytics import BriefingModel, case_kpis, source_performance
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store, models
from widgets.briefing import BriefingScreen


def _case(code: str, status: str, created: datetime, dispatched_after_min: float | None,
          category: str = "占道经营", source: str = "citizen") -> models.Case:
    dispatched = created + timedelta(minutes=dispatched_after_min) if dispatched_after_min is not None else None
    return models.Case(code=code, source=source, status=status, category_name=category, created_at=created,
                       updated_at=created, dispatched_at=dispatched,
                       arrived_at=dispatched + timedelta(minutes=10) if dispatched else None,
                       deadline_at=created + timedelta(hours=1))


def test_kpis_count_today_open_overdue_and_cad_medians(store: Store) -> None:
    now = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # noon in Beijing: every case below was created "today"
    recent = now - timedelta(minutes=30)
    store.write(lambda s: s.add_all([
        _case("A1", "dispatched", recent, 4), _case("A2", "closed", recent, 6),
        _case("A3", "reported", now - timedelta(hours=3), None, "暴露垃圾", "hotline"),
    ]))
    k = case_kpis(store, now)
    assert k["total"] == 3 and k["open"] == 2
    assert k["overdue"] == 1  # A3: reported three hours ago with a one-hour limit
    cad = {row["category"]: row for row in k["cad_by_category"]}
    assert cad["占道经营"]["queue_min"] == 5.0 and cad["占道经营"]["response_min"] == 15.0


def test_the_briefing_is_computed_only_once_someone_asks_and_then_kept_fresh(qtbot, store: Store,  # type: ignore[no-untyped-def]
                                                                            tasks: TaskManager) -> None:
    """A seat that never opens the briefing runs no KPI queries; once the screen asks, they repeat."""
    model = BriefingModel(store, tasks, interval_ms=50)
    seen: list[dict[str, object]] = []
    model.updated.connect(seen.append)
    try:
        qtbot.wait(400)
        assert seen == [] and not model.periodic and model.latest == {}
        model.refresh()
        qtbot.waitUntil(lambda: len(seen) >= 1, timeout=10_000)
        assert model.periodic and seen[0]["cases"]["total"] == 0 and seen[0]["source_performance"] == []  # type: ignore[index]
        store.write(lambda s: s.add(_case("B1", "reported", datetime.now(UTC), None)))
        # kept fresh by itself, and the new case's source is shown at once (an empty answer is not kept a minute)
        qtbot.waitUntil(lambda: seen[-1]["cases"]["total"] == 1  # type: ignore[index]
                        and [row["source"] for row in seen[-1]["source_performance"]] == ["citizen"],  # type: ignore[attr-defined]
                        timeout=10_000)
    finally:
        model.stop()
        qtbot.waitUntil(lambda: model._busy.acquire(blocking=False), timeout=10_000)  # the last one finished


def test_share_on_scene_in_30_min_and_handled_in_24_h_per_source_from_the_recorded_events(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)

    def case(code: str, source: str, age: timedelta, arrive_min: float | None, handled_h: float | None):  # type: ignore[no-untyped-def]
        def job(session):  # type: ignore[no-untyped-def]
            created = now - age
            row = _case(code, "handled" if handled_h is not None else "dispatched", created, 1, source=source)
            session.add(row)
            session.flush()
            if arrive_min is not None:
                session.add(models.CaseEvent(case_id=row.id, time=created + timedelta(minutes=arrive_min),
                                             actor="o1", action="arrive", from_status="dispatched",
                                             to_status="handling"))
            if handled_h is not None:
                session.add(models.CaseEvent(case_id=row.id, time=created + timedelta(hours=handled_h),
                                             actor="o1", action="feedback", from_status="handling",
                                             to_status="handled"))
        store.write(job)

    case("C1", "camera", timedelta(days=2), 12, 3)  # on scene in 12 min, handled in 3 h
    case("C2", "camera", timedelta(days=2), 45, 30)  # late on both
    case("C3", "camera", timedelta(minutes=10), None, None)  # too young to have missed anything
    case("H1", "hotline", timedelta(hours=2), 20, None)  # not yet 24 h old: counts for the 30-min target only
    case("O1", "citizen", timedelta(days=9), 5, 1)  # outside the 7-day window
    rows = {r["source"]: r for r in source_performance(store, now)}
    assert set(rows) == {"camera", "hotline"}
    cam = rows["camera"]
    assert (cam["cases"], cam["responded_30min"], cam["responded_of"], cam["handled_24h"], cam["handled_of"]) \
        == (3, 1, 2, 1, 2)
    assert cam["responded_share"] == 0.5 and rows["hotline"]["responded_share"] == 1.0
    assert rows["hotline"]["handled_share"] is None
    screen = BriefingScreen()
    qtbot.addWidget(screen)
    screen.show_data({"cases": {}, "source_performance": list(rows.values())})
    cells = [[screen.source_table.item(r, c).text() for c in range(4)]  # type: ignore[union-attr]
             for r in range(screen.source_table.rowCount())]
    assert ["50% (1/2)", "50% (1/2)"] == cells[0][2:] and cells[1][2:] == ["100% (1/1)", "—"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_printable_report_has_the_figures_as_text(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from commandcenter.i18n import install_language

    install_language(QApplication.instance(), "en")  # whatever language an earlier test left installed
    screen = BriefingScreen()
    qtbot.addWidget(screen)
    screen.show_data({
        "cases": {"total": 9, "open": 4, "overdue": 1, "today": 7, "today_closed": 3, "median_queue_min": 5.5,
                  "median_response_min": 14.0, "per_hour": [(9, 3), (10, 4)], "today_by_source": {"citizen": 7},
                  "cad_by_category": [{"category": "占道经营", "cases": 7, "queue_min": 5.5, "response_min": 14.0,
                                       "on_scene_min": 20.0}]},
        "units": {"officer": 200, "vehicle": 50}, "devices": (6, 6), "drones_airborne": 3,
        "escalations": [{"code": "AJ20261121000042", "category": "暴露垃圾", "status": "已派遣", "level": "overdue",
                         "remaining_hours": -1.5, "officer": "officer-0007"}],
        "at": datetime.now(UTC).isoformat(),
    })
    assert screen.escalation_table.rowCount() == 1
    out = tmp_path / "briefing.pdf"
    screen.export_pdf(str(out))
    raw = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
    text = unicodedata.normalize("NFKC", raw)  # the font's ligatures (ﬁ, ﬃ) back to letters
    compact = "".join(text.split())  # a narrow table cell may wrap a long code over two lines
    for expected in ("Open cases", "占道经营", "AJ20261121000042", "officer-0007", "200"):
        assert "".join(expected.split()) in compact, f"{expected!r} missing from the printed report"
