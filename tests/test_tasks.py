"""The task manager: work off the GUI thread, results and errors back on it, a clean stop."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError
from typing import Any

import pytest
from PySide6.QtCore import QObject, QThread

from commandcenter.runtime.tasks import GuiBridge, TaskManager, TasksStopped


def test_run_returns_a_future_with_the_result_from_a_worker_thread(tasks: TaskManager) -> None:
    caller = threading.get_ident()
    assert tasks.run(lambda: (threading.get_ident() != caller, 6 * 7)).result(5) == (True, 42)


def test_an_exception_is_set_on_the_future(tasks: TaskManager) -> None:
    def boom() -> None:
        raise KeyError("案件 AJ1 不存在")

    with pytest.raises(KeyError, match="AJ1"):
        tasks.run(boom).result(5)
    assert tasks.run(lambda: "still working").result(5) == "still working"  # a failure does not kill a worker


def test_workers_are_bounded_and_started_only_when_needed() -> None:
    manager = TaskManager(2, name="bounded")
    assert manager.thread_count() == 0
    gate = threading.Event()
    running: list[int] = []
    lock = threading.Lock()
    peak = [0]

    def job() -> None:
        with lock:
            running.append(1)
            peak[0] = max(peak[0], len(running))
        gate.wait(5)
        with lock:
            running.pop()

    futures = [manager.run(job) for _ in range(6)]
    time.sleep(0.2)
    gate.set()
    for f in futures:
        f.result(5)
    assert peak[0] == 2 and manager.thread_count() == 2
    manager.stop()


def test_a_lane_keeps_its_limit_and_order(tasks: TaskManager) -> None:
    lane = tasks.lane("ordered", 1)
    seen: list[int] = []
    futures = [lane.run(lambda i=i: (time.sleep(0.01), seen.append(i))) for i in range(8)]
    for f in futures:
        f.result(5)
    assert seen == list(range(8))


def test_a_lane_drops_superseded_requests(tasks: TaskManager) -> None:
    lane = tasks.lane("latest", 1)
    gate = threading.Event()
    first = lane.run(lambda: gate.wait(5))
    stale = lane.run(lambda: "stale")
    assert lane.cancel_pending() == 1
    gate.set()
    assert first.result(5) is True
    with pytest.raises(CancelledError):
        stale.result(1)


def test_stop_refuses_new_work_cancels_queued_work_and_joins_the_threads() -> None:
    manager = TaskManager(1, name="stopping")
    gate = threading.Event()
    busy = manager.run(lambda: gate.wait(5))
    queued = manager.run(lambda: "never")
    threads = [t for t in threading.enumerate() if t.name.startswith("stopping-")]
    assert len(threads) == 1
    threading.Timer(0.1, gate.set).start()
    manager.stop()
    assert busy.result(1) is True  # the running job finished
    assert queued.cancelled()
    assert not any(t.is_alive() for t in threads)
    assert not [t for t in threading.enumerate() if t.name.startswith("stopping-")]
    with pytest.raises(TasksStopped, match=r"stopping.*stopped"):
        manager.run(lambda: None)
    with pytest.raises(TasksStopped):
        manager.lane("late")


def test_a_lane_of_long_waits_does_not_starve_other_work() -> None:
    """Drones flying to a case for minutes take the lane's own workers, never the ones reads need."""
    manager = TaskManager(1, name="starve")
    flights = manager.lane("flights", 2)
    gate = threading.Event()
    flying = [flights.run(lambda: gate.wait(10)) for _ in range(2)]
    assert manager.run(lambda: "read").result(5) == "read"
    gate.set()
    assert all(f.result(5) for f in flying)
    manager.stop()


def test_the_bridge_delivers_results_and_errors_on_the_gui_thread(qtbot: Any, tasks: TaskManager) -> None:
    owner = QObject()
    bridge = GuiBridge(tasks, owner)
    gui = QThread.currentThread()
    got: list[tuple[str, Any, bool]] = []

    def fail() -> None:
        raise ValueError("no such camera")

    bridge.run(lambda: threading.get_ident(), lambda v: got.append(("ok", v, QThread.currentThread() is gui)))
    bridge.run(fail, lambda v: got.append(("ok", v, False)),
               lambda e: got.append(("error", str(e), QThread.currentThread() is gui)))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    by_kind = {kind: (value, on_gui) for kind, value, on_gui in got}
    assert by_kind["ok"][0] != threading.get_ident() and by_kind["ok"][1]  # computed on a worker, told on the GUI
    assert by_kind["error"] == ("no such camera", True)


def test_the_bridge_never_calls_back_synchronously(qtbot: Any, tasks: TaskManager) -> None:
    """Even a future already done is delivered through the event loop, after the caller has returned."""
    bridge = GuiBridge(tasks)
    done = tasks.run(lambda: 1)
    done.result(5)
    got: list[int] = []
    bridge.watch(done, got.append)
    assert got == []
    qtbot.waitUntil(lambda: got == [1], timeout=5000)


def test_no_callback_after_the_owner_is_gone(qtbot: Any, tasks: TaskManager) -> None:
    owner = QObject()
    bridge = GuiBridge(tasks, owner)
    gate = threading.Event()
    got: list[object] = []
    bridge.run(lambda: gate.wait(5), got.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(bridge), timeout=5000)
    gate.set()
    qtbot.wait(200)
    assert got == []


def _alive(obj: QObject) -> bool:
    try:
        obj.objectName()
    except RuntimeError:
        return False
    return True


def test_the_health_section_counts_jobs_and_threads() -> None:
    manager = TaskManager(2, name="health")
    manager.run(lambda: 1).result(5)
    with pytest.raises(ZeroDivisionError):
        manager.run(lambda: 1 / 0).result(5)
    report = manager.report()
    assert (report["done"], report["failed"], report["stopped"]) == (1, 1, False)
    assert 1 <= report["threads"] <= report["max_threads"] == 2
    manager.stop()
    assert manager.report()["threads"] == 0 and manager.report()["stopped"]


def test_jobs_run_side_by_side_up_to_the_worker_count() -> None:
    """After a first burst, a second burst still gets every worker (no worker is believed idle while busy)."""
    manager = TaskManager(3, name="parallel")
    for _ in range(2):
        barrier = threading.Barrier(3, timeout=5)
        futures = [manager.run(barrier.wait) for _ in range(3)]  # only completes if all three run at once
        for f in futures:
            f.result(10)
    manager.stop()
