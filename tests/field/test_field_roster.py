"""The 班次 roster imported with ``data import roster`` (as the operator runs it, in a subprocess): rows checked
and named, a dry run, and the roster honoured — an officer is recommended only while his team is on shift and he
is on duty — and shown on the dispatch screen's 在班 panel, per team, in Chinese."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from commandcenter.cases.model import NewCase
from commandcenter.config import parse_config
from commandcenter.i18n import install_language
from commandcenter.runtime.compose import Services, build
from commandcenter.store import utcnow
from tests.golive.support import ROOT, import_file, snapshot, write_csv

from .conftest import CASE_AT, CATEGORY, OFFICER_AT, Phone, field_config_text, pair_phone

OUT = ROOT / "out" / "field"
NIGHT_TEAM = """
[[officers]]
id = "o3"
name = "王五"
badge = "B003"
team = "夜班养护队"
skills = ["设施维护"]
"""


def _roster_now() -> str:
    """市政养护队 works now; 夜班养护队's shift starts in three hours (either may run past midnight)."""
    beijing = datetime.now(timezone(timedelta(hours=8)))

    def hhmm(hours: float) -> str:
        return (beijing + timedelta(hours=hours)).strftime("%H:%M")

    return (f"中队,班次,开始,结束\n市政养护队,日班,{hhmm(-2)},{hhmm(2)}\n"
            f"夜班养护队,夜班,{hhmm(3)},{hhmm(5)}\n")


def test_a_roster_is_imported_all_or_nothing_with_rows_named(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'roster.db'}"
    good = write_csv(tmp_path / "roster.csv", "中队,班次,开始,结束\n一中队,日班,08:00,20:00\n一中队,夜班,20:00,08:00\n"
                                               "二中队,全天,00:00,00:00\n")
    dry = import_file("roster", good, db, "--dry-run")
    assert dry.returncode == 0 and "would add 3" in dry.stdout, dry.stdout + dry.stderr
    assert import_file("roster", good, db).returncode == 0
    before = snapshot(db)
    assert sorted(before["shift_roster"]) == [("一中队|夜班", "一中队", "夜班", "20:00", "08:00"),
                                              ("一中队|日班", "一中队", "日班", "08:00", "20:00"),
                                              ("二中队|全天", "二中队", "全天", "00:00", "00:00")]
    bad = import_file("roster", write_csv(tmp_path / "bad.csv", "中队,班次,开始,结束\n一中队,日班,08:00,20:00\n"
                                                                 ",早班,06:00,14:00\n一中队,中班,25:00,08:00\n"
                                                                 "一中队,日班,09:00,21:00\n"), db)
    assert bad.returncode == 1
    assert "row 3, 中队" in bad.stderr and "row 4, 开始" in bad.stderr and "row 5, 班次" in bad.stderr, bad.stderr
    assert snapshot(db) == before  # nothing of the bad file, not even its good first row
    missing = import_file("roster", write_csv(tmp_path / "cols.csv", "中队,班次,开始\n一中队,日班,08:00\n"), db)
    assert missing.returncode == 1 and "结束" in missing.stderr
    # the file is the roster of the teams it names: 一中队's 夜班 goes, 二中队 keeps its own
    again = import_file("roster", write_csv(tmp_path / "day.csv", "中队,班次,开始,结束\n一中队,日班,8:00,20:00\n"), db)
    assert again.returncode == 0 and "removed" in again.stdout and "一中队 夜班" in again.stdout, again.stdout
    assert sorted(r[0] for r in snapshot(db)["shift_roster"]) == ["一中队|日班", "二中队|全天"]


@contextlib.contextmanager
def _composed(tmp_path: Path) -> Iterator[Services]:
    db = f"sqlite:///{tmp_path / 'shifts.db'}"
    result = import_file("roster", write_csv(tmp_path / "roster.csv", _roster_now()), db)
    assert result.returncode == 0, result.stderr
    services = build(parse_config(field_config_text(db, NIGHT_TEAM), "roster-test.toml"))
    try:
        services.start()
        assert services.field_api is not None and services.field_api.ready.wait(10)
        yield services
    finally:
        services.stop()


def _stand(phone: Phone, at: tuple[float, float]) -> None:
    reply = phone.call("POST", "/field/v1/position", {"lat": at[0], "lon": at[1], "time": utcnow().isoformat()})
    assert reply.status == 200, reply.body


def test_recommendations_and_the_dispatch_screen_follow_the_imported_roster(qtbot: Any, qapp: Any,
                                                                            tmp_path: Path) -> None:
    from widgets.dispatch import DispatchScreen

    install_language(qapp, "zh")
    try:
        with _composed(tmp_path) as services:
            assert services.cases.recommender.teams_off() == frozenset({"夜班养护队"})
            api = services.field_api
            assert api is not None
            base = f"http://127.0.0.1:{api.bound_port}"
            day, home, night = (pair_phone(services, base, o) for o in ("o1", "o2", "o3"))
            _stand(night, CASE_AT)  # right there, on duty, but his 班次 has not begun
            _stand(home, CASE_AT)  # right there, on shift, but he went off duty (下班)
            _stand(day, OFFICER_AT)  # ~300 m away, on shift and on duty
            for phone, on in ((day, True), (home, False), (night, True)):
                assert phone.call("POST", "/field/v1/duty", {"on_duty": on}).body["on_duty"] is on
            case = services.cases.create_case(NewCase(source="dispatcher", category=CATEGORY, description="井盖松动",
                                                      lat=CASE_AT[0], lon=CASE_AT[1]), "system",
                                              register=True).result(10)
            services.cases.refresh_roster()
            assert [r.officer_id for r in services.cases.recommend(case.code)] == ["o1"]

            screen = DispatchScreen(services.cases, services.dispatch_feed)
            qtbot.addWidget(screen)
            services.dispatch_feed.start()
            screen.resize(1500, 850)
            screen.show()
            panel = screen.duty
            screen.tabs.setCurrentIndex(screen.tabs.indexOf(panel))
            assert screen.tabs.tabText(screen.tabs.indexOf(panel)) == "在班"

            def teams() -> dict[str, list[str]]:
                tree = panel.tree
                return {tree.topLevelItem(i).text(0): [tree.topLevelItem(i).text(c) for c in range(1, 5)]
                        for i in range(tree.topLevelItemCount())}

            qtbot.waitUntil(lambda: set(teams()) == {"市政养护队", "夜班养护队"}, timeout=10000)
            qtbot.waitUntil(lambda: teams()["市政养护队"][1:] == ["1", "1", "0"], timeout=10000)
            day_team, night_team = teams()["市政养护队"], teams()["夜班养护队"]
            assert day_team[0].startswith("日班 ") and night_team[0].startswith("休班（夜班 ")
            assert night_team[1:] == ["0", "0", "1"]
            assert panel.summary.text() == "当前在班 2 人，其中在岗 1 人、下班 1 人；休班 1 人。"
            tree = panel.tree
            for i in range(tree.topLevelItemCount()):
                tree.topLevelItem(i).setExpanded(True)
            people = {tree.topLevelItem(i).child(j).text(0): tree.topLevelItem(i).child(j).text(1)
                      for i in range(tree.topLevelItemCount()) for j in range(tree.topLevelItem(i).childCount())}
            assert people == {"张三": "在岗 · 空闲", "李四": "下班 · 休息", "王五": "休班 · 空闲"}, people
            OUT.mkdir(parents=True, exist_ok=True)
            assert screen.grab().save(str(OUT / "dispatch-on-shift.png"))
            screen.shutdown()
    finally:
        install_language(qapp, "en")


def test_the_configs_shifts_win_for_a_team_named_in_both() -> None:
    from datetime import time

    from commandcenter.cases.shifts import Shift, load_roster

    config = [Shift("一中队", "日班", time(8), time(20))]
    stored = [Shift("一中队", "夜班", time(20), time(8)), Shift("二中队", "夜班", time(20), time(8))]
    roster = load_roster(config, stored)
    assert [s.name for s in roster.shifts_of("一中队")] == ["日班"]
    assert roster.teams_off(time(22)) == frozenset({"一中队"})
    assert roster.teams_off(time(12)) == frozenset({"二中队"})
