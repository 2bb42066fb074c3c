"""What the wall operator reaches for (issue 15): a 抓拍 confirmation on the tile, cameras in device health,
assignments that survive a layout change and marks in the camera tree, Chinese tile texts without backend
names, and docks that never scroll sideways. Real streams from the loopback RTSP server, real clicks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator

from commandcenter.config import CameraConfig
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.runtime.tasks import TaskManager
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.service import VideoService
from commandcenter.video.walls import MonitorWalls
from widgets.docks import EventsDock, HealthDock, state_word
from widgets.wall import WallScreen
from widgets.wall.tile import reason_text

pytestmark = pytest.mark.slow
TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"


@pytest.fixture
def chinese() -> Any:
    """The wall's Chinese catalogue installed, as the application does by default."""
    translator = QTranslator()
    assert translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "wall", "_", str(TRANSLATIONS))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def cameras(live_server: RtspTestServer) -> list[CameraConfig]:
    names = ["新街口东", "鼓楼广场", "中山路北", "夫子庙西"]
    cams = [CameraConfig(id=f"cam{i}", name=names[i - 1], url=live_server.url(i), group="玄武区")
            for i in range(1, 5)]
    return [*cams, CameraConfig(id="uav-1-video", name="巡查1号 视频", url=live_server.url(1), group="无人机")]


@pytest.fixture
def wall_screen(qtbot: Any, cameras: list[CameraConfig], tmp_path: Path, tasks: TaskManager) -> Any:
    video = VideoService(cameras, snapshot_dir=str(tmp_path), tasks=tasks)
    model = WallModel(cameras, video, WallLayout.uniform(2))
    screen = WallScreen(video, model, cameras, walls=MonitorWalls(cameras, video, model))
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    yield screen
    screen.release_all()
    video.shutdown()


def test_snapshot_is_confirmed_on_the_tile_with_picture_and_path(qtbot: Any, wall_screen: WallScreen,
                                                                 tmp_path: Path) -> None:
    tile = wall_screen.tiles[0]
    qtbot.waitUntil(lambda: tile.state == "live" and tile._image is not None, timeout=10_000)
    assert not tile.toast.isVisible()
    with qtbot.waitSignal(wall_screen.video.snapshotTaken, timeout=10_000) as signal:
        qtbot.mouseClick(tile._snap, Qt.MouseButton.LeftButton)  # the tile's 抓拍 button
    path = signal.args[1]
    assert tile.toast.isVisible()
    assert tile.toast.geometry().intersects(tile.rect())  # on the tile, where the operator looks
    assert tile.toast.thumb.pixmap() is not None and not tile.toast.thumb.pixmap().isNull()
    assert Path(path).name in tile.toast.path.text() and path in tile.toast.toolTip()
    assert Path(path).parent == tmp_path
    for other in wall_screen.tiles[1:]:
        assert not other.toast.isVisible()


def test_cameras_are_devices_with_their_state(qtbot: Any, wall_screen: WallScreen) -> None:
    video = wall_screen.video
    qtbot.waitUntil(lambda: all(t.state == "live" for t in wall_screen.tiles), timeout=10_000)
    report = {d["id"]: d for d in video.devices_report()}
    assert set(report) == {"cam1", "cam2", "cam3", "cam4", "uav-1-video"}
    assert report["uav-1-video"]["kind"] == "drone_video" and report["cam1"]["kind"] == "camera"
    assert all(report[c]["state"] == "online" for c in ("cam1", "cam2", "cam3", "cam4"))
    assert report["uav-1-video"]["state"] == "idle"  # not on the wall: no stream, left out of the count
    assert video.counts() == (4, 4)
    dock = HealthDock(lambda: [{"id": "osmand", "kind": "osmand", "state": "online", "messages": 3,
                                "bad_messages": 0, "reconnects": 0, "last_error": ""}, *video.devices_report()])
    qtbot.addWidget(dock)
    dock.refresh()
    names = [dock.table.item(r, 0).text() for r in range(dock.table.rowCount())]
    assert "cam1 新街口东" in names and "uav-1-video 巡查1号 视频" in names


def test_assignments_survive_a_layout_change_and_the_tree_marks_them(qtbot: Any, wall_screen: WallScreen) -> None:
    wall = wall_screen.wall
    wall.assign(3, "uav-1-video")  # the operator put the drone's video in cell 4
    assert wall_screen.apply_layout("3x3")
    assert wall.assignment[:4] == ["cam1", "cam2", "cam3", "uav-1-video"]
    assert "cam4" in wall.assignment  # the camera it replaced fills a new cell
    assert wall_screen.apply_layout("1x1")
    assert wall.assignment == ["cam1"]
    assert wall_screen.apply_layout("2x2")  # back: the cells come back as they were
    assert wall.assignment == ["cam1", "cam2", "cam3", "uav-1-video"]
    tree = wall_screen.tree
    assert tree.on_wall == {"cam1": 0, "cam2": 1, "cam3": 2, "uav-1-video": 3}
    marked = {camera.id: item for item, camera in tree._items}
    assert marked["uav-1-video"].font(0).bold() and not marked["cam4"].font(0).bold()
    assert "4" in marked["uav-1-video"].toolTip(0)
    # Double-click cam4 in the tree: it goes up in an empty or the alarm cell and the tree says so.
    wall.assign(2, None)
    item = marked["cam4"]
    rect = tree.tree.visualItemRect(item)
    qtbot.mouseClick(tree.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert wall.assignment[2] == "cam4" and tree.on_wall["cam4"] == 2 and item.font(0).bold()


def test_tile_texts_are_chinese_without_backend_names(qtbot: Any, chinese: Any, wall_screen: WallScreen) -> None:
    assert reason_text("connecting (pyav)") == "连接中…"
    assert reason_text("pyav could not open the source (timeout); trying another backend").find("pyav") < 0
    assert reason_text("Connection refused; reconnecting in 4 s") == "连接中断，4 秒后重连"
    # a parked stream is not a fault: the tile says why it is dark and that showing it reconnects
    assert reason_text("nobody watching for 20 s: disconnected until shown") == "20 秒无人观看，已断开，显示时重连"
    assert reason_text("reconnecting: shown again") == "重新显示，正在连接…"
    tile = wall_screen.tiles[0]
    tile.set_state("connecting", "connecting (vlc)")
    assert tile.reason == "连接中…" and "vlc" not in tile.toolTip() and "connecting" not in tile.toolTip()


def test_docks_never_scroll_sideways_and_show_the_state(qtbot: Any) -> None:
    rows = [{"id": f"jt808-terminal-0139{i:08d}-with-a-long-name", "kind": "jt808", "state": "online",
             "messages": 123456, "bad_messages": 0, "reconnects": 2, "last_error": ""} for i in range(5)]
    dock = HealthDock(lambda: rows)
    qtbot.addWidget(dock)
    dock.resize(380, 300)  # a narrow dock beside a 1920 px screen
    dock.show()
    dock.refresh()
    qtbot.wait(50)
    table = dock.table
    assert table.horizontalScrollBar().maximum() == 0
    state_right = table.columnViewportPosition(1) + table.columnWidth(1)
    assert 0 <= table.columnViewportPosition(1) and state_right <= table.viewport().width()
    assert table.item(0, 0).toolTip().startswith("jt808-terminal")  # the elided name whole in the tooltip
    events = EventsDock()
    qtbot.addWidget(events)
    events.resize(300, 300)
    events.show()
    events.add_event("warning", "osmand 0139000001: position from an unregistered device (no unit has this key) "
                     "— register the unit or check the terminal's configuration")
    qtbot.wait(50)
    assert events.list.horizontalScrollBar().maximum() == 0
    item = events.list.item(0)
    assert events.list.visualItemRect(item).height() > events.list.fontMetrics().height() * 1.5  # wrapped


def test_health_dock_follows_counters_and_state_changes_in_place(qtbot: Any) -> None:
    rows = [{"id": "jt808", "kind": "jt808", "state": "online", "messages": 10, "bad_messages": 0, "reconnects": 0,
             "last_error": ""}]
    dock = HealthDock(lambda: rows)
    qtbot.addWidget(dock)
    dock.refresh()
    table = dock.table
    state_item = table.item(0, 1)
    online = state_item.foreground().color()
    rows[0] = {**rows[0], "messages": 11, "state": "offline", "last_error": "Connection refused"}
    dock.refresh()
    assert table.item(0, 3).text() == "11"
    assert table.item(0, 1) is state_item and state_item.foreground().color() != online  # recoloured in place
    assert "Connection refused" in table.item(0, 3).toolTip()
    rows.append({**rows[0], "id": "osmand", "kind": "osmand", "state": "online"})
    dock.refresh()
    assert table.rowCount() == 2 and table.item(1, 0).text() == "osmand"


def test_a_hidden_health_dock_waits_and_shows_the_current_counters_when_opened(qtbot: Any) -> None:
    """Closed, the dock reads nothing each second; opened again, it shows the counters as they are now."""
    rows = [{"id": "jt808", "kind": "jt808", "state": "online", "messages": 10, "bad_messages": 0, "reconnects": 0,
             "last_error": ""}]
    reads: list[int] = []

    def report() -> list[dict[str, Any]]:
        reads.append(1)
        return rows

    dock = HealthDock(report)
    qtbot.addWidget(dock)
    dock.show()
    qtbot.waitUntil(lambda: dock.table.rowCount() == 1 and dock.table.item(0, 3).text() == "10")
    dock.hide()
    reads.clear()
    rows[0] = {**rows[0], "messages": 42, "state": "offline"}
    qtbot.wait(2300)  # two of its once-a-second refreshes
    assert reads == []
    dock.show()
    assert dock.table.item(0, 3).text() == "42" and dock.table.item(0, 1).text() == state_word("offline")


def test_a_counter_that_grows_digits_widens_its_column_and_leaves_the_others(qtbot: Any) -> None:
    """Only the column whose text changed length is measured again; it must still grow to show its number."""
    rows = [{"id": f"osmand-{i}", "kind": "osmand", "state": "online", "messages": 10, "bad_messages": 0,
             "reconnects": 0, "last_error": ""} for i in range(3)]
    dock = HealthDock(lambda: rows)
    qtbot.addWidget(dock)
    dock.resize(900, 300)  # room for every column
    dock.show()
    dock.refresh()
    qtbot.wait(20)
    table = dock.table
    before = {c: table.columnWidth(c) for c in range(1, 6)}
    rows[1] = {**rows[1], "messages": 1_234_567_890}
    dock.refresh()
    assert table.item(1, 3).text() == "1234567890"
    assert table.columnWidth(3) > before[3]
    assert table.columnWidth(3) >= table.sizeHintForColumn(3)  # the whole number shows, not elided
    assert {c: table.columnWidth(c) for c in (1, 2, 4, 5)} == {c: before[c] for c in (1, 2, 4, 5)}
