"""The runtime: links on their own threads, batched delivery to the GUI thread, backoff reconnects, health."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from PySide6.QtCore import QThread

from commandcenter.runtime.devices import DeviceManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from devices.base import LinkStats, PositionFix, Sink


class FastDevice:
    """Emits fixes as fast as it can: 1 kHz and more."""

    kind = "test"

    def __init__(self, id: str, n: int) -> None:
        self.id = id
        self.n = n
        self.stats = LinkStats()
        self.threads: set[int] = set()

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        self.threads.add(threading.get_ident())
        for i in range(self.n):
            sink(PositionFix("dev-1", "test", datetime.now(UTC), 32.0 + i * 1e-6, 118.7))
            self.stats.good()
        stop.wait()


class FlakyDevice:
    """Fails to open its link the first few times, like a serial port that is not plugged in yet."""

    kind = "flaky"

    def __init__(self, fail_times: int) -> None:
        self.id = "flaky"
        self.stats = LinkStats()
        self.attempts = 0
        self.fail_times = fail_times

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        self.attempts += 1
        if self.attempts <= self.fail_times:
            raise OSError(f"could not open /dev/ttyUSB9 (attempt {self.attempts})")
        self.stats.good()
        stop.wait()


def test_events_arrive_in_few_batches_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    manager = DeviceManager()
    batches: list[tuple[int, bool]] = []
    gui = QThread.currentThread()
    manager.events.connect(lambda b: batches.append((len(b), QThread.currentThread() is gui)))
    device = FastDevice("fast", 5000)
    manager.add(device)
    qtbot.waitUntil(lambda: sum(n for n, _ in batches) == 5000, timeout=10000)
    assert all(on_gui for _, on_gui in batches)
    assert len(batches) < 100, "5,000 events should cross in a handful of 50 ms batches, not one by one"
    assert threading.main_thread().ident not in device.threads
    manager.stop()


def test_a_failing_link_is_retried_with_backoff_and_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    manager = DeviceManager()
    device = FlakyDevice(fail_times=2)
    manager.add(device)
    qtbot.waitUntil(lambda: device.attempts >= 1, timeout=5000)
    report = manager.report()[0]
    assert report["state"] in ("error", "connecting", "online")
    started = time.monotonic()
    qtbot.waitUntil(lambda: device.attempts == 3, timeout=10000)
    waited = time.monotonic() - started
    assert waited >= 2.5, "two failures back off 1 s then 2 s before the third attempt"
    report = manager.report()[0]
    assert report["reconnects"] == 2
    assert "ttyUSB9" in report["last_error"]
    assert report["state"] == "online"
    manager.stop()


def test_a_quiet_link_turns_stale(qtbot) -> None:  # type: ignore[no-untyped-def]
    manager = DeviceManager()
    device = FastDevice("quiet", 1)
    manager.add(device, stale_after=0.3)
    qtbot.waitUntil(lambda: manager.report()[0]["state"] == "stale", timeout=5000)
    assert manager.summary() == (0, 1)
    manager.stop()


def test_tracker_coalesces_and_resolves_device_keys(qtbot) -> None:  # type: ignore[no-untyped-def]
    tracker = UnitTracker(store=None, max_rate_hz=20)
    tracker.register([UnitInfo("hw-001", "vehicle", "苏A·H0001", "环卫车", device_keys=("013912345678",))])
    emissions: list[list[object]] = []
    tracker.changed.connect(emissions.append)
    now = datetime.now(UTC)
    for i in range(1000):
        tracker.apply([PositionFix("013912345678", "jt808", now, 32.0 + i * 1e-6, 118.78, 20.0, 90.0)])
    tracker.apply([PositionFix("999", "jt808", now, 32.0, 118.0)])
    qtbot.waitUntil(lambda: bool(emissions), timeout=2000)
    qtbot.wait(200)
    assert len(emissions) <= 5, "a thousand updates within one frame are told to views once or twice"
    pos = tracker.get("hw-001")
    assert pos is not None and abs(pos.lat - (32.0 + 999e-6)) < 1e-9 and pos.name == "苏A·H0001"
    assert tracker.fixes_unknown == 1
    report = tracker.report()
    assert report[0]["id"] == "hw-001" and report[0]["source"] == "jt808" and report[0]["stale"] is False


def test_start_up_objects_are_frozen_and_new_garbage_still_collected(qtbot) -> None:  # type: ignore[no-untyped-def]
    import gc
    import weakref

    from commandcenter.runtime.gcguard import MainThreadGC

    class Node:
        pass

    kept = Node()  # what start-up built and keeps
    collector = MainThreadGC(interval_ms=20)
    try:
        collector.freeze(collect=True)
        assert gc.get_freeze_count() > 0, "what start-up left alive is out of the collector's walk"
        a, b = Node(), Node()  # a cycle made after start-up is still garbage the collector frees
        a.other, b.other = b, a  # type: ignore[attr-defined]
        probe = weakref.ref(a)
        del a, b
        live = [Node() for _ in range(gc.get_threshold()[0] + 10)]
        qtbot.waitUntil(lambda: probe() is None, timeout=5000)
        del live
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0, "stop() hands the frozen objects back to the collector"
    assert kept is not None


def test_garbage_is_collected_on_the_gui_thread_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    import gc
    import weakref

    from commandcenter.runtime.gcguard import MainThreadGC

    was_enabled = gc.isenabled()
    gc.enable()  # as in a fresh interpreter
    collector = MainThreadGC(interval_ms=20)
    try:
        assert not gc.isenabled(), "automatic (any-thread) collection is off"

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        probe = weakref.ref(a)
        del a, b
        live = [Node() for _ in range(gc.get_threshold()[0] + 10)]  # cross the generation-0 threshold
        qtbot.waitUntil(lambda: probe() is None, timeout=5000)
        del live
        assert collector.collections >= 1
    finally:
        collector.stop()
        assert gc.isenabled(), "stop() gives back the setting it found"
        if not was_enabled:
            gc.disable()


def test_an_unregistered_tracker_is_announced_once_per_key(qtbot) -> None:  # type: ignore[no-untyped-def]
    """``unknown_device`` is what tells the dispatcher (event list) that a device reports under a key no unit
    has; it fires once per key, not once per fix, and never for a registered device."""
    tracker = UnitTracker(store=None)
    tracker.register([UnitInfo("hw-001", "vehicle", "苏A·H0001", "环卫车", device_keys=("013912345678",))])
    announced: list[tuple[str, str]] = []
    tracker.unknown_device.connect(lambda source, key: announced.append((source, key)))
    now = datetime.now(UTC)
    for _ in range(3):
        tracker.apply([PositionFix("013900000000", "jt808", now, 32.0, 118.78),
                       PositionFix("013912345678", "jt808", now, 32.0, 118.78),
                       PositionFix("officer-77", "osmand", now, 32.0, 118.78)])
    assert announced == [("jt808", "013900000000"), ("osmand", "officer-77")]
    assert tracker.fixes_unknown == 6


def test_survivors_of_a_full_collection_are_frozen_and_the_hourly_sweep_finds_their_cycles(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A full collection freezes what survives it (the next one walks only newer objects, not 100 ms of old
    ones); cyclic garbage among frozen objects is found only by the sweep, which unfreezes everything first."""
    import gc
    import weakref

    from commandcenter.runtime.gcguard import MainThreadGC

    class Node:
        pass

    def frozen(obj: object) -> bool:
        return not any(o is obj for o in gc.get_objects())  # the permanent generation is not listed

    collector = MainThreadGC(interval_ms=3_600_000, full_every_s=0.0)  # the test drives check() itself
    collector.threshold = (0, 0, 0)
    allocations: list[list[Node]] = []  # kept: freeing objects counts against the allocations check() waits for
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        gc.collect(1)  # a generation-1 collection since the last full one: a full collection is due
        allocations.append([Node() for _ in range(10)])  # and new objects since (check() waits for some)
        collector.check()
        was_frozen = frozen(a)
        assert was_frozen, "what survived the full collection is frozen"
        probe = weakref.ref(a)
        del a, b  # now a frozen cycle: garbage no ordinary collection sees
        gc.collect(1)
        allocations.append([Node() for _ in range(10)])
        collector.check()
        survived = probe() is not None  # (not inside an assert: pytest would keep the object in a temporary)
        assert survived and collector.sweeps == 0, "an ordinary full collection does not see the frozen cycle"
        collector.sweep_every_s = 0.0
        gc.collect(1)
        allocations.append([Node() for _ in range(10)])
        collector.check()
        assert probe() is None, "the sweep unfroze and collected the frozen cycle"
        assert collector.sweeps == 1
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0 and allocations


def test_the_cheap_pyside_import_check_gives_pysides_answer_for_every_module() -> None:
    """``pyside_imports.install`` swaps PySide6's per-import source scan for a cheaper read: for every module of
    the command center, its libraries and the standard library it must answer as PySide6's own check does, and
    modules imported after it are then marked by the new check."""
    import json
    import subprocess
    import sys

    probe = """
import sys
import PySide6.QtCore
import commandcenter.runtime.compose, widgets.map.screen
from commandcenter.runtime import pyside_imports
feature = sys.modules["shibokensupport.feature"]
original = feature._mod_uses_pyside
answers = [(name, original(module), pyside_imports.mentions_pyside(module))
           for name, module in list(sys.modules.items()) if getattr(module, "__file__", "")]
differ = [name for name, theirs, ours in answers if theirs != ours]
assert pyside_imports.install() and feature._mod_uses_pyside is pyside_imports.mentions_pyside
assert "widgets.dispatch.dispatch_screen" not in sys.modules and "commandcenter.kpi.grouping" not in sys.modules
for name in ("widgets.dispatch.dispatch_screen", "commandcenter.kpi.grouping"):
    __import__(name, fromlist=["_"])  # the hook marks the module an import statement returns
marks = feature.pyside_feature_dict
import json
print(json.dumps([len(answers), sum(theirs for _n, theirs, _o in answers), differ,
                  marks["widgets.dispatch.dispatch_screen"], marks["commandcenter.kpi.grouping"]]))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    checked, using_pyside, differ, dispatch_mark, grouping_mark = json.loads(result.stdout.splitlines()[-1])
    assert checked > 500 and using_pyside > 20
    assert differ == []
    assert (dispatch_mark, grouping_mark) == (0, -1)  # uses PySide6 / does not
