"""History replay as a dispatcher uses it: it opens on the hour that has data, the slider can be dragged while
playing, a unit's trail and route break where it was silent or jumped, and the selected unit's route shows its
stops with a trip summary (distance, duration, moving time, stops with durations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from commandcenter.config import MapConfig
from commandcenter.geo.coords import haversine_m
from commandcenter.mapdata.trails import TrailBuffer
from commandcenter.mapdata.trips import trip_summary
from commandcenter.store import FixRow
from tests.map.test_screen import make_tracker, new_map, street_points  # noqa: F401 - fixture
from widgets.map import MapScreen

T0 = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)  # data from three days ago


def officer_day(store) -> tuple[list[FixRow], tuple[float, float], tuple[float, float], tuple[float, float]]:  # type: ignore[no-untyped-def]
    """20 min walking a→b, 10 min standing at b, 15 min silent, then 10 min walking from c (far from b)."""
    a, b = street_points(2, seed=5)
    c = (b[0] - 0.012, b[1] - 0.012)  # ≈ 1.7 km away
    rows = [FixRow("O001", T0 + timedelta(minutes=m), a[0] + (b[0] - a[0]) * m / 20, a[1] + (b[1] - a[1]) * m / 20,
                   1.5, 0.0, "sim") for m in range(21)]
    rows += [FixRow("O001", T0 + timedelta(minutes=m), b[0], b[1], 0.0, 0.0, "sim") for m in range(21, 31)]
    rows += [FixRow("O001", T0 + timedelta(minutes=m), c[0] + 0.0002 * (m - 45), c[1], 1.5, 0.0, "sim")
             for m in range(45, 56)]
    store.add_fixes(rows).result(10)
    return rows, a, b, c


def test_trip_summary_counts_stops_and_skips_the_jump() -> None:
    t = np.arange(0, 41 * 60, 60, dtype=float)
    lat = np.r_[np.linspace(32.0, 32.01, 21), np.full(10, 32.01), np.full(10, 32.05)]
    lon = np.full(41, 118.78)
    t[31:] += 900  # a 15 min silence, then 4.4 km further north
    trip = trip_summary("O001", t, lat, lon)
    assert len(trip.stops) == 2 and trip.stops[0].duration_s == pytest.approx(9 * 60 + 60, abs=61)
    assert trip.distance_m == pytest.approx(haversine_m(32.0, 118.78, 32.01, 118.78), rel=0.02)
    assert len(trip.segments) == 2
    # The live map's trails break by the same rule: 100 m in 100 s joins; 3.9 km in 60 s is a jump, not a line.
    buffer = TrailBuffer(3600, 50)
    for t, x in ((0.0, 0.0), (100.0, 100.0), (160.0, 4000.0)):
        buffer.push(np.asarray([0]), np.asarray([t]), np.asarray([x]), np.asarray([0.0]))
    _tx, _ty, joins = buffer.polyline(200.0)
    assert joins.tolist()[:2] == [1, 0]


@pytest.fixture
def replay_map(qtbot, new_map, store):  # type: ignore[no-untyped-def]  # noqa: F811
    officer_day(store)
    w: MapScreen = new_map(make_tracker(officers=3, vehicles=1, drones=0), MapConfig(), [], store=store)
    w.resize(1600, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_replay_opens_on_the_last_hour_with_data(qtbot, replay_map: MapScreen) -> None:  # type: ignore[no-untyped-def]
    w = replay_map
    last = (T0 + timedelta(minutes=55)).timestamp()
    qtbot.waitUntil(lambda: abs(w.replay.replay_to.dateTime().toSecsSinceEpoch() - last) <= 120, timeout=5000)
    span = w.replay.replay_to.dateTime().toSecsSinceEpoch() - w.replay.replay_from.dateTime().toSecsSinceEpoch()
    assert span == 3600
    with qtbot.waitSignal(w.history.loaded, timeout=10000):
        QTest.mouseClick(w.replay.load_button, Qt.MouseButton.LeftButton)
    assert w.replaying and w.history.data is not None and w.history.data.fix_count > 30


def _handle_centre(slider) -> QPoint:  # type: ignore[no-untyped-def]
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    return slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider).center()


def test_the_slider_is_dragged_while_playing_and_stays(qtbot, replay_map: MapScreen) -> None:  # type: ignore[no-untyped-def]
    w = replay_map
    with qtbot.waitSignal(w.history.loaded, timeout=10000):
        w.show_history(T0, T0 + timedelta(hours=1))
    clock = w.history.clock
    w.replay.speed_combo.setCurrentIndex(w.replay.speed_combo.findData(10))
    QTest.mouseClick(w.replay.play_button, Qt.MouseButton.LeftButton)
    assert clock.playing
    slider = w.replay.slider
    handle = _handle_centre(slider)
    target = QPoint(round(slider.width() * 0.75), handle.y())
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, pos=handle)
    for step in range(1, 11):
        QTest.mouseMove(slider, QPoint(handle.x() + (target.x() - handle.x()) * step // 10, handle.y()))
        qtbot.wait(20)
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=target)
    wanted = clock.start + (clock.end - clock.start) * 0.75
    assert clock.time == pytest.approx(wanted, abs=(clock.end - clock.start) * 0.04)
    assert clock.playing, "it plays on from where the slider was let go"
    qtbot.wait(400)
    assert clock.time >= wanted - (clock.end - clock.start) * 0.04, "no snap back to the old position"
    assert slider.value() >= 700


def test_the_selected_unit_shows_its_route_stops_and_trip(qtbot, replay_map: MapScreen) -> None:  # type: ignore[no-untyped-def]
    w = replay_map
    with qtbot.waitSignal(w.history.loaded, timeout=10000):
        w.show_history(T0, T0 + timedelta(hours=1))
    w.select_unit("O001")
    trip = w.replay_layers.trip
    assert trip is not None and len(trip.stops) == 1
    assert trip.stops[0].duration_s == pytest.approx(600, abs=60)
    assert len(trip.segments) == 2, "the silent quarter hour and the 1.7 km jump break the route"
    assert 0 < trip.moving_s < trip.duration_s
    assert w.replay.trip_label.isVisible()
    text = w.replay.trip_label.text()
    assert "km" in text and "1" in text and "10 min" in text
    # the drawn route has no line across the jump
    xs, ys = w.replay_layers.route.getData()
    connect = w.replay_layers.route.opts["connect"]
    assert xs is not None and ys is not None and len(xs) > 20
    legs = [float(np.hypot(xs[i + 1] - xs[i], ys[i + 1] - ys[i])) for i in range(len(xs) - 1) if connect[i]]
    assert max(legs) < 1000
    w.stop_replay()
    assert not w.replay.trip_label.isVisible()


def test_replay_trails_break_at_a_seek_across_the_gap(qtbot, replay_map: MapScreen) -> None:  # type: ignore[no-untyped-def]
    w = replay_map
    with qtbot.waitSignal(w.history.loaded, timeout=10000):
        w.show_history(T0, T0 + timedelta(hours=1))
    clock = w.history.clock
    for minute in (24, 26, 28, 50, 52, 54):  # through the stop, across the silence and the jump
        clock.seek((T0 + timedelta(minutes=minute)).timestamp())
    layer = w.replay_units
    w.select_unit("O001", centre=True)
    layer.rebuild_trails()
    x, y = layer.trail_item.getData()
    connect = layer.trail_item.opts["connect"]
    assert x is not None and y is not None and len(x) >= 4
    joined_legs = [float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i])) for i in range(len(x) - 1) if connect[i]]
    assert joined_legs, "the stretches on either side are drawn"
    assert max(joined_legs) < 1000, "no straight line from before the silence to 1.7 km away after it"


def test_a_wheel_over_the_replay_controls_changes_nothing(qtbot, replay_map: MapScreen) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from tests.test_wheel_guard import wheel
    from widgets.wheelguard import install_wheel_guard, remove_wheel_guard

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_wheel_guard(app)
    try:
        w = replay_map
        with qtbot.waitSignal(w.history.loaded, timeout=10000):
            w.show_history(T0, T0 + timedelta(hours=1))
        speed, slider = w.replay.speed_combo.currentData(), w.replay.slider.value()
        before = w.history.clock.time
        for control in (w.replay.speed_combo, w.replay.slider, w.replay.replay_from):
            wheel(control, -2)
        assert (w.replay.speed_combo.currentData(), w.replay.slider.value()) == (speed, slider)
        assert w.history.clock.time == before
    finally:
        remove_wheel_guard(app)
